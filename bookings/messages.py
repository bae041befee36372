"""Client emails: recorded with the change that causes them, delivered by the task worker.

``queue`` runs inside the caller's transaction: the ClientMessage row and its delivery task
(django-tasks-db, the same database) commit or roll back together with the booking, so a
confirmed booking never loses its email. ``deliver`` runs in the worker; when the mail
server is down it records the failure and queues itself again with a growing delay.
"""

import logging
import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bookings.models import Appointment, BookingPolicy, ClientMessage

logger = logging.getLogger(__name__)
Kind = ClientMessage.Kind
MAX_RETRY_DELAY = timedelta(minutes=15)


def _enqueue(message: ClientMessage) -> None:
    from bookings.tasks import deliver_message  # the task module imports this one

    task = deliver_message
    if message.due_at > timezone.now():
        task = task.using(run_after=message.due_at)
    task.enqueue(message.pk)


def queue(appointment: Appointment, kind: str, *, due_at: datetime | None = None) -> ClientMessage:
    """Record that `appointment`'s client is owed a `kind` email and queue its delivery."""
    message = ClientMessage.objects.create(
        appointment=appointment, kind=kind, due_at=due_at or timezone.now()
    )
    _enqueue(message)
    return message


def queue_lookup(email: str) -> ClientMessage:
    """Queue a "find my bookings" email to `email` (whether or not it is a client's)."""
    message = ClientMessage.objects.create(kind=Kind.LOOKUP, email=email.strip())
    _enqueue(message)
    return message


def skip_reminders(appointment: Appointment) -> None:
    """Withdraw reminders not yet sent (after a cancellation, a no-show or a move)."""
    appointment.messages.pending().filter(kind=Kind.REMINDER).update(
        status=ClientMessage.Status.SKIPPED
    )


def schedule_reminder(appointment: Appointment, *, policy: BookingPolicy, now: datetime) -> None:
    """Queue the reminder of a new appointment, due before its start."""
    due_at = appointment.start - timedelta(hours=policy.reminder_hours_before)
    if due_at > now:  # a booking made inside the reminder window needs none
        queue(appointment, Kind.REMINDER, due_at=due_at)


def reschedule_reminder(appointment: Appointment, *, policy: BookingPolicy, now: datetime) -> None:
    """Replace a moved appointment's pending reminder with one due before its new start."""
    skip_reminders(appointment)
    schedule_reminder(appointment, policy=policy, now=now)


def retry_delay(attempts: int) -> timedelta:
    """Return how long to wait before delivery attempt number `attempts + 1`."""
    base = timedelta(seconds=settings.MAIL_RETRY_SECONDS)
    return min(base * 2 ** max(attempts - 1, 0), MAX_RETRY_DELAY)


def deliver(message_id: int) -> str:
    """Send one pending message; on a mail-server failure, queue another attempt."""
    from bookings import emails

    with transaction.atomic():
        message = (
            ClientMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=message_id, status=ClientMessage.Status.PENDING)
            .select_related(
                "appointment__client",
                "appointment__therapist",
                "appointment__room",
                "appointment__service_length__service",
            )
            .first()
        )
        if message is None:
            return "nothing to send"
        now = timezone.now()
        no_address = message.kind != Kind.LOOKUP and not message.appointment.client.email
        if no_address or (message.kind == Kind.REMINDER and message.appointment.status != "booked"):
            message.status = ClientMessage.Status.SKIPPED
            message.save(update_fields=["status"])
            return "skipped"
        email = emails.compose(message, now=now)
        try:
            email.send()
        except (smtplib.SMTPException, OSError) as error:
            message.attempts += 1
            message.last_error = type(error).__name__
            message.due_at = message.queued_at = now + retry_delay(message.attempts)
            message.save(update_fields=["attempts", "last_error", "due_at", "queued_at"])
            _enqueue(message)
            logger.warning(
                "mail server unavailable (%s); message %s retries at %s",
                type(error).__name__,
                message.pk,
                message.due_at.isoformat(timespec="seconds"),
            )
            return "retry scheduled"
        message.status, message.sent_at = ClientMessage.Status.SENT, now
        message.save(update_fields=["status", "sent_at"])
    return "sent"


def requeue_pending(*, now: datetime) -> int:
    """Queue another delivery for every pending, due message; return how many.

    For a worker that died mid-send: its task is lost, the message row is still pending.
    Delivery is idempotent (row lock plus status check), so a duplicate task is harmless.
    """
    count = 0
    with transaction.atomic():
        for message in ClientMessage.objects.pending().filter(due_at__lte=now):
            message.queued_at = now
            message.save(update_fields=["queued_at"])
            _enqueue(message)
            count += 1
    return count
