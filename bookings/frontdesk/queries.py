"""Reads for the staff pages: a day of the clinic, a therapist's week, clients, feeds.

Each loader runs a fixed number of queries however many therapists or appointments there
are (the day and week views' tests hold them to it).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, F, Func, OuterRef, Q, QuerySet, Value
from django.utils import timezone

from bookings import phones
from bookings.clock import day_bounds
from bookings.models import (
    Appointment,
    AppointmentChange,
    BookingPolicy,
    Client,
    ClinicClosure,
    DateHours,
    Therapist,
    TimeOff,
    WaitlistHold,
    WeeklyHours,
)
from clinic.models import OpeningHours
from services.models import ServiceLength

Status = Appointment.Status
Hours = list[tuple[time, time]]


@dataclass
class TherapistDay:
    """One therapist on one local date: working hours (breaks are the gaps), absences, sessions."""

    therapist: Therapist
    day: date
    hours: Hours = field(default_factory=list)
    time_off: list[TimeOff] = field(default_factory=list)
    appointments: list[Appointment] = field(default_factory=list)
    closure: ClinicClosure | None = None

    @property
    def is_working(self) -> bool:
        return bool(self.hours)


@dataclass
class ClinicDay:
    """Everything the day view shows for one local date."""

    day: date
    closure: ClinicClosure | None
    opening: Hours
    columns: list[TherapistDay]
    not_held: list[Appointment]  # cancelled and no-show: they free their time


def _hours_by_therapist_day(
    therapist_ids: list[int] | None, first: date, days: int
) -> dict[tuple[int, date], Hours]:
    """Return each therapist's working intervals per date (dated hours replace weekly ones)."""
    weekdays = {(first + timedelta(days=n)).weekday() for n in range(days)}
    weekly_rows = WeeklyHours.objects.filter(weekday__in=weekdays).order_by("start")
    dated_rows = DateHours.objects.filter(date__gte=first, date__lt=first + timedelta(days=days))
    if therapist_ids is not None:
        weekly_rows = weekly_rows.filter(therapist__in=therapist_ids)
        dated_rows = dated_rows.filter(therapist__in=therapist_ids)
    weekly: dict[tuple[int, int], Hours] = defaultdict(list)
    for row in weekly_rows:
        weekly[row.therapist_id, row.weekday].append((row.start, row.end))
    dated: dict[tuple[int, date], Hours] = {}
    for row in dated_rows.order_by("start"):
        intervals = dated.setdefault((row.therapist_id, row.date), [])
        if row.start is not None:  # a row without times is a day off: no intervals
            intervals.append((row.start, row.end))
    result = {}
    for (tid, weekday), intervals in weekly.items():
        for offset in range(days):
            day = first + timedelta(days=offset)
            if day.weekday() == weekday:
                result[tid, day] = intervals
    result.update(dated)
    return result


def opening_hours(days: list[date]) -> dict[int, Hours]:
    """Return the clinic's opening intervals per weekday of `days`."""
    opening: dict[int, Hours] = defaultdict(list)
    weekdays = {day.weekday() for day in days}
    for row in OpeningHours.objects.filter(weekday__in=weekdays):
        opening[row.weekday].append((row.opens, row.closes))
    return opening


def _calendar_appointments(start: datetime, end: datetime) -> QuerySet:
    return (
        Appointment.objects.filter(start__lt=end, end__gt=start)
        .with_details()
        .order_by("start", "pk")
    )


def clinic_day(day: date) -> ClinicDay:
    """Return the day view's data: one column per therapist working (or booked) that day."""
    start, end = day_bounds(day)
    therapists = {t.pk: t for t in Therapist.objects.active()}
    appointments = list(_calendar_appointments(start, end))
    for appointment in appointments:  # booked with someone since made inactive
        therapists.setdefault(appointment.therapist_id, appointment.therapist)
    hours = _hours_by_therapist_day(None, day, 1)
    time_off = defaultdict(list)
    for absence in TimeOff.objects.filter(start__lt=end, end__gt=start):
        time_off[absence.therapist_id].append(absence)
    closure = ClinicClosure.objects.filter(date=day).first()
    columns = {
        pk: TherapistDay(therapist, day, hours.get((pk, day), []), time_off[pk], [], closure)
        for pk, therapist in therapists.items()
    }
    not_held = []
    for appointment in appointments:  # cancelled and no-shows too: the grid shows them faded
        columns[appointment.therapist_id].appointments.append(appointment)
        if not appointment.is_active:
            not_held.append(appointment)
    shown = [c for c in columns.values() if c.is_working or c.appointments]
    shown.sort(key=lambda c: (c.therapist.ordering, c.therapist.name))
    opening = opening_hours([day])[day.weekday()]
    return ClinicDay(day, closure, opening, shown, not_held)


