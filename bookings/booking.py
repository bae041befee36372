"""Writes: one keyword-only function per use case. The database is the last guard.

Each function checks what it can in Python first, to answer with a clear message, then
writes inside one transaction. Two people racing for the same time both pass the checks;
the exclusion constraints let exactly one insert through, and the other gets ``SlotTaken``
with fresh alternatives. Bookings racing for one therapist's day under a daily cap queue on
a lock and count again (``refuse_if_fully_booked``). Every message to the client is
recorded (and its delivery queued) in the same transaction as the change that causes it.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from uuid import UUID

import psycopg
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from bookings import clock, inserts, outbox, phones, queries, race, tasks
from bookings.attendance import set_status, undo_status
from bookings.availability_cache import Versions
from bookings.errors import BookingError, ChangeNotAllowed, FullyBooked, Offer, SlotTaken
from bookings.models import (
    Appointment,
    AppointmentChange,
    BookingConsent,
    BookingPolicy,
    Client,
    Room,
    Series,
    Therapist,
    TimeOff,
    TimeOffChange,
    WaitlistHold,
)
from bookings.recheck import (
    check_room,
    confirm_offer,
    full_day,
    nearest_offers,
    refuse_if_blocked,
    refuse_if_fully_booked,
    taken,
)
from bookings.rules import check_policy, staff_policy, walk_in_start
from bookings.tokens import (
    appointment_for_token,
    issue_manage_token,
    new_manage_token,
    revoke_manage_tokens,
)
from services.models import ServiceLength

Status = Appointment.Status
Source = Appointment.Source
ROOM_ATTEMPTS = 4  # tries at a free room when racing bookings take ours
THERAPIST_OVERLAP = "appointment_therapist_no_overlap"  # the exclusion constraints' names
ROOM_OVERLAP = "appointment_room_no_overlap"
Action = AppointmentChange.Action


@dataclass(frozen=True, slots=True)
class ClientDetails:
    """Who is booking, as typed into the form."""

    first_name: str
    last_name: str
    email: str
    phone: str


@dataclass(frozen=True, slots=True)
class Booked:
    """The result of a booking: the appointment, and a manage token when one was issued."""

    appointment: Appointment
    token: str | None
    created: bool


# --- clients --------------------------------------------------------------------------


def find_or_create_client(*, first_name: str, last_name: str, email: str, phone: str) -> Client:
    """Return the client with this email (ignoring case), creating them on a first visit.

    An existing client's stored details are left as they are: typing someone's email into
    a public form must not change (or reveal) anything about them.
    """
    email = email.strip()
    typed = [first_name.strip(), last_name.strip(), email, _stored_phone(phone), timezone.now()]
    names = [field.attname for field in Client._meta.concrete_fields]
    # One statement and no savepoint: the client found, or the one inserted. If a first
    # booking under the same email commits between the statement's snapshot and its insert,
    # both come back empty, and a later statement (under READ COMMITTED) sees theirs.
    with connection.cursor() as cursor:
        cursor.execute(_FIND_OR_INSERT_CLIENT, [email, email.lower(), *typed])
        row = cursor.fetchone()
    if row is None:
        return Client.objects.with_email(email).get()
    return Client.from_db(connection.alias, names, row)


_CLIENT_COLUMNS = ", ".join(field.column for field in Client._meta.concrete_fields)
_FIND_OR_INSERT_CLIENT = f"""
WITH known AS (
    SELECT {_CLIENT_COLUMNS} FROM {Client._meta.db_table}
     WHERE %s <> '' AND LOWER(email) = %s AND email <> ''  -- the unique index's rows
     LIMIT 1
), added AS (
    INSERT INTO {Client._meta.db_table}
           (first_name, last_name, email, phone, staff_notes, created_at)
    SELECT %s, %s, %s, %s, '', %s WHERE NOT EXISTS (SELECT FROM known)
    ON CONFLICT DO NOTHING
    RETURNING {_CLIENT_COLUMNS}
)
SELECT * FROM known UNION ALL SELECT * FROM added
"""  # noqa: S608 - only the table's own names are interpolated


def _client_for(client: Client | ClientDetails) -> Client:
    """Return `client`, or the client the typed details belong to (created if new)."""
    if isinstance(client, Client):
        return client
    return find_or_create_client(
        first_name=client.first_name,
        last_name=client.last_name,
        email=client.email,
        phone=client.phone,
    )


def _stored_phone(phone: str) -> str:
    """Return `phone` as stored: E.164 (the forms have checked it can be parsed)."""
    try:
        return phones.to_e164(phone)
    except phones.InvalidPhone:
        return phone.strip()


def _is_violation(error: IntegrityError, name: str) -> bool:
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) == name


def _is_deadlock(error: OperationalError) -> bool:
    # Two transactions inserting overlapping rows each wait for the other's exclusion
    # check; PostgreSQL aborts one of them: for that one, a lost race like any other.
    return isinstance(error.__cause__, psycopg.errors.DeadlockDetected)


def _booked_with(key: UUID | None) -> Appointment | None:
    """Return the appointment booked by an earlier submission with idempotency `key`."""
    return Appointment.objects.filter(idempotency_key=key).first() if key is not None else None


# --- writes ---------------------------------------------------------------------------


def book_appointment(
    *,
    client: Client | ClientDetails,
    service_length: ServiceLength,
    start: datetime,
    now: datetime,
    therapist: Therapist | None = None,
    key: UUID | None = None,
    by: AbstractBaseUser | None = None,
    notify: bool = True,
    policy: BookingPolicy | None = None,
    source: str = Source.ONLINE,
    terms: str | None = None,
    series: Series | None = None,
    race_date: date | None = None,
    go_ahead: race.GoAhead | None = None,
    tell_staff: bool = True,
    versions: Versions | None = None,
) -> Booked:
    """Book `client` in at `start`; a repeated `key` returns the first booking unchanged.

    A client given as typed details is found or created in the booking's own transaction,
    so a refused booking leaves no new client. `terms` is the version of the terms the
    client agreed to, recorded with the booking. Staff (`by` given) may book inside the
    minimum notice, never into an overlap. Pass the `policy` the request already loaded,
    if it did. `source` records the door it came through (online unless a staff door says
    otherwise, as ``book_at_desk`` does). With the runner's `race_date`, a session inside
    a timing rule raises ``race.TimingAdvice`` unless `go_ahead` (staff: with a reason); the
    history records that they went ahead. A runner's online booking tells the staff unless
    not `tell_staff` (a training block tells them once for all its sessions). `versions`
    are the availability versions the request read, if it did (the re-check of a day this
    process keeps then reads nothing).
    """
    policy = _as_applies(policy or BookingPolicy.load(), by)
    advised = race.check_timing(
        service_length=service_length, start=start, race_date=race_date, go_ahead=go_ahead, by=by
    )
    try:
        check_policy(start, now=now, policy=policy)
        therapist_id, room_id = confirm_offer(
            service_length=service_length,
            start=start,
            therapist=therapist,
            now=now,
            policy=policy,
            versions=versions,
        )
    except SlotTaken:
        # A repeat (a double click, a reload of the answer): the same submission took this
        # time a moment or a while ago. Asked only on a refusal, so a booking costs no
        # lookup; a repeat that finds the time still free trips the key's unique index.
        if done := _booked_with(key):
            return Booked(done, None, created=False)
        raise
    new = _NewBooking(
        client, service_length, start, therapist, key, by, notify, source, terms, series=series
    )
    new = replace(new, tell_staff=tell_staff)
    if advised is not None:
        new = replace(new, history=(advised,))
    return _insert_with_room_retry(
        new,
        therapist_id=therapist_id,
        room_id=room_id,
        policy=policy,
        now=now,
    )


def book_at_desk(
    *,
    client: Client | None,
    details: ClientDetails | None = None,
    service_length: ServiceLength,
    start: datetime,
    now: datetime,
    therapist: Therapist | None,
    key: UUID,
    by: AbstractBaseUser,
    notify: bool,
    race_date: date | None = None,
    go_ahead: race.GoAhead | None = None,
) -> Booked:
    """Book a caller or walk-in from the front desk: `client`, or a new one from `details`.

    The same form sent twice (a double click, the back button) returns the first booking
    with ``created=False``; a form already used for another time raises BookingError. A new
    client is kept only if the booking is.
    """
    if (earlier := _booked_with(key)) is not None:
        if earlier.start != start:
            raise BookingError("This form was already used for another booking. Start anew.")
        return Booked(earlier, None, created=False)
    return book_appointment(
        client=_desk_client(client, details),
        service_length=service_length,
        start=start,
        now=now,
        therapist=therapist,
        key=key,
        by=by,
        notify=notify,
        source=Source.DESK,
        race_date=race_date,
        go_ahead=go_ahead,
    )


def book_walk_in(
    *,
    client: Client | None,
    details: ClientDetails | None = None,
    service_length: ServiceLength,
    now: datetime,
    therapist: Therapist | None,
    key: UUID,
    by: AbstractBaseUser,
    notify: bool,
    policy: BookingPolicy | None = None,
    race_date: date | None = None,
    go_ahead: race.GoAhead | None = None,
) -> Booked:
    """Book a client at the desk into a session starting now, and check them in.

    The session starts when the slot `now` falls in began (10:07 is 10:00 when sessions start
    every 15 minutes): minutes in the past, which no other booking may be. Otherwise it passes
    the re-check of any staff booking (hours, breaks, time off, turnover, rooms, the daily
    cap), and the exclusion constraints decide a race. The same form sent twice returns the
    first walk-in with ``created=False``. The client's `race_date` brings the timing advice,
    as at the desk: ``race.TimingAdvice`` unless `go_ahead` gives a reason.
    """
    booked_for = _desk_client(client, details)
    if (earlier := _booked_with(key)) is not None:
        return Booked(earlier, None, created=False)
    policy = staff_policy(policy or BookingPolicy.load())
    start = walk_in_start(now, policy)
    advised = race.check_timing(
        service_length=service_length, start=start, race_date=race_date, go_ahead=go_ahead, by=by
    )
    with transaction.atomic():
        try:
            # The engine's clock stands at the slot's start, so the slot itself is bookable.
            therapist_id, room_id = confirm_offer(
                service_length=service_length,
                start=start,
                therapist=therapist,
                now=start,
                policy=policy,
            )
        except FullyBooked as full:
            raise full_day(full.message, service_length, start, now, therapist, policy) from None
        except SlotTaken:
            if done := _booked_with(key):  # a double click: its twin took the slot
                return Booked(done, None, created=False)
            who = f"{therapist.name} is not" if therapist else "No therapist is"
            raise SlotTaken(
                f"{who} free for a {service_length.minutes}-minute session from "
                f"{clock.time_of_day(start)}, the slot under way.",
                alternatives=nearest_offers(
                    service_length=service_length,
                    start=start,
                    now=now,
                    therapist=therapist,
                    policy=policy,
                ),
            ) from None
        # Checked in by the same INSERT: a later UPDATE of the row would meet a racing
        # walk-in's uncommitted row in the exclusion check, and the two could deadlock.
        return _insert_with_room_retry(
            _NewBooking(
                booked_for,
                service_length,
                start,
                therapist,
                key,
                by,
                notify,
                source=Source.DESK,
                terms=None,
                status=Status.CHECKED_IN,
                history=(advised,) if advised is not None else (),
            ),
            therapist_id=therapist_id,
            room_id=room_id,
            policy=policy,
            now=now,
        )


def _desk_client(client: Client | None, details: ClientDetails | None) -> Client | ClientDetails:
    """Return who a desk booking is for: `client`, or the `details` typed for a new one,
    which the booking's own transaction finds or creates (so a refusal keeps no client)."""
    if client is None and details is None:
        raise ValueError("a desk booking needs a client or the details of a new one")
    return client or details


