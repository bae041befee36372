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

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate, repeat
from operator import add, attrgetter, le
from typing import NamedTuple
from zoneinfo import ZoneInfo

ZERO = timedelta(0)
_TICK = timedelta(microseconds=1)  # datetime's resolution


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open interval ``[start, end)`` of aware instants."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        start, end = self.start, self.end
        # Rows from the database are UTC already; astimezone would return them unchanged.
        if start.tzinfo is not UTC or end.tzinfo is not UTC:
            if start.utcoffset() is None or end.utcoffset() is None:
                raise ValueError("Span needs aware datetimes")
            # Stored in UTC: datetimes sharing a ZoneInfo compare by wall time and ignore fold.
            start, end = start.astimezone(UTC), end.astimezone(UTC)
            object.__setattr__(self, "start", start)
            object.__setattr__(self, "end", end)
        # An empty span would "overlap" anything around it under the half-open test.
        if not start < end:
            raise ValueError("Span needs start < end")


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
    """A therapist, the services they offer, and their own daily cap (None: the policy's)."""

    therapist_id: int
    service_ids: frozenset[int]
    max_sessions_per_day: int | None = None


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
    """Clinic booking rules; ``max_sessions_per_day`` is each therapist's unless they have their
    own."""

    step: timedelta = timedelta(minutes=15)
    min_notice: timedelta = ZERO
    horizon: timedelta = timedelta(days=60)
    max_sessions_per_day: int | None = None

    def __post_init__(self) -> None:
        if self.step <= ZERO or self.min_notice < ZERO or self.horizon < ZERO:
            raise ValueError("step must be positive, notice and horizon non-negative")


class AssignedSlot(NamedTuple):
    """A start time offered to "any therapist" and who would get it (a tuple: cheap to make)."""

    start: datetime
    therapist_id: int


def _check_times(start: time, end: time) -> None:
    if start.tzinfo is not None or end.tzinfo is not None:
        raise ValueError("working hours are naive wall-clock times")
    if not start < end:
        raise ValueError("working hours need start < end within one day")


# Sorted, disjoint closed ranges ``lo <= t <= hi`` of acceptable session starts (UTC).
_Windows = list[tuple[datetime, datetime]]


class _Timeline:
    """Sorted spans that never overlap (they may touch), with O(log n) overlap tests."""

    __slots__ = ("_ends", "_starts")

    def __init__(self, spans: Iterable[Span]) -> None:
        ordered = sorted(spans, key=attrgetter("start"))
        self._starts = [span.start for span in ordered]
        self._ends = [span.end for span in ordered]
        # Bookings of one therapist or room never overlap, so this merge is rarely needed.
        if not all(map(le, self._ends, self._starts[1:])):
            merged = _union(zip(self._starts, self._ends, strict=True))
            self._starts, self._ends = [a for a, _ in merged], [b for _, b in merged]

    def overlaps(self, span: Span) -> bool:
        """Return whether any stored span overlaps ``span``."""
        i = bisect_right(self._ends, span.start)
        return i < len(self._starts) and self._starts[i] < span.end

    def cut_from(
        self, ranges: Iterable[tuple[datetime, datetime]]
    ) -> list[tuple[datetime, datetime]]:
        """Return the parts of sorted, disjoint half-open ``ranges`` that no span covers."""
        starts, ends, n = self._starts, self._ends, len(self._starts)
        out = []
        for lo, hi in ranges:
            i, cur = bisect_right(ends, lo), lo
            while i < n and starts[i] < hi:
                if cur < starts[i]:
                    out.append((cur, starts[i]))
                cur = max(cur, ends[i])
                i += 1
            if cur < hi:
                out.append((cur, hi))
        return out

    def allowed(self, windows: _Windows, before: timedelta, after: timedelta) -> _Windows:
        """Return the starts ``t`` in ``windows`` whose ``[t - before, t + after)`` hits no span.

        Windows with ``lo > hi`` are empty and yield nothing.
        """
        starts, ends, n = self._starts, self._ends, len(self._starts)
        out = []
        for lo, hi in windows:
            # Span [s, e) rules out exactly the open range (s - after, e + before) of starts.
            i, cur = bisect_right(ends, lo - before), lo
            while i < n and cur <= hi:
                banned_from = starts[i] - after
                if banned_from >= hi:
                    break
                if cur <= banned_from:
                    out.append((cur, banned_from))
                cur = max(cur, ends[i] + before)
                i += 1
            if cur <= hi:
                out.append((cur, hi))
        return out


