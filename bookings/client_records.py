"""Writes on a client's record: contact details edited, duplicates merged, admin edits.

Each records a ClientChange (who, when, what, from where) in the same transaction, so the
client's page shows how the record came to be what it is, whichever door it was changed
through. Health details (the intake) are never copied into that history.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from bookings import phones
from bookings.errors import BookingError
from bookings.models import (
    Appointment,
    AppointmentChange,
    Client,
    ClientChange,
    IntakeChange,
    NudgeToken,
    RunnerIntake,
)

CONTACT_FIELDS = ("first_name", "last_name", "email", "phone")
# The intake answers a merge may fill in on the kept record when it left them blank.
INTAKE_ANSWERS = (
    "weekly_mileage",
    "next_race_date",
    "next_race_distance",
    "tight_areas",
    "other_area",
    "health_conditions",
    "medications",
    "date_of_birth",
    "guardian_name",
)


class RecordRefused(BookingError):
    """A change to a client's record that cannot be made; `field` names the input."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class Contact:
    first_name: str
    last_name: str
    email: str
    phone: str  # E.164, or "" for none


def contact_of(client: Client) -> Contact:
    return Contact(*(getattr(client, name) for name in CONTACT_FIELDS))


def _shown(name: str, value: str) -> str:
    return phones.display(value) if name == "phone" else value


def record_edit(
    *, client: Client, before: dict, by: AbstractBaseUser | None, door: str, now: datetime
) -> ClientChange | None:
    """Record what changed on `client` since `before` ({field: value}); None if nothing."""
    details = {
        name: [_shown(name, old), _shown(name, getattr(client, name))]
        for name, old in before.items()
        if old != getattr(client, name)
    }
    if not details:
        return None
    return ClientChange.objects.create(
        client=client, at=now, by=by, action=ClientChange.Action.EDITED, details=details, door=door
    )


def update_contact(
    *, client: Client, contact: Contact, seen: Contact, by: AbstractBaseUser, now: datetime
) -> Client:
    """Save `client`'s new contact details, unless someone changed them since `seen`."""
    try:
        with transaction.atomic():
            locked = Client.objects.select_for_update().get(pk=client.pk)
            if locked.erased_at is not None:
                raise RecordRefused("This client's data was erased; there is nothing to edit.")
            if contact_of(locked) != seen:
                raise RecordRefused(
                    "Someone changed these details after you opened this page, so yours were "
                    "not saved. The details now on file are shown; make your change again."
                )
            before = {name: getattr(locked, name) for name in CONTACT_FIELDS}
            for name in CONTACT_FIELDS:
                setattr(locked, name, getattr(contact, name).strip())
            locked.save(update_fields=list(CONTACT_FIELDS))
            record_edit(client=locked, before=before, by=by, door="client page", now=now)
    except IntegrityError:
        # The unique email index, after a check the form made: another record took it.
        raise RecordRefused(
            "Another client already has this email. If they are the same person, merge "
            "the two records instead.",
            field="email",
        ) from None
    return locked


def merge_clients(
    *, keep: Client, duplicate: Client, by: AbstractBaseUser, now: datetime
) -> ClientChange:
    """Move everything of `duplicate` onto `keep` and delete the duplicate record.

    Visits (with their payments, fees, consents, manage links and emails), the intake, its
    history and the record's own history move; blanks on the kept record (email, phone,
    intake answers) are filled from the duplicate and staff notes are joined. The kept
    client's history records the merge, and each moved visit's history too.
    """
    if keep.pk == duplicate.pk:
        raise RecordRefused("A client cannot be merged into themselves.", field="duplicate")
    with transaction.atomic():
        # Both rows locked, lower id first, so two desks merging the same pair both ways
        # queue instead of deadlocking; FOR UPDATE also holds off a booking for either.
        locked = {
            c.pk: c
            for c in Client.objects.select_for_update()
            .filter(pk__in=[keep.pk, duplicate.pk])
            .order_by("pk")
        }
        if len(locked) < 2:
            raise RecordRefused("That client record is not there any more.", field="duplicate")
        kept, gone = locked[keep.pk], locked[duplicate.pk]
        if kept.erased_at or gone.erased_at:
            raise RecordRefused("An erased client's record cannot be merged.", field="duplicate")
        visits = list(Appointment.objects.filter(client=gone).values_list("pk", flat=True))
        Appointment.objects.filter(pk__in=visits).update(client=kept)
        AppointmentChange.objects.bulk_create(
            AppointmentChange(
                appointment_id=pk,
                at=now,
                by=by,
                action=AppointmentChange.Action.MERGED,
                details={"client": [str(gone), str(kept)]},
            )
            for pk in visits
        )
        intake_moved = _merge_intake(kept, gone, by=by, now=now)
        ClientChange.objects.filter(client=gone).update(client=kept)
        # Either record's "stop rebook emails" stands, and its old unsubscribe links still work.
        NudgeToken.objects.filter(client=gone).update(client=kept)
        nudges_off = min(filter(None, [kept.nudges_off_at, gone.nudges_off_at]), default=None)
        before = {name: getattr(kept, name) for name in CONTACT_FIELDS}
        filled = {name: getattr(gone, name) for name in ("email", "phone") if not before[name]}
        notes = "\n\n".join(n for n in (kept.staff_notes, gone.staff_notes) if n.strip())
        revoked = max(filter(None, [kept.links_revoked_at, gone.links_revoked_at]), default=None)
        summary = {
            "merged": str(gone),
            "former_record": gone.pk,
            "email": gone.email,
            "phone": phones.display(gone.phone),
            "visits_moved": len(visits),
            "intake": intake_moved,
        }
        gone.delete()  # first: its email may move to the kept record (one client per email)
        for name, value in filled.items():
            setattr(kept, name, value)
        kept.staff_notes, kept.links_revoked_at = notes, revoked
        kept.nudges_off_at = nudges_off
        kept.save(
            update_fields=["email", "phone", "staff_notes", "links_revoked_at", "nudges_off_at"]
        )
        record_edit(client=kept, before=before, by=by, door="merge", now=now)
        return ClientChange.objects.create(
            client=kept,
            at=now,
            by=by,
            action=ClientChange.Action.MERGED,
            details=summary,
            door="merge",
        )


def _merge_intake(kept: Client, gone: Client, *, by, now: datetime) -> str:
    """Move the duplicate's intake onto the kept client; return what happened, in words."""
    theirs = RunnerIntake.objects.select_for_update().filter(client=gone).first()
    if theirs is None:
        return "none to move"
    ours = RunnerIntake.objects.select_for_update().filter(client=kept).first()
    if ours is None:
        theirs.client = kept
        theirs.save(update_fields=["client"])
        return "moved"
    changes = {}
    for name in INTAKE_ANSWERS:
        mine, other = getattr(ours, name), getattr(theirs, name)
        if mine in (None, "", []) and other not in (None, "", []):
            setattr(ours, name, other)
            changes[name] = ["", other.isoformat() if hasattr(other, "isoformat") else other]
    ours.is_minor = ours.is_minor or (theirs.is_minor and bool(ours.guardian_name))
    ours.save()
    IntakeChange.objects.filter(intake=theirs).update(intake=ours)
    if changes:
        IntakeChange.objects.create(intake=ours, changed_at=now, by=by, changes=changes)
    theirs.delete()
    return "joined with the kept intake"