@dataclass(frozen=True, slots=True)
class _NewBooking:
    """What a booking writes, whichever door it came through."""

    client: Client | ClientDetails  # details: found or created with the booking
    service_length: ServiceLength
    start: datetime
    therapist: Therapist | None  # as asked for: None is "anyone"
    key: UUID | None
    by: AbstractBaseUser | None
    notify: bool
    source: str
    terms: str | None  # the version of the terms agreed to, if asked
    status: str = Status.BOOKED  # a walk-in is checked in as it is booked
    series: Series | None = None  # the training block it belongs to (bookings/series.py)
    tell_staff: bool = True  # a runner's booking online: the therapist and the desk hear of it
    history: tuple[AppointmentChange, ...] = ()  # more lines for the history (unsaved)


def _insert_with_room_retry(
    new: _NewBooking, *, therapist_id: int, room_id: int, policy: BookingPolicy, now: datetime
) -> Booked:
    """Insert `new`, trying another free room if a racing booking took ours."""
    # A room chosen a moment ago may have gone to someone booking another therapist at the
    # same time: then only the room constraint fires, and another free room will do.
    for _attempt in range(ROOM_ATTEMPTS):
        try:
            appointment, token = _insert_booking(
                new, therapist_id=therapist_id, room_id=room_id, policy=policy, now=now
            )
            return Booked(appointment, token, created=True)
        except IntegrityError as error:
            # The same submission, committed by a concurrent request (a double click). Its
            # row holds the same therapist and time, so our insert may trip an overlap
            # constraint before the unique key: look for the key whichever constraint fired.
            if done := _booked_with(new.key):
                return Booked(done, None, created=False)
            if _is_violation(error, ROOM_OVERLAP):
                room = queries.pick_room(service_length=new.service_length, start=new.start)
                if room is not None:
                    room_id = room.pk
                    continue
            raise _as_slot_taken(
                error, new.service_length, new.start, now, new.therapist, policy
            ) from error
        except OperationalError as error:
            if not _is_deadlock(error):
                raise
            # The other booking goes ahead; trying again meets it as a plain conflict.
        except FullyBooked as full:
            # A double click waits on the day's lock for its twin, then finds the day full.
            if done := _booked_with(new.key):
                return Booked(done, None, created=False)
            raise full_day(
                full.message, new.service_length, new.start, now, new.therapist, policy
            ) from None
    raise taken(new.service_length, new.start, now, new.therapist, policy)


