"""The runner intake: its own step after booking, prefilled from the email's link only."""

from datetime import timedelta

import time_machine
from django.test import Client

from bookings import booking, consent
from bookings.models import Appointment, BookingConsent, Guardian, IntakeChange, RunnerIntake
from tests.bookings.public.conftest import NOW, TUESDAY_10, confirm, page_text

ANSWERS = {
    "weekly_mileage": "35",
    "next_race_distance": "half",
    "next_race_date": "2027-01-17",
    "tight_areas": ["calves", "other"],
    "other_area": "left big toe",
    "health_conditions": "private-condition-marker",
    "medications": "private-medication-marker",
}


def intake_url(token: str) -> str:
    return f"/book/manage/{token}/intake/"


def test_the_intake_is_saved_after_booking_with_the_bookings_consent(client, booked):
    response = client.post(intake_url(booked.token), ANSWERS)

    assert response.status_code == 303
    assert response["Location"] == f"/book/manage/{booked.token}/"
    intake = RunnerIntake.objects.get()
    assert intake.weekly_mileage == 35 and intake.next_race_distance == "half"
    assert intake.tight_areas == ["calves", "other"] and intake.other_area == "left big toe"
    assert intake.policy_version == intake.treatment_version == consent.TERMS_VERSION
    assert not intake.is_minor


def test_the_emailed_link_prefills_the_answers_and_a_cleared_answer_is_saved_blank(client, booked):
    client.post(intake_url(booked.token), ANSWERS)

    form = client.get(intake_url(booked.token))
    cleared = client.post(
        intake_url(booked.token), ANSWERS | {"medications": "", "weekly_mileage": ""}
    )

    assert 'value="35"' in form.text and "private-medication-marker" in form.text
    assert form["Cache-Control"].startswith("max-age=0") or "no-store" in form["Cache-Control"]
    assert cleared.status_code == 303
    intake = RunnerIntake.objects.get()
    assert intake.medications == "" and intake.weekly_mileage is None
    assert intake.health_conditions == "private-condition-marker"


def test_the_booking_browser_gets_a_blank_intake_that_keeps_what_is_on_file(clinic):
    browser = Client()
    confirm(browser, clinic, TUESDAY_10)
    token = next(iter(browser.session["bookings.booked"].values()))
    browser.post(intake_url(token), ANSWERS)

    form = browser.get(intake_url(token))
    browser.post(intake_url(token), {"medications": ""})

    assert "private-medication-marker" not in form.text and 'value="35"' not in form.text
    assert RunnerIntake.objects.get().medications == "private-medication-marker"


def test_every_save_that_changes_an_answer_keeps_what_changed_and_when(client, booked):
    client.post(intake_url(booked.token), ANSWERS)
    later = NOW + timedelta(hours=3)
    with time_machine.travel(later, tick=False):
        client.post(intake_url(booked.token), ANSWERS | {"weekly_mileage": "40", "medications": ""})
        client.post(intake_url(booked.token), ANSWERS | {"weekly_mileage": "40", "medications": ""})

    first, second = IntakeChange.objects.order_by("changed_at")
    assert first.changed_at == NOW and first.changes["weekly_mileage"] == ["", 35]
    assert second.changed_at == later
    assert second.changes == {
        "weekly_mileage": [35, 40],
        "medications": ["private-medication-marker", ""],
    }
    assert IntakeChange.objects.count() == 2  # the unchanged third save records nothing


def test_a_date_of_birth_under_18_asks_for_the_guardian_and_changes_nothing_without(client, booked):
    response = client.post(intake_url(booked.token), {"date_of_birth": "2012-05-01"})

    html = page_text(response)
    assert response.status_code == 422
    assert html.index('id="error-summary"') < html.index('name="guardian_name"')
    assert '<a href="#id_guardian_name">A runner under 18 needs' in html
    assert "The parent or guardian needs to give their consent" in html
    assert not RunnerIntake.objects.exists() and not Guardian.objects.exists()


def test_a_minors_booking_records_the_guardian_and_their_consent(client, booked):
    response = client.post(
        intake_url(booked.token),
        {
            "date_of_birth": "2012-05-01",
            "guardian_name": "Pat Runner",
            "guardian_phone": "(404) 555-0111",
            "guardian_relationship": "Mother",
            "guardian_consent": "on",
        },
    )

    assert response.status_code == 303
    guardian = Guardian.objects.get()
    assert guardian.appointment == booked.appointment
    assert (guardian.name, guardian.phone, guardian.relationship) == (
        "Pat Runner",
        "+14045550111",  # stored E.164, as every phone number is
        "Mother",
    )
    given = BookingConsent.objects.get(kind=BookingConsent.Kind.GUARDIAN)
    assert given.version == consent.GUARDIAN_VERSION and given.agreed_at == NOW
    intake = RunnerIntake.objects.get()
    assert intake.is_minor and intake.guardian_name == "Pat Runner"


def test_an_adults_date_of_birth_records_no_guardian(client, booked):
    client.post(intake_url(booked.token), {"date_of_birth": "1990-04-21"})

    assert not RunnerIntake.objects.get().is_minor
    assert not Guardian.objects.exists()


def test_each_booking_records_its_own_consent(client, clinic):
    confirm(Client(), clinic, TUESDAY_10)
    confirm(Client(), clinic, TUESDAY_10 + timedelta(days=1))

    consents = BookingConsent.objects.order_by("appointment__start")
    assert [c.appointment for c in consents] == list(Appointment.objects.order_by("start"))
    assert {c.version for c in consents} == {consent.TERMS_VERSION}


def test_a_cancelled_booking_takes_no_intake(client, booked):
    booking.cancel_appointment(appointment=booked.appointment, now=NOW, reason="")

    response = client.post(intake_url(booked.token), ANSWERS)

    assert response.status_code in (409, 410)
    assert not RunnerIntake.objects.exists()
