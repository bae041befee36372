"""Print a staff member's current sign-in code: for trying the demo locally, debug only."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from clinic import totp
from clinic.models import StaffTwoFactor


class Command(BaseCommand):
    help = "Print the current TOTP code of a staff account (only with DJANGO_DEBUG=1)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("Only for local demos: run with DJANGO_DEBUG=1.")
        device = StaffTwoFactor.objects.filter(user__username=username).first()
        if device is None:
            raise CommandError(f"{username} has not started setting up sign-in codes yet.")
        self.stdout.write(totp.code_for_step(device.secret, totp.step_at(time.time())))
