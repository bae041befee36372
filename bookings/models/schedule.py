"""Where and when therapists work: therapists, rooms, hours, absences, closures, policy."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Func
from django.db.models.functions import Cast
from django.urls import reverse

from bookings import clock
from bookings.models.history import ChangeRecord
from clinic.models import OpeningHours
from services.models import Service


class TsTzRange(Func):
    """``tstzrange(lower, upper)``: the half-open ``[lower, upper)`` span of two timestamps."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class WallClockRange(Func):
    """A range of two wall-clock times; PostgreSQL has no timerange, so both sit on one date."""

    template = "TSRANGE(DATE '2000-01-03' + %(expressions)s, '[)')"
    arg_joiner = ", DATE '2000-01-03' + "
    output_field = DateTimeRangeField()

    def __init__(self, start: str, end: str) -> None:
        super().__init__(Cast(start, models.TimeField()), Cast(end, models.TimeField()))


def _hhmm(start, end) -> str:
    return clock.time_range(start, end)


class TherapistQuerySet(models.QuerySet):
    def active(self) -> "TherapistQuerySet":
        return self.filter(active=True)

    def offering(self, service: Service | int) -> "TherapistQuerySet":
        return self.filter(services=service)


class Therapist(models.Model):
    """A massage therapist: a public profile, a login, and the services they offer.

    A therapist offers every length of each service they offer.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="therapist",
        limit_choices_to={"is_staff": True},
        help_text="The staff account this therapist signs in with to see their schedule.",
    )
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    credentials = models.CharField(
        max_length=120, blank=True, help_text="e.g. LMT, certified in sports massage."
    )
    bio = models.TextField(help_text="A short paragraph for the therapists page.")
    services = models.ManyToManyField(
        Service,
        related_name="therapists",
        blank=True,
        help_text="The therapist offers every length of these services.",
    )
    active = models.BooleanField(
        default=True, help_text="Inactive therapists are hidden and cannot be booked."
    )
    ordering = models.PositiveSmallIntegerField(default=0)
    max_sessions_per_day = models.PositiveSmallIntegerField(
        "maximum sessions per day",
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Leave empty to use the clinic's limit in the booking policy. "
        "Staff bookings are held to it too.",
    )
    # SHA-256 of the secret in the therapist's calendar-feed URL; empty until one is issued.
    # Resetting it revokes every copy of the old URL.
    feed_token_digest = models.CharField(max_length=64, blank=True, editable=False)
    # Short emails when a runner books, moves or cancels online (never health details).
    notice_email = models.EmailField(
        "email for notices",
        blank=True,
        help_text="Where online bookings, moves and cancellations are sent. "
        "Empty: the linked account's email.",
    )
    hears_bookings = models.BooleanField("email me online bookings", default=True)
    hears_moves = models.BooleanField("email me online moves", default=True)
    hears_cancellations = models.BooleanField("email me online cancellations", default=True)

    objects = TherapistQuerySet.as_manager()

    class Meta:
        ordering = ["ordering", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("therapists") + f"#{self.slug}"


class RoomQuerySet(models.QuerySet):
    def active(self) -> "RoomQuerySet":
        return self.filter(active=True)

    def suiting(self, service: Service | int) -> "RoomQuerySet":
        return self.filter(services=service)


class Room(models.Model):
    """A treatment room or table; an appointment needs one that suits its service."""

    name = models.CharField(max_length=80, unique=True)
    services = models.ManyToManyField(
        Service, related_name="rooms", blank=True, help_text="Services this room is equipped for."
    )
    active = models.BooleanField(default=True, help_text="Inactive rooms are never assigned.")

    objects = RoomQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WeeklyHours(models.Model):
    """One working interval of a therapist on a weekday, in local wall-clock time.

    Several a day are fine; the gaps between them are breaks.
    """

    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="weekly_hours")
    weekday = models.PositiveSmallIntegerField(choices=OpeningHours.Weekday.choices)
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["therapist", "weekday", "start"]
        verbose_name_plural = "weekly hours"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")),
                name="weeklyhours_end_after_start",
                violation_error_message="The end must be after the start.",
            ),
            # Deferred, so an admin form can move two intervals past each other in one save.
            ExclusionConstraint(
                name="weeklyhours_no_overlap",
                expressions=[
                    ("therapist", RangeOperators.EQUAL),
                    ("weekday", RangeOperators.EQUAL),
                    (WallClockRange("start", "end"), RangeOperators.OVERLAPS),
                ],
                deferrable=models.Deferrable.DEFERRED,
                violation_error_message="These hours overlap other hours on the same day.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {_hhmm(self.start, self.end)}"

    def clean(self) -> None:
        if self.start is None or self.end is None:
            return
        if self.end <= self.start:
            raise ValidationError({"end": "The end must be after the start."})
        same_day = WeeklyHours.objects.filter(therapist_id=self.therapist_id, weekday=self.weekday)
        overlapping = same_day.filter(start__lt=self.end, end__gt=self.start).exclude(pk=self.pk)
        if clash := overlapping.first():
            raise ValidationError({"start": f"Overlaps {clash}, already set for this therapist."})


class DateHours(models.Model):
    """Hours for one date, replacing that date's weekly hours: other times, an extra day, or
    (with no start and end) a day off. Several intervals may share a date."""

    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="date_hours")
    date = models.DateField()
    start = models.TimeField(
        null=True, blank=True, help_text="Leave start and end empty for a day off."
    )
    end = models.TimeField(null=True, blank=True)
    note = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["therapist", "date", "start"]
        verbose_name = "hours for one date"
        verbose_name_plural = "hours for one date"
        constraints = [
            models.CheckConstraint(
                # Spelled out: a NULL end would make "end > start" unknown, and so pass.
                condition=models.Q(start__isnull=True, end__isnull=True)
                | models.Q(start__isnull=False, end__isnull=False, end__gt=models.F("start")),
                name="datehours_end_after_start",
                violation_error_message="Give an end after the start, or neither for a day off.",
            ),
        ]

    def __str__(self) -> str:
        times = "day off" if self.start is None else _hhmm(self.start, self.end)
        return f"{clock.day(self.date, year=True)}, {times}"

    def clean(self) -> None:
        if (self.start is None) != (self.end is None):
            missing = "end" if self.end is None else "start"
            raise ValidationError({missing: "Give a start and an end, or neither for a day off."})
        if self.start is not None and self.end <= self.start:
            raise ValidationError({"end": "The end must be after the start."})
        # A day off clashes with anything else on its date.
        same_date = DateHours.objects.filter(therapist_id=self.therapist_id, date=self.date)
        if self.start is not None:
            same_date = same_date.filter(
                models.Q(start__isnull=True) | models.Q(start__lt=self.end, end__gt=self.start)
            )
        if clash := same_date.exclude(pk=self.pk).first():
            raise ValidationError({"date": f"Clashes with {clash} already set for this therapist."})


class TimeOff(models.Model):
    """A therapist's absence, from part of a day to many days."""

    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="time_off")
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    # Who entered it (the therapist themselves, or the desk blocking time); a therapist may
    # remove only what they entered. None: entered in the admin, or before this was kept.
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["start"]
        verbose_name_plural = "time off"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")),
                name="timeoff_end_after_start",
                violation_error_message="The end must be after the start.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.therapist}: {clock.moment(self.start)} to {clock.moment(self.end)}"

    def clean(self) -> None:
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": "The end must be after the start."})


