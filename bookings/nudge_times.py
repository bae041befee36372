"""What a rebook nudge offers and whether it should still go: read when the email is
composed and sent (bookings/nudges.py says who gets one and writes them).

Kept apart from nudges.py so that the outbox and the emails, which nudges.py queues
through, can read these without an import cycle.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from bookings import availability_cache, clock
from bookings.models import (
    ACTIVE_STATUSES,
    Appointment,
    BookingPolicy,
    Client,
    ClientMessage,
    NudgeSettings,
    RunnerIntake,
    Therapist,
)


def race_date(client: Client) -> date | None:
    """Return the runner's next race date from their intake, if they gave one."""
    return (
        RunnerIntake.objects.filter(client=client).values_list("next_race_date", flat=True).first()
    )


def stale_reason(message: ClientMessage, *, now: datetime) -> str:
    """Return why a queued nudge should no longer go out, or "" if it should."""
    # Read in the delivery's own transaction, so a turn-off committed before it is honoured.
    client = message.appointment.client
    if client.nudges_off_at is not None:
        return "the client turned rebook emails off"
    if client.erased_at is not None:
        return "the client was erased"
    if not NudgeSettings.load().enabled:
        return "rebook nudges were switched off"
    later = Appointment.objects.filter(
        client=client, status__in=ACTIVE_STATUSES, start__gt=message.appointment.start
    )
    if later.exists():
        return "the client has booked again"
    return ""


@dataclass(frozen=True, slots=True)
class Suggestion:
    start: datetime  # aware, UTC
    therapist: Therapist
    url: str  # the booking flow's details step for this length, therapist and start


def _booking_url(visit: Appointment, therapist: Therapist, start: datetime) -> str:
    query = urlencode(
        {
            "length": visit.service_length_id,
            "therapist": therapist.slug,
            "start": clock.start_param(start),
        }
    )
    return f"{settings.SITE_URL}{reverse('bookings:details')}?{query}"


def _minute_of_day(moment: datetime) -> int:
    local = clock.local(moment)
    return local.hour * 60 + local.minute


def _one_per_day(starts: list[tuple[datetime, int]], aim: int) -> dict[date, tuple[datetime, int]]:
    """Return, per local day, the start nearest `aim` (minutes after midnight)."""
    best: dict[date, tuple[datetime, int]] = {}
    for start, therapist_id in starts:
        day = clock.local(start).date()
        known = best.get(day)
        if known is None or abs(_minute_of_day(start) - aim) < abs(_minute_of_day(known[0]) - aim):
            best[day] = (start, therapist_id)
    return best


def suggestions(
    visit: Appointment, *, now: datetime, config: NudgeSettings | None = None
) -> list[Suggestion]:
    """Return the free times a nudge after `visit` suggests, earliest first.

    The same length with the same therapist first, then anyone, one time per day nearest
    the visit's time of day; within the look-ahead and before the race day when known.
    """
    config = config or NudgeSettings.load()
    policy = BookingPolicy.load()
    today = clock.local(now).date()
    end = today + timedelta(days=config.look_ahead_days + 1)
    if (race := race_date(visit.client)) is not None and race > today:
        end = min(end, race)  # before the race, not on its day
    window = {
        "service_length": visit.service_length,
        "policy": policy,
        "now": now,
        "start_date": today,
        "end_date": end,
    }
    aim = _minute_of_day(visit.start)
    own = availability_cache.offered(**window, therapist=visit.therapist)
    chosen = _one_per_day([(slot.start, visit.therapist_id) for slot in own], aim)
    if len(chosen) < config.suggestions:
        anyone = availability_cache.offered(**window)
        for day, pick in _one_per_day([(s.start, s.therapist_id) for s in anyone], aim).items():
            chosen.setdefault(day, pick)
    picks = [chosen[day] for day in sorted(chosen)[: config.suggestions]]
    therapists = Therapist.objects.in_bulk({therapist_id for _start, therapist_id in picks})
    return [
        Suggestion(start, therapists[tid], _booking_url(visit, therapists[tid], start))
        for start, tid in picks
    ]
