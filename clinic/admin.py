from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.admin_site import is_clinic_admin
from clinic.models import ClinicProfile, OpeningHours


@admin.register(ClinicProfile)
class ClinicProfileAdmin(admin.ModelAdmin):
    fieldsets = [
        (None, {"fields": ["name", "tagline"]}),
        (
            "Address and contact",
            {"fields": ["street_address", "locality", "region", "postal_code", "phone", "email"]},
        ),
        ("Visiting", {"fields": ["parking", "what_to_wear", "cancellation_policy"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One profile only; seed_demo (or the first save) creates it.
        return super().has_add_permission(request) and not ClinicProfile.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: ClinicProfile | None = None) -> bool:
        return False


@admin.register(OpeningHours)
class OpeningHoursAdmin(admin.ModelAdmin):
    list_display = ["weekday", "opens", "closes"]
    list_editable = ["opens", "closes"]
    list_display_links = ["weekday"]


class ResetOnly:
    """Let every clinic admin see and delete sign-in devices, and nobody add or edit one.

    Deleting a lost phone's authenticator is how an admin resets it: the owner sets up a new
    one (with new recovery codes) at their next sign-in. The role groups hold no django-otp
    permissions, so this asks for the role instead; secrets stay hidden
    (OTP_ADMIN_HIDE_SENSITIVE_DATA) and devices are only ever made by their owner.
    """

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_clinic_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return is_clinic_admin(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return is_clinic_admin(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class AuthenticatorAdmin(ResetOnly, TOTPDeviceAdmin):
    pass


class RecoveryCodesAdmin(ResetOnly, StaticDeviceAdmin):
    inlines = []  # the codes themselves are for their owner only


# Importing django-otp's admin modules above registered their own versions first.
for model, model_admin in [(TOTPDevice, AuthenticatorAdmin), (StaticDevice, RecoveryCodesAdmin)]:
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