def _as_slot_taken(
    error: IntegrityError | OperationalError,
    service_length: ServiceLength,
    start: datetime,
    now: datetime,
    therapist: Therapist | None,
    policy: BookingPolicy,
) -> SlotTaken:
    """Return the lost race behind `error` as SlotTaken with the nearest free times.

    Re-raises `error` if it is not a lost race: a constraint other than the two overlap
    ones, or a database failure other than a deadlock between two overlapping inserts.
    """
    if isinstance(error, OperationalError) and not _is_deadlock(error):
        raise error
    if isinstance(error, IntegrityError) and not (
        _is_violation(error, THERAPIST_OVERLAP) or _is_violation(error, ROOM_OVERLAP)
    ):
        raise error
    return taken(service_length, start, now, therapist, policy)


def _insert_booking(
    new: _NewBooking, *, therapist_id: int, room_id: int, policy: BookingPolicy, now: datetime
) -> tuple[Appointment, str | None]:
    """Write the client (if new), the appointment, its history, manage link, consent,
    emails and their delivery jobs in one transaction: the appointment and every row after
    it in one statement."""
    with transaction.atomic():
        client = _client_for(new.client)
        end = new.start + timedelta(minutes=new.service_length.minutes)
        held = refuse_if_blocked(therapist_id=therapist_id, start=new.start, end=end)
        refuse_if_fully_booked(
            therapist_id=therapist_id, start=new.start, policy=policy, therapist=held
        )
        appointment = Appointment(
            client=client,
            therapist_id=therapist_id,
            room_id=room_id,
            service_length=new.service_length,
            start=new.start,
            status=new.status,
            status_changed_at=now if new.status != Status.BOOKED else None,
            idempotency_key=new.key,
            source=new.source,
            series=new.series,
            created_by=new.by,
            updated_by=new.by,
        )
        appointment.fill_times()  # what its save() would do; it is written with the rest
        appointment.therapist = held  # read with the lock: the notices need no second read
        rows: list = [
            appointment,
            AppointmentChange(
                appointment=appointment,
                by=new.by,
                action=Action.BOOKED,
                details={"start": clock.moment(new.start), "therapist_id": therapist_id},
            ),
        ]
        # A fresh row per attempt: a retry after a lost room must not reuse a saved one.
        rows += [
            AppointmentChange(
                appointment=appointment,
                by=line.by,
                action=line.action,
                details=line.details,
                reason=line.reason,
            )
            for line in new.history
        ]
        if new.status == Status.CHECKED_IN:
            rows.append(
                AppointmentChange(appointment=appointment, by=new.by, action=Action.CHECKED_IN)
            )
        # Only the runner's browser is shown a link; the emails mint their own.
        token = None
        if new.by is None:
            token, link = new_manage_token(appointment)
            rows.append(link)
        if new.terms is not None:
            kind = BookingConsent.Kind.TERMS
            rows.append(
                BookingConsent(appointment=appointment, kind=kind, version=new.terms, agreed_at=now)
            )
        # A runner booking online: the therapist and the desk hear of it too.
        owed = outbox.owed_on_booking(
            appointment,
            policy=policy,
            now=now,
            confirm=new.notify,
            online=new.by is None and new.tell_staff,
        )
        deliveries = outbox.Deliveries(owed)
        inserts.insert_together([*rows, *owed, *deliveries.rows])
        deliveries.queued()
    return appointment, token


