from django.core.management.base import BaseCommand
from django.utils import timezone

from bookings import outbox


class Command(BaseCommand):
    help = "Queue delivery again for client emails still pending (run before starting workers)."

    def handle(self, *args, **options) -> None:
        count = outbox.requeue_pending(now=timezone.now())
        self.stdout.write(f"{count} pending message(s) queued for delivery.")
