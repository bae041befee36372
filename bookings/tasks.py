"""Django Tasks run by `manage.py db_worker` (django-tasks-db, the same PostgreSQL)."""

import time

from django.db import InterfaceError, OperationalError, connection
from django.tasks import task

from bookings import outbox

DATABASE_TRIES = 3


@task()
def deliver_message(message_id: int) -> str:
    """Send one client email (a no-op if it was already sent or withdrawn).

    A database restart mid-delivery would otherwise fail the task for good and leave the
    message waiting for the next worker start, so a lost connection is retried briefly.
    """
    for attempt in range(DATABASE_TRIES - 1):
        try:
            return outbox.deliver(message_id)
        except (OperationalError, InterfaceError):
            connection.close()
            time.sleep(2**attempt)
    return outbox.deliver(message_id)


@task()
def offer_freed_time(therapist_id: int, start: str) -> str:
    """Offer a session start that a cancellation, a move or a lapsed hold just freed to the
    runners waiting."""
    from django.utils import timezone
    from django.utils.dateparse import parse_datetime

    from bookings import waitlist  # it imports the booking writes, which queue this task

    hold = waitlist.offer_freed_time(
        therapist_id=therapist_id, start=parse_datetime(start), now=timezone.now()
    )
    return f"held {hold.pk}" if hold else "nobody waiting"


@task()
def offer_freed_span(therapist_id: int, start: str, end: str) -> str:
    """Offer the session starts that removed time off just freed to the runners waiting."""
    from django.utils import timezone
    from django.utils.dateparse import parse_datetime

    from bookings import waitlist

    holds = waitlist.offer_freed_span(
        therapist_id=therapist_id,
        start=parse_datetime(start),
        end=parse_datetime(end),
        now=timezone.now(),
    )
    return f"held {', '.join(str(hold.pk) for hold in holds)}" if holds else "nobody waiting"


@task()
def expire_waitlist_hold(hold_id: int) -> str:
    """Return a waitlist hold's time to the picker once its time is up, if still unclaimed."""
    from django.utils import timezone

    from bookings import waitlist

    return "released" if waitlist.expire_hold(hold_id=hold_id, now=timezone.now()) else "kept"
