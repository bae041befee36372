"""A runner's next race: the sessions that fit around it, and the timing advice before it.

Suggestions come from the clinic's ``SuggestionRule`` rows (a pre-race session some days
before, a recovery session some hours after), each with real free times from the same
engine as the booking pages (``availability_cache.offered``: hours, time off, closures,
booked times, the minimum notice and the horizon), minus the times the clinic's own
``TimingRule`` rows advise against and the times the runner is already booked. A race's
date is known, not its hour, so windows count from 8:00 AM on race day (``RACE_STARTS``),
when most road races start.

The timing advice is checked by the booking write itself (``booking.book_appointment``
calls ``check_timing``), so every door gives the same answer: a runner goes ahead after
reading it, staff with a reason; either way the appointment's history records it.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import AbstractBaseUser

from bookings import availability_cache, clock
from bookings.errors import BookingError
from bookings.models import (
    Appointment,
    AppointmentChange,
    BookingPolicy,
    Client,
    RunnerIntake,
    SuggestionRule,
    TimingRule,
)
from services.models import ServiceLength

RACE_STARTS = time(8)
TIMES_PER_SUGGESTION = 4
TIMES_PER_DAY = 2  # spread the few times shown over the window's days
SPREAD = timedelta(hours=3)  # and a day's two times apart, a morning and an afternoon
FURTHEST_RACE = timedelta(days=366)
Kind = SuggestionRule.Kind


class TimingAdvice(BookingError):
    """The session falls inside a timing rule and nobody has said to go ahead."""

    def __init__(self, message: str, *, rules: Sequence[TimingRule]) -> None:
        super().__init__(message)
        self.rules = list(rules)


@dataclass(frozen=True, slots=True)
class GoAhead:
    """Leave to book despite the timing advice: a runner who read it, or staff with a reason.

    `shown` are the service's rules as the page showed them (read with the request's
    reference data), checked instead of reading them again.
    """

    reason: str = ""
    shown: tuple[TimingRule, ...] | None = None


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One suggested session: its rule, its window, and the free times inside it."""

    rule: SuggestionRule
    since: datetime
    until: datetime
    times: list[datetime] = field(default_factory=list)

    @property
    def length(self) -> ServiceLength:
        return self.rule.service_length

    @property
    def pre_race(self) -> bool:
        return self.rule.kind == Kind.PRE_RACE


def race_start(race_date: date) -> datetime:
    """Return when a race on `race_date` is taken to start: 8:00 AM clinic time."""
    return datetime.combine(race_date, RACE_STARTS, tzinfo=clock.clinic_tz())


def race_date_problem(race_date: date, *, today: date) -> str:
    """Return why `race_date` cannot be a runner's next race ("" if it can)."""
    if race_date < today:
        return "That date has already passed. Please give the date of your next race."
    if race_date > today + FURTHEST_RACE:
        return "Please give a race in the next twelve months."
    return ""


def window(rule: SuggestionRule, race_date: date) -> tuple[datetime, datetime]:
    """Return the first and last start `rule` suggests around a race on `race_date`."""
    race = race_start(race_date)
    if rule.kind == Kind.PRE_RACE:
        return race - timedelta(hours=rule.max_hours), race - timedelta(hours=rule.min_hours)
    return race + timedelta(hours=rule.min_hours), race + timedelta(hours=rule.max_hours)


# --- timing advice -----------------------------------------------------------------------


def client_race_date(client: Client | None, *, now: datetime) -> date | None:
    """Return the client's next race from their intake (staff doors), if still ahead."""
    if client is None:
        return None
    race_date = (
        RunnerIntake.objects.filter(client=client).values_list("next_race_date", flat=True).first()
    )
    return race_date if race_date and race_date >= clock.local(now).date() else None


def at_the_desk(client: Client | None, reason: str, *, now: datetime) -> dict:
    """Return the timing advice's arguments of a staff door: the client's race from their
    intake, and leave to go ahead when the desk gave a `reason`."""
    reason = reason.strip()
    return {
        "race_date": client_race_date(client, now=now),
        "go_ahead": GoAhead(reason=reason) if reason else None,
    }


def active_timing_rules(service_id: int) -> list[TimingRule]:
    """Return the service's timing rules, their alternatives with them (one query)."""
    return list(
        TimingRule.objects.filter(active=True, service_id=service_id).select_related(
            "service", "alternative__service"
        )
    )


def timing_hits(
    rules: Iterable[TimingRule], *, service_length: ServiceLength, start: datetime, race_date: date
) -> list[TimingRule]:
    """Return the `rules` a session of `service_length` at `start` falls inside.

    A rule covers the `hours_before_race` before the race: a session that ends after that
    mark and starts before the race.
    """
    race = race_start(race_date)
    end = start + timedelta(minutes=service_length.minutes)
    return [
        rule
        for rule in rules
        if rule.service_id == service_length.service_id
        and start < race
        and end > race - timedelta(hours=rule.hours_before_race)
    ]


