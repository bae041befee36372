"""The shape every history line shares: when, by whom, what changed (the appointment's, the
client record's, a therapist's time off). Abstract: each kind keeps its own table."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from bookings import clock


class ChangeRecord(models.Model):
    """One line of history. A subclass adds what it is about and an ``action`` with choices.

    ``details`` holds the fields that changed as ``{"field": [before, after]}`` in plain
    text; never intake or health details.
    """

    # Who made a change that no staff account made, in words.
    NOBODY = "Unknown"

    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.get_action_display()} at {clock.moment(self.at)}"

    @property
    def actor(self) -> str:
        """Return who made the change, in words."""
        return self.by.get_username() if self.by else self.NOBODY
