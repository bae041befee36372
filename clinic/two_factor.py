"""The second sign-in step for staff: a code from an authenticator app, or a recovery code.

Built on django-otp. Each staff member has one TOTP device (their authenticator app) and one
static device holding ten single-use recovery codes. Someone without a confirmed
authenticator first sees a QR code and the key, confirms it with a code, and is then shown
their new recovery codes once. An admin resets a lost authenticator by deleting its TOTP
device in the Django admin; the next sign-in sets up a new one (and new recovery codes).
"""

import base64
import io
from datetime import timedelta
from urllib.parse import urlencode

import django_otp
import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from bookings import roles
from clinic import ratelimit

ATTEMPT_LIMIT = 5
ATTEMPT_WINDOW = timedelta(minutes=10)
RECOVERY_CODE_COUNT = 10
# New recovery codes wait here between the setup POST and the page showing them (once).
NEW_CODES_SESSION_KEY = "two_factor_new_recovery_codes"


class CodeForm(forms.Form):
    code = forms.CharField(
        label="6-digit code from your authenticator app",
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )

    def __init__(self, *args, authenticator: TOTPDevice, recovery: Device | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.authenticator = authenticator
        self.recovery = recovery
        if recovery is not None:
            self.fields["code"].label = "Code from your authenticator app, or a recovery code"
            self.fields["code"].widget.attrs["inputmode"] = "text"

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split()).lower()
        is_app_code = len(code) == 6 and code.isascii() and code.isdigit()
        device = self.authenticator if is_app_code else self.recovery
        if device is None:
            raise forms.ValidationError("Enter the 6 digits your authenticator app shows.")
        with transaction.atomic():
            # The row lock makes two requests racing with one code (or one recovery code)
            # take turns, so only the first is accepted: django-otp then records its step
            # (or deletes the recovery code) before the second one looks.
            device = type(device).objects.select_for_update().get(pk=device.pk)
            allowed, _ = device.verify_is_allowed()
            # verify_token saves the throttling count itself, so no error is raised in here
            # (that would roll the count back).
            verified = allowed and device.verify_token(code)
        if not allowed:
            raise forms.ValidationError(
                "Too many wrong codes in a row. Wait a few seconds, then try the next code."
            )
        if not verified:
            raise forms.ValidationError(
                "That code is not right (or was already used). Try the next one."
            )
        self.device = device
        return code


def _next_url(request: HttpRequest) -> str:
    """Return where to go after this step: `next` if it stays on this site, else /staff/."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("staff:day")


def _with_query(name: str, request: HttpRequest) -> str:
    query = request.GET.urlencode()
    return reverse(name) + (f"?{query}" if query else "")


def _signed_in_with(request: HttpRequest, device: Device, *, then: str) -> HttpResponseRedirect:
    # A new session key once the second factor is passed, like Django's login does.
    request.session.cycle_key()
    django_otp.login(request, device)
    return HttpResponseRedirect(then, status=303)


def _code_step(
    request: HttpRequest, form: CodeForm, template: str, **context
) -> HttpResponse | None:
    """Return a response for a refused or shown code step, or None once the code is right."""
    if request.method == "POST":
        if not ratelimit.hit(
            "two-factor", str(request.user.pk), limit=ATTEMPT_LIMIT, window=ATTEMPT_WINDOW
        ):
            return ratelimit.too_many_requests(request)
        if form.is_valid():
            return None
    context |= {"form": form, "next": _next_url(request)}
    return render(request, template, context, status=422 if form.errors else 200)


def _authenticator(user: AbstractBaseUser) -> TOTPDevice | None:
    """Return the confirmed authenticator app of `user`, if any."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Return the code step of every sign-in after the first (app code or recovery code)."""
    authenticator = _authenticator(request.user)
    if authenticator is None:
        return redirect(_with_query("two_factor:setup", request))
    recovery = StaticDevice.objects.devices_for_user(request.user, confirmed=True).first()
    form = CodeForm(request.POST or None, authenticator=authenticator, recovery=recovery)
    refused = _code_step(request, form, "clinic/two_factor_verify.html")
    if refused is not None:
        return refused
    if isinstance(form.device, StaticDevice):
        left = form.device.token_set.count()
        messages.warning(
            request,
            f"You signed in with a recovery code ({left} left, each works once). If your "
            "phone is lost, ask a clinic admin to reset your authenticator.",
        )
    return _signed_in_with(request, form.device, then=_next_url(request))


def _qr_code(uri: str) -> str:
    """Return `uri` as a QR code in an SVG data URI (the CSP allows data: images)."""
    svg = io.BytesIO()
    segno.make(uri, error="m").save(svg, kind="svg", scale=5, border=2, xmldecl=False)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.getvalue()).decode()


def _replace_recovery_codes(user: AbstractBaseUser) -> list[str]:
    """Return ten new recovery codes for `user`, replacing any earlier ones."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes")
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Return the first sign-in's setup step: QR code and key, confirmed with one code."""
    user = request.user
    if _authenticator(user) is not None:
        return redirect(_with_query("two_factor:verify", request))
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    form = CodeForm(request.POST or None, authenticator=device, recovery=None)
    key = base64.b32encode(device.bin_key).decode()
    refused = _code_step(
        request,
        form,
        "clinic/two_factor_setup.html",
        key_groups=[key[i : i + 4] for i in range(0, len(key), 4)],
        qr_code=_qr_code(device.config_url),
    )
    if refused is not None:
        return refused
    device = form.device  # the copy that recorded the code's step
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        codes = _replace_recovery_codes(user)
    then = reverse("two_factor:recovery_codes") + "?" + urlencode({"next": _next_url(request)})
    response = _signed_in_with(request, device, then=then)
    request.session[NEW_CODES_SESSION_KEY] = codes
    return response


@never_cache
@login_required
@require_GET
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """Return the page showing the recovery codes just made, the one time they are shown."""
    # Shown once: the session forgets them now, and django-otp keeps them only until used.
    codes = request.session.pop(NEW_CODES_SESSION_KEY, None)
    context = {"codes": codes, "next": _next_url(request)}
    return render(request, "clinic/two_factor_recovery_codes.html", context)


@roles.staff_required(*roles.STAFF_PERMISSIONS, any_of=True)
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Return the staff page for changing one's own password."""
    form = PasswordChangeForm(request.user, request.POST or None)
    # A signed-in session left open is no license to guess the password behind it: every
    # attempt counts, before the old password is checked, so a right guess is refused too.
    if request.method == "POST" and not ratelimit.hit(
        "password-change", str(request.user.pk), limit=ATTEMPT_LIMIT, window=ATTEMPT_WINDOW
    ):
        return ratelimit.too_many_requests(request)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        # Keeps this session (and its passed second factor); other sessions end.
        update_session_auth_hash(request, user)
        messages.success(request, "Your password has been changed.")
        return HttpResponseRedirect(reverse("staff:day"), status=303)
    return render(
        request, "staff/password_change.html", {"form": form}, status=422 if form.errors else 200
    )