def _as_applies(policy: BookingPolicy, by: AbstractBaseUser | None) -> BookingPolicy:
    """Return `policy` as it applies to the change: staff (`by` given) have their own."""
    return policy if by is None else staff_policy(policy)


def _check_changeable(appointment: Appointment, *, now: datetime, policy: BookingPolicy) -> None:
    if appointment.status != Status.BOOKED:
        raise ChangeNotAllowed(
            f"This appointment is {appointment.get_status_display().lower()} "
            "and can no longer be changed."
        )
    if appointment.start <= now:
        raise ChangeNotAllowed("This appointment has already started.")
    cutoff = appointment.start - timedelta(hours=policy.change_cutoff_hours)
    if now >= cutoff:
        raise ChangeNotAllowed(
            f"Changes online close {policy.change_cutoff_hours} hours before the session. "
            "Please call us."
        )


def changeable(appointment: Appointment, *, now: datetime, policy: BookingPolicy) -> bool:
    """Return whether `appointment` may still be moved or cancelled under `policy`."""
    try:
        _check_changeable(appointment, now=now, policy=policy)
    except ChangeNotAllowed:
        return False
    return True


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
    policy: BookingPolicy | None = None,
    any_therapist: bool = False,
    service_length: ServiceLength | None = None,
    race_date: date | None = None,
    go_ahead: race.GoAhead | None = None,
    tell_staff: bool = True,
) -> Appointment:
    """Move `appointment` to `start`, optionally to another therapist (or anyone free), room
    or length of the same service. The race timing advice holds as for a booking; a runner's
    move online tells the staff unless not `tell_staff`."""
    policy = _as_applies(policy or BookingPolicy.load(), by)
    _check_changeable(appointment, now=now, policy=policy)
    check_policy(start, now=now, policy=policy)
    therapist = None if any_therapist else therapist or appointment.therapist
    length = service_length or appointment.service_length
    if length.service_id != appointment.service_length.service_id:
        raise ChangeNotAllowed("A booking can change length only within the same service.")
    advised = race.check_timing(
        service_length=length, start=start, race_date=race_date, go_ahead=go_ahead, by=by
    )
    therapist_id, room_id = confirm_offer(
        service_length=length,
        start=start,
        therapist=therapist,
        now=now,
        policy=policy,
        ignoring=appointment,
    )
    if room is not None:
        room_id = check_room(room, appointment=appointment, length=length, start=start)
    try:
        with transaction.atomic():
            current = Appointment.objects.locked(appointment.pk)
            _check_changeable(current, now=now, policy=policy)
            before = _placement(current)
            freed = (current.therapist_id, current.start)
            current.move_to(start, length)
            current.therapist_id, current.room_id, current.updated_by = therapist_id, room_id, by
            held = refuse_if_blocked(
                therapist_id=therapist_id, start=current.start, end=current.end
            )
            # A move onto another day or therapist takes a session there like a booking does.
            refuse_if_fully_booked(
                therapist_id=therapist_id,
                start=current.start,
                policy=policy,
                ignoring=current.pk,
                therapist=held,
            )
            current.save()
            after = _placement(current)  # a changed therapist or room id drops its cached row
            AppointmentChange.objects.create(
                appointment=current,
                by=by,
                action=Action.MOVED,
                reason=reason[:200],
                details={k: [before[k], after[k]] for k in before if before[k] != after[k]},
            )
            if advised is not None:
                advised.appointment = current
                advised.save()
            if notify:
                outbox.queue(current, outbox.Kind.MOVED)
            if by is None and tell_staff:
                outbox.notify_staff(current, outbox.Kind.NOTICE_MOVED, policy=policy)
            outbox.reschedule_reminder(current, policy=policy, now=now)
            if freed != (current.therapist_id, current.start):
                _offer_to_waitlist(*freed)
    except FullyBooked as full:
        raise full_day(full.message, length, start, now, therapist, policy) from None
    except (IntegrityError, OperationalError) as error:
        if room is not None and _is_violation(error, ROOM_OVERLAP):
            raise SlotTaken(f"Sorry, {room.name} has just been taken at that time.") from error
        raise _as_slot_taken(error, length, start, now, therapist, policy) from error
    return current


