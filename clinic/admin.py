from django.contrib import admin
from django.http import HttpRequest

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
