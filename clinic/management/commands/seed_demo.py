"""Load the demo clinic: profile, hours, services, therapists, rooms, policy and demo accounts.

Idempotent: running it again updates the same rows and creates nothing twice.
Demo account passwords are set only when the account is first created.
With --appointments it also books a few demo clients over the next two clinic days
(through booking.py, as the front desk would, without emailing them).
"""

import uuid
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape

from bookings import booking, roles
from bookings.clock import clinic_tz
from bookings.models import (
    BookingPolicy,
    ClinicClosure,
    Room,
    RunnerIntake,
    SuggestionRule,
    Therapist,
    TimingRule,
    WeeklyHours,
)
from clinic import demo_content as demo
from clinic import demo_pages
from clinic.markdown import render_markdown
from clinic.models import ClinicProfile, OpeningHours, PageSection, Review, TherapistProfile
from services.models import Question, Service, ServiceLength


class Command(BaseCommand):
    help = "Load the demo clinic (idempotent). For local use: it creates demo accounts."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--appointments",
            action="store_true",
            help="Also book a few demo clients over the next two clinic days.",
        )

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
            # The demo copy is Markdown; pages store the editor's HTML, published as drafted.
            fields["body"] = fields["draft_body"] = render_markdown(fields["body"])
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
        self.load_pages(services, therapists)

        for name, slugs in demo.ROOMS:
            room, _ = Room.objects.update_or_create(name=name, defaults={"active": True})
            room.services.set([services[slug] for slug in slugs])

        BookingPolicy.objects.update_or_create(pk=1, defaults=demo.BOOKING_POLICY)
        self.load_race_rules(services)
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
        roles.sync_roles()
        for username, role in demo.ACCOUNT_ROLES.items():
            roles.assign_role(User.objects.get(username=username), role)
        booked = self.book_demo_clients(services) if options["appointments"] else 0

        self.stdout.write(
            self.style.SUCCESS(
                f"Demo clinic ready: {len(services)} services, {len(therapists)} therapists, "
                f"{len(demo.ROOMS)} rooms, "
                f"accounts {', '.join(a[0] for a in demo.ACCOUNTS)}"
                + (f", {booked} demo appointments." if options["appointments"] else ".")
            )
        )

    @staticmethod
    def load_race_rules(services: dict) -> None:
        """Suggest a pre-race and a recovery session, and keep deep tissue from race week."""
        for kind, slug, minutes, since, until in demo.RACE_SUGGESTIONS:
            SuggestionRule.objects.update_or_create(
                kind=kind,
                service_length=services[slug].lengths.get(minutes=minutes),
                defaults={"min_hours": since, "max_hours": until, "active": True},
            )
        for slug, hours, explanation, (other, minutes) in demo.TIMING_RULES:
            TimingRule.objects.update_or_create(
                service=services[slug],
                hours_before_race=hours,
                defaults={
                    "explanation": explanation,
                    "alternative": services[other].lengths.get(minutes=minutes),
                    "active": True,
                },
            )

    @staticmethod
    def load_pages(services: dict, therapists: dict) -> None:
        """Load the page sections, reviews, FAQs and therapist profiles, keyed so reruns update."""
        pages = [
            (PageSection.Page.HOME, demo_pages.HOME_SECTIONS),
            (PageSection.Page.VISIT, demo_pages.VISIT_SECTIONS),
        ]
        for page, sections in pages:
            for data in sections:
                html = render_markdown(data["body"])  # published as drafted
                PageSection.objects.update_or_create(
                    page=page,
                    heading=data["heading"],
                    defaults=data | {"body": html, "draft_body": html},
                )
        for data in demo_pages.REVIEWS:
            Review.objects.update_or_create(
                first_name=data["first_name"],
                race=data["race"],
                defaults={**data, "service": services[data["service"]]},
            )
        for slug, questions in demo_pages.QUESTIONS.items():
            for ordering, (question, answer) in enumerate(questions, start=1):
                Question.objects.update_or_create(
                    service=services[slug],
                    question=question,
                    defaults={
                        "answer": f"<p>{escape(answer)}</p>",
                        "draft_answer": f"<p>{escape(answer)}</p>",
                        "ordering": ordering,
                    },
                )
        for slug, data in demo_pages.THERAPIST_PROFILES.items():
            name = therapists[slug].name
            bio = render_markdown(data["bio"])
            TherapistProfile.objects.update_or_create(
                therapist=therapists[slug],
                defaults={
                    **data,
                    "bio": bio,
                    "draft_bio": bio,
                    "portrait": f"img/therapists/{slug}.svg",
                    "portrait_alt": f"Illustrated portrait of {name}",
                },
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

    @staticmethod
    def book_demo_clients(services: dict) -> int:
        """Book the demo appointments not booked yet; return how many exist now."""
        clients = [
            booking.find_or_create_client(
                first_name=first, last_name=last, email=email, phone=phone
            )
            for first, last, email, phone in demo.DEMO_CLIENTS
        ]
        intake = dict(demo.DEMO_INTAKE)
        consent = datetime(2026, 1, 5, 9, tzinfo=clinic_tz())
        RunnerIntake.objects.update_or_create(
            client=clients[intake.pop("client")],
            defaults={
                **intake,
                "policy_consent_at": consent,
                "policy_version": "demo",
                "treatment_consent_at": consent,
                "treatment_version": "demo",
            },
        )
        now = timezone.now()
        closed = set(ClinicClosure.objects.values_list("date", flat=True))
        days, day = [], timezone.localdate(now)
        while len(days) < 2:
            day += timedelta(days=1)
            if day.weekday() < 5 and day not in closed:
                days.append(day)
        admin = get_user_model().objects.get(username="admin")
        count = 0
        for nth, hhmm, slug, service, minutes, client in demo.DEMO_APPOINTMENTS:
            start = datetime.combine(days[nth], time.fromisoformat(hhmm), tzinfo=clinic_tz())
            # The same key for the same demo session, so a second run books nothing new.
            key = uuid.uuid5(uuid.NAMESPACE_URL, f"seed-demo:{start.isoformat()}:{slug}")
            try:
                booking.book_appointment(
                    client=clients[client],
                    service_length=services[service].lengths.get(minutes=minutes),
                    start=start,
                    now=now,
                    therapist=Therapist.objects.get(slug=slug),
                    key=key,
                    by=admin,
                    notify=False,
                    source=booking.Source.DESK,
                )
            except booking.BookingError:
                continue  # someone booked that time already: leave theirs be
            count += 1
        return count