def _placement(appointment: Appointment) -> dict[str, str]:
    """Return when, with whom and where `appointment` is, as its history records them."""
    return {
        "start": clock.moment(appointment.start),
        "therapist": appointment.therapist.name,
        "room": appointment.room.name,
        "length": f"{appointment.service_length.minutes} minutes",
    }


def cancel_appointment(
    *,
    appointment: Appointment,
    now: datetime,
    reason: str = "",
    by: AbstractBaseUser | None = None,
    notify: bool = True,
    policy: BookingPolicy | None = None,
    tell_staff: bool = True,
) -> Appointment:
    """Cancel `appointment`, freeing its time, and tell the client (unless not `notify`);
    a runner's cancellation online tells the staff too (unless not `tell_staff`)."""
    policy = _as_applies(policy or BookingPolicy.load(), by)
    with transaction.atomic():
        current = Appointment.objects.locked(appointment.pk)
        _check_changeable(current, now=now, policy=policy)
        current.status, current.status_changed_at = Status.CANCELLED, now
        current.cancel_reason = reason[:200]
        current.sequence += 1
        current.updated_by = by
        current.save()
        AppointmentChange.objects.create(
            appointment=current, by=by, action=Action.CANCELLED, reason=reason[:200]
        )
        outbox.skip_reminders(current)
        if notify:
            outbox.queue(current, outbox.Kind.CANCELLED)
        if by is None and tell_staff:
            outbox.notify_staff(current, outbox.Kind.NOTICE_CANCELLED, policy=policy)
        _offer_to_waitlist(current.therapist_id, current.start)
    return current


