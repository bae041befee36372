"""The unsubscribe link of a rebook nudge: GET asks, POST turns nudges off, at once.

The link's token (192 random bits, stored hashed) is the only key, and it stands for the
client, not a booking: it keeps working after the visit, and a repeat is answered kindly.
The pages show nothing about the runner. POST is exempt from CSRF because RFC 8058 mail apps
send the one-click ``List-Unsubscribe=One-Click`` POST without a form token, and the key is in
the path: a forged cross-site POST would need the token, which only the email carries.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from bookings import nudges
from bookings.http import see_other


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def nudges_off(request: HttpRequest, token: str) -> HttpResponse:
    """Ask whether to stop rebook nudges (GET); stop them (POST)."""
    try:
        client = nudges.client_for_link(token)
    except nudges.UnknownLink:
        return render(request, "bookings/nudge_invalid.html", status=404)
    if request.method == "POST":
        nudges.set_nudges(
            client=client, wanted=False, by=None, door="email link", now=timezone.now()
        )
        return see_other(reverse("bookings:nudges_stopped"))
    context = {"already": client.nudges_off_at is not None}
    return render(request, "bookings/nudge_confirm.html", context)


@require_safe
def nudges_stopped(request: HttpRequest) -> HttpResponse:
    """Say that rebook nudges are off (where the unsubscribe POST lands)."""
    return render(request, "bookings/nudge_stopped.html")
