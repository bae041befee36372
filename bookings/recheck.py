"""The availability re-check a booking must pass before it is written.

What the database cannot say in words (not a bookable time any more, a full day, a blocked
time, a room that does not suit) is checked here first, so people get a clear message and
the nearest free times; the exclusion constraints still decide every race for a time. A
daily cap is a count no constraint can hold, so the booking transaction decides it under a
lock (``refuse_if_fully_booked``).
"""

from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from bookings import availability_cache, clock, queries
from bookings.errors import BookingError, FullyBooked, Offer, SlotTaken
from bookings.models import Appointment, BookingPolicy, Room, Therapist, TimeOff
from bookings.rules import fully_booked
from services.models import ServiceLength

OFFERS = 3  # nearest free times offered when a time is refused


def nearest_offers(
    *,
    service_length: ServiceLength,
    start: datetime,
    now: datetime,
    therapist: Therapist | None,
    policy: BookingPolicy,
) -> list[Offer]:
    """Return up to three bookable times nearest to `start` (same therapist if given)."""
    day = timezone.localtime(start).date()
    found = queries.available_slots(
        service_length=service_length,
        policy=policy,
        now=now,
        start_date=day - timedelta(days=1),
        end_date=day + timedelta(days=8),
        therapists=[therapist] if therapist else None,
    )
    offers = found.offers(therapist)
    offers.sort(key=lambda offer: (abs(offer.start - start), offer.start))
    return sorted(offers[:OFFERS], key=lambda offer: offer.start)


def confirm_offer(
    *,
    service_length: ServiceLength,
    start: datetime,
    therapist: Therapist | None,
    now: datetime,
    policy: BookingPolicy,
    ignoring: Appointment | None = None,
    versions: availability_cache.Versions | None = None,
) -> tuple[int, int]:
    """Return (therapist id, room id) for a bookable `start`, or raise SlotTaken.

    A start this process has kept, under the versions read now (or the `versions` the
    request read), needs no run of the engine; one with a chosen therapist on a day that
    changed since, only a read of what lies around it (``queries.bookable_at``). A refusal
    always comes from a read of the whole day, with its reason and the nearest free times.
    """
    if ignoring is None:
        asked = {"service_length": service_length, "policy": policy, "now": now, "start": start}
        placed = availability_cache.bookable(**asked, therapist=therapist, versions=versions)
        if placed is None and therapist is not None:
            placed = queries.bookable_at(**asked, therapist=therapist)
        if placed is not None:
            return placed
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
    therapist_id = next((o.therapist_id for o in found.offers(therapist) if o.start == start), None)
    room_id = found.room_for(start) if therapist_id is not None else None
    if therapist_id is None and therapist is not None and _at_cap(found, therapist, day, policy):
        raise full_day(
            fully_booked(therapist.name, day), service_length, start, now, therapist, policy
        )
    if therapist_id is None or room_id is None:
        raise taken(service_length, start, now, therapist, policy, "no longer available")
    return therapist_id, room_id


def _at_cap(
    found: queries.Availability, therapist: Therapist, day: date, policy: BookingPolicy
) -> bool:
    """Return whether the engine left `day` out for `therapist` because of their daily cap."""
    cap = therapist.max_sessions_per_day or policy.max_sessions_per_day
    return cap is not None and found.schedule.sessions_per_day.get((therapist.pk, day), 0) >= cap