def _offer_to_waitlist(therapist_id: int, start: datetime) -> None:
    """Queue the offer of a freed time to the waitlist; its job row commits with the change,
    so the offer runs only once the time really is free (bookings/waitlist.py)."""
    tasks.offer_freed_time.enqueue(therapist_id, start.isoformat())


def _sessions_within(therapist: Therapist, start: datetime, end: datetime) -> list[Appointment]:
    """Return `therapist`'s active sessions meeting ``[start, end)``, locking the therapist
    row first so a booking cannot slip in between this check and the caller's insert."""
    Therapist.objects.select_for_update().get(pk=therapist.pk)
    return list(
        Appointment.objects.active()
        .filter(therapist=therapist, start__lt=end, end__gt=start)
        .select_related("client", "service_length__service")
        .order_by("start")
    )


def block_time(
    *, therapist: Therapist, start: datetime, end: datetime, by: AbstractBaseUser, reason: str = ""
) -> TimeOff:
    """Block `therapist`'s time from `start` to `end`; refuse if it covers a booked session."""
    if end <= start:
        raise BookingError("The end must be after the start.")
    with transaction.atomic():
        clashes = _sessions_within(therapist, start, end)
        if clashes:
            raise BookingError(
                f"{therapist.name} has a session at {clock.moment(clashes[0].start)} in that "
                "time. Move or cancel it first."
            )
        return _add_time_off(therapist, start, end, by=by, reason=reason[:200] or "Blocked")


def take_time_off(
    *, therapist: Therapist, start: datetime, end: datetime, by: AbstractBaseUser, reason: str = ""
) -> TimeOff:
    """Record time off a therapist entered themselves; refuse if it covers a booked session,
    naming each one, since only the front desk moves clients' sessions."""
    if end <= start:
        raise BookingError("Your time off must end after it starts.")
    with transaction.atomic():
        clashes = _sessions_within(therapist, start, end)
        if clashes:
            sessions = "; ".join(
                f"{clock.day(a.start)}, {clock.time_range(a.start, a.end)} "
                f"({a.client.first_name}, {a.service_length.service.title})"
                for a in clashes
            )
            plural = "these sessions" if len(clashes) > 1 else "this session"
            raise BookingError(
                f"That time covers {sessions}. Ask the front desk to move {plural} first."
            )
        return _add_time_off(therapist, start, end, by=by, reason=reason[:200] or "Time off")


