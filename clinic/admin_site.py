"""The Django admin for clinic admins only.

Front desk and therapists are staff too (``is_staff`` lets them sign in), but the admin's
forms bypass the staff pages' rules, so every admin page answers them with the staff 403
page. Signing in happens on the staff sign-in page, which also asks for the second factor.
"""

from collections.abc import Callable

from django.contrib import admin
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from bookings import roles

REFUSAL = "The Django admin is for clinic admins only."


def is_clinic_admin(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Return whether `user` may use the Django admin (superusers count as clinic admins)."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    return user.is_superuser or user.groups.filter(name=roles.CLINIC_ADMIN).exists()


class ClinicAdminSite(admin.AdminSite):
    site_header = "Medical & Sports Massage administration"
    site_title = "Clinic admin"

    def has_permission(self, request: HttpRequest) -> bool:
        return is_clinic_admin(request.user)

    def admin_view(self, view: Callable, cacheable: bool = False) -> Callable:
        guarded = super().admin_view(view, cacheable)

        def refuse_other_staff(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not self.has_permission(request):
                return roles.forbidden(request, REFUSAL)
            return guarded(request, *args, **kwargs)

        # Keep what the admin's wrapper carries (csrf_exempt, the view's name).
        refuse_other_staff.__dict__.update(guarded.__dict__)
        refuse_other_staff.__wrapped__ = guarded
        return refuse_other_staff

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        # One sign-in door for all staff (bookings' sign-in page): throttled wrong
        # passwords, then the second factor. The staff sign-in page checks `next`.
        index = reverse("admin:index", current_app=self.name)
        if not request.user.is_authenticated:
            return redirect_to_login(request.GET.get("next") or index)
        if not self.has_permission(request):
            return roles.forbidden(request, REFUSAL)
        return HttpResponseRedirect(index)
