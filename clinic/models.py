"""The clinic's own profile: address, contact, opening hours and visit policies."""

from django.core.exceptions import ValidationError
from django.db import models


class ClinicProfile(models.Model):
    """The one row describing the clinic; admins edit it, every page reads it."""

    name = models.CharField(max_length=120, default="Medical & Sports Massage")
    tagline = models.CharField(max_length=200, blank=True)
    street_address = models.CharField(max_length=200)
    locality = models.CharField("city", max_length=100, default="Sandy Springs")
    region = models.CharField("state", max_length=2, default="GA")
    postal_code = models.CharField(max_length=10)
    phone = models.CharField(max_length=30)
    email = models.EmailField()
    parking = models.TextField(help_text="How to get here and where to park.")
    what_to_wear = models.TextField(help_text="What to wear and bring to a session.")
    cancellation_policy = models.TextField()

    class Meta:
        verbose_name = "clinic profile"
        constraints = [
            # A singleton: the primary key is always 1.
            models.CheckConstraint(condition=models.Q(pk=1), name="clinicprofile_singleton"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> "ClinicProfile":
        """Return the clinic's profile, or an unsaved default when none exists yet."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)

    @property
    def phone_href(self) -> str:
        """Return the phone number as a tel: link target."""
        return "tel:+1" + "".join(ch for ch in self.phone if ch.isdigit())[-10:]

    @property
    def address_lines(self) -> list[str]:
        return [self.street_address, f"{self.locality}, {self.region} {self.postal_code}"]


class OpeningHours(models.Model):
    """The clinic's doors-open hours for one weekday (shown to visitors and search engines)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0
        TUESDAY = 1
        WEDNESDAY = 2
        THURSDAY = 3
        FRIDAY = 4
        SATURDAY = 5
        SUNDAY = 6

    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["weekday", "opens"]
        verbose_name_plural = "opening hours"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")),
                name="openinghours_closes_after_opens",
            ),
            models.UniqueConstraint(fields=["weekday", "opens"], name="openinghours_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M} to {self.closes:%H:%M}"

    def clean(self) -> None:
        if self.opens and self.closes and self.closes <= self.opens:
            raise ValidationError({"closes": "Closing time must be after opening time."})

    @property
    def schema_day(self) -> str:
        """Return the schema.org day name (https://schema.org/DayOfWeek)."""
        return self.Weekday(self.weekday).label


class RateLimitWindow(models.Model):
    """How often one key (a hashed client IP or email) acted in one fixed time window.

    Shared by every gunicorn worker because it lives in PostgreSQL; see clinic.ratelimit.
    """

    key = models.CharField(max_length=80)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["key", "window_start"], name="ratelimitwindow_unique_key_window"
            )
        ]
        indexes = [models.Index(fields=["window_start"], name="ratelimitwindow_start_idx")]

    def __str__(self) -> str:
        return f"{self.key} @ {self.window_start:%Y-%m-%d %H:%M}: {self.count}"
