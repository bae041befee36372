"""Availability computed once per change, not once per view: per-process memory, keyed by
versions that PostgreSQL replaces in the same transaction as every write.

What is kept is the engine's answer for one local day, one service length and one
therapist (or "anyone"): every start of that day, before the minimum notice and the horizon.
Those two move with the clock, so they are applied when the day is read, never when it is
kept: a kept day cannot offer a start that has fallen inside the notice.

Its key holds the tokens of ``AvailabilityVersion``: the row of every UTC date that a change
to that day's slots could touch (the local day and a day either side, as ``load_schedule``
reads), and the ``EVERY_DAY`` row. Database triggers (migration 0010) replace those tokens
inside the writing transaction, whichever door wrote: so the next request on any process, on
any machine sharing the database, reads a new token and misses, and a rolled-back write
leaves the old tokens, still true. Tokens are random, never counters: a token seen inside a
transaction that rolled back never comes back. The key also holds the length's minutes and
buffers and the policy's step and daily cap, read by the request anyway.

The tokens are read in one query before the schedule, so an answer is never older than the
tokens it is kept under (it may be newer, which is harmless). A stale offer lasts no longer
than a write's commit. A booking's re-check (``recheck.confirm_offer``) asks ``bookable``
first, with versions read in its own request: a kept day answers it as a fresh run of the
engine would have when they were read, with the room the engine would pick (each kept day
keeps its rooms' busy time too); a refusal is always worked out in the database. In the
booking's transaction the therapist's lock and its time-off check, the daily cap's lock and
the exclusion constraints still decide every race.
"""

from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from threading import Lock

from django.db import connection

from bookings import availability as engine
from bookings import clock, queries
from bookings.models import AvailabilityVersion, BookingPolicy, Therapist
from services.models import ServiceLength

DAY = timedelta(days=1)
NEVER = datetime.max.replace(tzinfo=UTC)
MAX_ENTRIES = 10_000  # days x lengths x (therapists + "anyone"), ~4 kB each; old ones go first

# Tokens as text: ``reference.Reference`` reads the same rows with the content token, so a
# day kept from either read has the same key.
_VERSIONS_SQL = f"""
SELECT day, token::text FROM {AvailabilityVersion._meta.db_table}
 WHERE day = %s OR (day >= %s AND day <= %s)
"""  # noqa: S608 - only the table name is interpolated


class Store[V]:
    """A bounded dict shared by the threads of one process; the oldest entries go first."""

    def __init__(self, size: int) -> None:
        self._entries: OrderedDict[tuple, V] = OrderedDict()
        self._size, self._lock = size, Lock()

    def get(self, key: tuple) -> V | None:
        return self._entries.get(key)

    def put(self, key: tuple, value: V) -> None:
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


_store: Store[tuple[engine.AssignedSlot, ...]] = Store(MAX_ENTRIES)
# The rooms of each kept day, with their busy time: where a booking of a kept start goes.
_rooms: Store[engine.Rooms] = Store(MAX_ENTRIES)


def clear() -> None:
    """Forget every kept day of this process (benchmarks measure cold pages with it)."""
    _store.clear()
    _rooms.clear()


def _touched(day: date) -> tuple[date, date]:
    """Return the first and last UTC dates a change to ``day``'s slots could touch."""
    tz = clock.clinic_tz()
    since = datetime.combine(day, time(), tzinfo=tz).astimezone(UTC) - DAY
    until = datetime.combine(day + DAY, time(), tzinfo=tz).astimezone(UTC) + DAY
    return since.date(), (until - timedelta(microseconds=1)).date()


def span(first_day: date, end_day: date) -> tuple[date, date]:
    """Return the first and last UTC dates whose tokens local days [first_day, end_day) need."""
    return _touched(first_day)[0], _touched(end_day - DAY)[1]


