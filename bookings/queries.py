"""Reads for availability: load a schedule, run the pure engine, pick a room.

``load_schedule`` reads everything the engine needs for any date range and any set of
therapists in at most four queries, however many therapists, hours or appointments there are:

1. who: active therapists offering the service UNION ALL active rooms suiting it (ids only);
2. when they work: their weekly hours UNION ALL their hours for dates in the range;
3. when they don't: their time off overlapping the range UNION ALL clinic closures in it;
4. what is taken: active appointments overlapping the range that hold one of those therapists
   or rooms; each row is therapist busy time, room busy time, and a session for the day count.
   Its range test is the exclusion constraints' expression, so their GiST indexes serve it.

With no therapist to offer the slots, queries 2-4 are skipped. The booking policy is not one
of the four: load it once per request with ``BookingPolicy.load()`` and pass it in.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import DateField, DateTimeField, IntegerField, Q, QuerySet, Value
from django.db.models.functions import TruncDate

from bookings import availability as engine
from bookings.models import (
    Appointment,
    BookingPolicy,
    ClinicClosure,
    DateHours,
    Room,
    Therapist,
    TimeOff,
    WeeklyHours,
)
from services.models import ServiceLength

DAY = timedelta(days=1)


def clinic_tz() -> ZoneInfo:
    """Return the clinic's time zone, in which working hours are wall-clock times."""
    return ZoneInfo(settings.TIME_ZONE)


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
    therapists: Iterable[Therapist] | QuerySet | None = None,
    ignoring: Appointment | None = None,
) -> engine.Schedule:
    """Return what the engine needs to offer ``service_id`` for start_date <= day < end_date.

    ``therapists`` narrows the choice (default: every active therapist offering the service);
    ``ignoring`` leaves one appointment out, so a reschedule does not collide with itself.
    """
    tz = clinic_tz()
    # Whole local days plus a day each side: a slot's buffers may reach into the next day.
    window = (
        datetime.combine(start_date, time(), tzinfo=tz).astimezone(UTC) - DAY,
        datetime.combine(end_date, time(), tzinfo=tz).astimezone(UTC) + DAY,
    )
    therapist_ids, room_ids = _who(service_id, therapists)
    service_ids = frozenset({service_id})
    rooms = [engine.Room(pk, service_ids) for pk in room_ids]
    if not therapist_ids:
        return engine.Schedule(therapists=(), weekly_hours=(), rooms=rooms)
    weekly, dated = _working_hours(therapist_ids, start_date, end_date)
    time_off, closures = _absences(therapist_ids, window, start_date, end_date)
    busy, room_busy, sessions = _taken(therapist_ids, room_ids, window, tz, ignoring)
    return engine.Schedule(
        therapists=[engine.Therapist(pk, service_ids) for pk in therapist_ids],
        weekly_hours=weekly,
        rooms=rooms,
        date_hours=dated,
        time_off=time_off,
        closures=closures,
        busy=busy,
        room_busy=room_busy,
        sessions_per_day=sessions,
    )


def _who(
    service_id: int, therapists: Iterable[Therapist] | QuerySet | None
) -> tuple[list[int], list[int]]:
    """Query 1: return the ids of the therapists offering the service and the rooms suiting it."""
    offering = Therapist.objects.active().offering(service_id)
    if isinstance(therapists, QuerySet):
        offering = offering.filter(pk__in=therapists.values("pk"))  # a subquery, no query
    elif therapists is not None:
        offering = offering.filter(pk__in=[therapist.pk for therapist in therapists])
    suiting = Room.objects.active().suiting(service_id)
    rows = _union(
        offering.values_list(Value("therapist"), "pk"), suiting.values_list(Value("room"), "pk")
    )
    therapist_ids, room_ids = [], []
    for kind, pk in rows:
        (therapist_ids if kind == "therapist" else room_ids).append(pk)
    return therapist_ids, room_ids


def _working_hours(
    therapist_ids: list[int], start_date: date, end_date: date
) -> tuple[list[engine.WeeklyHours], list[engine.DateHours]]:
    """Query 2: return the therapists' weekly hours and their hours for dates in the range."""
    rows = _union(
        WeeklyHours.objects.filter(therapist__in=therapist_ids).values_list(
            "therapist_id", "weekday", Value(None, DateField()), "start", "end"
        ),
        DateHours.objects.filter(
            therapist__in=therapist_ids, date__gte=start_date, date__lt=end_date
        ).values_list("therapist_id", Value(None, IntegerField()), "date", "start", "end"),
    )
    weekly, dated = [], []
    for tid, weekday, day, start, end in rows:
        if day is None:
            weekly.append(engine.WeeklyHours(tid, weekday, start, end))
        else:
            dated.append(engine.DateHours(tid, day, start, end))
    return weekly, dated


