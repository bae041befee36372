"""Print a staff member's current sign-in code: for trying the demo locally, debug only."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Print the current TOTP code of a staff account (only with DJANGO_DEBUG=1)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("Only for local demos: run with DJANGO_DEBUG=1.")
        # The confirmed authenticator, or the one being set up right now.
        device = (
            TOTPDevice.objects.filter(user__username=username).order_by("-confirmed", "-pk").first()
        )
        if device is None:
            raise CommandError(f"{username} has not started setting up sign-in codes yet.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
