"""Appointments, their history, and the hashed links clients manage them with.

The database is the last guard against double booking: exclusion constraints keep a
therapist's and a room's active appointments (turnover buffers included) from overlapping.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.core.exceptions import ValidationError
from django.db import models

from bookings import clock
from bookings.models.clients import Client
from bookings.models.history import ChangeRecord
from bookings.models.schedule import Room, Therapist, TsTzRange
from services.models import ServiceLength


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked"
    CHECKED_IN = "checked_in", "Checked in"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show", "No-show"


class AppointmentSource(models.TextChoices):
    """Which door a booking came through; the write that books it says so."""

    ONLINE = "online", "Online"
    DESK = "desk", "Front desk"


# Cancelled and no-show appointments free their time.
ACTIVE_STATUSES = [
    AppointmentStatus.BOOKED,
    AppointmentStatus.CHECKED_IN,
    AppointmentStatus.COMPLETED,
]


# What a page or an email shows of an appointment, joined in one query wherever it is read.
DETAILS = ("client", "therapist", "room", "service_length__service")


class AppointmentQuerySet(models.QuerySet):
    def with_details(self) -> "AppointmentQuerySet":
        """Return these appointments with their client, therapist, room and service joined."""
        return self.select_related(*DETAILS)

    def locked(self, pk: int) -> "Appointment":
        """Return appointment `pk` with its details, row-locked until the transaction ends."""
        return self.select_for_update(of=("self",)).with_details().get(pk=pk)

    def active(self) -> "AppointmentQuerySet":
        """Return appointments that hold their time (not cancelled, not a no-show)."""
        return self.filter(status__in=ACTIVE_STATUSES)

    def overlapping(self, start: datetime, end: datetime) -> "AppointmentQuerySet":
        """Return appointments whose occupied time (buffers included) meets ``[start, end)``."""
        # The same expression as the exclusion constraints, so their GiST indexes serve it.
        return self.alias(occupied=TsTzRange("occupied_from", "occupied_until")).filter(
            occupied__overlap=TsTzRange(models.Value(start), models.Value(end))
        )


class Series(models.Model):
    """A training block: one client's sessions at the same weekly time, booked together.

    Written with all its appointments in one transaction (bookings/series.py); ``key`` makes
    the same review submitted twice book the block once.
    """

    key = models.UUIDField(unique=True, editable=False)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="series")
    service_length = models.ForeignKey(
        ServiceLength, on_delete=models.PROTECT, related_name="series"
    )
    # As asked for: None is "any therapist".
    therapist = models.ForeignKey(
        Therapist, on_delete=models.PROTECT, null=True, blank=True, related_name="series"
    )
    every_weeks = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, editable=False, related_name="+"
    )

    class Meta:
        verbose_name_plural = "series"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(every_weeks__in=(1, 2)),
                name="series_every_one_or_two_weeks",
                violation_error_message="A series repeats every week or every two weeks.",
            )
        ]

    def __str__(self) -> str:
        every = "weekly" if self.every_weeks == 1 else "every two weeks"
        return f"Series {self.pk} ({every})"


class Appointment(models.Model):
    """A client's session with a therapist in a room.

    The exclusion constraints compare ``[occupied_from, occupied_until)``: the session widened
    by the turnover buffers it was booked with.
    """

    Status = AppointmentStatus
    Source = AppointmentSource
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
    # booking.book_appointment sets it; a row added in the Django admin is a staff booking.
    source = models.CharField(
        max_length=8, choices=Source.choices, default=Source.DESK, editable=False
    )
    # When the status last changed (check-in, completion, no-show, cancellation, undo): a
    # wrong status may be undone on the clinic day it was set (bookings/attendance.py).
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    # The training block it was booked in, if any (bookings/series.py).
    series = models.ForeignKey(
        Series,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="appointments",
    )
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
            models.CheckConstraint(
                condition=models.Q(source__in=AppointmentSource.values),
                name="appointment_source_valid",
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
        return f"{self.client} with {self.therapist}, {clock.moment(self.start)}"

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

    def move_to(self, start: datetime, length: ServiceLength | None = None) -> None:
        """Shift the session to ``start`` (not saved), keeping its length and buffers unless
        a new ``length`` brings its own."""
        if length is not None and length.pk != self.service_length_id:
            self.service_length = length
            self.end = self.buffer_before = self.buffer_after = None
            self.start = start
        else:
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
                    since, until = clash.occupied_span
                    errors[field] = (
                        f"{getattr(self, field)} is already booked {clock.day(since)}, "
                        f"{clock.time_range(since, until)}, turnover included."
                    )
        if errors:
            raise ValidationError(errors)


class AppointmentChange(ChangeRecord):
    """One line of an appointment's history: who did what, when, and why (``by`` None: the
    client, online)."""

    class Action(models.TextChoices):
        BOOKED = "booked"
        MOVED = "moved"
        CANCELLED = "cancelled"
        CHECKED_IN = "checked_in", "Checked in"
        COMPLETED = "completed"
        NO_SHOW = "no_show", "No-show"
        UNDONE = "undone", "Status undone"
        LINK_RESENT = "link_resent", "Manage link re-sent"
        LINKS_REVOKED = "revoked", "Links revoked"
        ERASED = "erased", "Client erased"
        PAID = "paid", "Payment taken"
        FEE_CHARGED = "fee_charged", "Fee recorded"
        FEE_WAIVED = "fee_waived", "Fee waived"
        FEE_PAID = "fee_paid", "Fee paid"
        MERGED = "merged", "Client records merged"
        RECEIPT_SENT = "receipt_sent", "Receipt emailed"
        TIMING_READ = "timing_read", "Race timing advice read"
        TIMING_OVERRIDDEN = "timing_staff", "Race timing advice overridden"

    NOBODY = "Client (online)"

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="changes")
    action = models.CharField(max_length=12, choices=Action.choices)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "pk"]


class ManageToken(models.Model):
    """A secret link that lets whoever holds it see, move or cancel one appointment.

    Only a SHA-256 digest is stored; the raw token (192 random bits) exists in the email or
    page that carries it. It stops working when revoked or once the session has ended.
    """

    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, related_name="manage_tokens"
    )
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Manage link for appointment {self.appointment_id}"


class LookupToken(models.Model):
    """A "find my bookings" link: opens, once, the list of bookings made with one email.

    Only a SHA-256 digest is stored; the raw token exists only in the email that carries
    it, so the address never appears in a URL. It works for a day, and only until its
    first open, which carries the address into that browser's session.
    """

    digest = models.CharField(max_length=64, unique=True)
    email = models.EmailField()
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Find-my-bookings link {self.pk}"
