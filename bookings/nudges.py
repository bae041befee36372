"""Rebook nudges: one email some days after a completed visit in a training block, with
real free times for the next session, and a one-tap way to stop them.

Who gets one (``due_visits``): the clinic switched nudges on (admin, *Rebook nudges*); the
visit was *completed* (not a no-show, not cancelled), of a service the settings name (none
named: any), and ``days_after`` days ago, or up to ``GRACE_DAYS`` more if a daily run was
missed (older visits are left alone, so switching nudges on mails no one about last year);
the client has an email, was not erased and has not turned nudges off; no session of theirs
is booked, under way or completed after this visit (they came back or rebooked already);
and they are **in a training block**: their intake names a race after today, or they
completed another visit in the ``REGULAR_WITHIN`` before this one.

Once per visit: ``send_due`` inserts each nudge's ClientMessage under the partial unique
index ``clientmessage_one_nudge_per_visit`` (one savepoint per visit), so two runs at once,
or one run twice, write one row per visit; the row and its delivery task commit together.

Suggested times are worked out when the email is composed (``nudge_times.suggestions``), from the
availability engine as the booking pages offer them: the same length with the same
therapist first, then anyone, one per day, nearest the visit's time of day, within
``look_ahead_days`` and before the race day when a race is known. Each links into the normal
booking flow with only the length, therapist and start in its query string. The worker checks
again at send time (``nudge_times.stale_reason``), so a runner who unsubscribed after the nudge was
queued never gets it.
"""

from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from bookings import clock, outbox, tokens
from bookings.models import (
    ACTIVE_STATUSES,
    Appointment,
    Client,
    ClientChange,
    ClientMessage,
    NudgeSettings,
    RunnerIntake,
)

GRACE_DAYS = 3
REGULAR_WITHIN = timedelta(weeks=6)
Kind = ClientMessage.Kind


def due_visits(*, now: datetime, config: NudgeSettings | None = None) -> QuerySet[Appointment]:
    """Return the completed visits owed a nudge now (see the module docstring for who)."""
    config = config or NudgeSettings.load()
    if not config.enabled:  # the unsaved default is switched off
        return Appointment.objects.none()
    today = clock.local(now).date()
    last_day = today - timedelta(days=config.days_after)
    since, until = clock.day_bounds(last_day - timedelta(days=GRACE_DAYS), GRACE_DAYS + 1)
    client_visits = Appointment.objects.filter(client=OuterRef("client"))
    visits = Appointment.objects.filter(
        status=Appointment.Status.COMPLETED, start__gte=since, start__lt=until
    ).filter(
        ~Q(client__email=""),
        client__erased_at__isnull=True,
        client__nudges_off_at__isnull=True,
    )
    if service_ids := list(config.services.values_list("pk", flat=True)):
        visits = visits.filter(service_length__service_id__in=service_ids)
    later = client_visits.filter(status__in=ACTIVE_STATUSES, start__gt=OuterRef("start"))
    regular = client_visits.filter(
        status=Appointment.Status.COMPLETED,
        start__lt=OuterRef("start"),
        start__gte=OuterRef("start") - REGULAR_WITHIN,
    )
    racing = RunnerIntake.objects.filter(client=OuterRef("client"), next_race_date__gt=today)
    nudged = ClientMessage.objects.filter(appointment=OuterRef("pk"), kind=Kind.NUDGE)
    return (
        visits.filter(~Exists(later), ~Exists(nudged))
        .filter(Exists(racing) | Exists(regular))
        .order_by("start", "pk")
    )


def send_due(*, now: datetime) -> int:
    """Queue a nudge for every visit owed one; return how many this run queued.

    Safe to run twice or concurrently: the unique index lets one row per visit in, and a
    run that meets another's row (committed or in flight, which it waits for) skips it.
    """
    sent = 0
    for visit in due_visits(now=now).only("pk"):
        try:
            with transaction.atomic():
                outbox.queue(visit, Kind.NUDGE, due_at=now)
        except IntegrityError:
            continue  # another run nudged this visit first
        sent += 1
    return sent


class UnknownLink(Exception):
    """An unsubscribe link we never issued (malformed or tampered)."""


def client_for_link(token: str) -> Client:
    """Return the client an unsubscribe link stands for; raise UnknownLink if none."""
    client = tokens.client_for_nudge_token(token)
    if client is None:
        raise UnknownLink  # never with the token: it is a key, and stays out of tracebacks
    return client


def set_nudges(
    *, client: Client, wanted: bool, by: AbstractBaseUser | None, door: str, now: datetime
) -> bool:
    """Turn `client`'s rebook nudges on or off; return False if they already were.

    Turning them off also withdraws any nudge queued but not sent (the worker checks again
    at send time too). The change is a line of the client's record history.
    """
    with transaction.atomic():
        # Locked so that two clicks (or the desk and the runner at once) record one change.
        locked = Client.objects.select_for_update().get(pk=client.pk)
        if (locked.nudges_off_at is None) == wanted:
            return False
        locked.nudges_off_at = None if wanted else now
        locked.save(update_fields=["nudges_off_at"])
        if not wanted:
            ClientMessage.objects.pending().filter(
                appointment__client=locked, kind=Kind.NUDGE
            ).update(
                status=ClientMessage.Status.SKIPPED, reason="the client turned rebook emails off"
            )
        action = ClientChange.Action.NUDGES_ON if wanted else ClientChange.Action.NUDGES_OFF
        ClientChange.objects.create(client=locked, at=now, by=by, action=action, door=door)
    client.nudges_off_at = locked.nudges_off_at
    return True
