"""Rebook nudges: the clinic's settings for them, and the keys of their unsubscribe links.

A nudge is a ``ClientMessage`` of kind ``nudge`` tied to the visit that prompted it; a
partial unique index on that pair is what makes it "once per visit" (bookings/nudges.py).
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from bookings.models.clients import Client

DEFAULT_LEAD = "Your next session before the long run?"


class NudgeSettings(models.Model):
    """The one row of rebook-nudge settings; admins edit it, ``send_nudges`` reads it."""

    enabled = models.BooleanField(
        "send rebook nudges",
        default=False,
        help_text="Email runners in a training block some days after a completed visit.",
    )
    days_after = models.PositiveSmallIntegerField(
        "days after the visit",
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    services = models.ManyToManyField(
        "services.Service",
        blank=True,
        related_name="+",
        help_text="Visits of these services prompt a nudge. None chosen: every service.",
    )
    lead_line = models.CharField(
        "lead line",
        max_length=120,
        default=DEFAULT_LEAD,
        help_text="The email's subject and first line.",
    )
    look_ahead_days = models.PositiveSmallIntegerField(
        "suggest times within (days)",
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="Suggested times fall within this many days (and before the runner's race).",
    )
    suggestions = models.PositiveSmallIntegerField(
        "times suggested",
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(6)],
    )

    class Meta:
        verbose_name = verbose_name_plural = "rebook nudges"
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="nudgesettings_singleton"),
            models.CheckConstraint(
                condition=models.Q(days_after__gte=1, look_ahead_days__gte=1, suggestions__gte=1),
                name="nudgesettings_positive",
            ),
        ]

    def __str__(self) -> str:
        return "Rebook nudges"

    def save(self, *args, **kwargs) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> "NudgeSettings":
        """Return the settings, or an unsaved default (switched off) when none exist yet."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class NudgeToken(models.Model):
    """The digest of one unsubscribe link (minted when a nudge is composed; never the token)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="nudge_tokens")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Unsubscribe link of {self.client}"
