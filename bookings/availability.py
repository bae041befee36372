"""Bookable slots: plain data and an explicit clock in, UTC start times out. Stdlib only.

* Half-open intervals; ``a``, ``b`` overlap iff ``a.start < b.end and b.start < a.end``, so
  back-to-back bookings fit. Busy spans arrive already widened by their appointments' buffers.
* Working hours are local wall times on a local date. An interval runs from the first moment
  the clock shows its start to the first moment it shows its end (a time in a spring-forward
  gap means the end of the gap; an ambiguous fall-back time means its first occurrence).
* Slot starts are wall times at whole multiples of ``Policy.step`` after local midnight (9:00,
  9:15, ...), so DST days show the usual times. Starts in a gap don't exist and are skipped;
  an ambiguous start is its first occurrence, so the repeated hour is never offered twice.
* The session ``[start, start + length)`` must lie in working hours and avoid time off. The
  buffers may spill outside them (prep, clean-up), but the buffered interval ``[start -
  buffer_before, start + length + buffer_after)`` must avoid the therapist's busy spans and
  fit in at least one suitable room's free time.
* Durations are elapsed time, computed in UTC; ``now + notice <= start <= now + horizon``.
* Date ranges are ``first_day <= day < end_day`` (end exclusive, like ``range``).
* Results are in UTC: datetimes sharing a ZoneInfo compare and subtract by wall time ignoring
  ``fold``, and an ambiguous local time never equals an instant in another zone (PEP 495).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ZERO = timedelta(0)


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open interval ``[start, end)`` of aware instants."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.utcoffset() is None or self.end.utcoffset() is None:
            raise ValueError("Span needs aware datetimes")
        # Stored in UTC: datetimes sharing a ZoneInfo compare by wall time and ignore fold.
        object.__setattr__(self, "start", self.start.astimezone(UTC))
        object.__setattr__(self, "end", self.end.astimezone(UTC))
        # An empty span would "overlap" anything around it under the half-open test.
        if not self.start < self.end:
            raise ValueError("Span needs start < end")

    def overlaps(self, other: Span) -> bool:
        """Return whether the two spans share an instant."""
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """A therapist's recurring working interval on a weekday (0 = Monday), local wall time."""

    therapist_id: int
    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday must be 0..6")
        _check_times(self.start, self.end)


@dataclass(frozen=True, slots=True)
class DateHours:
    """An exception for one local date; ``start = end = None`` means not working that day.

    Any row for a (therapist, day) replaces that day's weekly hours entirely.
    """

    therapist_id: int
    day: date
    start: time | None = None
    end: time | None = None

    def __post_init__(self) -> None:
        if (self.start is None) != (self.end is None):
            raise ValueError("give both start and end, or neither")
        if self.start is not None and self.end is not None:
            _check_times(self.start, self.end)


@dataclass(frozen=True, slots=True)
class TimeOff:
    """A therapist's absence: removes working time (the session may not touch it)."""

    therapist_id: int
    span: Span


@dataclass(frozen=True, slots=True)
class TherapistBusy:
    """An existing appointment of a therapist, already widened by its buffers."""

    therapist_id: int
    span: Span


@dataclass(frozen=True, slots=True)
class RoomBusy:
    """An existing occupancy of a room, already widened by its buffers."""

    room_id: int
    span: Span


@dataclass(frozen=True, slots=True)
class Room:
    """A treatment room and the services it suits."""

    room_id: int
    service_ids: frozenset[int]


@dataclass(frozen=True, slots=True)
class Therapist:
    """A therapist and the services they offer."""

    therapist_id: int
    service_ids: frozenset[int]


