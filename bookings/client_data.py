"""Client data on request: export everything held on a client, or erase it.

The export is one plain dict (the JSON download and the printable page show the same), read
in a fixed number of queries. Erasure removes personal and health data and keeps each
appointment, anonymised, for the books: the clinic's records of sessions held and paid.
"""

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from bookings.models import (
    Appointment,
    AppointmentChange,
    Client,
    ClientMessage,
    Guardian,
    LookupToken,
    ManageToken,
    NudgeToken,
    RunnerIntake,
)

ERASED_FIRST, ERASED_LAST = "Erased", "client"
# Every answer and date the intake keeps: a field added to the model is exported with it.
INTAKE_FIELDS = [
    field.name for field in RunnerIntake._meta.concrete_fields if field.name not in {"id", "client"}
]
UPCOMING = [Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN]


class ErasureRefused(Exception):
    """A client cannot be erased yet; ``message`` says why, for the page."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _local(moment: datetime | None) -> datetime | None:
    return moment and timezone.localtime(moment)


def _plain(value: Any) -> Any:
    return _local(value) if isinstance(value, datetime) else value


def _intake(intake: RunnerIntake) -> dict[str, Any]:
    """Return the intake's answers, choices in words, and when they were given and changed."""
    answers = {name: _plain(getattr(intake, name)) for name in INTAKE_FIELDS}
    answers["next_race_distance"] = intake.get_next_race_distance_display()
    answers["tight_areas"] = intake.get_tight_areas_display()
    answers["changes"] = [
        {"at": _local(change.changed_at), "changes": change.changes}
        for change in intake.changes.all()
    ]
    return answers


def _appointment(appointment: Appointment) -> dict[str, Any]:
    return {
        "id": appointment.pk,
        "start": _local(appointment.start),
        "end": _local(appointment.end),
        "service": appointment.service_length.service.title,
        "minutes": appointment.service_length.minutes,
        "therapist": appointment.therapist.name,
        "room": appointment.room.name,
        "status": appointment.get_status_display(),
        "cancel_reason": appointment.cancel_reason,
        "booked_at": _local(appointment.created_at),
        "history": [
            {
                "at": _local(change.at),
                "by": change.actor,
                "action": change.get_action_display(),
                "details": change.details,
                "reason": change.reason,
            }
            for change in appointment.changes.all()
        ],
        "messages": [_message(message) for message in appointment.messages.all()],
        "consents": [
            {"kind": c.get_kind_display(), "version": c.version, "agreed_at": _local(c.agreed_at)}
            for c in appointment.consents.all()
        ],
        "guardian": _guardian(appointment),
        "manage_links": [
            {"issued_at": _local(token.created_at), "revoked_at": _local(token.revoked_at)}
            for token in appointment.manage_tokens.all()
        ],
    }


def _guardian(appointment: Appointment) -> dict[str, Any] | None:
    try:
        guardian = appointment.guardian
    except Guardian.DoesNotExist:
        return None
    return {
        "name": guardian.name,
        "phone": guardian.phone,
        "relationship": guardian.relationship,
        "recorded_at": _local(guardian.recorded_at),
    }


def _message(message: ClientMessage) -> dict[str, Any]:
    """Return a message's metadata: what was sent, when; the body is composed, not kept."""
    return {
        "kind": message.get_kind_display(),
        "status": message.status,
        "due_at": _local(message.due_at),
        "sent_at": _local(message.sent_at),
        "attempts": message.attempts,
    }


def _lookups(client: Client):
    """Return the "find my bookings" messages sent to `client`'s address."""
    if not client.email:
        return ClientMessage.objects.none()
    return ClientMessage.objects.filter(
        kind=ClientMessage.Kind.LOOKUP, email__iexact=client.email
    ).order_by("created_at", "pk")