def _absences(
    therapist_ids: list[int], window: tuple[datetime, datetime], start_date: date, end_date: date
) -> tuple[list[engine.TimeOff], list[date]]:
    """Query 3: return the therapists' time off in the window and the clinic's closures."""
    no_time = Value(None, DateTimeField())
    rows = _union(
        TimeOff.objects.filter(
            therapist__in=therapist_ids, start__lt=window[1], end__gt=window[0]
        ).values_list("therapist_id", "start", "end", Value(None, DateField())),
        ClinicClosure.objects.filter(date__gte=start_date, date__lt=end_date).values_list(
            Value(None, IntegerField()), no_time, no_time, "date"
        ),
    )
    time_off, closures = [], []
    for tid, start, end, day in rows:
        if day is None:
            time_off.append(engine.TimeOff(tid, engine.Span(start, end)))
        else:
            closures.append(day)
    return time_off, closures


def _taken(
    therapist_ids: list[int],
    room_ids: list[int],
    window: tuple[datetime, datetime],
    tz: ZoneInfo,
    ignoring: Appointment | None,
) -> tuple[list[engine.TherapistBusy], list[engine.RoomBusy], dict[tuple[int, date], int]]:
    """Query 4: return busy spans of the therapists and rooms, and sessions per therapist-day."""
    appointments = (
        Appointment.objects.active()
        .overlapping(*window)
        .filter(Q(therapist__in=therapist_ids) | Q(room__in=room_ids))
    )
    if ignoring is not None:
        appointments = appointments.exclude(pk=ignoring.pk)
    rows = appointments.order_by().values_list(
        "therapist_id",
        "room_id",
        TruncDate("start", tzinfo=tz),  # the local day, for the daily cap and fairness
        "occupied_from",
        "occupied_until",
    )
    therapists, rooms = set(therapist_ids), set(room_ids)
    busy, room_busy, sessions = [], [], Counter()
    for tid, rid, day, occupied_from, occupied_until in rows:
        span = engine.Span(occupied_from, occupied_until)
        if tid in therapists:
            busy.append(engine.TherapistBusy(tid, span))
            sessions[tid, day] += 1
        if rid in rooms:
            room_busy.append(engine.RoomBusy(rid, span))
    return busy, room_busy, dict(sessions)


def _union(first: QuerySet, second: QuerySet) -> QuerySet:
    """Return ``first UNION ALL second``, unordered (each side's default ordering dropped)."""
    return first.order_by().union(second.order_by(), all=True).order_by()


@dataclass(frozen=True, slots=True)
class Availability:
    """Bookable UTC start times for one service length, per therapist and for "anyone"."""

    by_therapist: dict[int, list[datetime]]
    any_therapist: list[engine.AssignedSlot]
    schedule: engine.Schedule
    request: engine.ServiceRequest

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
    therapists: Iterable[Therapist] | QuerySet | None = None,
    ignoring: Appointment | None = None,
) -> Availability:
    """Return the bookable starts for start_date <= local day < end_date, in four queries."""
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
    by_therapist = engine.therapist_slots(
        schedule, request, rules, now=now, first_day=start_date, end_day=end_date, tz=tz
    )
    anyone = engine.any_therapist_slots(by_therapist, schedule.sessions_per_day, tz)
    return Availability(by_therapist, anyone, schedule, request)


def pick_room(
    *, service_length: ServiceLength, start: datetime, ignoring: Appointment | None = None
) -> Room | None:
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
    if ignoring is not None:
        taken = taken.exclude(pk=ignoring.pk)
    schedule = engine.Schedule(
        therapists=(),
        weekly_hours=(),
        rooms=[engine.Room(pk, frozenset({request.service_id})) for pk in rooms],
        room_busy=[engine.RoomBusy(rid, engine.Span(a, b)) for rid, a, b in taken],
    )
    room_id = engine.pick_room(schedule, request, start)
    return rooms.get(room_id)
