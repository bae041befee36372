"""Reads for availability: load a schedule, run the pure engine, pick a room.

``load_schedule`` reads everything the engine needs for any date range and any set of
therapists in one query, however many therapists, hours or appointments there are (see
``SCHEDULE_SQL``). The booking policy is not part of it: load it once per request with
``BookingPolicy.load()`` and pass it in.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db import connection

from bookings import availability as engine
from bookings.clock import clinic_tz
from bookings.errors import Offer
from bookings.models import Appointment, BookingPolicy, Room, Therapist
from services.models import ServiceLength

DAY = timedelta(days=1)

# One round trip instead of one per table: at a few hundred rows the time is mostly round
# trips and ORM compilation, so a single fixed statement keeps a page near the database's
# own speed. Every row is (kind, therapist id, room id or weekday, date, wall-clock start and
# end, timestamptz start and end), with NULL where a kind has no value.
#
# * the therapists offering the service (all active ones, or those in %(chosen)s) with their
#   own daily cap (NULL: the clinic's), and the active rooms suiting it;
# * their weekly hours, and their hours for dates in the range (NULL times: a day off);
# * their time off overlapping the window, and the clinic's closures in the range;
# * active appointments overlapping the window (or only %(busy_since)s to %(busy_until)s) that
#   hold one of those therapists or rooms, with the local day each starts on (for the daily
#   cap and the fair choice). The range test and the status list are the exclusion
#   constraints' own, so their GiST indexes serve it.
SCHEDULE_SQL = """
WITH therapist AS (
    SELECT id, max_sessions_per_day FROM bookings_therapist
     WHERE active
       AND id IN (SELECT therapist_id FROM bookings_therapist_services
                   WHERE service_id = %(service)s)
       AND (%(chosen)s::bigint[] IS NULL OR id = ANY(%(chosen)s::bigint[]))
), room AS (
    SELECT id FROM bookings_room
     WHERE active
       AND id IN (SELECT room_id FROM bookings_room_services WHERE service_id = %(service)s)
)
SELECT 'therapist', id, max_sessions_per_day::bigint, NULL::date, NULL::time, NULL::time,
       NULL::timestamptz, NULL::timestamptz
  FROM therapist
UNION ALL
SELECT 'room', NULL, id, NULL, NULL, NULL, NULL, NULL FROM room
UNION ALL
SELECT 'weekly', therapist_id, weekday, NULL, start, "end", NULL, NULL
  FROM bookings_weeklyhours
 WHERE therapist_id IN (SELECT id FROM therapist)
UNION ALL
SELECT 'date', therapist_id, NULL, date, start, "end", NULL, NULL
  FROM bookings_datehours
 WHERE therapist_id IN (SELECT id FROM therapist)
   AND date >= %(first)s AND date < %(last)s
UNION ALL
SELECT 'time off', therapist_id, NULL, NULL, NULL, NULL, start, "end"
  FROM bookings_timeoff
 WHERE therapist_id IN (SELECT id FROM therapist)
   AND start < %(until)s AND "end" > %(since)s
UNION ALL
SELECT 'closure', NULL, NULL, date, NULL, NULL, NULL, NULL
  FROM bookings_clinicclosure
 WHERE date >= %(first)s AND date < %(last)s
UNION ALL
SELECT 'appointment', therapist_id, room_id, (start AT TIME ZONE %(tz)s)::date, NULL, NULL,
       occupied_from, occupied_until
  FROM bookings_appointment
 WHERE status IN ('booked', 'checked_in', 'completed')
   AND TSTZRANGE(occupied_from, occupied_until) && TSTZRANGE(%(busy_since)s, %(busy_until)s)
   AND (therapist_id IN (SELECT id FROM therapist) OR room_id IN (SELECT id FROM room))
   AND id IS DISTINCT FROM %(ignoring)s
"""


def engine_policy(policy: BookingPolicy) -> engine.Policy:
    """Return the engine's view of the clinic's booking policy."""
    return engine.Policy(
        step=timedelta(minutes=policy.slot_step_minutes),
        min_notice=timedelta(hours=policy.min_notice_hours),
        horizon=timedelta(days=policy.horizon_days),
        max_sessions_per_day=policy.max_sessions_per_day,
    )


def service_request(length: ServiceLength) -> engine.ServiceRequest:
    """Return the engine's request for one bookable length, buffers included."""
    return engine.ServiceRequest(
        service_id=length.service_id,
        length=timedelta(minutes=length.minutes),
        buffer_before=timedelta(minutes=length.buffer_before),
        buffer_after=timedelta(minutes=length.buffer_after),
    )


