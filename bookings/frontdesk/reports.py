"""The clinic's reports: utilization, bookings by source, no-shows, late cancellations, runners.

Everything is counted by the week or month of the session (local clinic dates), over whole
local days ``first <= day <= last``; the first and last periods are cut to that range.

* **Utilization** is booked minutes out of available minutes. Booked: the sessions that
  hold their time (booked, checked in, completed), without turnover. Available for a
  therapist: their working time from the same hours the booking engine offers slots from
  (a date's own hours replace its weekday's, time off and closures removed,
  ``availability.working_time``). Available for a room: the time at least one therapist who
  offers a service the room suits is working.
* **Bookings** are every appointment of the period, cancelled ones included, by the door
  they came through (``Appointment.source``).
* **No-shows** out of the sessions due by now that were not cancelled.
* **Late cancellations**: cancelled less than the policy's cut-off before the session (by the
  time in the appointment's history), out of every booking of the period.
* **Runners**: clients with a session that holds its time; new ones had none before.

``build_report`` reads in a fixed number of queries however many appointments there are.
"""

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from django.db.models import (
    Count,
    DateField,
    DurationField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Greatest, TruncDate, TruncMonth, TruncWeek

from bookings import availability as engine
from bookings import clock
from bookings.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentChange,
    BookingPolicy,
    ClinicClosure,
    DateHours,
    Room,
    Therapist,
    TimeOff,
    WeeklyHours,
)

DAY = timedelta(days=1)
Status = Appointment.Status
Source = Appointment.Source


class Grouping(StrEnum):
    WEEK = "week"
    MONTH = "month"


PRESET_PERIODS = {Grouping.WEEK: 8, Grouping.MONTH: 6}  # "the last 8 weeks", "the last 6 months"


@dataclass(frozen=True, slots=True)
class Period:
    """A week (Monday to Sunday) or a calendar month, cut to the report's range."""

    first: date
    last: date  # inclusive
    label: str  # "Nov 30" for a week, "Nov 2026" for a month

    @property
    def span(self) -> str:
        """Return the dates it covers, e.g. "Nov 30-Dec 6" (an en dash)."""
        return f"{clock.month_day(self.first)}{clock.DASH}{clock.month_day(self.last)}"


def _next_start(day: date, by: Grouping) -> date:
    """Return the first day of the week or month after the one `day` is in."""
    if by == Grouping.WEEK:
        return day + timedelta(days=7 - day.weekday())
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def periods(first: date, last: date, by: Grouping) -> list[Period]:
    """Return the weeks or months from `first` to `last` (inclusive), cut to that range."""
    out, start = [], first
    while start <= last:
        end = min(_next_start(start, by) - DAY, last)
        label = clock.month_day(start) if by == Grouping.WEEK else clock.month(start)
        out.append(Period(start, end, label))
        start = end + DAY
    return out


def preset_range(by: Grouping, today: date) -> tuple[date, date]:
    """Return the last 8 whole weeks or 6 whole months, the current one included."""
    if by == Grouping.WEEK:
        monday = today - timedelta(days=today.weekday())
        return monday - timedelta(weeks=PRESET_PERIODS[by] - 1), monday + timedelta(days=6)
    first = today.replace(day=1)
    for _ in range(PRESET_PERIODS[by] - 1):
        first = (first - DAY).replace(day=1)
    return first, _next_start(today, by) - DAY


@dataclass(frozen=True, slots=True)
class Ratio:
    """`count` out of `out_of`; the percentage is None when there is nothing to count."""

    count: int
    out_of: int

    @property
    def percent(self) -> float | None:
        return None if self.out_of == 0 else round(100 * self.count / self.out_of, 1)


@dataclass(frozen=True, slots=True)
class Usage:
    """One therapist's or room's utilization: a ratio of booked to available minutes."""

    name: str
    by_period: list[Ratio]
    total: Ratio


@dataclass(slots=True)
class Figures:
    """The counts of one period (or of the whole range)."""

    online: int = 0
    desk: int = 0
    no_shows: int = 0
    due: int = 0  # sessions that have started and were not cancelled
    late_cancellations: int = 0
    runners: int = 0
    new_runners: int = 0

    @property
    def bookings(self) -> int:
        return self.online + self.desk

    @property
    def online_share(self) -> Ratio:
        return Ratio(self.online, self.bookings)

    @property
    def desk_share(self) -> Ratio:
        return Ratio(self.desk, self.bookings)

    @property
    def no_show_rate(self) -> Ratio:
        return Ratio(self.no_shows, self.due)

    @property
    def late_cancellation_rate(self) -> Ratio:
        return Ratio(self.late_cancellations, self.bookings)

    @property
    def returning_runners(self) -> int:
        return self.runners - self.new_runners