def check_timing(
    *,
    service_length: ServiceLength,
    start: datetime,
    race_date: date | None,
    go_ahead: GoAhead | None,
    by: AbstractBaseUser | None,
) -> AppointmentChange | None:
    """Return the history row a booking inside a timing rule adds (unsaved), None if it is
    outside every rule; raise TimingAdvice if nobody has said to go ahead (staff: with a
    reason)."""
    if race_date is None:
        return None
    rules = go_ahead.shown if go_ahead is not None else None
    if rules is None:
        rules = active_timing_rules(service_length.service_id)
    hits = timing_hits(rules, service_length=service_length, start=start, race_date=race_date)
    if not hits:
        return None
    advice = " ".join(rule.explanation for rule in hits)
    reason = go_ahead.reason.strip() if go_ahead is not None else ""
    if by is not None and not reason:
        advice = f"Their race is on {clock.long_day(race_date)}. {advice}"
        raise TimingAdvice(f"{advice} To go ahead anyway, give a reason.", rules=hits)
    if go_ahead is None:
        raise TimingAdvice(advice, rules=hits)
    action = AppointmentChange.Action
    return AppointmentChange(
        by=by,
        action=action.TIMING_OVERRIDDEN if by is not None else action.TIMING_READ,
        details={"rules": [str(rule) for rule in hits], "race_date": race_date.isoformat()},
        reason=reason[:200],
    )


# --- suggestions -------------------------------------------------------------------------


def suggestions(
    *, client: Client, race_date: date, now: datetime, policy: BookingPolicy
) -> list[Suggestion]:
    """Return the sessions the clinic suggests around the race, each with its free times.

    A suggestion whose window the runner already has a session in is left out (they have
    booked it); one whose window has passed too. A suggestion with no free time left is
    kept with none, so the page can say so.
    """
    rules = list(
        SuggestionRule.objects.filter(active=True, service_length__service__published=True)
        .select_related("service_length__service")
        .order_by("kind", "min_hours", "pk")
    )
    windows = [(rule, *window(rule, race_date)) for rule in rules]
    windows = [(rule, since, until) for rule, since, until in windows if until > now]
    if not windows:
        return []
    booked = _booked_spans(client, windows)
    timing = _timing_rules_of(rule.service_length.service_id for rule, _, _ in windows)
    out = []
    for rule, since, until in windows:
        if any(start <= until and since < end for start, end in booked):
            continue
        times = _free_times(rule, since, until, booked, timing, race_date, now, policy)
        out.append(Suggestion(rule, since, until, times))
    return out


def suggested(found: Iterable[Suggestion], *, rule_id: int, start: datetime) -> Suggestion | None:
    """Return the suggestion of rule `rule_id` if `start` lies in its window, else None."""
    return next(
        (each for each in found if each.rule.pk == rule_id and each.since <= start <= each.until),
        None,
    )


def nearest_first(suggestion: Suggestion, start: datetime) -> list[datetime]:
    """Return the suggestion's free times, nearest to `start` first (for a lost race)."""
    return sorted(suggestion.times, key=lambda each: (abs(each - start), each))


def _booked_spans(
    client: Client, windows: list[tuple[SuggestionRule, datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    """Return the (start, end) of the client's active sessions near the windows (one query)."""
    since = min(each[1] for each in windows) - timedelta(days=1)
    until = max(each[2] for each in windows) + timedelta(days=1)
    return list(
        Appointment.objects.active()
        .filter(client=client, start__lt=until, end__gt=since)
        .values_list("start", "end")
    )


def _timing_rules_of(service_ids: Iterable[int]) -> list[TimingRule]:
    return list(TimingRule.objects.filter(active=True, service_id__in=set(service_ids)))


def _free_times(
    rule: SuggestionRule,
    since: datetime,
    until: datetime,
    booked: list[tuple[datetime, datetime]],
    timing: list[TimingRule],
    race_date: date,
    now: datetime,
    policy: BookingPolicy,
) -> list[datetime]:
    """Return a few bookable starts of the rule's session in its window, spread over days."""
    length = rule.service_length
    slots = availability_cache.offered(
        service_length=length,
        policy=policy,
        now=now,
        start_date=clock.local(since).date(),
        end_date=clock.local(until).date() + timedelta(days=1),
    )
    minutes = timedelta(minutes=length.minutes)
    out: list[datetime] = []
    per_day: dict[date, list[datetime]] = {}
    for slot in slots:
        start = slot.start
        if not since <= start <= until:
            continue
        if any(start < end and taken < start + minutes for taken, end in booked):
            continue  # the runner is booked then
        if timing_hits(timing, service_length=length, start=start, race_date=race_date):
            continue
        day = clock.local(start).date()
        if len(per_day.setdefault(day, [])) >= TIMES_PER_DAY:
            continue
        if any(abs(start - other) < SPREAD for other in per_day[day]):
            continue
        per_day[day].append(start)
        out.append(start)
        if len(out) == TIMES_PER_SUGGESTION:
            break
    return out
