"""Training blocks: the same weekly time for N weeks, checked whole, booked all or nothing.

``plan_series`` checks every occurrence with the same engine and rules as a single booking
(``recheck.confirm_offer``) and, for each one that cannot be booked, lists the nearest free
times (``recheck.nearest_offers``) that do not fall on the day of another occurrence. It
writes nothing. ``book_series`` books the chosen starts in ONE transaction through
``booking.book_appointment`` (the same re-check, constraints, history, manage links and
reminders), then records one email listing every date: a refusal of any occurrence rolls
back every one before it. Changes to "this and the rest" (``cancel_rest``, ``move_rest``)
go through ``cancel_appointment`` and ``reschedule_appointment`` the same way, with one
email for the whole change, and, when the runner made it online, one staff notice to each
therapist and the desk instead of one per session.

Occurrences keep the clinic's wall-clock time: a block of Tuesdays at 10:00 stays at 10:00
across a DST change (``clock.instant_at``).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from bookings import booking, clock, outbox, race
from bookings.availability_cache import Versions
from bookings.errors import BookingError, Offer, SlotTaken
from bookings.models import Appointment, BookingPolicy, Client, Series, Therapist
from bookings.recheck import confirm_offer
from bookings.rules import check_policy
from services.models import ServiceLength

MIN_SESSIONS = 2
MAX_SESSIONS = 12
EVERY = (1, 2)  # weekly, or every two weeks
Kind = outbox.Kind
Status = Appointment.Status


class SeriesRefused(BookingError):
    """The series cannot be planned or booked as asked; nothing was written."""


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One week of a planned series: its time, whether it is free, and what else is."""

    number: int  # 1 for the first session
    start: datetime
    free: bool
    reason: str = ""  # why it cannot be booked, if not free
    alternatives: tuple[Offer, ...] = ()


@dataclass(frozen=True, slots=True)
class SeriesBooked:
    """A booked series, its appointments in order, and their manage tokens (runner only)."""

    series: Series
    appointments: list[Appointment]
    tokens: dict[int, str]  # appointment id -> raw manage token, for the booking browser
    created: bool


def _every(every_weeks: int) -> str:
    return "every week" if every_weeks == 1 else "every two weeks"


def occurrence_starts(start: datetime, *, every_weeks: int, count: int) -> list[datetime]:
    """Return `count` starts `every_weeks` apart at `start`'s clinic wall time.

    A wall time the clocks skip that night (only possible for a 2:00-3:00 AM start, which
    the clinic's hours never hold) keeps the first occurrence's instant plus whole weeks.
    """
    wall = clock.local(start).replace(tzinfo=None)
    starts = []
    for n in range(count):
        moved = wall + timedelta(weeks=n * every_weeks)
        starts.append(clock.instant_at(moved) or start + timedelta(weeks=n * every_weeks))
    return starts


def check_shape(
    start: datetime, *, every_weeks: int, count: int, now: datetime, policy: BookingPolicy
) -> None:
    """Raise SeriesRefused unless the cadence, the number of sessions and the last date fit."""
    if every_weeks not in EVERY:
        raise SeriesRefused("Choose weekly or every two weeks.")
    if not MIN_SESSIONS <= count <= MAX_SESSIONS:
        raise SeriesRefused(
            f"A training block is {MIN_SESSIONS} to {MAX_SESSIONS} sessions. "
            "Please choose how many."
        )
    last = occurrence_starts(start, every_weeks=every_weeks, count=count)[-1]
    horizon = now + timedelta(days=policy.horizon_days)
    if last > horizon:
        fits = 1 + (horizon - start).days // (7 * every_weeks)
        more = (
            f"Choose {fits} sessions or fewer, or book the rest later."
            if fits >= MIN_SESSIONS
            else "Book this one on its own, and the rest later."
        )
        raise SeriesRefused(
            f"The last session would be on {clock.day(last, year=True)}, but we take bookings "
            f"only {policy.horizon_days} days ahead. {more}"
        )


def plan_series(
    *,
    service_length: ServiceLength,
    start: datetime,
    therapist: Therapist | None,
    every_weeks: int,
    count: int,
    now: datetime,
    policy: BookingPolicy,
) -> list[Occurrence]:
    """Return every occurrence of the series, checked; write nothing."""
    check_shape(start, every_weeks=every_weeks, count=count, now=now, policy=policy)
    starts = occurrence_starts(start, every_weeks=every_weeks, count=count)
    days = {clock.local(moment).date() for moment in starts}
    # Every week's versions in one read: weeks this process keeps need no query of their own.
    versions = Versions(min(days), max(days) + timedelta(days=1))
    plan = []
    for number, moment in enumerate(starts, start=1):
        try:
            check_policy(moment, now=now, policy=policy)
            confirm_offer(
                service_length=service_length,
                start=moment,
                therapist=therapist,
                now=now,
                policy=policy,
                versions=versions,
            )
        except SlotTaken as refused:
            own_day = clock.local(moment).date()
            # An alternative on another week's day could meet that week's session.
            offers = tuple(
                offer
                for offer in refused.alternatives
                if clock.local(offer.start).date() == own_day
                or clock.local(offer.start).date() not in days
            )
            plan.append(Occurrence(number, moment, False, _why(refused), offers))
        else:
            plan.append(Occurrence(number, moment, True))
    return plan


