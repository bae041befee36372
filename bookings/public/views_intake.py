"""The runner intake step, reached by the booking's manage link once the time is secured.

From the confirmation page (the browser that booked, which may have typed someone else's
email) the form is blank and merges into what is on file. From the link in the email (or a
"find my bookings" link), which only the mailbox's owner holds, it is prefilled with the
runner's own answers and saved as given, so an answer can be cleared. Either way the page
is never cached and the answers travel only in the POST body.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from bookings import online
from bookings.http import see_other
from bookings.models import Appointment, Guardian, RunnerIntake
from bookings.public.intake_forms import IntakeForm, initial_from
from bookings.public.views import BOOKED
from bookings.public.views_manage import _context, _detail, _with_appointment


@never_cache
@require_http_methods(["GET", "POST"])
@_with_appointment
def intake(request: HttpRequest, appointment: Appointment, token: str) -> HttpResponse:
    """Show the intake form (GET); save it and go back to the booking (POST)."""
    context = _context(appointment, token)
    if appointment.status != Appointment.Status.BOOKED:
        return _detail(request, context, "This booking is no longer open for changes.", 409)
    from_email = token not in request.session.get(BOOKED, {}).values()
    initial = {}
    if from_email:
        initial = initial_from(RunnerIntake.objects.filter(client=appointment.client).first())
        if guardian := Guardian.objects.filter(appointment=appointment).first():
            initial |= {
                "guardian_phone": guardian.phone,
                "guardian_relationship": guardian.relationship,
            }
    now = timezone.now()
    form = IntakeForm(
        request.POST or None,
        initial=initial,
        today=timezone.localdate(now),
        session_day=timezone.localdate(appointment.start),
    )
    if request.method == "POST" and form.is_valid():
        answers, guardian_answers = form.answers()
        online.record_intake(
            appointment=appointment,
            answers=answers,
            now=now,
            replace=from_email,
            guardian=guardian_answers,
        )
        messages.success(request, "Thank you: your therapist will read this before your session.")
        return see_other(reverse("bookings:manage", args=[token]))
    context |= {"form": form, "prefilled": from_email}
    status = 422 if form.errors else 200
    return render(request, "bookings/intake_form.html", context, status=status)
