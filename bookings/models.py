"""The scheduling core: therapists, rooms, working hours, absences, policy, clients, appointments.

The database is the last guard against double booking: exclusion constraints keep a therapist's
and a room's active appointments (turnover buffers included) from overlapping. ``clean()``
methods say the same things in words for the admin, before the constraint has to.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Func
from django.db.models.functions import Cast, Lower
from django.urls import reverse
from django.utils import timezone

from clinic.models import OpeningHours
from services.models import Service, ServiceLength


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
    return f"{start:%H:%M} to {end:%H:%M}"


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
        return f"{self.date:%a %d %b %Y} {times}"

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
        start, end = timezone.localtime(self.start), timezone.localtime(self.end)
        return f"{self.therapist}: {start:%a %d %b %H:%M} to {end:%a %d %b %H:%M}"

    def clean(self) -> None:
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": "The end must be after the start."})


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
        return f"{self.name} ({self.date:%d %b %Y})"


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
        help_text="Leave empty for no limit.",
    )
    reminder_hours_before = models.PositiveSmallIntegerField(
        "reminder (hours before)", default=24, validators=[MinValueValidator(1)]
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


class ClientQuerySet(models.QuerySet):
    def with_email(self, email: str) -> "ClientQuerySet":
        """Return the client(s) with this email, ignoring case (uses the unique index)."""
        return self.alias(email_lower=Lower("email")).filter(email_lower=email.strip().lower())


class Client(models.Model):
    """A person who books sessions; no password, known by email.

    One client per email, ignoring case, so a returning runner's bookings land on one record
    and the front desk finds one history. Phone and walk-in clients may have no email.
    """

    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="client_unique_email",
                violation_error_message="A client with this email already exists.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked"
    CHECKED_IN = "checked_in", "Checked in"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show", "No-show"


# Cancelled and no-show appointments free their time.
ACTIVE_STATUSES = [
    AppointmentStatus.BOOKED,
    AppointmentStatus.CHECKED_IN,
    AppointmentStatus.COMPLETED,
]


class AppointmentQuerySet(models.QuerySet):
    def active(self) -> "AppointmentQuerySet":
        """Return appointments that hold their time (not cancelled, not a no-show)."""
        return self.filter(status__in=ACTIVE_STATUSES)

    def overlapping(self, start: datetime, end: datetime) -> "AppointmentQuerySet":
        """Return appointments whose occupied time (buffers included) meets ``[start, end)``."""
        # The same expression as the exclusion constraints, so their GiST indexes serve it.
        return self.alias(occupied=TsTzRange("occupied_from", "occupied_until")).filter(
            occupied__overlap=TsTzRange(models.Value(start), models.Value(end))
        )


class Appointment(models.Model):
    """A client's session with a therapist in a room.

    The exclusion constraints compare ``[occupied_from, occupied_until)``: the session widened
    by the turnover buffers it was booked with.
    """

    Status = AppointmentStatus
    ACTIVE_STATUSES = ACTIVE_STATUSES

    # Indexed by (client, start) below.
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="appointments", db_index=False
    )
    therapist = models.ForeignKey(Therapist, on_delete=models.PROTECT, related_name="appointments")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="appointments")
    service_length = models.ForeignKey(
        ServiceLength, on_delete=models.PROTECT, related_name="appointments"
    )
    start = models.DateTimeField()
    end = models.DateTimeField(blank=True, help_text="Leave empty for the service's length.")
    # Turnover minutes copied from the service length at booking time, and the span they widen
    # the session to; fill_times() sets them on clean() and save().
    buffer_before = models.PositiveSmallIntegerField(editable=False)
    buffer_after = models.PositiveSmallIntegerField(editable=False)
    occupied_from = models.DateTimeField(editable=False)
    occupied_until = models.DateTimeField(editable=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BOOKED)
    cancel_reason = models.CharField(max_length=200, blank=True)
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    # iCalendar SEQUENCE: one up for every change the client's calendar must follow.
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, editable=False, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, editable=False, related_name="+"
    )

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        indexes = [models.Index(fields=["client", "start"], name="appointment_client_start_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")),
                name="appointment_end_after_start",
                violation_error_message="The end must be after the start.",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    occupied_from__lte=models.F("start"), occupied_until__gte=models.F("end")
                ),
                name="appointment_occupied_covers_session",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=AppointmentStatus.values),
                name="appointment_status_valid",
            ),
            *(
                ExclusionConstraint(
                    name=f"appointment_{resource}_no_overlap",
                    expressions=[
                        (resource, RangeOperators.EQUAL),
                        (TsTzRange("occupied_from", "occupied_until"), RangeOperators.OVERLAPS),
                    ],
                    condition=models.Q(status__in=ACTIVE_STATUSES),
                    violation_error_message=f"The {resource} is already booked at that time.",
                )
                for resource in ("therapist", "room")
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.client} with {self.therapist}, {timezone.localtime(self.start):%a %d %b %H:%M}"
        )

    def save(self, *args, **kwargs) -> None:
        self.fill_times()
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def occupied_span(self) -> tuple[datetime, datetime]:
        """Return when the therapist and room are taken: the session and its buffers."""
        return self.occupied_from, self.occupied_until

    def fill_times(self) -> None:
        """Fill a missing end and buffers from the service length; derive the occupied span."""
        length = self.service_length
        if self.end is None:
            self.end = self.start + timedelta(minutes=length.minutes)
        if self.buffer_before is None:
            self.buffer_before = length.buffer_before
        if self.buffer_after is None:
            self.buffer_after = length.buffer_after
        self.occupied_from = self.start - timedelta(minutes=self.buffer_before)
        self.occupied_until = self.end + timedelta(minutes=self.buffer_after)

    def move_to(self, start: datetime) -> None:
        """Shift the session to ``start``, keeping its length and buffers (not saved)."""
        self.start, self.end = start, start + (self.end - self.start)
        self.sequence += 1
        self.fill_times()

    def clean(self) -> None:
        if self.start is None or self.service_length_id is None:
            return
        self.fill_times()
        if self.end <= self.start:
            raise ValidationError({"end": "The end must be after the start."})
        service = self.service_length.service
        errors = {}
        if self.room_id and not self.room.services.filter(pk=service.pk).exists():
            errors["room"] = f"{self.room} is not set up for {service}."
        if self.therapist_id and not self.therapist.services.filter(pk=service.pk).exists():
            errors["therapist"] = f"{self.therapist} does not offer {service}."
        if self.is_active:
            others = Appointment.objects.active().exclude(pk=self.pk)
            others = others.overlapping(self.occupied_from, self.occupied_until)
            for field in ("therapist", "room"):
                clash = others.filter(**{f"{field}_id": getattr(self, f"{field}_id")}).first()
                if clash and field not in errors:
                    since, until = map(timezone.localtime, clash.occupied_span)
                    errors[field] = (
                        f"{getattr(self, field)} is already booked {since:%a %d %b} from "
                        f"{since:%H:%M} to {until:%H:%M}, turnover included."
                    )
        if errors:
            raise ValidationError(errors)