def time_off_ahead(therapist: Therapist, *, now: datetime, limit: int = 30) -> list[TimeOff]:
    """Return `therapist`'s time off not yet over, soonest first."""
    return list(TimeOff.objects.filter(therapist=therapist, end__gt=now).order_by("start")[:limit])


def time_off_on(therapist_id: int | None, day: date) -> list[TimeOff]:
    """Return the therapist's time off meeting local `day`, soonest first, each with
    ``held`` (a waitlist hold's time, which opens when the hold ends) and who entered it."""
    if therapist_id is None:
        return []
    try:
        since, until = day_bounds(day)
    except OverflowError:  # the calendar's very last day, typed in: nothing is off there
        return []
    held = WaitlistHold.objects.filter(time_off=OuterRef("pk"))
    return list(
        TimeOff.objects.filter(therapist_id=therapist_id, start__lt=until, end__gt=since)
        .annotate(held=Exists(held))
        .select_related("added_by")
        .order_by("start")
    )


def therapist_days(
    therapist: Therapist, first: date, days: int, *, active_only: bool = False
) -> list[TherapistDay]:
    """Return `therapist`'s days from `first`: hours, absences, closures and sessions."""
    start, end = day_bounds(first, days)
    dates = [first + timedelta(days=n) for n in range(days)]
    hours = _hours_by_therapist_day([therapist.pk], first, days)
    closures = {c.date: c for c in ClinicClosure.objects.filter(date__in=dates)}
    result = {
        day: TherapistDay(
            therapist, day, hours.get((therapist.pk, day), []), [], [], closures.get(day)
        )
        for day in dates
    }
    for absence in TimeOff.objects.filter(therapist=therapist, start__lt=end, end__gt=start):
        for day in dates:
            since, until = day_bounds(day)
            if absence.start < until and absence.end > since:
                result[day].time_off.append(absence)
    appointments = _calendar_appointments(start, end).filter(therapist=therapist)
    if active_only:
        appointments = appointments.filter(status__in=Appointment.ACTIVE_STATUSES)
    for appointment in appointments:
        day = timezone.localdate(appointment.start)
        if day in result:  # a session that began the evening before belongs to that day
            result[day].appointments.append(appointment)
    return list(result.values())


def feed_appointments(therapist: Therapist, *, now: datetime) -> QuerySet:
    """Return the sessions a therapist's calendar feed carries: a month back, all ahead."""
    return (
        Appointment.objects.filter(therapist=therapist, end__gte=now - timedelta(days=31))
        .exclude(status=Status.NO_SHOW)
        .with_details()
        .order_by("start")
    )


def therapist_for_feed_digest(digest: str) -> Therapist | None:
    """Return the active therapist whose feed token has this digest, if any."""
    if not digest:
        return None
    return Therapist.objects.active().filter(feed_token_digest=digest).first()


# --- appointments and clients ---------------------------------------------------------


def appointment_with_history(pk: int) -> Appointment | None:
    """Return the appointment with everything its page shows, history included."""
    appointment = (
        Appointment.objects.with_details().select_related("client__intake").filter(pk=pk).first()
    )
    if appointment is not None:
        changes = AppointmentChange.objects.filter(appointment=appointment).select_related("by")
        appointment.history = list(changes)
    return appointment


class _Digits(Func):
    """The digits of a text column: ``(404) 555-0142`` becomes ``4045550142``."""

    function = "REGEXP_REPLACE"

    def __init__(self, expression) -> None:
        super().__init__(expression, Value(r"\D"), Value(""), Value("g"))