def _union(ranges: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Return ranges sorted by start with overlapping or touching ones merged into one."""
    out: list[tuple[datetime, datetime]] = []
    for lo, hi in ranges:
        if out and lo <= out[-1][1]:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


_EMPTY = _Timeline(())


def wall_instant(wall: datetime, tz: ZoneInfo) -> datetime | None:
    """Return the UTC instant of a naive local time (first occurrence), None if it never exists."""
    instant = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    # A time in a spring-forward gap round-trips to a different wall time.
    return instant if instant.astimezone(tz).replace(tzinfo=None) == wall else None


def _first_instant_at_or_after(wall: datetime, tz: ZoneInfo) -> datetime:
    """Return the first UTC instant whose local wall time reaches ``wall``."""
    instant = wall_instant(wall, tz)
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

    def __init__(self, schedule: Schedule, service_id: int | None) -> None:
        weekly: dict[tuple[int, int], list[tuple[time, time]]] = defaultdict(list)
        for w in schedule.weekly_hours:
            weekly[w.therapist_id, w.weekday].append((w.start, w.end))
        dated: dict[tuple[int, date], list[tuple[time, time]]] = defaultdict(list)
        for d in schedule.date_hours:
            rows = dated[d.therapist_id, d.day]  # a day-off row still claims the day
            if d.start is not None and d.end is not None:
                rows.append((d.start, d.end))
        # Sorted tuples: equal hours are equal keys, whatever the input order.
        self.weekly = {key: tuple(sorted(rows)) for key, rows in weekly.items()}
        self.dated = {key: tuple(sorted(rows)) for key, rows in dated.items()}
        self.closures = frozenset(schedule.closures)
        self.counts = schedule.sessions_per_day
        therapist = attrgetter("therapist_id")
        self.time_off = _group(schedule.time_off, therapist)
        self.busy = _group(schedule.busy, therapist)
        self.rooms = Rooms(schedule, service_id)

    def hours(self, therapist_id: int, day: date) -> tuple[tuple[time, time], ...]:
        """Return the day's wall-clock working intervals for the therapist."""
        if (therapist_id, day) in self.dated:
            return self.dated[therapist_id, day]
        return self.weekly.get((therapist_id, day.weekday()), ())


class Rooms:
    """The rooms that suit one service, each with its busy time in a schedule."""

    def __init__(self, schedule: Schedule, service_id: int | None) -> None:
        busy = _group(schedule.room_busy, attrgetter("room_id"))
        # No service (working time only): no room is looked at.
        suitable = sorted(r.room_id for r in schedule.rooms if service_id in r.service_ids)
        self._rooms = [(room_id, busy.get(room_id, _EMPTY)) for room_id in suitable]

    def windows(self, hull: tuple[datetime, datetime], request: ServiceRequest) -> _Windows:
        """Return the starts within ``hull`` for which at least one room is free."""
        before, after = request.buffer_before, request.length + request.buffer_after
        return _union(sorted(r for _, tl in self._rooms for r in tl.allowed([hull], before, after)))

    def free_for(self, footprint: Span) -> int | None:
        """Return the lowest room id free for the whole footprint."""
        return next((rid for rid, tl in self._rooms if not tl.overlaps(footprint)), None)


def _group(
    rows: Iterable[TimeOff | TherapistBusy | RoomBusy], owner: Callable[[object], int]
) -> dict[int, _Timeline]:
    """Return a timeline per owner (therapist or room) id."""
    spans: dict[int, list[Span]] = defaultdict(list)
    for row in rows:
        spans[owner(row)].append(row.span)
    return {key: _Timeline(s) for key, s in spans.items()}


class _LocalDay:
    """One local date's wall-clock to UTC conversions, shared by every therapist."""

    __slots__ = ("_grid", "day", "midnight", "step", "tz")

    def __init__(self, day: date, tz: ZoneInfo, step: timedelta) -> None:
        self.day, self.tz, self.step = day, tz, step
        start = wall_instant(datetime.combine(day, time()), tz)
        end = wall_instant(datetime.combine(day + timedelta(days=1), time()), tz)
        # A day exactly 24 hours long keeps one UTC offset throughout: tzdata never changes
        # offset twice within a day (its closest changes are days apart). There each wall time
        # is midnight's instant plus the time of day, with no per-start conversion.
        regular = start is not None and end is not None and end - start == timedelta(days=1)
        self.midnight = start if regular else None
        self._grid: tuple[datetime, ...] | None = None

    def instant(self, wall: time) -> datetime:
        """Return the first UTC instant at which the day's clock shows ``wall``."""
        local = datetime.combine(self.day, wall)
        if self.midnight is not None:
            return self.midnight + (local - datetime.combine(self.day, time()))
        return _first_instant_at_or_after(local, self.tz)

    def working(self, intervals: Iterable[tuple[time, time]]) -> list[tuple[datetime, datetime]]:
        """Return the day's working intervals as merged, sorted UTC ``(start, end)`` pairs."""
        spans = []
        for pair in intervals:
            a, b = (self.instant(t) for t in pair)
            if a < b:  # a shift lying wholly inside a DST gap never happens
                spans.append((a, b))
        return _union(sorted(spans))

    def starts(self, windows: _Windows, intervals: Sequence[tuple[time, time]]) -> list[datetime]:
        """Return the day's step-aligned UTC starts inside ``windows`` (within ``intervals``)."""
        step, midnight = self.step, self.midnight
        if midnight is not None:
            if self._grid is None:  # every aligned start of the day, made once, sliced after
                count = -(-timedelta(days=1) // step)
                self._grid = tuple(accumulate(repeat(step, count - 1), add, initial=midnight))
            out = []
            for lo, hi in windows:
                # Grid positions from the first at or after lo to the last at or before hi.
                out.extend(
                    self._grid[max(0, -((midnight - lo) // step)) : (hi - midnight) // step + 1]
                )
            return out
        # A DST day: convert every aligned wall time in the hours, keep those inside windows.
        midnight, walls = datetime.combine(self.day, time()), set()
        for start, end in intervals:
            # Naive arithmetic on purpose: alignment is by wall clock, not by elapsed time.
            wall = midnight + -(-(datetime.combine(self.day, start) - midnight) // step) * step
            stop = datetime.combine(self.day, end)
            while wall < stop:
                walls.add(wall)
                wall += step
        instants = (wall_instant(wall, self.tz) for wall in walls)
        lows = [lo for lo, _ in windows]
        out = []
        for t in sorted(t for t in instants if t is not None):  # None: inside the gap
            i = bisect_right(lows, t) - 1
            if i >= 0 and t <= windows[i][1]:
                out.append(t)
        return out


def _intersect(first: _Windows, second: _Windows) -> _Windows:
    """Return the starts lying in both window lists."""
    out, i, j = [], 0, 0
    while i < len(first) and j < len(second):
        lo, hi = max(first[i][0], second[j][0]), min(first[i][1], second[j][1])
        if lo <= hi:
            out.append((lo, hi))
        if first[i][1] < second[j][1]:
            i += 1
        else:
            j += 1
    return out


def bookable_slots(
    schedule: Schedule,
    request: ServiceRequest,
    policy: Policy,
    *,
    now: datetime,
    first_day: date,
    end_day: date,
    tz: ZoneInfo,
) -> tuple[dict[int, list[datetime]], list[AssignedSlot]]:
    """Return each therapist's bookable UTC starts, sorted, for first_day <= day < end_day, and
    one slot per start for "any therapist" (as ``any_therapist_slots`` would give them)."""
    by_therapist, anyone = _empty_result(schedule), []
    for free in _free_days(schedule, request, policy, now, first_day, end_day, tz):
        starts = {tid: free.starts(tid) for tid in free.windows}
        for tid, found in starts.items():
            by_therapist[tid].extend(found)  # days come in order: each list stays sorted
        for lo, hi, tid in _share(free.day, free.windows, schedule.sessions_per_day):
            found = starts[tid]
            given = found[bisect_left(found, lo) : bisect_right(found, hi)]
            anyone.extend(map(AssignedSlot, given, repeat(tid)))
    return by_therapist, anyone


def any_therapist_slots(
    slots: Mapping[int, Iterable[datetime]],
    sessions_per_day: Mapping[tuple[int, date], int],
    tz: ZoneInfo,
) -> list[AssignedSlot]:
    """Return one slot per start time, given to the therapist with the fewest sessions that day.

    Ties go to the lowest therapist id, so the choice never depends on input order.
    """
    by_day: dict[date, dict[int, set[datetime]]] = defaultdict(lambda: defaultdict(set))
    for tid, starts in slots.items():
        for start in starts:
            start = start.astimezone(UTC)
            by_day[start.astimezone(tz).date()][tid].add(start)
    return [
        AssignedSlot(start, tid)
        for day in sorted(by_day)
        for start, _, tid in _share(
            day,
            {tid: [(t, t) for t in sorted(starts)] for tid, starts in by_day[day].items()},
            sessions_per_day,
        )
    ]


def _share(
    day: date, windows: Mapping[int, _Windows], counts: Mapping[tuple[int, date], int]
) -> list[tuple[datetime, datetime, int]]:
    """Split the therapists' windows of starts so each start goes to one of them, fairly.

    The therapist with the fewest sessions that day, then the lowest id, keeps all their
    windows; each next one keeps what is left of theirs. Returns ``(lo, hi, therapist id)``
    pieces sorted by start; they never overlap.
    """
    everything = _union(sorted(w for found in windows.values() for w in found))
    pieces, given = [], []
    for tid in sorted(windows, key=lambda t: (counts.get((t, day), 0), t)):
        pieces.extend((lo, hi, tid) for lo, hi in _minus(windows[tid], given))
        given = _union(sorted([*given, *windows[tid]]))
        if given == everything:  # often after the first few: the rest would get nothing
            break
    return sorted(pieces)


def _minus(windows: _Windows, taken: _Windows) -> _Windows:
    """Return the starts in ``windows`` that are not in ``taken`` (both sorted and disjoint).

    Both are closed ranges; what is left of ``[a, b]`` after ``[c, d]`` is ``[a, c)`` and
    ``(d, b]``, written closed by stepping one microsecond, the datetime's resolution.
    """
    out, j = [], 0
    for lo, hi in windows:
        while j < len(taken) and taken[j][1] < lo:
            j += 1
        k, cur = j, lo
        while k < len(taken) and taken[k][0] <= hi:
            if cur < taken[k][0]:
                out.append((cur, taken[k][0] - _TICK))
            cur = max(cur, taken[k][1] + _TICK)
            k += 1
        if cur <= hi:
            out.append((cur, hi))
    return out


def _empty_result(schedule: Schedule) -> dict[int, list[datetime]]:
    """Return an empty list of starts per therapist id, in id order."""
    return {tid: [] for tid in sorted({t.therapist_id for t in schedule.therapists})}


@dataclass(slots=True)
class _FreeDay:
    """One day's windows of acceptable starts per therapist, turned into starts on demand."""

    local: _LocalDay
    windows: dict[int, _Windows]
    hours: dict[int, tuple[tuple[time, time], ...]]

    @property
    def day(self) -> date:
        return self.local.day

    def starts(self, tid: int) -> list[datetime]:
        """Return the therapist's step-aligned starts in their windows."""
        return self.local.starts(self.windows[tid], self.hours[tid])


def _free_days(
    schedule: Schedule,
    request: ServiceRequest,
    policy: Policy,
    now: datetime,
    first_day: date,
    end_day: date,
    tz: ZoneInfo,
) -> Iterator[_FreeDay]:
    """Yield in order each day on which some therapist has a free window."""
    if now.utcoffset() is None:
        raise ValueError("now must be aware")
    # Elapsed-time arithmetic: adding to a local datetime would move the wall clock instead.
    now_utc = now.astimezone(UTC)
    earliest, latest = now_utc + policy.min_notice, now_utc + policy.horizon
    days = [first_day + timedelta(days=n) for n in range(max(0, (end_day - first_day).days))]
    index = _Index(schedule, request.service_id)
    length, before = request.length, request.buffer_before
    after = length + request.buffer_after
    # The last row for a repeated id wins, as the therapists are visited in id order.
    latest_row = {
        t.therapist_id: t for t in sorted(schedule.therapists, key=attrgetter("therapist_id"))
    }
    caps = {
        tid: t.max_sessions_per_day or policy.max_sessions_per_day
        for tid, t in latest_row.items()
        if request.service_id in t.service_ids
    }
    # Each step narrows closed windows of acceptable starts; starts are generated only at the
    # end, so the cost follows the number of intervals and slots rather than of candidates.
    # Every step is an intersection, so their order is free: the steps that therapists with
    # the same hours share run once per day, the rest only for those with busy time or time off.
    for day in days:
        if day in index.closures:
            continue
        hours = {
            tid: index.hours(tid, day)
            for tid, cap in caps.items()
            if cap is None or index.counts.get((tid, day), 0) < cap
        }
        local = _LocalDay(day, tz, policy.step)
        # The session [t, t + length) lies inside one merged working interval...
        shifts = {
            key: [(max(a, earliest), min(b - length, latest)) for a, b in local.working(key)]
            for key in set(hours.values())
        }
        shifts = {key: found for key, found in shifts.items() if any(a <= b for a, b in found)}
        if not shifts:
            continue
        # ...at least one suitable room is free for its buffered footprint (the same for every
        # therapist, so worked out once over the day)...
        hull = (min(w[0][0] for w in shifts.values()), max(w[-1][1] for w in shifts.values()))
        rooms = index.rooms.windows(hull, request)
        shifts = {key: _intersect(found, rooms) for key, found in shifts.items()}
        windows = {}
        for tid, key in hours.items():
            found = shifts.get(key)
            # ...the session avoids time off, and its buffered footprint the therapist's
            # busy spans.
            if found and tid in index.time_off:
                found = index.time_off[tid].allowed(found, ZERO, length)
            if found and tid in index.busy:
                found = index.busy[tid].allowed(found, before, after)
            if found:
                windows[tid] = found
        if windows:
            yield _FreeDay(local, windows, hours)


def working_time(
    schedule: Schedule, *, first_day: date, end_day: date, tz: ZoneInfo
) -> dict[int, dict[date, list[Span]]]:
    """Return each therapist's working time per local day, for first_day <= day < end_day.

    The same hours the slots come from: a date's own hours replace its weekday's, closures
    remove the day, time off is cut out. Days with no time left are left out.
    """
    index = _Index(schedule, None)
    out: dict[int, dict[date, list[Span]]] = {}
    therapist_ids = sorted({t.therapist_id for t in schedule.therapists})
    for n in range(max(0, (end_day - first_day).days)):
        day = first_day + timedelta(days=n)
        if day in index.closures:
            continue
        local = _LocalDay(day, tz, Policy().step)  # the step only matters for starts
        for tid in therapist_ids:
            spans = local.working(index.hours(tid, day))
            if tid in index.time_off:
                spans = index.time_off[tid].cut_from(spans)
            if spans:
                out.setdefault(tid, {})[day] = [Span(a, b) for a, b in spans]
    return out


def pick_room(schedule: Schedule, request: ServiceRequest, start: datetime) -> int | None:
    """Return the lowest-id room that suits the service and is free for the buffered interval."""
    return Rooms(schedule, request.service_id).free_for(request.footprint(start))