@dataclass(frozen=True, slots=True)
class Report:
    first: date
    last: date
    by: Grouping
    periods: list[Period]
    figures: list[Figures]  # one per period
    total: Figures
    therapists: list[Usage]
    rooms: list[Usage]
    cutoff_hours: int

    @property
    def rows(self) -> list[tuple[Period, Figures]]:
        """Return each period with its figures."""
        return list(zip(self.periods, self.figures, strict=True))


def build_report(*, first: date, last: date, by: Grouping, now: datetime) -> Report:
    """Return the report for local days ``first <= day <= last``, grouped `by` week or month."""
    tz = clock.clinic_tz()
    since = datetime.combine(first, time(), tzinfo=tz).astimezone(UTC)
    until = datetime.combine(last + DAY, time(), tzinfo=tz).astimezone(UTC)
    chosen = periods(first, last, by)
    starts = [period.first for period in chosen]

    def index(day: date) -> int:
        return bisect_right(starts, day) - 1

    policy = BookingPolicy.load()
    cutoff = timedelta(hours=policy.change_cutoff_hours)
    in_range = Appointment.objects.filter(start__gte=since, start__lt=until).order_by()
    period = _period_expression(by, first)

    figures = [Figures() for _ in chosen]
    booked: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0] * len(chosen))
    for row in _appointment_counts(in_range, period, cutoff, now):
        figures_of = figures[index(row["period"])]
        if row["source"] == Source.ONLINE:
            figures_of.online += row["n"]
        else:
            figures_of.desk += row["n"]
        figures_of.late_cancellations += row["late"]
        if row["status"] == Status.NO_SHOW:
            figures_of.no_shows += row["n"]
        if row["status"] != Status.CANCELLED:
            figures_of.due += row["due"]
        if row["status"] in ACTIVE_STATUSES:
            minutes = round(row["length"].total_seconds() / 60)
            booked["therapist", row["therapist_id"]][index(row["period"])] += minutes
            booked["room", row["room_id"]][index(row["period"])] += minutes

    first_visit = _first_visit_day(tz)
    active = in_range.filter(status__in=ACTIVE_STATUSES).alias(first_visit=first_visit)
    for row in (
        active.annotate(period=period)
        .values("period")
        .annotate(
            runners=Count("client_id", distinct=True),
            new=Count("client_id", distinct=True, filter=Q(first_visit__gte=F("period"))),
        )
    ):
        figures[index(row["period"])].runners = row["runners"]
        figures[index(row["period"])].new_runners = row["new"]
    whole = active.aggregate(
        runners=Count("client_id", distinct=True),
        new=Count("client_id", distinct=True, filter=Q(first_visit__gte=first)),
    )

    total = Figures(runners=whole["runners"], new_runners=whole["new"])
    for each in figures:
        for name in ("online", "desk", "no_shows", "due", "late_cancellations"):
            setattr(total, name, getattr(total, name) + getattr(each, name))

    therapists, rooms = _available_minutes(
        first=first,
        last=last,
        since=since,
        until=until,
        index=index,
        count=len(chosen),
        booked_therapists={pk for kind, pk in booked if kind == "therapist"},
        booked_rooms={pk for kind, pk in booked if kind == "room"},
    )
    return Report(
        first=first,
        last=last,
        by=by,
        periods=chosen,
        figures=figures,
        total=total,
        therapists=[_usage(name, booked["therapist", pk], free) for pk, name, free in therapists],
        rooms=[_usage(name, booked["room", pk], free) for pk, name, free in rooms],
        cutoff_hours=policy.change_cutoff_hours,
    )


def _period_expression(by: Grouping, first: date):
    """Return SQL for the first day of the (cut) period a session's local date falls in."""
    trunc = TruncWeek if by == Grouping.WEEK else TruncMonth
    local_start = Cast(trunc("start", tzinfo=clock.clinic_tz()), DateField())
    return Greatest(local_start, Value(first))


def _appointment_counts(in_range, period, cutoff: timedelta, now: datetime) -> Iterable[dict]:
    """Return one row per period, therapist, room, source and status, with the counts."""
    cancelled_late = AppointmentChange.objects.filter(
        appointment=OuterRef("pk"),
        action=AppointmentChange.Action.CANCELLED,
        at__gt=OuterRef("start") - Value(cutoff),
    )
    return (
        in_range.annotate(period=period)
        .alias(cancelled_late=Exists(cancelled_late))
        .values("period", "therapist_id", "room_id", "source", "status")
        .annotate(
            n=Count("pk"),
            length=Sum(F("end") - F("start"), output_field=DurationField()),
            late=Count("pk", filter=Q(status=Status.CANCELLED, cancelled_late=True)),
            due=Count("pk", filter=Q(start__lte=now)),
        )
    )