def load_schedule(
    *,
    service_id: int,
    start_date: date,
    end_date: date,
    therapists: Iterable[Therapist] | None = None,
    ignoring: Appointment | None = None,
    busy_within: engine.Span | None = None,
) -> engine.Schedule:
    """Return what the engine needs to offer ``service_id`` for start_date <= day < end_date.

    ``therapists`` narrows the choice (default: every active therapist offering the service);
    ``ignoring`` leaves one appointment out, so a reschedule does not collide with itself.
    ``busy_within`` reads only the appointments overlapping that span: the schedule then
    says whether a session whose footprint lies within it is free, and nothing of the rest
    of the days (nor their session counts, which the daily cap and the fair choice use).
    """
    tz = clinic_tz()
    # Whole local days plus a day each side: a slot's buffers may reach into the next day.
    since = datetime.combine(start_date, time(), tzinfo=tz).astimezone(UTC) - DAY
    until = datetime.combine(end_date, time(), tzinfo=tz).astimezone(UTC) + DAY
    params = {
        "service": service_id,
        "chosen": None if therapists is None else [therapist.pk for therapist in therapists],
        "first": start_date,
        "last": end_date,
        "since": since,
        "until": until,
        "busy_since": since if busy_within is None else busy_within.start,
        "busy_until": until if busy_within is None else busy_within.end,
        "tz": settings.TIME_ZONE,
        "ignoring": None if ignoring is None else ignoring.pk,
    }
    with connection.cursor() as cursor:
        cursor.execute(SCHEDULE_SQL, params)
        rows = cursor.fetchall()
    return _schedule(service_id, rows)


def _schedule(service_id: int, rows: list[tuple]) -> engine.Schedule:
    """Return the engine's schedule from the rows of ``SCHEDULE_SQL``."""
    room_ids, weekly, dated, time_off, closures, appointments = ([] for _ in range(6))
    caps: dict[int, int | None] = {}  # therapist id -> their own daily cap
    for kind, tid, other, day, start, end, since, until in rows:
        if kind == "appointment":
            appointments.append((tid, other, day, since, until))
        elif kind == "weekly":
            weekly.append(engine.WeeklyHours(tid, other, start, end))
        elif kind == "date":
            dated.append(engine.DateHours(tid, day, start, end))
        elif kind == "time off":
            time_off.append(engine.TimeOff(tid, engine.Span(since, until)))
        elif kind == "closure":
            closures.append(day)
        elif kind == "therapist":
            caps[tid] = other
        elif kind == "room":
            room_ids.append(other)
    service_ids = frozenset({service_id})
    rooms = [engine.Room(pk, service_ids) for pk in room_ids]
    if not caps:
        return engine.Schedule(therapists=(), weekly_hours=(), rooms=rooms)
    # An appointment is busy time for its therapist if they are being offered, for its room if
    # the room suits the service, and a session on its therapist's day for the daily cap.
    therapists, suitable = caps.keys(), set(room_ids)
    busy, room_busy, sessions = [], [], Counter()
    for tid, rid, day, since, until in appointments:
        span = engine.Span(since, until)
        if tid in therapists:
            busy.append(engine.TherapistBusy(tid, span))
            sessions[tid, day] += 1
        if rid in suitable:
            room_busy.append(engine.RoomBusy(rid, span))
    return engine.Schedule(
        therapists=[engine.Therapist(pk, service_ids, cap) for pk, cap in caps.items()],
        weekly_hours=weekly,
        rooms=rooms,
        date_hours=dated,
        time_off=time_off,
        closures=closures,
        busy=busy,
        room_busy=room_busy,
        sessions_per_day=dict(sessions),
    )