class Versions:
    """The version tokens of a range of local days, read in one query.

    ``rows`` are the (day, token) rows of ``span(first_day, end_day)`` and ``EVERY_DAY``
    when the caller already read them (``reference.Reference`` does, in its own query).
    """

    def __init__(self, first_day: date, end_day: date, rows: Iterable | None = None) -> None:
        self.first_day, self.end_day = first_day, end_day
        if rows is None:
            first, last = span(first_day, end_day)
            with connection.cursor() as cursor:
                cursor.execute(_VERSIONS_SQL, [AvailabilityVersion.EVERY_DAY, first, last])
                rows = cursor.fetchall()
        self._tokens = dict(rows)
        self._every_day = self._tokens.get(AvailabilityVersion.EVERY_DAY)

    def covers(self, first_day: date, end_day: date) -> bool:
        """Return whether these tokens hold every local day in [first_day, end_day)."""
        return self.first_day <= first_day and end_day <= self.end_day

    def of(self, day: date) -> tuple:
        """Return the tokens ``day``'s slots depend on (None: never changed)."""
        first, last = _touched(day)
        dates = (first + timedelta(days=n) for n in range((last - first).days + 1))
        return (self._every_day, *(self._tokens.get(d) for d in dates))


def _scope(length: ServiceLength, policy: BookingPolicy) -> tuple:
    """Return what, besides the versions, a kept day depends on: the length and the policy."""
    return (
        length.pk,
        length.service_id,
        length.minutes,
        length.buffer_before,
        length.buffer_after,
        policy.slot_step_minutes,
        policy.max_sessions_per_day,
    )


@dataclass
class Steady:
    """How long answers read through ``offered`` hold as they are, filled in by each read.

    Between writes, only the clock changes an answer: a start leaves it as it falls inside
    the minimum notice, and one past the horizon joins it as the horizon moves on. `until`
    is the first moment either could happen to any answer read with this record; `covered`
    says whether every read found its days' versions in the ones the caller passed in (an
    answer that needed others depends on more than those).
    """

    until: datetime = NEVER
    covered: bool = True

    def holds_until(self, moment: datetime) -> None:
        self.until = min(self.until, moment)


def _days(first: date, end: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((end - first).days)]


def offered(
    *,
    service_length: ServiceLength,
    policy: BookingPolicy,
    now: datetime,
    start_date: date,
    end_date: date,
    therapist: Therapist | None = None,
    versions: Versions | None = None,
    steady: Steady | None = None,
) -> list[engine.AssignedSlot]:
    """Return the starts offered for start_date <= local day < end_date, sorted, each with the
    therapist who would take it: ``therapist``'s own, or "anyone"'s fair choice.

    The same answer as ``queries.available_slots`` (a property test compares them), from this
    process's memory when no version changed: one query, plus one for the days it misses.
    ``versions``, read earlier in the same request, saves the first query when they cover
    the days asked for. ``steady``, if given, learns until when the answer holds (``Steady``).
    """
    tz, rules = clock.clinic_tz(), queries.engine_policy(policy)
    earliest, latest = now + rules.min_notice, now + rules.horizon
    steady = Steady() if steady is None else steady
    # Nothing before the notice or past the horizon can be offered, so look no further.
    start_date = max(start_date, earliest.astimezone(tz).date())
    within_horizon = latest.astimezone(tz).date() + DAY
    if end_date > within_horizon:  # the first day left out starts to be offered from then
        first_out = max(start_date, within_horizon)
        steady.holds_until(datetime.combine(first_out, time(), tzinfo=tz) - rules.horizon)
    end_date = min(end_date, within_horizon)
    if start_date >= end_date:
        return []
    if versions is None or not versions.covers(start_date, end_date):
        steady.covered = False
        versions = Versions(start_date, end_date)
    scope = _scope(service_length, policy)
    who = None if therapist is None else therapist.pk
    by_day, missing = {}, []
    for day in _days(start_date, end_date):
        found = _store.get((*scope, who, day, versions.of(day)))
        if found is None:
            missing.append(day)
        else:
            by_day[day] = found
    if missing:
        by_day |= _compute(service_length, policy, versions, scope, missing, therapist)
    out: list[engine.AssignedSlot] = []
    for day in _days(start_date, end_date):
        out.extend(_within(by_day[day], earliest, latest, steady, rules))
    return out


