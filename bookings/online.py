"""The public booking write, and the runner intake given after it.

Returning runners are recognised by email alone (no password), so whoever types an email
must learn nothing about the person it belongs to and must not be able to quietly rewrite
their record:

* The booking form asks only for name, email, phone and one consent; no page says whether
  the email was known. The consent is recorded per booking with its text version.
* The client's stored name, email and phone are never changed from the public form
  (``booking.find_or_create_client`` keeps them).
* The intake is its own step after the time is secured. Reached from the confirmation page
  (whoever booked, perhaps with someone else's email), it is blank and merges: a filled-in
  answer replaces the stored one, a blank keeps it. Reached from the link in the email
  (``replace=True``), it is prefilled and saved as given, so a runner can clear an answer.
  Every save that changes an answer records what changed and when (``IntakeChange``).
* A date of birth under 18 on the day of the session makes the booking a minor's: it records
  the guardian's name, phone, relationship and consent for that booking.
"""

from dataclasses import dataclass, fields
from datetime import date, datetime
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings import booking, consent, race
from bookings.availability_cache import Versions
from bookings.booking import ClientDetails
from bookings.models import (
    Appointment,
    BookingConsent,
    BookingPolicy,
    Client,
    Guardian,
    IntakeChange,
    RunnerIntake,
    Therapist,
)
from services.models import ServiceLength


@dataclass(frozen=True, slots=True)
class IntakeAnswers:
    """The runner intake as answered on its form."""

    weekly_mileage: int | None = None
    next_race_date: date | None = None
    next_race_distance: str = ""
    tight_areas: tuple[str, ...] = ()
    other_area: str = ""
    health_conditions: str = ""
    medications: str = ""
    date_of_birth: date | None = None


@dataclass(frozen=True, slots=True)
class GuardianAnswers:
    """A minor's parent or guardian, who consents by ticking the guardian line."""

    name: str
    phone: str
    relationship: str


def book_online(
    *,
    details: ClientDetails,
    service_length: ServiceLength,
    start: datetime,
    now: datetime,
    therapist: Therapist | None,
    key: UUID,
    policy: BookingPolicy | None = None,
    race_date: date | None = None,
    go_ahead: race.GoAhead | None = None,
    versions: Versions | None = None,
) -> booking.Booked:
    """Book a runner in from the public form; a lost race raises SlotTaken, writing nothing.

    The client (found or new) and the consent to the terms are written in the booking's
    own transaction. `versions`: the availability versions the request read.
    """
    return booking.book_appointment(
        client=details,
        service_length=service_length,
        start=start,
        now=now,
        therapist=therapist,
        key=key,
        policy=policy,
        terms=consent.TERMS_VERSION,
        race_date=race_date,
        go_ahead=go_ahead,
        versions=versions,
    )


def is_minor(date_of_birth: date | None, *, on: date) -> bool:
    """Return whether someone born on `date_of_birth` is under 18 on day `on`."""
    if date_of_birth is None:
        return False
    years = (
        on.year
        - date_of_birth.year
        - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))
    )
    return years < 18


def record_intake(
    *,
    appointment: Appointment,
    answers: IntakeAnswers,
    now: datetime,
    replace: bool = False,
    guardian: GuardianAnswers | None = None,
) -> RunnerIntake:
    """Return the client's intake after saving `answers` (merged, or as given if `replace`)."""
    with transaction.atomic():
        intake = _locked_intake(appointment.client, now)
        before = _values(intake)
        _apply(intake, answers, replace=replace)
        minor = is_minor(intake.date_of_birth, on=timezone.localdate(appointment.start))
        if minor and guardian is not None:
            intake.guardian_name = guardian.name
            _record_guardian(appointment, guardian, now)
        elif not minor:
            intake.guardian_name = ""
        # The table's rule (a minor has a guardian's name) holds even when a merge keeps an
        # under-18 date of birth given earlier without naming anyone this time.
        intake.is_minor = minor and bool(intake.guardian_name)
        intake.save()
        after = _values(intake)
        if changes := {k: [before[k], after[k]] for k in after if before[k] != after[k]}:
            IntakeChange.objects.create(intake=intake, changed_at=now, changes=changes)
    return intake


