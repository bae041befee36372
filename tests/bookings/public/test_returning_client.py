"""A returning runner is recognised by email; someone typing that email learns nothing."""

from django.test import Client

from bookings.models import Appointment, RunnerIntake
from tests.bookings.public.conftest import (
    LATER,
    NOW,
    TUESDAY_10,
    confirm,
    details_data,
    details_path,
)
from tests.factories import make_client

STORED = {"first_name": "Stored", "last_name": "Secretname", "phone": "(678) 555-0199"}


def returning_runner():
    client = make_client(email="Jess@Example.com", **STORED)
    RunnerIntake.objects.create(
        client=client,
        weekly_mileage=50,
        health_conditions="stored-condition-marker",
        medications="stored-medication-marker",
        tight_areas=["achilles"],
        policy_consent_at=NOW,
        policy_version="old",
        treatment_consent_at=NOW,
        treatment_version="old",
    )
    return client


def test_a_returning_email_books_on_the_same_client_without_showing_what_is_stored(clinic):
    runner = returning_runner()
    browser = Client()
    form = browser.get(details_path(clinic))
    review = browser.post(details_path(clinic), details_data(first_name="Someone"))
    booked = confirm(browser, clinic, TUESDAY_10, first_name="Someone", email="jess@example.COM")
    confirmation = browser.get(booked["Location"])

    assert Appointment.objects.get().client == runner
    for response in (form, review, confirmation):
        for secret in [*STORED.values(), "stored-condition-marker", "Jess@Example.com"]:
            assert secret not in response.text


def test_the_pages_are_the_same_for_a_known_and_an_unknown_email(clinic):
    returning_runner()
    known = Client().post(details_path(clinic), details_data(email="jess@example.com"))
    unknown = Client().post(details_path(clinic), details_data(email="new@example.com"))

    def normal(response) -> str:
        text = response.text.replace("new@example.com", "jess@example.com")
        return text.split('name="csrfmiddlewaretoken" value="')[0]

    assert known.status_code == unknown.status_code == 200
    assert normal(known) == normal(unknown)


def test_from_the_confirmation_page_answers_given_update_the_intake_and_blank_ones_keep_it(
    clinic,
):
    runner = returning_runner()
    browser = Client()
    confirm(browser, clinic, TUESDAY_10, email="jess@example.com")
    token = next(iter(browser.session["bookings.booked"].values()))
    form = browser.get(f"/book/manage/{token}/intake/")

    response = browser.post(
        f"/book/manage/{token}/intake/",
        {"tight_areas": ["knees"], "medications": "new-medication", "health_conditions": ""},
    )

    assert response.status_code == 303
    assert "stored-condition-marker" not in form.text and 'value="50"' not in form.text
    intake = RunnerIntake.objects.get(client=runner)
    assert intake.weekly_mileage == 50
    assert intake.health_conditions == "stored-condition-marker"
    assert intake.medications == "new-medication"
    assert intake.tight_areas == ["knees"]


def test_stored_contact_details_are_never_changed_from_the_public_form(clinic):
    runner = returning_runner()

    confirm(Client(), clinic, LATER, email="jess@example.com", first_name="Mallory")

    runner.refresh_from_db()
    assert (runner.first_name, runner.last_name, runner.phone) == tuple(STORED.values())
