"""Emails owed to clients, recorded in the same transaction as the change that causes them.

A row here is the promise; a task in the queue (django-tasks-db, same database) is the
delivery attempt. If the mail server is down the task reschedules itself; if a worker dies
mid-send, ``requeue_messages`` finds the row still pending and queues it again. A message the
mail server refuses for good (a 5xx answer), or one that runs out of attempts, ends FAILED
with a short reason, so the front desk can phone the client instead (/staff/emails/).
"""

from django.db import models
from django.utils import timezone

from bookings.models.appointments import Appointment


class ClientMessageQuerySet(models.QuerySet):
    def pending(self) -> "ClientMessageQuerySet":
        return self.filter(status=ClientMessage.Status.PENDING)

    def failed(self) -> "ClientMessageQuerySet":
        return self.filter(status=ClientMessage.Status.FAILED)

    def to_clients(self) -> "ClientMessageQuerySet":
        """Return messages to clients, not the staff's notices of online changes."""
        return self.exclude(kind__startswith="notice_")


class ClientMessage(models.Model):
    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation"
        MOVED = "moved"
        CANCELLED = "cancelled"
        REMINDER = "reminder"
        LOOKUP = "lookup", "Find my bookings"
        MANAGE_LINK = "manage_link", "Manage link"
        RECEIPT = "receipt"
        # A rebook nudge after a completed visit (the appointment), with suggested times.
        NUDGE = "nudge", "Rebook nudge"
        # A training block: one email for the whole set (bookings/series.py).
        SERIES_BOOKED = "series_booked", "Series booked"
        SERIES_CANCELLED = "series_cancelled", "Series cancelled"
        SERIES_MOVED = "series_moved", "Series moved"
        # Short notices to staff (``email`` is the recipient) of what a runner did online.
        NOTICE_BOOKED = "notice_booked", "Notice: booked online"
        NOTICE_MOVED = "notice_moved", "Notice: moved online"
        NOTICE_CANCELLED = "notice_cancelled", "Notice: cancelled online"
        # The same of a training block: one notice for the sessions one change touched.
        NOTICE_SERIES_BOOKED = "notice_series_booked", "Notice: block booked online"
        NOTICE_SERIES_MOVED = "notice_series_moved", "Notice: block moved online"
        NOTICE_SERIES_CANCELLED = "notice_series_cancelled", "Notice: block cancelled online"
        # The waitlist (``email`` is the runner's): joined, a time offered, the time gone.
        WAITLIST_JOINED = "waitlist_joined", "Waitlist: joined"
        WAITLIST_OFFER = "waitlist_offer", "Waitlist: time offered"
        WAITLIST_GONE = "waitlist_gone", "Waitlist: time taken"

    class Status(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        SKIPPED = "skipped"
        FAILED = "failed"

    kind = models.CharField(max_length=24, choices=Kind.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    # The recipient when not the appointment's client: "find my bookings", staff notices.
    email = models.EmailField(blank=True)
    due_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    # A reminder's appointment start when it was scheduled: a moved appointment's old
    # reminder must not go out, whatever the order the worker meets them in.
    for_start = models.DateTimeField(null=True, blank=True)
    # Why a message was skipped or failed, for the front desk (never an address).
    reason = models.CharField(max_length=200, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    waitlist_entry = models.ForeignKey(
        "bookings.WaitlistEntry", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    waitlist_offer = models.ForeignKey(
        "bookings.WaitlistOffer", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    objects = ClientMessageQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(
                fields=["queued_at"],
                condition=models.Q(status="pending"),
                name="clientmessage_pending_idx",
            ),
            models.Index(
                fields=["-failed_at"],
                condition=models.Q(status="failed"),
                name="clientmessage_failed_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(appointment__isnull=False) | ~models.Q(email=""),
                name="clientmessage_has_recipient",
            ),
            # A visit prompts one nudge, however often or concurrently send_nudges runs.
            models.UniqueConstraint(
                fields=["appointment"],
                condition=models.Q(kind="nudge"),
                name="clientmessage_one_nudge_per_visit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.status})"
