"""The public booking write: a runner's client record, appointment and intake, all or nothing.

Returning runners are recognised by email alone (no password), so whoever types an email
must learn nothing about the person it belongs to and must not be able to quietly rewrite
their record:

* The public form is the same for everyone: the intake is always offered and never prefilled,
  and no page says whether the email was known or whether an intake is on file.
* The client's stored name, email and phone are never changed from the public form
  (``booking.find_or_create_client`` keeps them); the pages after booking show the booking,
  never the stored client.
* The intake is written only when the booking is made (not on a repeated submission). A first
  booking creates it. For a returning client the answers given are merged in: a filled-in
  answer replaces the stored one, a blank one keeps it, so a returning runner may leave the
  questions blank when nothing has changed. Consent is given afresh with every booking, so
  its time and text version are always updated; the under-18 answer and guardian's name are
  always taken from this booking.
"""

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from django.db import IntegrityError, transaction

from bookings import booking, consent
from bookings.models import BookingPolicy, Client, RunnerIntake, Therapist
from services.models import ServiceLength


@dataclass(frozen=True, slots=True)
class ClientDetails:
    """Who is booking, as typed into the form."""

    first_name: str
    last_name: str
    email: str
    phone: str


@dataclass(frozen=True, slots=True)
class IntakeAnswers:
    """The runner intake as answered on the form (consent is implied: the form requires it)."""

    weekly_mileage: int | None = None
    next_race_date: date | None = None
    next_race_distance: str = ""
    tight_areas: tuple[str, ...] = ()
    other_area: str = ""
    health_conditions: str = ""
    medications: str = ""
    is_minor: bool = False
    guardian_name: str = ""


def book_online(
    *,
    details: ClientDetails,
    intake: IntakeAnswers,
    service_length: ServiceLength,
    start: datetime,
    now: datetime,
    therapist: Therapist | None,
    key: UUID,
    policy: BookingPolicy | None = None,
) -> booking.Booked:
    """Book a runner in from the public form; a lost race raises SlotTaken, writing nothing."""
    with transaction.atomic():
        client = booking.find_or_create_client(
            first_name=details.first_name,
            last_name=details.last_name,
            email=details.email,
            phone=details.phone,
        )
        booked = booking.book_appointment(
            client=client,
            service_length=service_length,
            start=start,
            now=now,
            therapist=therapist,
            key=key,
            policy=policy,
        )
        if booked.created:
            record_intake(client=client, answers=intake, now=now)
    return booked


def record_intake(*, client: Client, answers: IntakeAnswers, now: datetime) -> RunnerIntake:
    """Return the client's intake after creating it or merging `answers` into it."""
    intake = RunnerIntake.objects.select_for_update().filter(client=client).first()
    if intake is None:
        intake = RunnerIntake(client=client)
        _merge(intake, answers, now)
        try:
            with transaction.atomic():
                intake.save()
                return intake
        except IntegrityError:
            # The same new client's other first booking saved an intake a moment ago.
            intake = RunnerIntake.objects.select_for_update().get(client=client)
    _merge(intake, answers, now)
    intake.save()
    return intake


def _merge(intake: RunnerIntake, answers: IntakeAnswers, now: datetime) -> None:
    if answers.weekly_mileage is not None:
        intake.weekly_mileage = answers.weekly_mileage
    if answers.next_race_date is not None:
        intake.next_race_date = answers.next_race_date
        intake.next_race_distance = answers.next_race_distance
    if answers.tight_areas:
        intake.tight_areas = list(answers.tight_areas)
        intake.other_area = answers.other_area
    if answers.health_conditions:
        intake.health_conditions = answers.health_conditions
    if answers.medications:
        intake.medications = answers.medications
    intake.is_minor = answers.is_minor
    intake.guardian_name = answers.guardian_name if answers.is_minor else ""
    intake.policy_consent_at = intake.treatment_consent_at = now
    intake.policy_version = consent.POLICY_VERSION
    intake.treatment_version = consent.TREATMENT_VERSION