def lengths_most_booked_first(therapist: Therapist | None = None) -> QuerySet[ServiceLength]:
    """Return the bookable lengths (of `therapist`'s services, if given), the most booked
    (with that therapist) first, then in the services' own order: a desk form's first is
    its default, so the usual booking takes one click fewer."""
    lengths = ServiceLength.objects.select_related("service")
    if therapist is None:
        booked = Count("appointments")
    else:
        lengths = lengths.filter(service__therapists=therapist)
        booked = Count("appointments", filter=Q(appointments__therapist=therapist))
    return lengths.annotate(booked=booked).order_by(
        "-booked", "service__ordering", "service__title", "minutes"
    )


def search_clients(query: str, *, limit: int = 25) -> list[Client]:
    """Return clients matching every word of `query` in their name, email or phone.

    A query that is a phone number, however written ("404.555.0111", "+1 404 555 0111"),
    is matched as one number against the stored E.164 digits.
    """
    clients = Client.objects.alias(phone_digits=_Digits(F("phone")))
    if (digits := phones.search_digits(query)) is not None:
        clients = clients.filter(phone_digits__contains=digits)
        return list(clients.order_by("last_name", "first_name", "pk")[:limit])
    words = query.split()[:5]
    if not words:
        return []
    for word in words:
        match = (
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
        )
        if (digits := phones.search_digits(word)) is not None:
            match |= Q(phone_digits__contains=digits)
        clients = clients.filter(match)
    return list(clients.order_by("last_name", "first_name", "pk")[:limit])


@dataclass
class ClientVisit:
    """A client in the list before any search, with the visit that puts them there."""

    client: Client
    appointment: Appointment


def clients_around(*, now: datetime, days: int = 14, limit: int = 20) -> tuple[list, list]:
    """Return clients seen in the last `days` days (latest first) and booked in the next
    `days` (soonest first), each once with that visit (two queries)."""

    def first_per_client(rows) -> list[ClientVisit]:
        seen: dict[int, ClientVisit] = {}
        for appointment in rows:
            if appointment.client_id not in seen and len(seen) < limit:
                seen[appointment.client_id] = ClientVisit(appointment.client, appointment)
        return list(seen.values())

    window = timedelta(days=days)
    visits = Appointment.objects.with_details().filter(client__erased_at__isnull=True)
    recent = visits.filter(
        start__gte=now - window, start__lt=now, status__in=[Status.COMPLETED, Status.CHECKED_IN]
    ).order_by("-start")[: limit * 4]
    upcoming = visits.filter(start__gte=now, start__lt=now + window, status=Status.BOOKED).order_by(
        "start"
    )[: limit * 4]
    return first_per_client(recent), first_per_client(upcoming)


@dataclass
class ClientHistory:
    upcoming: list[Appointment]
    past: list[Appointment]
    no_shows: int
    late_cancellations: int
    cutoff_hours: int


def client_history(client: Client, *, now: datetime, limit: int = 100) -> ClientHistory:
    """Return a client's visits split at `now`, with their no-show and late-cancel counts.

    A late cancellation is one made inside the change cut-off (when clients may no longer
    cancel online), whoever recorded it.
    """
    policy = BookingPolicy.load()
    cutoff = timedelta(hours=policy.change_cutoff_hours)
    visits = list(
        Appointment.objects.filter(client=client).with_details().order_by("-start")[:limit]
    )
    counts = Appointment.objects.filter(client=client).aggregate(
        no_shows=Count("pk", filter=Q(status=Status.NO_SHOW), distinct=True),
        late=Count(
            "pk",
            filter=Q(
                status=Status.CANCELLED,
                changes__action=AppointmentChange.Action.CANCELLED,
                changes__at__gt=F("start") - Value(cutoff),
            ),
            distinct=True,
        ),
    )
    upcoming = [a for a in visits if a.end > now and a.status in (Status.BOOKED, Status.CHECKED_IN)]
    upcoming.reverse()
    past = [a for a in visits if a not in upcoming]
    return ClientHistory(
        upcoming, past, counts["no_shows"], counts["late"], policy.change_cutoff_hours
    )