def export_client(client: Client, *, now: datetime) -> dict[str, Any]:
    """Return everything held on `client`: details, notes, intake, visits, history, emails."""
    intake = RunnerIntake.objects.filter(client=client).prefetch_related("changes").first()
    appointments = (
        Appointment.objects.filter(client=client)
        .with_details()
        .select_related("guardian")
        .prefetch_related(
            "consents",
            Prefetch("changes", AppointmentChange.objects.select_related("by")),
            Prefetch("messages", ClientMessage.objects.order_by("due_at", "pk")),
            Prefetch("manage_tokens", ManageToken.objects.order_by("created_at", "pk")),
        )
        .order_by("start", "pk")
    )
    return {
        "exported_at": _local(now),
        "client": {
            "id": client.pk,
            "first_name": client.first_name,
            "last_name": client.last_name,
            "email": client.email,
            "phone": client.phone,
            "client_since": _local(client.created_at),
            "staff_notes": client.staff_notes,
            "links_revoked_at": _local(client.links_revoked_at),
            "rebook_emails_off_since": _local(client.nudges_off_at),
            "erased_at": _local(client.erased_at),
        },
        "intake": intake and _intake(intake),
        "appointments": [_appointment(appointment) for appointment in appointments],
        "find_my_bookings_emails": [_message(message) for message in _lookups(client)],
    }


def upcoming_count(client: Client, *, now: datetime) -> int:
    """Return how many of `client`'s sessions are still to come (booked or checked in)."""
    return Appointment.objects.filter(client=client, status__in=UPCOMING, end__gt=now).count()


def erase_client(*, client: Client, by: AbstractBaseUser, now: datetime) -> Client:
    """Remove `client`'s personal and health data; keep the appointments, anonymised.

    Refused while a session is still to come: cancelling it first is the front desk's
    decision (and sends the client the cancellation email, while there is an address).
    """
    with transaction.atomic():
        # FOR UPDATE also holds off a booking for this client until the erasure is done:
        # inserting an appointment takes a key-share lock on the client row.
        locked = Client.objects.select_for_update().get(pk=client.pk)
        if locked.erased_at is not None:
            return locked
        if count := upcoming_count(locked, now=now):
            raise ErasureRefused(
                f"{locked} has {count} upcoming booking{'s' if count > 1 else ''}. "
                f"Cancel {'them' if count > 1 else 'it'} first, then erase."
            )
        appointments = Appointment.objects.filter(client=locked)
        RunnerIntake.objects.filter(client=locked).delete()  # and its change history
        Guardian.objects.filter(appointment__client=locked).delete()
        _lookups(locked).delete()
        if locked.email:
            LookupToken.objects.filter(email__iexact=locked.email).delete()
        NudgeToken.objects.filter(client=locked).delete()
        ManageToken.objects.filter(appointment__client=locked, revoked_at__isnull=True).update(
            revoked_at=now
        )
        ClientMessage.objects.pending().filter(appointment__client=locked).update(
            status=ClientMessage.Status.SKIPPED
        )
        # Reasons are free text: a caller's "pulled hamstring" is a health detail.
        appointments.exclude(cancel_reason="").update(cancel_reason="")
        AppointmentChange.objects.filter(appointment__client=locked).exclude(reason="").update(
            reason=""
        )
        AppointmentChange.objects.bulk_create(
            AppointmentChange(
                appointment_id=pk, at=now, by=by, action=AppointmentChange.Action.ERASED
            )
            for pk in appointments.values_list("pk", flat=True)
        )
        locked.first_name, locked.last_name = ERASED_FIRST, ERASED_LAST
        locked.email = locked.phone = locked.staff_notes = ""
        locked.links_revoked_at = locked.erased_at = now
        locked.erased_by = by
        locked.save(
            update_fields=[
                "first_name",
                "last_name",
                "email",
                "phone",
                "staff_notes",
                "links_revoked_at",
                "erased_at",
                "erased_by",
            ]
        )
    return locked
