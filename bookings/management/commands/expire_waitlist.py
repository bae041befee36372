from django.core.management.base import BaseCommand
from django.utils import timezone

from bookings import waitlist


class Command(BaseCommand):
    help = (
        "Return waitlist holds past their time to the picker and delete entries past their "
        "last day (run every few minutes, e.g. from cron; the worker also expires each hold)."
    )

    def handle(self, *args, **options) -> None:
        released, removed = waitlist.release_expired(now=timezone.now())
        self.stdout.write(f"{released} hold(s) released, {removed} expired entry(ies) removed.")