def remove_time_off(
    *, therapist: Therapist, time_off_id: int, by: AbstractBaseUser, now: datetime
) -> TimeOff:
    """Remove time off that `by` entered for `therapist` and that has not started, and record
    it. The slots it held open again at once: the availability triggers see the delete.

    Refuses time off that is gone, that someone else entered (the desk's blocks), or that
    has started: what is under way or over stays as the record of when they were away.
    """
    with transaction.atomic():
        # Locked so that two removals of one entry (a double click, two tabs) record one.
        time_off = (
            TimeOff.objects.select_for_update().filter(pk=time_off_id, therapist=therapist).first()
        )
        if time_off is None:
            raise BookingError("That time off is not on your schedule any more.")
        if time_off.added_by_id != by.pk:
            raise BookingError("You did not enter that time off; ask the front desk to remove it.")
        if time_off.start <= now:
            raise BookingError(
                "That time off has already started, so it stays on your schedule. "
                "Ask the front desk if it should end sooner."
            )
        _record_time_off(time_off, TimeOffChange.Action.REMOVED, by=by, at=now)
        time_off.delete()
        _offer_span_to_waitlist(time_off)
    return time_off


def lift_time_off(*, time_off_id: int, by: AbstractBaseUser, now: datetime) -> TimeOff:
    """Remove any therapist's time off as the clinic's admin (begun or not), and record it;
    the slots it held open again at once. A waitlist hold's time is not removed here: it
    opens when the hold is claimed or runs out."""
    with transaction.atomic():
        # Its therapist comes along (for the caller's message), unlocked.
        locked = TimeOff.objects.select_for_update(of=("self",)).select_related("therapist")
        time_off = locked.filter(pk=time_off_id).first()
        if time_off is None:
            raise BookingError("That time off has already been removed.")
        if WaitlistHold.objects.filter(time_off=time_off).exists():
            raise BookingError(
                "That time is held for the waitlist; it opens when the hold is claimed or ends."
            )
        _record_time_off(time_off, TimeOffChange.Action.REMOVED, by=by, at=now)
        time_off.delete()
        _offer_span_to_waitlist(time_off)
    return time_off


def _offer_span_to_waitlist(time_off: TimeOff) -> None:
    """Queue the offer of the time a removed `time_off` held to the waitlist, with the
    removal (its job row commits with it, as ``_offer_to_waitlist``'s)."""
    tasks.offer_freed_span.enqueue(
        time_off.therapist_id, time_off.start.isoformat(), time_off.end.isoformat()
    )


def _add_time_off(
    therapist: Therapist, start: datetime, end: datetime, *, by: AbstractBaseUser, reason: str
) -> TimeOff:
    time_off = TimeOff.objects.create(
        therapist=therapist, start=start, end=end, reason=reason, added_by=by
    )
    _record_time_off(time_off, TimeOffChange.Action.ADDED, by=by, at=timezone.now())
    return time_off


def _record_time_off(time_off: TimeOff, action: str, *, by: AbstractBaseUser, at: datetime) -> None:
    TimeOffChange.objects.create(
        therapist_id=time_off.therapist_id,
        action=action,
        by=by,
        at=at,
        details={
            "start": clock.local(time_off.start).isoformat(),
            "end": clock.local(time_off.end).isoformat(),
            "reason": time_off.reason,
        },
    )


__all__ = [
    "Booked",
    "BookingError",
    "ChangeNotAllowed",
    "FullyBooked",
    "Offer",
    "SlotTaken",
    "Source",
    "appointment_for_token",
    "block_time",
    "book_appointment",
    "book_walk_in",
    "cancel_appointment",
    "changeable",
    "find_or_create_client",
    "issue_manage_token",
    "lift_time_off",
    "nearest_offers",
    "remove_time_off",
    "reschedule_appointment",
    "revoke_manage_tokens",
    "set_status",
    "take_time_off",
    "undo_status",
]