def taken(
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


def full_day(
    message: str,
    service_length: ServiceLength,
    start: datetime,
    now: datetime,
    therapist: Therapist | None,
    policy: BookingPolicy,
) -> FullyBooked:
    """Return FullyBooked with `message` and the nearest free times (on other days)."""
    offers = nearest_offers(
        service_length=service_length, start=start, now=now, therapist=therapist, policy=policy
    )
    return FullyBooked(message, alternatives=offers)


def refuse_if_blocked(*, therapist_id: int, start: datetime, end: datetime) -> Therapist:
    """Raise SlotTaken if the therapist's time has been blocked since we checked; return the
    therapist as read with the lock (its name and own daily cap serve
    ``refuse_if_fully_booked``, the rest and ``sign_in_email`` the staff notices: no second
    read of the row, nor of its user).

    Holds a share lock on the therapist row until the transaction ends: block_time() takes
    an update lock on it, so a block committed before this point is visible here, and one
    started after it waits for this booking and then sees it. The time off is a statement
    of its own, after the lock: one that waited for the lock still reads with the snapshot
    it started with, which misses a block committed while it waited.
    """
    fields = [f.attname for f in Therapist._meta.concrete_fields]
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_THERAPIST_SQL, [therapist_id])
        *row, sign_in_email = cursor.fetchone()
        cursor.execute(_BLOCKED_SQL, [therapist_id, end, start])
        blocked = cursor.fetchone() is not None
    if blocked:
        raise SlotTaken("Sorry, that time has just been blocked. Please choose another.")
    therapist = Therapist.from_db(connection.alias, fields, row)
    therapist.sign_in_email = sign_in_email  # the notices fall back on it and read no more
    return therapist


# Plain statements, not querysets: the booking transaction runs them every time, and
# building the ORM's versions cost more than the reads themselves.
_LOCK_THERAPIST_SQL = f"""
SELECT {", ".join(f"t.{f.column}" for f in Therapist._meta.concrete_fields)}, u.email
  FROM {Therapist._meta.db_table} t
  LEFT JOIN {get_user_model()._meta.db_table} u ON u.id = t.user_id
 WHERE t.id = %s FOR SHARE OF t
"""  # noqa: S608 - the table and column names only
_BLOCKED_SQL = f"""
SELECT 1 FROM {TimeOff._meta.db_table}
 WHERE therapist_id = %s AND start < %s AND "end" > %s LIMIT 1
"""  # noqa: S608 - the table name only


def refuse_if_fully_booked(
    *,
    therapist_id: int,
    start: datetime,
    policy: BookingPolicy,
    ignoring: int | None = None,
    therapist: Therapist | None = None,
) -> None:
    """Raise FullyBooked if the therapist's local day of `start` has reached their daily cap.

    Closes the race between bookings of one therapist at different times on one day: each
    passed the engine's count before any of them was written, and no constraint counts rows.
    Racing bookings for the same therapist and local day queue on a transaction-level
    advisory lock here, one at a time; the count is a later statement than the lock, so
    (under READ COMMITTED) it sees every booking that the one before it committed. Staff
    are held to the cap too: it protects the therapist. `ignoring` is an appointment being
    moved, which must not count against itself; `therapist` is the row that
    ``refuse_if_blocked`` read, if it ran.
    """
    if therapist is not None:
        name, own_cap = therapist.name, therapist.max_sessions_per_day
    else:
        name, own_cap = Therapist.objects.values_list("name", "max_sessions_per_day").get(
            pk=therapist_id
        )
    cap = own_cap or policy.max_sessions_per_day
    if cap is None:
        return
    tz = clock.clinic_tz()
    day = start.astimezone(tz).date()
    with connection.cursor() as cursor:
        # Keys (therapist id, day number); no other advisory lock in the project uses two keys.
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [therapist_id, day.toordinal()])
    since = datetime.combine(day, time(), tzinfo=tz)  # local midnight, DST-correct
    until = datetime.combine(day + timedelta(days=1), time(), tzinfo=tz)
    sessions = (
        Appointment.objects.active()
        .overlapping(since, until)  # the exclusion constraint's GiST index narrows the scan
        .filter(therapist_id=therapist_id, start__gte=since, start__lt=until)
        .exclude(pk=ignoring)
        .count()
    )
    if sessions >= cap:
        raise FullyBooked(fully_booked(name, day))


def check_room(
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
            f"{room.name} is in use {clock.day(clash.occupied_from)}, "
            f"{clock.time_range(clash.occupied_from, clash.occupied_until)}, turnover included. "
            "Choose another room, or leave the room to us."
        )
    return room.pk
