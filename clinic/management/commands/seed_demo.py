"""Load the demo clinic: profile, hours, services, therapists and demo accounts.

Idempotent: running it again updates the same rows and creates nothing twice.
Demo account passwords are set only when the account is first created.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from bookings.models import Therapist
from clinic import demo_content as demo
from clinic.models import ClinicProfile, OpeningHours
from services.models import Service, ServiceLength


class Command(BaseCommand):
    help = "Load the demo clinic (idempotent). For local use: it creates demo accounts."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        ClinicProfile.objects.update_or_create(pk=1, defaults=demo.PROFILE)

        OpeningHours.objects.exclude(weekday__in=[day for day, _, _ in demo.OPENING_HOURS]).delete()
        for day, opens, closes in demo.OPENING_HOURS:
            OpeningHours.objects.filter(weekday=day).exclude(opens=opens).delete()
            OpeningHours.objects.update_or_create(
                weekday=day, opens=opens, defaults={"closes": closes}
            )

        services = {}
        for data in demo.SERVICES:
            fields = {k: v for k, v in data.items() if k not in {"slug", "lengths"}}
            service, _ = Service.objects.update_or_create(
                slug=data["slug"], defaults={**fields, "published": True}
            )
            for minutes, amount in data["lengths"]:
                ServiceLength.objects.update_or_create(
                    service=service, minutes=minutes, defaults={"price": demo.price(amount)}
                )
            services[service.slug] = service

        for data in demo.THERAPISTS:
            fields = {k: v for k, v in data.items() if k not in {"slug", "services"}}
            therapist, _ = Therapist.objects.update_or_create(
                slug=data["slug"], defaults={**fields, "active": True}
            )
            therapist.services.set([services[slug] for slug in data["services"]])

        User = get_user_model()
        for username, password, first_name, staff, superuser in demo.ACCOUNTS:
            user, created = User.objects.update_or_create(
                username=username,
                defaults={"first_name": first_name, "is_staff": staff, "is_superuser": superuser},
            )
            if created:
                user.set_password(password)
                user.save(update_fields=["password"])

        self.stdout.write(
            self.style.SUCCESS(
                f"Demo clinic ready: {len(services)} services, {len(demo.THERAPISTS)} therapists, "
                f"accounts {', '.join(a[0] for a in demo.ACCOUNTS)}."
            )
        )
