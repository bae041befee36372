"""Load the demo clinic: profile, hours, services, therapists, rooms, policy and demo accounts.

Idempotent: running it again updates the same rows and creates nothing twice.
Demo account passwords are set only when the account is first created.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from bookings.models import BookingPolicy, ClinicClosure, Room, Therapist, WeeklyHours
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

        therapists = {}
        for data in demo.THERAPISTS:
            fields = {k: v for k, v in data.items() if k not in {"slug", "services"}}
            therapist, _ = Therapist.objects.update_or_create(
                slug=data["slug"], defaults={**fields, "active": True}
            )
            therapist.services.set([services[slug] for slug in data["services"]])
            self.set_weekly_hours(therapist, demo.WEEKLY_HOURS[therapist.slug])
            therapists[therapist.slug] = therapist

        for name, slugs in demo.ROOMS:
            room, _ = Room.objects.update_or_create(name=name, defaults={"active": True})
            room.services.set([services[slug] for slug in slugs])

        BookingPolicy.objects.update_or_create(pk=1, defaults=demo.BOOKING_POLICY)
        for day, name in demo.CLOSURES:
            ClinicClosure.objects.update_or_create(date=day, defaults={"name": name})

        User = get_user_model()
        for username, password, first_name, staff, superuser in demo.ACCOUNTS:
            user, created = User.objects.update_or_create(
                username=username,
                defaults={"first_name": first_name, "is_staff": staff, "is_superuser": superuser},
            )
            if created:
                user.set_password(password)
                user.save(update_fields=["password"])
        for slug, username in demo.THERAPIST_ACCOUNTS.items():
            Therapist.objects.filter(slug=slug).update(user=User.objects.get(username=username))

        self.stdout.write(
            self.style.SUCCESS(
                f"Demo clinic ready: {len(services)} services, {len(therapists)} therapists, "
                f"{len(demo.ROOMS)} rooms, "
                f"accounts {', '.join(a[0] for a in demo.ACCOUNTS)}."
            )
        )

    @staticmethod
    def set_weekly_hours(therapist: Therapist, shifts: list[tuple]) -> None:
        """Make the therapist's weekly hours exactly `shifts`, keeping rows that already match."""
        existing = {(w.weekday, w.start, w.end): w.pk for w in therapist.weekly_hours.all()}
        stale = [pk for shift, pk in existing.items() if shift not in shifts]
        WeeklyHours.objects.filter(pk__in=stale).delete()
        WeeklyHours.objects.bulk_create(
            WeeklyHours(therapist=therapist, weekday=day, start=start, end=end)
            for day, start, end in shifts
            if (day, start, end) not in existing
        )
