"""Staff sign-in hardening: throttled password attempts and a second factor (django-otp).

Failed sign-ins are counted per (username, client IP) pair in PostgreSQL, so a person
guessing one account's password is stopped without locking everyone else out: the whole
clinic may share one IP behind its router, and other accounts from it are unaffected.
"""

from datetime import timedelta
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from clinic import ratelimit

FAILURE_SCOPE = "signin-failure"
FAILURE_LIMIT = 5
FAILURE_WINDOW = timedelta(minutes=15)


class ThrottledSignIn:
    """Refuse sign-in after FAILURE_LIMIT wrong passwords per username and IP in 15 minutes."""

    request: HttpRequest | None
    error_messages: dict

    def _identity(self) -> str:
        username = (self.data.get("username") or "").strip().lower()[:150]
        return f"{username}|{ratelimit.client_ip(self.request) if self.request else '-'}"

    def clean(self) -> dict:
        identity = self._identity()
        if ratelimit.count(FAILURE_SCOPE, identity, window=FAILURE_WINDOW) >= FAILURE_LIMIT:
            raise forms.ValidationError(
                "Too many failed sign-ins for this account. Please wait 15 minutes, "
                "or ask a clinic admin to help.",
                code="throttled",
            )
        try:
            return super().clean()
        except forms.ValidationError:
            ratelimit.hit(FAILURE_SCOPE, identity, limit=FAILURE_LIMIT, window=FAILURE_WINDOW)
            raise


def _needs_second_factor(request: HttpRequest) -> bool:
    if not settings.STAFF_REQUIRE_2FA:
        return False
    user = getattr(request, "user", None)
    # django-otp's OTPMiddleware (above this one) sets is_verified() from the session.
    return bool(user and user.is_authenticated and not user.is_verified())


class SecondFactorMiddleware:
    """Send signed-in staff who have not passed their second factor to the code step.

    Guards every staff area (/staff/ and /admin/) except signing in and out and the
    second-factor pages themselves.
    """

    PROTECTED = ("/staff/", "/admin/")

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(self.PROTECTED) and _needs_second_factor(request):
            exempt = {
                reverse("staff:login"),
                reverse("staff:logout"),
                reverse("admin:logout"),
                reverse("two_factor:verify"),
                reverse("two_factor:setup"),
            }
            if request.path not in exempt:
                query = urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(f"{reverse('two_factor:verify')}?{query}")
        return self.get_response(request)