def _why(refused: SlotTaken) -> str:
    """Return a refusal's reason as the review page words it for one week."""
    if refused.message.startswith("Sorry, that time was"):
        return "That time is already taken."
    return refused.message


def offered(occurrence: Occurrence, start: datetime) -> bool:
    """Return whether `start` may be booked for `occurrence`: its own time if free, or one
    of the alternatives listed for it."""
    if occurrence.free and start == occurrence.start:
        return True
    return any(offer.start == start for offer in occurrence.alternatives)


def book_series(
    *,
    client: Client | booking.ClientDetails,
    service_length: ServiceLength,
    therapist: Therapist | None,
    every_weeks: int,
    starts: list[datetime],
    now: datetime,
    key: UUID,
    policy: BookingPolicy | None = None,
    by: AbstractBaseUser | None = None,
    source: str = Appointment.Source.ONLINE,
    terms: str | None = None,
    notify: bool = True,
    race_date: date | None = None,
    go_ahead: race.GoAhead | None = None,
) -> SeriesBooked:
    """Book every start in `starts` in one transaction, or none; a repeated `key` returns the
    series booked first, unchanged.

    Each session passes the same re-check and constraints as a single booking; a refusal of
    any (a racing booking took it, a block, a full day) raises SeriesRefused naming it, with
    its nearest free times, and rolls back every session before it. The client is emailed
    once for the block unless not `notify`; the client's `race_date` brings the timing
    advice to every session (``race.TimingAdvice`` unless `go_ahead`).
    """
    policy = policy or BookingPolicy.load()
    if every_weeks not in EVERY:
        raise SeriesRefused("Choose weekly or every two weeks.")
    if not 1 <= len(starts) <= MAX_SESSIONS:
        raise SeriesRefused(f"A training block is up to {MAX_SESSIONS} sessions.")
    if len({clock.local(moment).date() for moment in starts}) != len(starts):
        raise SeriesRefused("Two of the sessions fall on the same day. Please choose again.")
    if (earlier := series_with(key)) is not None:
        return earlier
    starts = sorted(starts)
    try:
        with transaction.atomic():
            # A double click waits here on the key's unique index for its twin to commit.
            series = Series.objects.create(
                key=key,
                client=booking._client_for(client),
                service_length=service_length,
                therapist=therapist,
                every_weeks=every_weeks,
                created_by=by,
            )
            appointments, tokens = [], {}
            for moment in starts:
                try:
                    booked = booking.book_appointment(
                        client=series.client,
                        service_length=service_length,
                        start=moment,
                        now=now,
                        therapist=therapist,
                        by=by,
                        notify=False,  # one email for the whole block, below
                        tell_staff=False,  # and one notice
                        policy=policy,
                        race_date=race_date,
                        go_ahead=go_ahead,
                        source=source,
                        terms=terms,
                        series=series,
                    )
                except SlotTaken as refused:
                    raise SeriesRefused(
                        f"Sorry, the session on {clock.day(moment)} at "
                        f"{clock.time_of_day(moment)} can no longer be booked "
                        f"({refused.message.removeprefix('Sorry, ')}). Nothing was booked.",
                        alternatives=refused.alternatives,
                    ) from None
                appointments.append(booked.appointment)
                if booked.token:
                    tokens[booked.appointment.pk] = booked.token
            if notify:
                outbox.queue(appointments[0], Kind.SERIES_BOOKED)
            if by is None:
                outbox.notify_staff_of_block(appointments, Kind.NOTICE_SERIES_BOOKED, policy=policy)
    except IntegrityError:
        if (earlier := series_with(key)) is not None:
            return earlier
        raise
    return SeriesBooked(series, appointments, tokens, created=True)


def series_with(key: UUID) -> SeriesBooked | None:
    """Return the series booked with `key` by an earlier submission, if any."""
    series = Series.objects.filter(key=key).first()
    if series is None:
        return None
    return SeriesBooked(series, sessions(series), {}, created=False)


def sessions(series: Series) -> list[Appointment]:
    """Return the series' appointments in order, with what pages and emails show."""
    return list(series.appointments.with_details().order_by("start"))


