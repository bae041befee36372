"""Therapists (and, with the scheduling core, their hours, rooms and appointments)."""

from django.db import models
from django.urls import reverse

from services.models import Service


class TherapistQuerySet(models.QuerySet):
    def active(self) -> "TherapistQuerySet":
        return self.filter(active=True)


class Therapist(models.Model):
    """A massage therapist: a public profile and the services they offer."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    credentials = models.CharField(
        max_length=120, blank=True, help_text="e.g. LMT, certified in sports massage."
    )
    bio = models.TextField(help_text="A short paragraph for the therapists page.")
    services = models.ManyToManyField(Service, related_name="therapists", blank=True)
    active = models.BooleanField(default=True, help_text="Inactive therapists are hidden.")
    ordering = models.PositiveSmallIntegerField(default=0)

    objects = TherapistQuerySet.as_manager()

    class Meta:
        ordering = ["ordering", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("therapists") + f"#{self.slug}"
