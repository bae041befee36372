"""Writes: one keyword-only function per use case. The database is the last guard.

Each function checks what it can in Python first, to answer with a clear message, then
writes inside one transaction. Two people racing for the same time both pass the checks;
the exclusion constraints let exactly one insert through, and the other gets ``SlotTaken``
with fresh alternatives. Every message to the client is recorded (and its delivery queued)
in the same transaction as the change that causes it.
"""

import copy
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from bookings import messages, queries
from bookings.models import (
    Appointment,
    AppointmentChange,
    BookingPolicy,
    Client,
    ManageToken,
    Room,
    Therapist,
    TimeOff,
)
from services.models import ServiceLength

Status = Appointment.Status
Action = AppointmentChange.Action


class BookingError(Exception):
    """A booking or change that cannot be made, with a message for the person asking."""

    def __init__(self, message: str, *, alternatives: list["Offer"] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.alternatives = alternatives or []


class SlotTaken(BookingError):
    """The time was free when shown but is not any more (or never was bookable)."""


class ChangeNotAllowed(BookingError):
    """The appointment can no longer be changed this way (cut-off, cancelled, past)."""


@dataclass(frozen=True, slots=True)
class Offer:
    """A bookable start time and who would take it."""

    start: datetime
    therapist_id: int


@dataclass(frozen=True, slots=True)
class Booked:
    """The result of a booking: the appointment, and a manage token when one was issued."""

    appointment: Appointment
    token: str | None
    created: bool


# --- manage links ---------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_manage_token(appointment: Appointment) -> str:
    """Return a new raw manage token for `appointment` (only its digest is stored)."""
    token = secrets.token_urlsafe(24)  # 192 random bits
    ManageToken.objects.create(appointment=appointment, digest=_digest(token))
    return token


def appointment_for_token(token: str, *, now: datetime) -> Appointment | None:
    """Return the appointment a manage token opens, or None if unknown, revoked or past."""
    if not 20 <= len(token) <= 64:
        return None
    found = (
        ManageToken.objects.filter(digest=_digest(token), revoked_at__isnull=True)
        .select_related(
            "appointment__client",
            "appointment__therapist",
            "appointment__room",
            "appointment__service_length__service",
        )
        .first()
    )
    if found is None or found.appointment.end <= now:
        return None
    return found.appointment


def revoke_manage_tokens(appointment: Appointment, *, now: datetime) -> int:
    """Revoke every manage link of `appointment`; return how many were live."""
    return appointment.manage_tokens.filter(revoked_at__isnull=True).update(revoked_at=now)


# --- clients --------------------------------------------------------------------------


def find_or_create_client(*, first_name: str, last_name: str, email: str, phone: str) -> Client:
    """Return the client with this email (ignoring case), creating them on a first visit.

    An existing client's stored details are left as they are: typing someone's email into
    a public form must not change (or reveal) anything about them.
    """
    email = email.strip()
    if email and (existing := Client.objects.with_email(email).first()):
        return existing
    try:
        with transaction.atomic():
            return Client.objects.create(
                first_name=first_name.strip(),
                last_name=last_name.strip(),
                email=email,
                phone=phone.strip(),
            )
    except IntegrityError:
        # A first booking under the same email committed between our read and write.
        return Client.objects.with_email(email).get()


# --- availability checks --------------------------------------------------------------


def _staff_policy(policy: BookingPolicy) -> BookingPolicy:
    """Return `policy` as it applies to staff, who may book inside the minimum notice."""
    staff = copy.copy(policy)
    staff.min_notice_hours = 0
    return staff


def nearest_offers(
    *,
    service_length: ServiceLength,
    start: datetime,
    now: datetime,
    therapist: Therapist | None = None,
    policy: BookingPolicy | None = None,
    count: int = 3,
) -> list[Offer]:
    """Return up to `count` bookable times nearest to `start` (same therapist if given)."""
    policy = policy or BookingPolicy.load()
    day = timezone.localtime(start).date()
    found = queries.available_slots(
        service_length=service_length,
        policy=policy,
        now=now,
        start_date=day - timedelta(days=1),
        end_date=day + timedelta(days=8),
        therapists=[therapist] if therapist else None,
    )
    if therapist is not None:
        offers = [Offer(s, therapist.pk) for s in found.by_therapist.get(therapist.pk, [])]
    else:
        offers = [Offer(slot.start, slot.therapist_id) for slot in found.any_therapist]
    offers.sort(key=lambda offer: (abs(offer.start - start), offer.start))
    return sorted(offers[:count], key=lambda offer: offer.start)


def _check_policy(start: datetime, *, now: datetime, policy: BookingPolicy, staff: bool) -> None:
    if start <= now:
        raise SlotTaken("That time has already passed. Please choose another.")
    if not staff and start < now + timedelta(hours=policy.min_notice_hours):
        raise SlotTaken(
            f"Online bookings need at least {policy.min_notice_hours} hours' notice. "
            "Please choose a later time or call us."
        )
    if start > now + timedelta(days=policy.horizon_days):
        raise SlotTaken(f"We take bookings up to {policy.horizon_days} days ahead.")


def _confirm_offer(
    *,
    service_length: ServiceLength,
    start: datetime,
    therapist: Therapist | None,
    now: datetime,
    policy: BookingPolicy,
    ignoring: Appointment | None = None,
) -> tuple[int, int]:
    """Return (therapist id, room id) for a bookable `start`, or raise SlotTaken."""
    day = timezone.localtime(start).date()
    found = queries.available_slots(
        service_length=service_length,
        policy=policy,
        now=now,
        start_date=day,
        end_date=day + timedelta(days=1),
        therapists=[therapist] if therapist else None,
        ignoring=ignoring,
    )
    if therapist is not None:
        therapist_id = therapist.pk if start in found.by_therapist.get(therapist.pk, []) else None
    else:
        therapist_id = next((s.therapist_id for s in found.any_therapist if s.start == start), None)
    room_id = found.room_for(start) if therapist_id is not None else None
    if therapist_id is None or room_id is None:
        raise _taken(service_length, start, now, therapist, policy, "no longer available")
    return therapist_id, room_id


def _taken(
    service_length: ServiceLength,
    start: datetime,
    now: datetime,
    therapist: Therapist | None,
    policy: BookingPolicy,
    how: str = "just taken",
) -> SlotTaken:
    offers = nearest_offers(
        service_length=service_length, start=start, now=now, therapist=therapist, policy=policy
    )
    return SlotTaken(f"Sorry, that time was {how}.", alternatives=offers)


def _refuse_if_blocked(*, therapist_id: int, start: datetime, end: datetime) -> None:
    """Raise SlotTaken if the therapist's time has been blocked since we checked.

    Holds a share lock on the therapist row until the transaction ends: block_time() takes
    an update lock on it, so a block committed before this point is visible here, and one
    started after it waits for this booking and then sees it.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {Therapist._meta.db_table} WHERE id = %s FOR SHARE",  # noqa: S608
            [therapist_id],
        )
    if TimeOff.objects.filter(therapist_id=therapist_id, start__lt=end, end__gt=start).exists():
        raise SlotTaken("Sorry, that time has just been blocked. Please choose another.")


def _check_room(
    room: Room, *, appointment: Appointment, length: ServiceLength, start: datetime
) -> int:
    """Return `room`'s id if it suits the session and is free at `start`, else raise.

    Only a clear answer up front: the room's exclusion constraint still decides a race.
    """
    if not Room.objects.active().suiting(length.service_id).filter(pk=room.pk).exists():
        raise BookingError(f"{room.name} is not set up for {length.service.title}.")
    # The session keeps its length and the buffers it was booked with (see move_to).
    since = start - timedelta(minutes=appointment.buffer_before)
    until = start + (appointment.end - appointment.start)
    until += timedelta(minutes=appointment.buffer_after)
    clash = (
        Appointment.objects.active()
        .overlapping(since, until)
        .filter(room=room)
        .exclude(pk=appointment.pk)
        .first()
    )
    if clash is not None:
        raise SlotTaken(
            f"{room.name} is in use from {_local(clash.occupied_from)} to "
            f"{_local(clash.occupied_until)}, turnover included. Choose another room, "
            "or leave the room to us."
        )
    return room.pk


def _is_violation(error: IntegrityError, name: str) -> bool:
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) == name


def _booked_with(key: UUID | None) -> Appointment | None:
    """Return the appointment booked by an earlier submission with idempotency `key`."""
    return Appointment.objects.filter(idempotency_key=key).first() if key is not None else None


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# --- writes ---------------------------------------------------------------------------


def book_appointment(
    *,
    client: Client,
    service_length: ServiceLength,
    start: datetime,
    now: datetime,
    therapist: Therapist | None = None,
    key: UUID | None = None,
    by: AbstractBaseUser | None = None,
    notify: bool = True,
) -> Booked:
    """Book `client` in at `start`; a repeated `key` returns the first booking unchanged.

    Staff (`by` given) may book inside the minimum notice, never into an overlap.
    """
    if done := _booked_with(key):
        return Booked(done, None, created=False)
    policy = BookingPolicy.load()
    staff = by is not None
    if staff:
        policy = _staff_policy(policy)
    _check_policy(start, now=now, policy=policy, staff=staff)
    try:
        therapist_id, room_id = _confirm_offer(
            service_length=service_length, start=start, therapist=therapist, now=now, policy=policy
        )
    except SlotTaken:
        # A double click: the same submission may have taken this time a moment ago.
        if done := _booked_with(key):
            return Booked(done, None, created=False)
        raise
    try:
        with transaction.atomic():
            end = start + timedelta(minutes=service_length.minutes)
            _refuse_if_blocked(therapist_id=therapist_id, start=start, end=end)
            appointment = Appointment.objects.create(
                client=client,
                therapist_id=therapist_id,
                room_id=room_id,
                service_length=service_length,
                start=start,
                idempotency_key=key,
                created_by=by,
                updated_by=by,
            )
            AppointmentChange.objects.create(
                appointment=appointment,
                by=by,
                action=Action.BOOKED,
                details={"start": _local(start), "therapist_id": therapist_id},
            )
            token = issue_manage_token(appointment)
            if notify:
                messages.queue(appointment, messages.Kind.CONFIRMATION)
            messages.schedule_reminder(appointment, policy=policy, now=now)
    except IntegrityError as error:
        # The same submission, committed by a concurrent request (a double click). Its row
        # holds the same therapist and time, so our insert may trip an overlap constraint
        # before the unique key: look for the key whichever constraint fired.
        if done := _booked_with(key):
            return Booked(done, None, created=False)
        if _is_violation(error, "appointment_therapist_no_overlap") or _is_violation(
            error, "appointment_room_no_overlap"
        ):
            raise _taken(service_length, start, now, therapist, policy) from error
        raise
    return Booked(appointment, token, created=True)


def _locked(appointment: Appointment) -> Appointment:
    """Return a fresh copy of `appointment`, row-locked until the transaction ends."""
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("service_length__service", "therapist", "room", "client")
        .get(pk=appointment.pk)
    )


def _check_changeable(
    appointment: Appointment, *, now: datetime, policy: BookingPolicy, staff: bool
) -> None:
    if appointment.status != Status.BOOKED:
        raise ChangeNotAllowed(
            f"This appointment is {appointment.get_status_display().lower()} "
            "and can no longer be changed."
        )
    if appointment.start <= now:
        raise ChangeNotAllowed("This appointment has already started.")
    cutoff = appointment.start - timedelta(hours=policy.change_cutoff_hours)
    if not staff and now >= cutoff:
        raise ChangeNotAllowed(
            f"Changes online close {policy.change_cutoff_hours} hours before the session. "
            "Please call us."
        )


def reschedule_appointment(
    *,
    appointment: Appointment,
    start: datetime,
    now: datetime,
    therapist: Therapist | None = None,
    room: Room | None = None,
    by: AbstractBaseUser | None = None,
    reason: str = "",
    notify: bool = True,
) -> Appointment:
    """Move `appointment` to `start` (and optionally another therapist or room)."""
    policy = BookingPolicy.load()
    staff = by is not None
    if staff:
        policy = _staff_policy(policy)
    _check_changeable(appointment, now=now, policy=policy, staff=staff)
    _check_policy(start, now=now, policy=policy, staff=staff)
    therapist = therapist or appointment.therapist
    length = appointment.service_length
    therapist_id, room_id = _confirm_offer(
        service_length=length,
        start=start,
        therapist=therapist,
        now=now,
        policy=policy,
        ignoring=appointment,
    )
    if room is not None:
        room_id = _check_room(room, appointment=appointment, length=length, start=start)
    try:
        with transaction.atomic():
            current = _locked(appointment)
            _check_changeable(current, now=now, policy=policy, staff=staff)
            before = {
                "start": _local(current.start),
                "therapist": current.therapist.name,
                "room": current.room.name,
            }
            current.move_to(start)
            current.therapist_id, current.room_id, current.updated_by = therapist_id, room_id, by
            _refuse_if_blocked(therapist_id=therapist_id, start=current.start, end=current.end)
            current.save()
            current.refresh_from_db()
            after = {
                "start": _local(current.start),
                "therapist": current.therapist.name,
                "room": current.room.name,
            }
            AppointmentChange.objects.create(
                appointment=current,
                by=by,
                action=Action.MOVED,
                reason=reason[:200],
                details={k: [before[k], after[k]] for k in before if before[k] != after[k]},
            )
            if notify:
                messages.queue(current, messages.Kind.MOVED)
            messages.schedule_reminder(current, policy=policy, now=now)
    except IntegrityError as error:
        if room is not None and _is_violation(error, "appointment_room_no_overlap"):
            raise SlotTaken(f"Sorry, {room.name} has just been taken at that time.") from error
        raise _taken(length, start, now, therapist, policy) from error
    return current


def cancel_appointment(
    *,
    appointment: Appointment,
    now: datetime,
    reason: str = "",
    by: AbstractBaseUser | None = None,
    notify: bool = True,
) -> Appointment:
    """Cancel `appointment`, freeing its time, and tell the client."""
    policy = BookingPolicy.load()
    with transaction.atomic():
        current = _locked(appointment)
        _check_changeable(current, now=now, policy=policy, staff=by is not None)
        current.status = Status.CANCELLED
        current.cancel_reason = reason[:200]
        current.sequence += 1
        current.updated_by = by
        current.save()
        AppointmentChange.objects.create(
            appointment=current, by=by, action=Action.CANCELLED, reason=reason[:200]
        )
        messages.skip_reminders(current)
        if notify:
            messages.queue(current, messages.Kind.CANCELLED)
    return current


_STATUS_MOVES = {
    Status.CHECKED_IN: ({Status.BOOKED}, Action.CHECKED_IN),
    Status.COMPLETED: ({Status.BOOKED, Status.CHECKED_IN}, Action.COMPLETED),
    Status.NO_SHOW: ({Status.BOOKED}, Action.NO_SHOW),
}


def set_status(
    *,
    appointment: Appointment,
    status: str,
    by: AbstractBaseUser,
    reason: str = "",
    now: datetime | None = None,
) -> Appointment:
    """Check in, complete or mark a no-show; only forward moves from the current status.

    Given `now`, a session cannot be completed or marked a no-show before it starts.
    """
    allowed_from, action = _STATUS_MOVES[Status(status)]
    with transaction.atomic():
        current = _locked(appointment)
        if current.status not in allowed_from:
            raise ChangeNotAllowed(
                f"A {current.get_status_display().lower()} appointment cannot be marked "
                f"{Status(status).label.lower()}."
            )
        if now is not None and status != Status.CHECKED_IN and current.start > now:
            raise ChangeNotAllowed(
                f"The session starts at {_local(current.start)}; it can be marked "
                f"{Status(status).label.lower()} once it has started."
            )
        current.status, current.updated_by = status, by
        current.save()
        AppointmentChange.objects.create(
            appointment=current, by=by, action=action, reason=reason[:200]
        )
        if status == Status.NO_SHOW:
            messages.skip_reminders(current)
    return current


def block_time(
    *, therapist: Therapist, start: datetime, end: datetime, by: AbstractBaseUser, reason: str = ""
) -> TimeOff:
    """Block `therapist`'s time from `start` to `end`; refuse if it covers a booked session."""
    if end <= start:
        raise BookingError("The end must be after the start.")
    with transaction.atomic():
        # Lock the therapist row so a booking cannot slip in between the check and the insert.
        Therapist.objects.select_for_update().get(pk=therapist.pk)
        clash = (
            Appointment.objects.active()
            .filter(therapist=therapist, start__lt=end, end__gt=start)
            .first()
        )
        if clash is not None:
            raise BookingError(
                f"{therapist.name} has a session at {_local(clash.start)} in that time. "
                "Move or cancel it first."
            )
        return TimeOff.objects.create(
            therapist=therapist, start=start, end=end, reason=reason[:200] or "Blocked"
        )


__all__ = [
    "Booked",
    "BookingError",
    "ChangeNotAllowed",
    "Offer",
    "SlotTaken",
    "appointment_for_token",
    "block_time",
    "book_appointment",
    "cancel_appointment",
    "find_or_create_client",
    "issue_manage_token",
    "nearest_offers",
    "reschedule_appointment",
    "revoke_manage_tokens",
    "set_status",
]