def the_rest(appointment: Appointment) -> list[Appointment]:
    """Return `appointment` and the later sessions of its series still booked, in order."""
    if appointment.series_id is None:
        return [appointment]
    return list(
        Appointment.objects.with_details()
        .filter(series_id=appointment.series_id, start__gte=appointment.start)
        .filter(status=Status.BOOKED)
        .order_by("start")
    )


def later_count(appointment: Appointment) -> int:
    """Return how many sessions of `appointment`'s block after it are still booked."""
    if appointment.series_id is None:
        return 0
    return (
        Appointment.objects.filter(series_id=appointment.series_id, start__gt=appointment.start)
        .filter(status=Status.BOOKED)
        .count()
    )


def cancel_rest(
    *,
    appointment: Appointment,
    now: datetime,
    reason: str = "",
    by: AbstractBaseUser | None = None,
    policy: BookingPolicy | None = None,
    notify: bool = True,
) -> list[Appointment]:
    """Cancel `appointment` and every later session of its series, all or none; one email
    (unless not `notify`). Earlier sessions stay as they are.
    """
    policy = policy or BookingPolicy.load()
    if appointment.series_id is None:
        raise SeriesRefused("This session is not part of a training block.")
    with transaction.atomic():
        cancelled = [
            booking.cancel_appointment(
                appointment=each,
                now=now,
                reason=reason,
                by=by,
                notify=False,
                policy=policy,
                tell_staff=False,
            )
            for each in the_rest(appointment)
        ]
        if not cancelled:
            raise SeriesRefused("This session can no longer be changed.")
        if notify:
            outbox.queue(cancelled[0], Kind.SERIES_CANCELLED)
        if by is None:
            outbox.notify_staff_of_block(cancelled, Kind.NOTICE_SERIES_CANCELLED, policy=policy)
    return cancelled


def shifted(moment: datetime, *, days: int, to: datetime) -> datetime:
    """Return `moment` moved by `days` days to `to`'s clinic wall time of day."""
    wall = clock.local(to).time()
    new_day: date = clock.local(moment).date() + timedelta(days=days)
    return clock.instant_at(datetime.combine(new_day, wall)) or moment + timedelta(days=days)


def move_rest(
    *,
    appointment: Appointment,
    start: datetime,
    now: datetime,
    by: AbstractBaseUser | None = None,
    reason: str = "",
    policy: BookingPolicy | None = None,
    notify: bool = True,
    race_date: date | None = None,
    go_ahead: race.GoAhead | None = None,
) -> list[Appointment]:
    """Move `appointment` to `start` and every later session of its series the same way
    (same number of days, same new time of day), all or none; one email (unless not
    `notify`). Each session meets the race timing advice as a single move does."""
    policy = policy or BookingPolicy.load()
    if appointment.series_id is None:
        raise SeriesRefused("This session is not part of a training block.")
    days = (clock.local(start).date() - clock.local(appointment.start).date()).days
    with transaction.atomic():
        moved = []
        for each in the_rest(appointment):
            target = shifted(each.start, days=days, to=start)
            try:
                moved.append(
                    booking.reschedule_appointment(
                        appointment=each,
                        start=target,
                        now=now,
                        by=by,
                        reason=reason,
                        notify=False,
                        policy=policy,
                        tell_staff=False,
                        race_date=race_date,
                        go_ahead=go_ahead,
                    )
                )
            except SlotTaken as refused:
                raise SeriesRefused(
                    f"The session on {clock.day(each.start)} can't move to "
                    f"{clock.day(target)} at {clock.time_of_day(target)} "
                    f"({refused.message.removeprefix('Sorry, ').rstrip('.')}). Nothing was moved.",
                    alternatives=refused.alternatives,
                ) from None
        if not moved:
            raise SeriesRefused("This session can no longer be changed.")
        if notify:
            outbox.queue(moved[0], Kind.SERIES_MOVED)
        if by is None:
            outbox.notify_staff_of_block(moved, Kind.NOTICE_SERIES_MOVED, policy=policy)
    return moved


def emailed_sessions(anchor: Appointment, kind: str) -> list[Appointment]:
    """Return the sessions a series email lists: every booked one for a new block, the
    cancelled ones from `anchor` on for a cancellation, the booked ones from it for a move."""
    found = Appointment.objects.with_details().filter(series_id=anchor.series_id)
    if kind == Kind.SERIES_CANCELLED:
        found = found.filter(start__gte=anchor.start, status=Status.CANCELLED)
    elif kind == Kind.SERIES_MOVED:
        found = found.filter(start__gte=anchor.start, status=Status.BOOKED)
    else:
        found = found.filter(status=Status.BOOKED)
    return list(found.order_by("start"))


def describe(series: Series) -> str:
    """Return how the series repeats, e.g. "every two weeks"."""
    return _every(series.every_weeks)