@dataclass(frozen=True, slots=True)
class Schedule:
    """Everything already known about the clinic; order of the collections never matters.

    ``sessions_per_day`` counts active appointments per (therapist id, local date).
    """

    therapists: Collection[Therapist]
    weekly_hours: Collection[WeeklyHours]
    rooms: Collection[Room]
    date_hours: Collection[DateHours] = ()
    time_off: Collection[TimeOff] = ()
    closures: Collection[date] = ()
    busy: Collection[TherapistBusy] = ()
    room_busy: Collection[RoomBusy] = ()
    sessions_per_day: Mapping[tuple[int, date], int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ServiceRequest:
    """The service to book: its length and the buffers around it."""

    service_id: int
    length: timedelta
    buffer_before: timedelta = ZERO
    buffer_after: timedelta = ZERO

    def __post_init__(self) -> None:
        if self.length <= ZERO or self.buffer_before < ZERO or self.buffer_after < ZERO:
            raise ValueError("length must be positive and buffers non-negative")

    def session(self, start: datetime) -> Span:
        """Return the treatment itself, ``[start, start + length)``."""
        start = start.astimezone(UTC)  # elapsed time, not wall-clock arithmetic
        return Span(start, start + self.length)

    def footprint(self, start: datetime) -> Span:
        """Return the buffered interval the booking blocks for therapist and room."""
        start = start.astimezone(UTC)
        return Span(start - self.buffer_before, start + self.length + self.buffer_after)


@dataclass(frozen=True, slots=True)
class Policy:
    """Clinic booking rules."""

    step: timedelta = timedelta(minutes=15)
    min_notice: timedelta = ZERO
    horizon: timedelta = timedelta(days=60)
    max_sessions_per_day: int | None = None

    def __post_init__(self) -> None:
        if self.step <= ZERO or self.min_notice < ZERO or self.horizon < ZERO:
            raise ValueError("step must be positive, notice and horizon non-negative")


@dataclass(frozen=True, slots=True)
class AssignedSlot:
    """A start time offered to "any therapist" and who would get it."""

    start: datetime
    therapist_id: int


def _check_times(start: time, end: time) -> None:
    if start.tzinfo is not None or end.tzinfo is not None:
        raise ValueError("working hours are naive wall-clock times")
    if not start < end:
        raise ValueError("working hours need start < end within one day")


class _Timeline:
    """Disjoint sorted spans with O(log n) overlap and containment tests."""

    __slots__ = ("_ends", "_starts")

    def __init__(self, spans: Iterable[Span]) -> None:
        self._starts: list[datetime] = []
        self._ends: list[datetime] = []
        for span in sorted(spans, key=lambda s: s.start):
            if self._ends and span.start <= self._ends[-1]:
                self._ends[-1] = max(self._ends[-1], span.end)
            else:
                self._starts.append(span.start)
                self._ends.append(span.end)

    def overlaps(self, span: Span) -> bool:
        """Return whether any stored span overlaps ``span``."""
        i = bisect_right(self._ends, span.start)
        return i < len(self._starts) and self._starts[i] < span.end

    def contains(self, span: Span) -> bool:
        """Return whether one stored span covers ``span`` entirely."""
        i = bisect_right(self._starts, span.start) - 1
        return i >= 0 and span.end <= self._ends[i]


_EMPTY = _Timeline(())


def _wall_instant(wall: datetime, tz: ZoneInfo) -> datetime | None:
    """Return the UTC instant of a naive local time (first occurrence), None if it never exists."""
    instant = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    # A time in a spring-forward gap round-trips to a different wall time.
    return instant if instant.astimezone(tz).replace(tzinfo=None) == wall else None


def _first_instant_at_or_after(wall: datetime, tz: ZoneInfo) -> datetime:
    """Return the first UTC instant whose local wall time reaches ``wall``."""
    instant = _wall_instant(wall, tz)
    if instant is not None:
        return instant
    # Inside a gap: the two folds land on either side of the jump; bisect to the jump itself.
    lo, hi = sorted(wall.replace(tzinfo=tz, fold=f).astimezone(UTC) for f in (0, 1))
    after = hi.astimezone(tz).utcoffset()
    while hi - lo > timedelta(microseconds=1):  # exact: the jump lies on the microsecond grid
        mid = lo + (hi - lo) // 2
        if mid.astimezone(tz).utcoffset() == after:
            hi = mid
        else:
            lo = mid
    return hi


class _Index:
    """The schedule grouped by therapist, date and room for fast lookups."""

    def __init__(self, schedule: Schedule, service_id: int) -> None:
        self.weekly: dict[tuple[int, int], list[tuple[time, time]]] = defaultdict(list)
        for w in schedule.weekly_hours:
            self.weekly[w.therapist_id, w.weekday].append((w.start, w.end))
        self.dated: dict[tuple[int, date], list[tuple[time, time]]] = defaultdict(list)
        for d in schedule.date_hours:
            rows = self.dated[d.therapist_id, d.day]  # a day-off row still claims the day
            if d.start is not None and d.end is not None:
                rows.append((d.start, d.end))
        self.closures = frozenset(schedule.closures)
        self.counts = schedule.sessions_per_day
        self.time_off = _group((t.therapist_id, t.span) for t in schedule.time_off)
        self.busy = _group((b.therapist_id, b.span) for b in schedule.busy)
        room_busy = _group((b.room_id, b.span) for b in schedule.room_busy)
        suitable = sorted(r.room_id for r in schedule.rooms if service_id in r.service_ids)
        self.rooms = [(room_id, room_busy.get(room_id, _EMPTY)) for room_id in suitable]

    def hours(self, therapist_id: int, day: date) -> list[tuple[time, time]]:
        """Return the day's wall-clock working intervals for the therapist."""
        if (therapist_id, day) in self.dated:
            return self.dated[therapist_id, day]
        return self.weekly.get((therapist_id, day.weekday()), [])

    def free_room(self, footprint: Span) -> int | None:
        """Return the lowest suitable room id free for the whole footprint."""
        return next((rid for rid, tl in self.rooms if not tl.overlaps(footprint)), None)


def _group(rows: Iterable[tuple[int, Span]]) -> dict[int, _Timeline]:
    """Return a timeline per owner (therapist or room) id."""
    spans: dict[int, list[Span]] = defaultdict(list)
    for owner, span in rows:
        spans[owner].append(span)
    return {owner: _Timeline(s) for owner, s in spans.items()}


def _working_time(intervals: Iterable[tuple[time, time]], day: date, tz: ZoneInfo) -> _Timeline:
    """Return the day's working intervals as merged UTC spans."""
    spans = []
    for start, end in intervals:
        a = _first_instant_at_or_after(datetime.combine(day, start), tz)
        b = _first_instant_at_or_after(datetime.combine(day, end), tz)
        if a < b:  # a shift lying wholly inside a DST gap never happens
            spans.append(Span(a, b))
    return _Timeline(spans)


def _day_candidates(
    intervals: Sequence[tuple[time, time]], day: date, step: timedelta, tz: ZoneInfo
) -> Iterator[datetime]:
    """Return the day's existing step-aligned wall times inside the intervals, as UTC."""
    midnight = datetime.combine(day, time())
    seen: set[datetime] = set()
    for start, end in intervals:
        # Naive arithmetic on purpose: alignment is by wall clock, not by elapsed time.
        offset = datetime.combine(day, start) - midnight
        wall = midnight + -(-offset // step) * step
        stop = datetime.combine(day, end)
        while wall < stop:
            if wall not in seen:
                seen.add(wall)
                instant = _wall_instant(wall, tz)
                if instant is not None:
                    yield instant
            wall += step


def therapist_slots(
    schedule: Schedule,
    request: ServiceRequest,
    policy: Policy,
    *,
    now: datetime,
    first_day: date,
    end_day: date,
    tz: ZoneInfo,
) -> dict[int, list[datetime]]:
    """Return each therapist's bookable UTC start times, sorted, for first_day <= day < end_day."""
    if now.utcoffset() is None:
        raise ValueError("now must be aware")
    # Elapsed-time arithmetic: adding to a local datetime would move the wall clock instead.
    now_utc = now.astimezone(UTC)
    earliest, latest = now_utc + policy.min_notice, now_utc + policy.horizon
    days = [first_day + timedelta(days=n) for n in range(max(0, (end_day - first_day).days))]
    index, cap = _Index(schedule, request.service_id), policy.max_sessions_per_day
    result: dict[int, list[datetime]] = {}
    for therapist in sorted(schedule.therapists, key=lambda t: t.therapist_id):
        tid = therapist.therapist_id
        result[tid] = []
        if request.service_id not in therapist.service_ids:
            continue
        busy, time_off = index.busy.get(tid, _EMPTY), index.time_off.get(tid, _EMPTY)
        for day in days:
            full = cap is not None and index.counts.get((tid, day), 0) >= cap
            if full or day in index.closures:
                continue
            intervals = index.hours(tid, day)
            working = _working_time(intervals, day, tz)
            for start in _day_candidates(intervals, day, policy.step, tz):
                if not earliest <= start <= latest:
                    continue
                session, footprint = request.session(start), request.footprint(start)
                if (
                    working.contains(session)
                    and not time_off.overlaps(session)
                    and not busy.overlaps(footprint)
                    and index.free_room(footprint) is not None
                ):
                    result[tid].append(start)
        result[tid].sort()
    return result


def any_therapist_slots(
    slots: Mapping[int, Iterable[datetime]],
    sessions_per_day: Mapping[tuple[int, date], int],
    tz: ZoneInfo,
) -> list[AssignedSlot]:
    """Return one slot per start time, given to the therapist with the fewest sessions that day.

    Ties go to the lowest therapist id, so the choice never depends on input order.
    """
    offered: dict[datetime, list[int]] = defaultdict(list)
    for tid, starts in slots.items():
        for start in starts:
            offered[start.astimezone(UTC)].append(tid)
    assigned = []
    for start in sorted(offered):
        day = start.astimezone(tz).date()
        tid = min(offered[start], key=lambda t: (sessions_per_day.get((t, day), 0), t))
        assigned.append(AssignedSlot(start, tid))
    return assigned


def pick_room(schedule: Schedule, request: ServiceRequest, start: datetime) -> int | None:
    """Return the lowest-id room that suits the service and is free for the buffered interval."""
    return _Index(schedule, request.service_id).free_room(request.footprint(start))
