"""Staff pages, part 4: client emails that failed for good, and those still trying.

A failed email is a runner who was not told something (a booking, a move, a reminder), so
the page lists each with the client's name and phone: the desk phones them instead. The
reason shown is the mail server's code and text, recorded without the address.
"""

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from bookings import roles
from bookings.models import ClientMessage

LIMIT = 100
RELATED = ("appointment__client", "appointment__service_length__service")


@roles.staff_required(roles.MANAGE_BOOKINGS)
@require_safe
def emails(request: HttpRequest) -> HttpResponse:
    failed = list(
        ClientMessage.objects.failed()
        .to_clients()
        .select_related(*RELATED)
        .order_by("-failed_at", "-pk")[: LIMIT + 1]
    )
    # Pending and due, or already refused once: scheduled reminders are not news.
    waiting = (
        ClientMessage.objects.pending()
        .to_clients()
        .filter(Q(due_at__lte=timezone.now()) | Q(attempts__gt=0))
        .select_related(*RELATED)
        .order_by("due_at", "pk")[:LIMIT]
    )
    context = {
        "failed": failed[:LIMIT],
        "more_failed": len(failed) > LIMIT,
        "waiting": waiting,
        "can_see_client": request.user.has_perm(roles.MANAGE_CLIENTS),
    }
    return render(request, "staff/email_list.html", context)
