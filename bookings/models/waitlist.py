"""The waitlist: runners waiting for a time, and the holds and offers made when one frees up.

A freed time that suits someone waiting is held for a short while (``WaitlistHold``), as a
row of time off on the therapist, so the picker, the desk and every other door see it taken
(the availability triggers replace its date's version as it is written and removed). The
runners offered it (``WaitlistOffer``, in the order they joined) each get an emailed link;
the first to claim it within the hold books it through the booking writes. Only digests of
the links' tokens are stored (``bookings/tokens.py``).
"""

import uuid

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from bookings import clock
from bookings.models.clients import Client
from bookings.models.schedule import Therapist, TimeOff
from services.models import ServiceLength


class Weekday(models.IntegerChoices):
    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


class PartOfDay(models.TextChoices):
    """The picker's own groups: morning before noon, afternoon before 5 PM, evening after."""

    MORNING = "morning", "Morning (before noon)"
    AFTERNOON = "afternoon", "Afternoon (noon to 5 PM)"
    EVENING = "evening", "Evening (after 5 PM)"


class WaitlistEntryQuerySet(models.QuerySet):
    def waiting(self) -> "WaitlistEntryQuerySet":
        return self.filter(status=WaitlistEntry.Status.WAITING)


class WaitlistEntry(models.Model):
    """A runner waiting for a time: which session, with whom, which days and times, until when."""

    class Status(models.TextChoices):
        WAITING = "waiting"
        BOOKED = "booked"
        LEFT = "left", "Left the list"
        REMOVED = "removed", "Removed by staff"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="waitlist_entries")
    service_length = models.ForeignKey(ServiceLength, on_delete=models.CASCADE, related_name="+")
    therapist = models.ForeignKey(
        Therapist, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )  # None: anyone
    days = ArrayField(models.PositiveSmallIntegerField(choices=Weekday.choices), size=7)
    parts = ArrayField(models.CharField(max_length=9, choices=PartOfDay.choices), size=3)
    until = models.DateField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    leave_digest = models.CharField(max_length=64, unique=True, null=True, blank=True)

    objects = WaitlistEntryQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "waitlist entries"
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(status="waiting"),
                name="waitlistentry_waiting_idx",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["waiting", "booked", "left", "removed"]),
                name="waitlistentry_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(days=[]) & ~models.Q(parts=[]),
                name="waitlistentry_has_days_and_parts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} waiting for {self.service_length} until {clock.day(self.until)}"

    @property
    def days_label(self) -> str:
        names = dict(Weekday.choices)
        return ", ".join(names[d][:3] for d in sorted(self.days))

    @property
    def parts_label(self) -> str:
        return ", ".join(p for p in PartOfDay.values if p in self.parts)


class WaitlistHold(models.Model):
    """A freed time held for the runners offered it, until `expires_at` or a claim."""

    class Status(models.TextChoices):
        OPEN = "open"
        CLAIMED = "claimed"
        EXPIRED = "expired"

    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()  # the session start offered
    # The therapist's time kept off the picker while the hold lasts; removed when it ends.
    time_off = models.OneToOneField(
        TimeOff, on_delete=models.SET_NULL, null=True, blank=True, related_name="waitlist_hold"
    )
    held_from = models.DateTimeField()
    held_until = models.DateTimeField()
    expires_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    appointment = models.ForeignKey(
        "bookings.Appointment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["start"]
        indexes = [
            models.Index(
                fields=["expires_at"],
                condition=models.Q(status="open"),
                name="waitlisthold_open_idx",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(held_until__gt=models.F("held_from")),
                name="waitlisthold_until_after_from",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.therapist} at {clock.moment(self.start)} ({self.status})"


class WaitlistOffer(models.Model):
    """One runner's emailed offer of a held time."""

    class Status(models.TextChoices):
        OPEN = "open"
        CLAIMED = "claimed"
        GONE = "gone", "Went to someone else"
        EXPIRED = "expired"

    hold = models.ForeignKey(WaitlistHold, on_delete=models.CASCADE, related_name="offers")
    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    rank = models.PositiveSmallIntegerField()  # 1 for the runner who joined first
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    claim_digest = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # The idempotency key of the booking a claim makes: a claim sent twice books once.
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["hold", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["hold", "entry"], name="waitlistoffer_once_per_hold"),
        ]

    def __str__(self) -> str:
        return f"Offer {self.rank} of {self.hold}"
