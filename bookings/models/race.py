"""The clinic's rules for a runner's race: which sessions to suggest around it, and which
sessions to warn about before it. Both are edited in the admin (bookings/admin.py)."""

from django.db import models

from services.models import Service, ServiceLength


class SuggestionRule(models.Model):
    """A session to suggest around a runner's race, in a window of hours from the race.

    A race's date is known, not its hour: windows are counted from 8:00 AM on race day
    (``bookings.race.RACE_STARTS``), when most road races start.
    """

    class Kind(models.TextChoices):
        PRE_RACE = "pre_race", "Pre-race session"
        RECOVERY = "recovery", "Recovery session"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    service_length = models.ForeignKey(
        ServiceLength, on_delete=models.CASCADE, related_name="+", verbose_name="service"
    )
    min_hours = models.PositiveSmallIntegerField(
        "from (hours)",
        help_text="The session starts at least this many hours before the race (pre-race) "
        "or after it (recovery).",
    )
    max_hours = models.PositiveSmallIntegerField(
        "to (hours)", help_text="…and at most this many hours before or after it."
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "min_hours", "pk"]
        verbose_name = "race suggestion rule"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_hours__lt=models.F("max_hours")),
                name="suggestionrule_window_not_empty",
                violation_error_message="The window must end after it starts: "
                "make “to” more hours than “from”.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.service_length}, {self.window_display}"

    @property
    def window_display(self) -> str:
        """Return the window in the clinic's words, "3 to 5 days before the race"."""
        side = "before" if self.kind == self.Kind.PRE_RACE else "after"
        if self.min_hours % 24 == 0 and self.max_hours % 24 == 0 and self.min_hours >= 72:
            return f"{self.min_hours // 24} to {self.max_hours // 24} days {side} the race"
        return f"{self.min_hours} to {self.max_hours} hours {side} the race"


class TimingRule(models.Model):
    """A service the clinic advises against in the hours before a race.

    The runner is told why and offered the alternative, and may go ahead after reading it
    (recorded); staff may book it with a reason (recorded in the appointment's history).
    """

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="timing_rules")
    hours_before_race = models.PositiveSmallIntegerField(
        default=48, help_text="No session of this service ends within this many hours before."
    )
    explanation = models.CharField(
        max_length=300,
        help_text="Shown to the runner, e.g. “Deep tissue work can leave your legs sore for "
        "a day or two, so we keep it away from race week.”",
    )
    alternative = models.ForeignKey(
        ServiceLength,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The session to suggest instead.",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["service__ordering", "hours_before_race", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hours_before_race__gt=0),
                name="timingrule_hours_positive",
                violation_error_message="Give the hours before the race, more than zero.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service.title}: not within {self.hours_before_race} hours before a race"