def bookable(
    *,
    service_length: ServiceLength,
    policy: BookingPolicy,
    now: datetime,
    start: datetime,
    therapist: Therapist | None = None,
    versions: Versions | None = None,
) -> tuple[int, int] | None:
    """Return (therapist id, room id) for `start` if it is offered now: the therapist
    ``offered`` names and the room the engine would give (``engine.pick_room``). None if it
    is not offered, or its day's rooms are no longer kept: ask the database then. A day
    that changed is run again only for "anyone" (their fair choice counts the whole day);
    a chosen therapist's start is cheaper to check alone (``queries.bookable_at``).

    The day's versions are read now (one query; a second if the day is run again), unless
    `versions` read earlier in the request cover it: the answer is then as fresh as they are.
    """
    day = clock.local(start).date()
    if versions is None or not versions.covers(day, day + DAY):
        versions = Versions(day, day + DAY)
    scope = _scope(service_length, policy)
    if therapist is not None and _store.get((*scope, therapist.pk, day, versions.of(day))) is None:
        return None
    slots = offered(
        service_length=service_length,
        policy=policy,
        now=now,
        start_date=day,
        end_date=day + DAY,
        therapist=therapist,
        versions=versions,
    )
    therapist_id = next((slot.therapist_id for slot in slots if slot.start == start), None)
    rooms = _rooms.get((*scope, day, versions.of(day)))
    if therapist_id is None or rooms is None:
        return None
    room_id = rooms.free_for(queries.service_request(service_length).footprint(start))
    return None if room_id is None else (therapist_id, room_id)


def _within(
    slots: tuple[engine.AssignedSlot, ...],
    earliest: datetime,
    latest: datetime,
    steady: Steady,
    rules: engine.Policy,
) -> tuple[engine.AssignedSlot, ...]:
    """Return the slots with ``earliest <= start <= latest`` (they are sorted by start), and
    tell `steady` when the first of them falls inside the notice or the next one past the
    horizon comes within it."""
    if not slots or (earliest <= slots[0].start and slots[-1].start <= latest):
        first, end = 0, len(slots)
    else:
        starts = [slot.start for slot in slots]
        first, end = bisect_left(starts, earliest), bisect_right(starts, latest)
    if first < end:
        steady.holds_until(slots[first].start - rules.min_notice)
    if end < len(slots):
        steady.holds_until(slots[end].start - rules.horizon)
    return slots[first:end]


def _compute(
    length: ServiceLength,
    policy: BookingPolicy,
    versions: Versions,
    scope: tuple,
    missing: list[date],
    therapist: Therapist | None,
) -> dict[date, tuple[engine.AssignedSlot, ...]]:
    """Run the engine over the missed days (one query), keep each day, return them."""
    first, end = min(missing), max(missing) + DAY
    schedule = queries.load_schedule(
        service_id=length.service_id,
        start_date=first,
        end_date=end,
        therapists=None if therapist is None else [therapist],
    )
    tz = clock.clinic_tz()
    # Every start of the days: no notice, a horizon past the last day; offered() applies both.
    since = datetime.combine(first, time(), tzinfo=UTC) - 2 * DAY
    unclipped = engine.Policy(
        step=timedelta(minutes=policy.slot_step_minutes),
        horizon=end - first + 4 * DAY,
        max_sessions_per_day=policy.max_sessions_per_day,
    )
    by_therapist, anyone = engine.bookable_slots(
        schedule,
        queries.service_request(length),
        unclipped,
        now=since,
        first_day=first,
        end_day=end,
        tz=tz,
    )
    days = _days(first, end)
    # A run for everyone holds each therapist's own answer too (the same rows reach the
    # engine), so those days are kept for the therapist pages as well.
    answers = {None: anyone} if therapist is None else {}
    for tid, starts in by_therapist.items():
        answers[tid] = [engine.AssignedSlot(start, tid) for start in starts]
    if therapist is not None:
        answers.setdefault(therapist.pk, [])
    rooms = engine.Rooms(schedule, length.service_id)  # the same for each of the days
    for day in days:
        _rooms.put((*scope, day, versions.of(day)), rooms)
    out = {}
    for who, slots in answers.items():
        for day, found in _split(slots, days, tz):
            _store.put((*scope, who, day, versions.of(day)), found)
            if who == (None if therapist is None else therapist.pk):
                out[day] = found
    return out


def _split(
    slots: list[engine.AssignedSlot], days: list[date], tz
) -> Iterator[tuple[date, tuple[engine.AssignedSlot, ...]]]:
    """Yield each of ``days`` with its slots (sorted by start), empty days included."""
    by_day: dict[date, list[engine.AssignedSlot]] = {day: [] for day in days}
    for slot in slots:
        by_day[slot.start.astimezone(tz).date()].append(slot)
    for day in days:
        yield day, tuple(by_day[day])
