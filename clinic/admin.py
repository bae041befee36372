from django.contrib import admin
from django.http import HttpRequest

from clinic.models import ClinicProfile, HomeSection, OpeningHours, Review, TherapistProfile


@admin.register(ClinicProfile)
class ClinicProfileAdmin(admin.ModelAdmin):
    fieldsets = [
        (None, {"fields": ["name", "tagline"]}),
        (
            "Address and contact",
            {"fields": ["street_address", "locality", "region", "postal_code", "phone", "email"]},
        ),
        ("Home page", {"fields": ["hero_heading", "hero_text"]}),
        (
            "Visiting",
            {
                "fields": [
                    "map_url",
                    "parking",
                    "transit",
                    "accessibility",
                    "what_to_wear",
                    "payment_methods",
                    "receipts",
                    "cancellation_policy",
                ]
            },
        ),
        ("Reviews", {"fields": ["review_markup"]}),
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


@admin.register(HomeSection)
class HomeSectionAdmin(admin.ModelAdmin):
    list_display = ["heading", "published", "ordering"]
    list_editable = ["published", "ordering"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["first_name", "race", "rating", "service", "published", "ordering"]
    list_editable = ["published", "ordering"]
    list_filter = ["published", "rating", "service"]
    search_fields = ["first_name", "race", "quote"]


@admin.register(TherapistProfile)
class TherapistProfileAdmin(admin.ModelAdmin):
    list_display = ["therapist", "license_number", "practicing_since"]
    search_fields = ["therapist__name", "license_number"]
