"""The day-and-time picker shared by booking a session and moving one.

The picker shows one week at a time: a strip of seven days from today (or from a later
week's first day), full days shown as full, and the times of the chosen day at the
service's natural spacing ("more times" shows the rest). Availability comes from
``availability_cache.offered`` for the visible week only (each day kept until something
it depends on changes); when the first week is full, the next weeks are looked at one,
two, four... at a time until a free day turns up.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

from django.utils import timezone

from bookings import availability_cache, clock, queries
from bookings.models import Appointment, BookingPolicy, Therapist
from services.models import ServiceLength

WEEK = 7
# Starts a runner chooses between by default: every half hour reads as a short list, while
# the clinic's finer grid (say every 15 minutes) stays one tap away under "more times".
NATURAL_MINUTES = 30
PERIODS = (("Morning", 12), ("Afternoon", 17), ("Evening", 24))


@dataclass(frozen=True, slots=True)
class Slot:
    """A free start time, in UTC, with its query-string form and its label ("9:15 AM")."""

    start: datetime
    param: str
    label: str
    minute_of_day: int = 0


@lru_cache(maxsize=20_000)
def slot(start: datetime) -> Slot:
    """Return `start` as a Slot (formatted here: the template's filters cost more per slot).

    Kept per process: the same starts are shown to every visitor, and the clinic's zone and
    its wording of times do not change while a process runs.
    """
    local = timezone.localtime(start, clock.clinic_tz())
    return Slot(
        start,
        local.strftime("%Y-%m-%dT%H:%M"),
        clock.time_of_day(local),
        local.hour * 60 + local.minute,
    )


@dataclass(frozen=True, slots=True)
class Day:
    """A day of the visible week; `free` says whether any time is left on it."""

    day: date
    free: bool

    @property
    def param(self) -> str:
        return self.day.isoformat()


@dataclass
class Picker:
    """The visible week (full days included) and the free times of the chosen day."""

    days: list[Day] = field(default_factory=list)
    day: date | None = None
    times: list[Slot] = field(default_factory=list)
    spacing: int = NATURAL_MINUTES
    all_times: bool = False
    earlier_week: date | None = None
    later_week: date | None = None

    @property
    def week_label(self) -> str:
        """Return the visible week as words ("Mon, Dec 7 to Sun, Dec 13")."""
        first, last = self.days[0].day, self.days[-1].day
        return f"{clock.day(first)} to {clock.day(last)}"

    @property
    def any_free(self) -> bool:
        return any(day.free for day in self.days)

    @property
    def shown(self) -> list[Slot]:
        """Return the times to list: every one, or those at the natural spacing."""
        natural = [s for s in self.times if s.minute_of_day % self.spacing == 0]
        # A day whose only times fall between the half hours still shows them.
        return self.times if self.all_times or not natural else natural

    @property
    def more(self) -> int:
        """Return how many times "more times" would add."""
        return len(self.times) - len(self.shown)

    @property
    def periods(self) -> list[tuple[str, list[Slot]]]:
        """Return the listed times grouped into morning, afternoon and evening."""
        grouped: dict[str, list[Slot]] = defaultdict(list)
        for each in self.shown:
            hour = each.minute_of_day // 60
            grouped[next(name for name, until in PERIODS if hour < until)].append(each)
        return [(name, grouped[name]) for name, _ in PERIODS if grouped[name]]


@dataclass(frozen=True, slots=True)
class Request:
    """What to offer times for: a length, with one therapist or anyone (None)."""

    length: ServiceLength
    therapist: Therapist | None
    policy: BookingPolicy
    now: datetime
    ignoring: Appointment | None = None
    # The availability versions the request read with its reference data, if it did.
    versions: availability_cache.Versions | None = None
    # Learns how long the starts read hold while nothing is written (bookings/public/kept.py).
    steady: availability_cache.Steady | None = None

    def starts(self, start_date: date, end_date: date) -> list[datetime]:
        """Return the free UTC starts for start_date <= local day < end_date."""
        if self.ignoring is None:  # kept per day until something they depend on changes
            found = availability_cache.offered(
                service_length=self.length,
                policy=self.policy,
                now=self.now,
                start_date=start_date,
                end_date=end_date,
                therapist=self.therapist,
                versions=self.versions,
                steady=self.steady,
            )
            return [slot.start for slot in found]
        found = queries.available_slots(
            service_length=self.length,
            policy=self.policy,
            now=self.now,
            start_date=start_date,
            end_date=end_date,
            therapists=[self.therapist] if self.therapist else None,
            ignoring=self.ignoring,
        )
        if self.steady is not None:  # read afresh: nothing says how long it holds
            self.steady.holds_until(self.now)
        starts = [offer.start for offer in found.offers(self.therapist)]
        if self.ignoring is not None:  # moving to where it already is would change nothing
            starts = [start for start in starts if start != self.ignoring.start]
        return starts

    @property
    def today(self) -> date:
        return timezone.localdate(self.now, clock.clinic_tz())

    @property
    def last_day(self) -> date:
        return self.today + timedelta(days=self.policy.horizon_days)


def week_of(request: Request, day: date) -> date:
    """Return the first day of the week (counted from today) that holds `day`."""
    return request.today + timedelta(days=(day - request.today).days // WEEK * WEEK)


def build(
    request: Request, *, day: date | None, week: date | None = None, all_times: bool = False
) -> Picker:
    """Return the week holding `day` (or `week`, or the first free day) and `day`'s times."""
    first = week_of(request, day or week or request.today)
    by_day = _by_day(request.starts(first, first + timedelta(days=WEEK)))
    if day is None and week is None and not by_day:
        # The first week is full: open on the week of the next free day, if any, looking one
        # week further, then two, four...: the cost follows how far off it is, not the horizon.
        since, weeks = first + timedelta(days=WEEK), 1
        while since <= request.last_day:
            until = min(since + timedelta(days=WEEK * weeks), request.last_day + _DAY)
            if later := _by_day(request.starts(since, until)):
                first = week_of(request, min(later))
                by_day = {d: s for d, s in later.items() if d < first + timedelta(days=WEEK)}
                break
            since, weeks = until, weeks * 2
    chosen = day or (min(by_day) if by_day else None)
    end = min(first + timedelta(days=WEEK), request.last_day + _DAY)
    days = [Day(d, d in by_day) for d in _dates(first, end)]
    return Picker(
        days=days,
        day=chosen,
        times=[slot(start) for start in by_day.get(chosen, [])],
        spacing=max(NATURAL_MINUTES, request.policy.slot_step_minutes),
        all_times=all_times,
        earlier_week=first - timedelta(days=WEEK) if first > request.today else None,
        later_week=end if end <= request.last_day else None,
    )


_DAY = timedelta(days=1)


def _by_day(starts: list[datetime]) -> dict[date, list[datetime]]:
    by_day: dict[date, list[datetime]] = defaultdict(list)
    tz = clock.clinic_tz()  # once, not per start: a week holds hundreds
    for start in starts:
        by_day[start.astimezone(tz).date()].append(start)
    return by_day


def _dates(first: date, end: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((end - first).days)]


def next_free_day(chosen: Picker) -> str:
    """Return the sentence naming the day `chosen` opened on: the first with free times."""
    if chosen.day is None:
        return "There are no free times online at the moment."
    return f"The next day with free times is {clock.long_day(chosen.day)}."


def day_times(request: Request, day: date, *, all_times: bool = False) -> Picker:
    """Return the free times on one day only (the fragment a day tap loads)."""
    starts = request.starts(day, day + _DAY)
    spacing = max(NATURAL_MINUTES, request.policy.slot_step_minutes)
    return Picker(day=day, times=[slot(s) for s in starts], spacing=spacing, all_times=all_times)


def is_free(request: Request, start: datetime) -> bool:
    """Return whether `start` is offered now (it may still be taken before it is booked)."""
    day = timezone.localdate(start, clock.clinic_tz())
    return start in request.starts(day, day + _DAY)
