"""Client emails: recorded with the change that causes them, delivered by the task worker.

``queue`` runs inside the caller's transaction: the ClientMessage row and its delivery task
(django-tasks-db, the same database) commit or roll back together with the booking, so a
confirmed booking never loses its email. ``deliver`` runs in the worker; when the mail
server is down it records the failure and queues itself again with a growing delay. A
permanent refusal (a 5xx answer) or ``MAIL_MAX_ATTEMPTS`` tries end the message as FAILED,
shown to the front desk; a reminder is sent only while it still makes sense (the
appointment booked, at the start it was scheduled for, and at least an hour away).
"""

import logging
import re
import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models.expressions import Expression
from django.utils import timezone

from bookings import emails, nudge_times
from bookings.inserts import IdOf
from bookings.models import Appointment, BookingPolicy, ClientMessage, Therapist
from bookings.models.appointments import DETAILS as APPOINTMENT_DETAILS

logger = logging.getLogger(__name__)
Kind = ClientMessage.Kind
OVERTAKEN_BY_CANCEL = {Kind.CONFIRMATION, Kind.MOVED}
MAX_RETRY_DELAY = timedelta(minutes=15)
# With the default 30 s first delay, eight tries span about an hour and a half.
# A reminder arriving later than this before the session is noise, not help (or half the
# policy's lead time, if that is shorter).
REMINDER_MIN_LEAD = timedelta(hours=1)
ADDRESS = re.compile(r"<?[^\s<>@]+@[^\s<>]+>?")


def _task_for(message: ClientMessage):
    from bookings.tasks import deliver_message  # the task module imports this one

    task = deliver_message
    if message.due_at > timezone.now():
        task = task.using(run_after=message.due_at)
    return task


def _enqueue(message: ClientMessage) -> None:
    _task_for(message).enqueue(message.pk)


def _enqueue_together(messages: list[ClientMessage]) -> bool:
    """Queue the deliveries of saved `messages` in one INSERT; return False if the task
    backend is not django-tasks-db's (then nothing was queued)."""
    deliveries = Deliveries(messages)
    if not deliveries.rows:
        return False
    type(deliveries.rows[0]).objects.bulk_create(deliveries.rows)  # the backend's model
    deliveries.queued()
    return True


class Deliveries:
    """The delivery jobs of `messages`: the rows ``DatabaseBackend.enqueue`` writes one at a
    time (the same validation, ids, fields, and the "no delay" date its pre_save handler
    would set), ready to insert together, in the caller's transaction.

    For unsaved messages, each job's argument is ``inserts.IdOf`` its message: insert the
    jobs after their messages in one ``inserts.insert_together`` (a booking's rows, its
    emails and their jobs are one statement). Then call ``queued``. With another task
    backend there are no `rows`, and ``queued`` enqueues each saved message its own way.
    """

    def __init__(self, messages: list[ClientMessage]) -> None:
        from django_tasks_db.backend import DatabaseBackend
        from django_tasks_db.compat import normalize_json
        from django_tasks_db.models import DBTaskResult, get_date_max

        self.messages, self.rows = messages, []
        tasks = [_task_for(message) for message in messages]
        backend = tasks[0].get_backend() if tasks else None
        if not isinstance(backend, DatabaseBackend):
            return
        self._sender = type(backend)
        for task, message in zip(tasks, messages, strict=True):
            backend.validate_task(task)
            args = (
                _ArgumentsNaming(message)
                if message.pk is None
                else normalize_json({"args": [message.pk], "kwargs": {}})
            )
            self.rows.append(
                DBTaskResult(
                    id=backend._get_id(),
                    args_kwargs=args,
                    priority=task.priority,
                    task_path=task.module_path,
                    queue_name=task.queue_name,
                    run_after=task.run_after or get_date_max(),
                    backend_name=backend.alias,
                )
            )

    def queued(self) -> None:
        """Once the messages (and the jobs) are written: the ``task_enqueued`` signal for
        each job; without jobs, each message enqueued on its own."""
        from django_tasks_db.compat import task_enqueued

        if not self.rows:
            for message in self.messages:
                _enqueue(message)
            return
        for row, message in zip(self.rows, self.messages, strict=True):
            row.args_kwargs = {"args": [message.pk], "kwargs": {}}  # as the INSERT wrote it
            task_enqueued.send(self._sender, task_result=row.task_result)