def _record_guardian(appointment: Appointment, guardian: GuardianAnswers, now: datetime) -> None:
    Guardian.objects.update_or_create(
        appointment=appointment,
        defaults={
            "name": guardian.name,
            "phone": guardian.phone,
            "relationship": guardian.relationship,
            "recorded_at": now,
        },
    )
    BookingConsent.objects.update_or_create(
        appointment=appointment,
        kind=BookingConsent.Kind.GUARDIAN,
        defaults={"version": consent.GUARDIAN_VERSION, "agreed_at": now},
    )


def _locked_intake(client: Client, now: datetime) -> RunnerIntake:
    """Return the client's intake, locked, creating it (with today's consent) if there is none."""
    intake = RunnerIntake.objects.select_for_update().filter(client=client).first()
    if intake is not None:
        return intake
    intake = RunnerIntake(
        client=client,
        policy_consent_at=now,
        treatment_consent_at=now,
        policy_version=consent.TERMS_VERSION,
        treatment_version=consent.TERMS_VERSION,
    )
    try:
        with transaction.atomic():
            intake.save()
            return intake
    except IntegrityError:
        # The same client's intake was saved from another tab a moment ago.
        return RunnerIntake.objects.select_for_update().get(client=client)


_ANSWERS = [each.name for each in fields(IntakeAnswers)]


def _values(intake: RunnerIntake) -> dict[str, object]:
    """Return the intake's answers in a form JSON keeps (dates as ISO strings, None as "")."""
    out: dict[str, object] = {}
    for name in [*_ANSWERS, "guardian_name"]:
        value = getattr(intake, name)
        if isinstance(value, date):
            value = value.isoformat()
        out[name] = "" if value is None else list(value) if isinstance(value, list) else value
    return out


def _apply(intake: RunnerIntake, answers: IntakeAnswers, *, replace: bool) -> None:
    for name in _ANSWERS:
        value = getattr(answers, name)
        if isinstance(value, tuple):
            value = list(value)
        if replace or value not in (None, "", []):
            setattr(intake, name, value)
    if not intake.next_race_date:
        intake.next_race_distance = ""
    if RunnerIntake.Area.OTHER not in intake.tight_areas:
        intake.other_area = ""


def record_race(
    *, appointment: Appointment, race_date: date, distance: str, now: datetime
) -> RunnerIntake:
    """Save the runner's next race (asked in one line on the confirmation page) to the intake,
    as a merge like every intake given from there, its change recorded."""
    return record_intake(
        appointment=appointment,
        answers=IntakeAnswers(next_race_date=race_date, next_race_distance=distance),
        now=now,
    )


def book_suggested(
    *,
    client: Client,
    rule_id: int,
    start: datetime,
    race_date: date,
    now: datetime,
    key: UUID,
    policy: BookingPolicy,
) -> booking.Booked:
    """Book one tap on a suggested time for the runner's race, through the same guard as any
    online booking; a time outside every suggestion raises NotSuggested, writing nothing.

    The same tap sent twice returns the first booking (``created=False``).
    """
    done = Appointment.objects.filter(idempotency_key=key).first()
    if done is not None:
        if done.client_id != client.pk or done.start != start:
            raise NotSuggested("This button was already used. Please choose a time again.")
        return booking.Booked(done, None, created=False)
    found = race.suggestions(client=client, race_date=race_date, now=now, policy=policy)
    suggestion = race.suggested(found, rule_id=rule_id, start=start)
    if suggestion is None:
        raise NotSuggested(
            "That time isn't one we suggested for your race, or you already have a session "
            "booked then. Please choose one of the times below."
        )
    return booking.book_appointment(
        client=client,
        service_length=suggestion.length,
        start=start,
        now=now,
        key=key,
        policy=policy,
        terms=consent.TERMS_VERSION,
        race_date=race_date,
    )


class NotSuggested(booking.BookingError):
    """The tapped time is not one the race suggestions offer (tampered, or already booked)."""
