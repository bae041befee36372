"""The second sign-in step for staff: enter the code from an authenticator app.

A staff member without a confirmed authenticator is first shown a new secret (as text and
an otpauth:// link) and confirms it with a code; after that each sign-in asks for a code.
An admin can reset a lost authenticator by deleting its row in the Django admin.
"""

from datetime import timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from clinic import ratelimit, totp
from clinic.models import StaffTwoFactor
from clinic.staff_auth import SESSION_FLAG

ATTEMPT_LIMIT = 5
ATTEMPT_WINDOW = timedelta(minutes=10)


class CodeForm(forms.Form):
    code = forms.CharField(
        label="6-digit code from your authenticator app",
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )

    def __init__(self, *args, device: StaffTwoFactor, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        step = totp.matching_step(
            self.device.secret,
            code,
            timestamp=timezone.now().timestamp(),
            after_step=self.device.last_step,
        )
        if step is None:
            raise forms.ValidationError(
                "That code is not right (or was already used). Try the next one."
            )
        self.step = step
        return code


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("staff:day")


def _passed(request: HttpRequest, device: StaffTwoFactor, step: int) -> HttpResponseRedirect:
    device.last_step = step
    device.confirmed_at = device.confirmed_at or timezone.now()
    device.save(update_fields=["last_step", "confirmed_at"])
    request.session.cycle_key()
    request.session[SESSION_FLAG] = True
    return HttpResponseRedirect(_next_url(request))


def _code_step(
    request: HttpRequest, device: StaffTwoFactor, template: str, **context
) -> HttpResponse:
    form = CodeForm(request.POST or None, device=device)
    if request.method == "POST":
        if not ratelimit.hit(
            "two-factor", str(request.user.pk), limit=ATTEMPT_LIMIT, window=ATTEMPT_WINDOW
        ):
            return ratelimit.too_many_requests(request)
        if form.is_valid():
            return _passed(request, device, form.step)
    context |= {"form": form, "next": _next_url(request)}
    return render(request, template, context, status=422 if form.errors else 200)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    device = StaffTwoFactor.objects.filter(user=request.user, confirmed_at__isnull=False).first()
    if device is None:
        return redirect(f"{reverse('two_factor:setup')}?{request.GET.urlencode()}")
    return _code_step(request, device, "clinic/two_factor_verify.html")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    device, _ = StaffTwoFactor.objects.get_or_create(
        user=request.user, defaults={"secret": totp.new_secret()}
    )
    if device.confirmed_at is not None:
        return redirect(f"{reverse('two_factor:verify')}?{request.GET.urlencode()}")
    secret_groups = " ".join(device.secret[i : i + 4] for i in range(0, len(device.secret), 4))
    uri = totp.provisioning_uri(
        device.secret, account=request.user.get_username(), issuer="Medical & Sports Massage"
    )
    return _code_step(
        request, device, "clinic/two_factor_setup.html", secret=secret_groups, otpauth_uri=uri
    )
