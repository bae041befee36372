from django.core.management.base import BaseCommand
from django.utils import timezone

from bookings import nudges


class Command(BaseCommand):
    help = (
        "Queue the rebook nudges owed now (run daily, e.g. from cron). Safe to run twice or "
        "side by side: each visit is nudged once."
    )

    def handle(self, *args, **options) -> None:
        count = nudges.send_due(now=timezone.now())
        self.stdout.write(f"{count} rebook nudge(s) queued.")