class _ArgumentsNaming(Expression):
    """A delivery job's arguments, ``{"args": [id], "kwargs": {}}``, naming the id of its
    message, inserted before the job in the same statement (``IdOf``). One SQL fragment:
    compiling ``JSONObject(args=JSONArray(...))`` cost a booking more than the row it fills.
    """

    output_field = models.JSONField()

    def __init__(self, message: ClientMessage) -> None:
        super().__init__()
        self.id = IdOf(message)

    def get_source_expressions(self) -> list:
        return [self.id]

    def set_source_expressions(self, expressions: list) -> None:
        (self.id,) = expressions

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.id)
        return (
            f"jsonb_build_object('args', jsonb_build_array({sql}), 'kwargs', '{{}}'::jsonb)",
            params,
        )


def queue(
    appointment: Appointment,
    kind: str,
    *,
    due_at: datetime | None = None,
    for_start: datetime | None = None,
) -> ClientMessage:
    """Record that `appointment`'s client is owed a `kind` email and queue its delivery."""
    message = ClientMessage.objects.create(
        appointment=appointment, kind=kind, due_at=due_at or timezone.now(), for_start=for_start
    )
    _enqueue(message)
    return message


def owed_on_booking(
    appointment: Appointment,
    *,
    policy: BookingPolicy,
    now: datetime,
    confirm: bool = True,
    online: bool = False,
) -> list[ClientMessage]:
    """Return the unsaved emails a new appointment owes: its confirmation (unless not
    `confirm`), its reminder (unless the session is already too close) and, when a runner
    booked `online`, the staff's notices.

    The booking writes them with its other rows; ``enqueue_saved`` then queues them.
    """
    owed = [_reminder(appointment, policy=policy, now=now)]
    if confirm:
        owed.insert(0, ClientMessage(appointment=appointment, kind=Kind.CONFIRMATION))
    if online:
        owed += _notices(appointment, Kind.NOTICE_BOOKED, policy)
    return [message for message in owed if message is not None]


def enqueue_saved(messages: list[ClientMessage]) -> None:
    """Queue the delivery of `messages`, saved a moment ago in the caller's transaction:
    in one statement (a booking's confirmation and reminder are one round trip)."""
    if len(messages) > 1 and _enqueue_together(messages):
        return
    for message in messages:
        _enqueue(message)


def queue_lookup(email: str) -> ClientMessage:
    """Queue a "find my bookings" email to `email` (whether or not it is a client's)."""
    message = ClientMessage.objects.create(kind=Kind.LOOKUP, email=email.strip())
    _enqueue(message)
    return message


# What a runner did online -> the staff notice it sends, and who wants to hear of it.
NOTICES = {
    Kind.NOTICE_BOOKED: ("hears_bookings", "desk_hears_bookings"),
    Kind.NOTICE_MOVED: ("hears_moves", "desk_hears_moves"),
    Kind.NOTICE_CANCELLED: ("hears_cancellations", "desk_hears_cancellations"),
}
# A training block's notice -> the session's notice whose switches it follows, and the
# block email whose sessions it lists (``series.emailed_sessions``).
BLOCK_NOTICES = {
    Kind.NOTICE_SERIES_BOOKED: (Kind.NOTICE_BOOKED, Kind.SERIES_BOOKED),
    Kind.NOTICE_SERIES_MOVED: (Kind.NOTICE_MOVED, Kind.SERIES_MOVED),
    Kind.NOTICE_SERIES_CANCELLED: (Kind.NOTICE_CANCELLED, Kind.SERIES_CANCELLED),
}
NOTICES |= {block: NOTICES[single] for block, (single, _listed) in BLOCK_NOTICES.items()}


def staff_recipients(appointment: Appointment, kind: str, policy: BookingPolicy) -> list[str]:
    """Return who hears of a runner's online `kind` change: the therapist and the desk,
    each unless they switched that kind off (one email per address)."""
    therapist_wants, desk_wants = NOTICES[kind]
    therapist = appointment.therapist
    recipients = []
    if getattr(therapist, therapist_wants):
        recipients.append(therapist.notice_email or _sign_in_email(therapist))
    if getattr(policy, desk_wants):
        recipients.append(policy.desk_email)
    return list(dict.fromkeys(address.strip() for address in recipients if address.strip()))