@dataclass(frozen=True, slots=True)
class Availability:
    """Bookable UTC start times for one service length, per therapist and for "anyone"."""

    by_therapist: dict[int, list[datetime]]
    any_therapist: list[engine.AssignedSlot]
    schedule: engine.Schedule
    request: engine.ServiceRequest

    def offers(self, therapist: Therapist | None) -> list[Offer]:
        """Return the bookable starts with `therapist`, or with anyone when None, in order."""
        if therapist is not None:
            return [Offer(start, therapist.pk) for start in self.by_therapist.get(therapist.pk, [])]
        return [Offer(slot.start, slot.therapist_id) for slot in self.any_therapist]

    def room_for(self, start: datetime) -> int | None:
        """Return the id of the room the engine would give a session at ``start``."""
        return engine.pick_room(self.schedule, self.request, start)


def available_slots(
    *,
    service_length: ServiceLength,
    policy: BookingPolicy,
    now: datetime,
    start_date: date,
    end_date: date,
    therapists: Iterable[Therapist] | None = None,
    ignoring: Appointment | None = None,
) -> Availability:
    """Return the bookable starts for start_date <= local day < end_date, in one query."""
    tz, rules = clinic_tz(), engine_policy(policy)
    # Nothing before the notice or past the horizon can be offered, so read no further.
    start_date = max(start_date, (now + rules.min_notice).astimezone(tz).date() - DAY)
    end_date = min(end_date, (now + rules.horizon).astimezone(tz).date() + 2 * DAY)
    request = service_request(service_length)
    if start_date >= end_date:
        schedule = engine.Schedule(therapists=(), weekly_hours=(), rooms=())
        return Availability({}, [], schedule, request)
    schedule = load_schedule(
        service_id=service_length.service_id,
        start_date=start_date,
        end_date=end_date,
        therapists=therapists,
        ignoring=ignoring,
    )
    by_therapist, anyone = engine.bookable_slots(
        schedule, request, rules, now=now, first_day=start_date, end_day=end_date, tz=tz
    )
    return Availability(by_therapist, anyone, schedule, request)


def bookable_at(
    *,
    service_length: ServiceLength,
    policy: BookingPolicy,
    now: datetime,
    start: datetime,
    therapist: Therapist,
) -> tuple[int, int] | None:
    """Return (therapist id, room id) if a session with `therapist` at `start` is bookable
    now, with the room ``Availability.room_for`` would give; None if it is not, or if a
    daily cap applies (ask ``available_slots`` then).

    The engine's rules are local: a start is free if working hours hold the session, no
    time off touches it, no appointment of the therapist's overlaps its footprint and some
    suiting room has none that does; the room is the lowest-id such one. So only the
    appointments the footprint overlaps are read, not the day's. A daily cap counts the
    whole day, so it is left to the full read.
    """
    if (therapist.max_sessions_per_day or policy.max_sessions_per_day) is not None:
        return None
    request, tz, rules = service_request(service_length), clinic_tz(), engine_policy(policy)
    day = start.astimezone(tz).date()
    schedule = load_schedule(
        service_id=service_length.service_id,
        start_date=day,
        end_date=day + DAY,
        therapists=[therapist],
        busy_within=request.footprint(start),
    )
    by_therapist, _ = engine.bookable_slots(
        schedule, request, rules, now=now, first_day=day, end_day=day + DAY, tz=tz
    )
    if start not in by_therapist.get(therapist.pk, ()):
        return None
    room_id = engine.pick_room(schedule, request, start)
    return None if room_id is None else (therapist.pk, room_id)


def pick_room(*, service_length: ServiceLength, start: datetime) -> Room | None:
    """Return a free room suiting the service for a session at ``start``, in two queries.

    Only a hint: the room's exclusion constraint decides when the booking is written.
    """
    request = service_request(service_length)
    footprint = request.footprint(start)
    rooms = {room.pk: room for room in Room.objects.active().suiting(request.service_id)}
    taken = (
        Appointment.objects.active()
        .overlapping(footprint.start, footprint.end)
        .filter(room__in=list(rooms))
        .order_by()
        .values_list("room_id", "occupied_from", "occupied_until")
    )
    schedule = engine.Schedule(
        therapists=(),
        weekly_hours=(),
        rooms=[engine.Room(pk, frozenset({request.service_id})) for pk in rooms],
        room_busy=[engine.RoomBusy(rid, engine.Span(a, b)) for rid, a, b in taken],
    )
    room_id = engine.pick_room(schedule, request, start)
    return rooms.get(room_id)