class TimeOffChange(ChangeRecord):
    """Time off entered or removed, kept after the time off itself is gone: ``details``
    holds its ``start`` and ``end`` (ISO) and ``reason``."""

    class Action(models.TextChoices):
        ADDED = "added", "Time off added"
        REMOVED = "removed", "Time off removed"

    therapist = models.ForeignKey(
        Therapist, on_delete=models.CASCADE, related_name="time_off_changes"
    )
    action = models.CharField(max_length=10, choices=Action.choices)

    class Meta:
        ordering = ["-at", "-pk"]


class ClinicClosure(models.Model):
    """A day the whole clinic is closed, such as a public holiday."""

    date = models.DateField()
    name = models.CharField(max_length=120, help_text="e.g. Thanksgiving")

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["date"],
                name="clinicclosure_unique_date",
                violation_error_message="The clinic is already closed that day.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({clock.day(self.date, year=True)})"


class BookingPolicy(models.Model):
    """The one row of booking rules; admins edit it, availability and booking read it."""

    STEP_CHOICES = [(m, f"{m} minutes") for m in (5, 10, 15, 20, 30, 60)]

    slot_step_minutes = models.PositiveSmallIntegerField(
        "slot start interval",
        choices=STEP_CHOICES,
        default=15,
        help_text="Sessions start on the hour and every this many minutes after it.",
    )
    min_notice_hours = models.PositiveSmallIntegerField("minimum notice (hours)", default=12)
    horizon_days = models.PositiveSmallIntegerField(
        "booking horizon (days)", default=60, validators=[MinValueValidator(1)]
    )
    change_cutoff_hours = models.PositiveSmallIntegerField(
        "change/cancel cut-off (hours)",
        default=24,
        help_text="Clients change or cancel online until this long before the session.",
    )
    max_sessions_per_day = models.PositiveSmallIntegerField(
        "maximum sessions per therapist per day",
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Leave empty for no limit. A therapist's own limit, if set, replaces it.",
    )
    reminder_hours_before = models.PositiveSmallIntegerField(
        "reminder (hours before)", default=24, validators=[MinValueValidator(1)]
    )
    # What the consent text promises; the desk records a fee owed at checkout.
    late_cancellation_hours = models.PositiveSmallIntegerField(
        "late cancellation window (hours)",
        default=24,
        help_text="A cancellation made less than this long before the session is late.",
    )
    late_cancellation_fee = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text="Owed for a late cancellation (never more than the session's price). 0 for none.",
    )
    no_show_fee = models.DecimalField(
        "no-show fee",
        max_digits=7,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text="Owed for a missed session (never more than its price). 0 for none.",
    )
    # The front desk's own notices of what runners do online.
    desk_email = models.EmailField(
        "front desk email",
        blank=True,
        help_text="Where online bookings, moves and cancellations are sent. Empty: none.",
    )
    desk_hears_bookings = models.BooleanField("email the desk online bookings", default=True)
    desk_hears_moves = models.BooleanField("email the desk online moves", default=True)
    desk_hears_cancellations = models.BooleanField(
        "email the desk online cancellations", default=True
    )
    check_in_opens_minutes = models.PositiveSmallIntegerField(
        "check-in opens (minutes before)",
        default=60,
        validators=[MaxValueValidator(12 * 60)],
        help_text="The front desk can check a client in from this long before the session, "
        "on the day of the session.",
    )

    class Meta:
        verbose_name = "booking policy"
        verbose_name_plural = "booking policy"
        constraints = [
            # A singleton: the primary key is always 1.
            models.CheckConstraint(condition=models.Q(pk=1), name="bookingpolicy_singleton"),
            models.CheckConstraint(
                condition=models.Q(slot_step_minutes__gt=0, horizon_days__gt=0),
                name="bookingpolicy_positive_step_and_horizon",
            ),
            models.CheckConstraint(
                condition=models.Q(late_cancellation_fee__gte=0, no_show_fee__gte=0),
                name="bookingpolicy_fees_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return "Booking policy"

    def save(self, *args, **kwargs) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> "BookingPolicy":
        """Return the booking policy, or an unsaved default when none exists yet."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class AvailabilityVersion(models.Model):
    """A random token per UTC date, replaced by database triggers whenever availability
    touching that date may have changed; the row for ``EVERY_DAY`` changes with whatever
    shapes every day (weekly hours, rooms, therapists, the policy, lengths).

    ``bookings.availability_cache`` keys what it keeps by these tokens. Triggers (migration
    0010) rather than signals, so that every door (the booking writes, the admin, bulk
    updates, management commands, raw SQL) replaces the token in the writing transaction.
    """

    EVERY_DAY = date(1, 1, 1)

    day = models.DateField(primary_key=True)
    token = models.UUIDField()

    class Meta:
        verbose_name = "availability version"

    def __str__(self) -> str:
        return f"{self.day}: {self.token}"