def _sign_in_email(therapist: Therapist) -> str:
    """Return the email the therapist signs in with ("" without an account): as the
    booking's lock read it with their row (``recheck.refuse_if_blocked``), else read now."""
    if hasattr(therapist, "sign_in_email"):
        return therapist.sign_in_email or ""
    return therapist.user.email if therapist.user_id else ""


def _notices(appointment: Appointment, kind: str, policy: BookingPolicy) -> list[ClientMessage]:
    return [
        ClientMessage(appointment=appointment, kind=kind, email=address)
        for address in staff_recipients(appointment, kind, policy)
    ]


def notify_staff(appointment: Appointment, kind: str, *, policy: BookingPolicy) -> None:
    """Queue short notices (no health details) of a runner's online change to the staff."""
    for message in ClientMessage.objects.bulk_create(_notices(appointment, kind, policy)):
        _enqueue(message)


def notify_staff_of_block(
    sessions: list[Appointment], kind: str, *, policy: BookingPolicy
) -> list[ClientMessage]:
    """Queue one notice of a runner's online change to training-block `sessions` per
    recipient, instead of one per session: each therapist's lists their own sessions, the
    desk's all of them. It hangs on the first session the recipient hears of."""
    first: dict[str, Appointment] = {}
    for session in sessions:
        for address in staff_recipients(session, kind, policy):
            first.setdefault(address, session)
    rows = [ClientMessage(appointment=at, kind=kind, email=to) for to, at in first.items()]
    messages = ClientMessage.objects.bulk_create(rows)
    enqueue_saved(messages)
    return messages


def block_notice_sessions(message: ClientMessage, policy: BookingPolicy) -> list[Appointment]:
    """Return the sessions a block notice lists: those of the change its recipient hears of."""
    from bookings import series  # series imports this module

    _single, listed = BLOCK_NOTICES[message.kind]
    sessions = series.emailed_sessions(message.appointment, listed)
    mine = [s for s in sessions if message.email in staff_recipients(s, message.kind, policy)]
    return mine or [message.appointment]


def queue_receipt(appointment: Appointment) -> ClientMessage:
    """Queue the receipt of `appointment`'s payments to its client."""
    return queue(appointment, Kind.RECEIPT)


def skip_reminders(appointment: Appointment) -> None:
    """Withdraw reminders not yet sent (after a cancellation, a no-show or a move)."""
    appointment.messages.pending().filter(kind=Kind.REMINDER).update(
        status=ClientMessage.Status.SKIPPED, reason="withdrawn after a change"
    )


def _reminder(appointment: Appointment, *, policy: BookingPolicy, now: datetime):
    """Return the unsaved reminder of `appointment`, None if it is already too close."""
    due_at = appointment.start - timedelta(hours=policy.reminder_hours_before)
    if due_at <= now:  # a booking made inside the reminder window needs none
        return None
    return ClientMessage(
        appointment=appointment, kind=Kind.REMINDER, due_at=due_at, for_start=appointment.start
    )


def schedule_reminder(appointment: Appointment, *, policy: BookingPolicy, now: datetime) -> None:
    """Queue the reminder of a new appointment, due before its start."""
    if (reminder := _reminder(appointment, policy=policy, now=now)) is not None:
        reminder.save()
        _enqueue(reminder)


def reschedule_reminder(appointment: Appointment, *, policy: BookingPolicy, now: datetime) -> None:
    """Replace a moved appointment's pending reminder with one due before its new start."""
    skip_reminders(appointment)
    schedule_reminder(appointment, policy=policy, now=now)


def retry_delay(attempts: int) -> timedelta:
    """Return how long to wait before delivery attempt number `attempts + 1`."""
    base = timedelta(seconds=settings.MAIL_RETRY_SECONDS)
    return min(base * 2 ** max(attempts - 1, 0), MAX_RETRY_DELAY)


