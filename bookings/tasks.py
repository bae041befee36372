"""Django Tasks run by `manage.py db_worker` (django-tasks-db, the same PostgreSQL)."""

from django.tasks import task

from bookings import messages


@task()
def deliver_message(message_id: int) -> str:
    """Send one client email (a no-op if it was already sent or withdrawn)."""
    return messages.deliver(message_id)
