from django.apps import AppConfig, apps
from django.db.models.signals import m2m_changed, post_delete, post_save

# Everything a public page shows; saving or deleting any of it changes the cached pages.
CONTENT_MODELS = [
    "clinic.ClinicProfile",
    "clinic.OpeningHours",
    "clinic.HomeSection",
    "clinic.Review",
    "clinic.TherapistProfile",
    "clinic.Picture",
    "services.Service",
    "services.ServiceLength",
    "services.Question",
    "bookings.Therapist",
]


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic"

    def ready(self) -> None:
        from clinic.page_cache import bump

        for label in CONTENT_MODELS:
            model = apps.get_model(label)
            post_save.connect(bump, sender=model, dispatch_uid=f"content-save-{label}")
            post_delete.connect(bump, sender=model, dispatch_uid=f"content-delete-{label}")
        therapist_services = apps.get_model("bookings.Therapist").services.through
        m2m_changed.connect(bump, sender=therapist_services, dispatch_uid="content-m2m")