def _first_visit_day(tz) -> Subquery:
    """Return SQL for the local date of the client's first session that held its time."""
    return Subquery(
        Appointment.objects.filter(client=OuterRef("client_id"), status__in=ACTIVE_STATUSES)
        .order_by("start")
        .annotate(day=TruncDate("start", tzinfo=tz))
        .values("day")[:1],
        output_field=DateField(),
    )


def _available_minutes(
    *,
    first: date,
    last: date,
    since: datetime,
    until: datetime,
    index,
    count: int,
    booked_therapists: set[int],
    booked_rooms: set[int],
) -> tuple[list[tuple[int, str, list[int]]], list[tuple[int, str, list[int]]]]:
    """Return (id, name, available minutes per period) for the therapists and the rooms.

    Active ones, and inactive ones with sessions in the range, in eight queries.
    """
    therapists = list(
        Therapist.objects.filter(Q(active=True) | Q(pk__in=booked_therapists)).values_list(
            "pk", "name"
        )
    )
    rooms = list(
        Room.objects.filter(Q(active=True) | Q(pk__in=booked_rooms)).values_list("pk", "name")
    )
    ids = [pk for pk, _ in therapists]
    offers = defaultdict(set)
    for tid, sid in Therapist.services.through.objects.filter(therapist_id__in=ids).values_list(
        "therapist_id", "service_id"
    ):
        offers[tid].add(sid)
    suits = defaultdict(set)
    for rid, sid in Room.services.through.objects.filter(
        room_id__in=[pk for pk, _ in rooms]
    ).values_list("room_id", "service_id"):
        suits[rid].add(sid)
    schedule = engine.Schedule(
        therapists=[engine.Therapist(pk, frozenset(offers[pk])) for pk in ids],
        weekly_hours=[
            engine.WeeklyHours(*row)
            for row in WeeklyHours.objects.filter(therapist_id__in=ids).values_list(
                "therapist_id", "weekday", "start", "end"
            )
        ],
        rooms=(),
        date_hours=[
            engine.DateHours(*row)
            for row in DateHours.objects.filter(
                therapist_id__in=ids, date__gte=first, date__lte=last
            ).values_list("therapist_id", "date", "start", "end")
        ],
        time_off=[
            engine.TimeOff(tid, engine.Span(start, end))
            for tid, start, end in TimeOff.objects.filter(
                therapist_id__in=ids, start__lt=until, end__gt=since
            ).values_list("therapist_id", "start", "end")
        ],
        closures=list(
            ClinicClosure.objects.filter(date__gte=first, date__lte=last).values_list(
                "date", flat=True
            )
        ),
    )
    working = engine.working_time(
        schedule, first_day=first, end_day=last + DAY, tz=clock.clinic_tz()
    )

    def per_period(days: dict[date, list[engine.Span]]) -> list[int]:
        minutes = [0] * count
        for day, spans in days.items():
            minutes[index(day)] += sum(_minutes(span.start, span.end) for span in spans)
        return minutes

    therapist_minutes = [(pk, name, per_period(working.get(pk, {}))) for pk, name in therapists]
    room_minutes = []
    for pk, name in rooms:
        staffed: dict[date, list[engine.Span]] = defaultdict(list)
        for tid in ids:
            if offers[tid] & suits[pk]:
                for day, spans in working.get(tid, {}).items():
                    staffed[day].extend(spans)
        merged = {day: _merge(spans) for day, spans in staffed.items()}
        room_minutes.append((pk, name, per_period(merged)))
    return therapist_minutes, room_minutes


def _merge(spans: list[engine.Span]) -> list[engine.Span]:
    """Return the spans sorted, with overlapping or touching ones joined."""
    out: list[engine.Span] = []
    for span in sorted(spans, key=lambda s: s.start):
        if out and span.start <= out[-1].end:
            if span.end > out[-1].end:
                out[-1] = engine.Span(out[-1].start, span.end)
        else:
            out.append(span)
    return out


def _minutes(start: datetime, end: datetime) -> int:
    return round((end - start).total_seconds() / 60)


def _usage(name: str, booked: list[int], available: list[int]) -> Usage:
    return Usage(
        name=name,
        by_period=[Ratio(b, a) for b, a in zip(booked, available, strict=True)],
        total=Ratio(sum(booked), sum(available)),
    )
