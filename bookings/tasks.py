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
