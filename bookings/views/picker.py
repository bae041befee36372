"""The day-and-time picker shared by booking a session and moving one.

Availability comes from ``queries.available_slots`` (one query however far ahead), so the
day list covers the whole booking horizon and a day's times are one more call.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils import timezone

from bookings import queries
from bookings.models import Appointment, BookingPolicy, Therapist
from services.models import ServiceLength

# Days shown before "Later dates"; the rest fold away so a phone sees times without scrolling.
FIRST_DAYS = 7
PERIODS = (("Morning", 12), ("Afternoon", 17), ("Evening", 24))


@dataclass(frozen=True, slots=True)
class Slot:
    """A free start time, in UTC, with its query-string form and its label ("9:15 AM")."""

    start: datetime
    param: str
    label: str


def slot(start: datetime) -> Slot:
    """Return `start` as a Slot (formatted here: the template's filters cost more per slot)."""
    local = timezone.localtime(start, queries.clinic_tz())
    return Slot(start, local.strftime("%Y-%m-%dT%H:%M"), local.strftime("%-I:%M %p"))


@dataclass(frozen=True, slots=True)
class Day:
    """A day with free times."""

    day: date
    count: int

    @property
    def param(self) -> str:
        return self.day.isoformat()


@dataclass
class Picker:
    """Days with free times (soonest first) and the free times of the chosen day."""

    days: list[Day] = field(default_factory=list)
    day: date | None = None
    times: list[Slot] = field(default_factory=list)

    @property
    def first_days(self) -> list[Day]:
        return self.days[:FIRST_DAYS]

    @property
    def later_days(self) -> list[Day]:
        return self.days[FIRST_DAYS:]

    @property
    def chosen_is_later(self) -> bool:
        return any(day.day == self.day for day in self.later_days)

    @property
    def periods(self) -> list[tuple[str, list[Slot]]]:
        """Return the day's times grouped into morning, afternoon and evening."""
        grouped: dict[str, list[Slot]] = defaultdict(list)
        for slot in self.times:
            hour = timezone.localtime(slot.start, queries.clinic_tz()).hour
            grouped[next(name for name, until in PERIODS if hour < until)].append(slot)
        return [(name, grouped[name]) for name, _ in PERIODS if grouped[name]]


@dataclass(frozen=True, slots=True)
class Request:
    """What to offer times for: a length, with one therapist or anyone (None)."""

    length: ServiceLength
    therapist: Therapist | None
    policy: BookingPolicy
    now: datetime
    ignoring: Appointment | None = None

    def starts(self, start_date: date, end_date: date) -> list[datetime]:
        """Return the free UTC starts for start_date <= local day < end_date."""
        found = queries.available_slots(
            service_length=self.length,
            policy=self.policy,
            now=self.now,
            start_date=start_date,
            end_date=end_date,
            therapists=[self.therapist] if self.therapist else None,
            ignoring=self.ignoring,
        )
        if self.therapist is not None:
            starts = found.by_therapist.get(self.therapist.pk, [])
        else:
            starts = [slot.start for slot in found.any_therapist]
        if self.ignoring is not None:  # moving to where it already is would change nothing
            starts = [start for start in starts if start != self.ignoring.start]
        return starts

    @property
    def today(self) -> date:
        return timezone.localdate(self.now, queries.clinic_tz())

    @property
    def last_day(self) -> date:
        return self.today + timedelta(days=self.policy.horizon_days)


def build(request: Request, *, day: date | None) -> Picker:
    """Return the days with free times and the times on `day` (default: the first such day)."""
    by_day: dict[date, list[datetime]] = defaultdict(list)
    for start in request.starts(request.today, request.last_day + timedelta(days=1)):
        by_day[timezone.localdate(start, queries.clinic_tz())].append(start)
    days = [Day(d, len(starts)) for d, starts in sorted(by_day.items())]
    chosen = day or (days[0].day if days else None)
    return Picker(days=days, day=chosen, times=[slot(start) for start in by_day.get(chosen, [])])


def next_free_day(chosen: Picker) -> str:
    """Return the sentence naming the day `chosen` opened on: the first with free times."""
    if chosen.day is None:
        return "There are no free times online at the moment."
    return f"The next day with free times is {chosen.day:%A, %B} {chosen.day.day}."


def day_times(request: Request, day: date) -> Picker:
    """Return the free times on one day only (the fragment a day tap loads)."""
    return Picker(day=day, times=[slot(s) for s in request.starts(day, day + timedelta(days=1))])


def is_free(request: Request, start: datetime) -> bool:
    """Return whether `start` is offered now (it may still be taken before it is booked)."""
    day = timezone.localdate(start, queries.clinic_tz())
    return start in request.starts(day, day + timedelta(days=1))