def describe(error: Exception) -> str:
    """Return a short account of a mail error (its SMTP code and text, no address)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused) and error.recipients:
        code, text = next(iter(error.recipients.values()))
    elif isinstance(error, smtplib.SMTPResponseException):
        code, text = error.smtp_code, error.smtp_error
    else:
        return type(error).__name__
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    # Servers often echo the recipient ("<jess@example.com>: no such user"); it stays out.
    text = " ".join(ADDRESS.sub("<recipient>", str(text)).split())
    return f"{code} {text}"[:120]


def is_permanent(error: Exception) -> bool:
    """Return whether the mail server refused for good (a 5xx answer), so retrying is futile."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(error, smtplib.SMTPAuthenticationError):
        # The clinic's own login, not this message: failing it would fail every message
        # until someone fixes the settings, so it retries (up to the attempt limit).
        return False
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def stale_reminder(message: ClientMessage, *, now: datetime) -> str:
    """Return why a due reminder should no longer go out, or "" if it should.

    The worker may have been down past the session, or the appointment moved after its
    reminder's task was queued; either way the runner needs no reminder of a wrong time.
    """
    appointment = message.appointment
    if appointment.status != Appointment.Status.BOOKED:
        return f"appointment {appointment.get_status_display().lower()}"
    if message.for_start is not None and appointment.start != message.for_start:
        return "appointment moved"
    # With a one-hour reminder policy, a worker a few seconds late must not drop it.
    lead = min(REMINDER_MIN_LEAD, timedelta(hours=BookingPolicy.load().reminder_hours_before) / 2)
    if appointment.start - now < lead:
        return "too close to the start" if appointment.start > now else "appointment started"
    return ""


def _skip(message: ClientMessage, reason: str) -> str:
    message.status, message.reason = ClientMessage.Status.SKIPPED, reason
    message.save(update_fields=["status", "reason"])
    return "skipped"


def _fail(message: ClientMessage, reason: str, *, now: datetime) -> str:
    message.status, message.reason, message.failed_at = ClientMessage.Status.FAILED, reason, now
    message.save(update_fields=["status", "reason", "failed_at", "attempts", "last_error"])
    logger.error("mail given up; message %s failed: %s", message.pk, reason)
    return "failed"


def _retry_later(message: ClientMessage, *, now: datetime) -> str:
    message.due_at = message.queued_at = now + retry_delay(message.attempts)
    message.save(update_fields=["attempts", "last_error", "due_at", "queued_at"])
    _enqueue(message)
    logger.warning(
        "mail server unavailable (%s); message %s retries at %s",
        message.last_error,
        message.pk,
        message.due_at.isoformat(timespec="seconds"),
    )
    return "retry scheduled"


def deliver(message_id: int) -> str:
    """Send one pending message; retry a passing failure later, give up on a final one."""
    with transaction.atomic():
        message = (
            ClientMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=message_id, status=ClientMessage.Status.PENDING)
            .select_related(*(f"appointment__{name}" for name in APPOINTMENT_DETAILS))
            .select_related("appointment__therapist__profile")
            .first()
        )
        if message is None:
            return "nothing to send"
        now = timezone.now()
        if not (message.email or message.appointment.client.email):
            return _skip(message, "no email address")
        if message.kind == Kind.REMINDER and (why := stale_reminder(message, now=now)):
            return _skip(message, why)
        if message.kind == Kind.NUDGE and (why := nudge_times.stale_reason(message, now=now)):
            return _skip(message, why)
        if message.kind == Kind.MANAGE_LINK and message.appointment.status != "booked":
            return _skip(message, "the appointment can no longer be changed")
        if message.kind == Kind.WAITLIST_OFFER and message.waitlist_offer.status != "open":
            return _skip(message, "the offer ended before this was sent")
        if message.kind in OVERTAKEN_BY_CANCEL and message.appointment.status == "cancelled":
            # Its cancellation email follows; a "Booked" email now would only mislead.
            return _skip(message, "the appointment was cancelled before this was sent")
        email = emails.compose(message, now=now)
        try:
            email.send()
        except (smtplib.SMTPException, OSError) as error:
            message.attempts += 1
            message.last_error = describe(error)
            if is_permanent(error):
                return _fail(message, message.last_error, now=now)
            if message.attempts >= settings.MAIL_MAX_ATTEMPTS:
                reason = f"gave up after {message.attempts} attempts ({message.last_error})"
                return _fail(message, reason[:200], now=now)
            return _retry_later(message, now=now)
        except ValueError:
            # Django cannot put this address on a message at all: no retry will change that.
            message.attempts += 1
            return _fail(message, "the email address is not valid", now=now)
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
