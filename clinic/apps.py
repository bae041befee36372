from django.apps import AppConfig, apps
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import m2m_changed, post_delete, post_save

# Everything a public page shows; saving or deleting any of it changes the cached pages.
CONTENT_MODELS = [
    "clinic.ClinicProfile",
    "clinic.OpeningHours",
    "clinic.PageSection",
    "clinic.Review",
    "clinic.TherapistProfile",
    "clinic.Picture",
    "services.Service",
    "services.ServiceLength",
    "services.Question",
    "bookings.Therapist",
    # The race rules: the booking steps keep them with the reference data (bookings/reference.py).
    "bookings.SuggestionRule",
    "bookings.TimingRule",
]


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic"
    default = True

    def ready(self) -> None:
        from clinic.page_cache import bump

        for label in CONTENT_MODELS:
            model = apps.get_model(label)
            post_save.connect(bump, sender=model, dispatch_uid=f"content-save-{label}")
            post_delete.connect(bump, sender=model, dispatch_uid=f"content-delete-{label}")
        therapist_services = apps.get_model("bookings.Therapist").services.through
        m2m_changed.connect(bump, sender=therapist_services, dispatch_uid="content-m2m")


class ClinicAdminConfig(admin_apps.AdminConfig):
    """The Django admin, served by the site that admits clinic admins only."""

    default = False  # named in INSTALLED_APPS; "clinic" alone means ClinicConfig
    default_site = "clinic.admin_site.ClinicAdminSite"
