"""The booking journey, step by step: service, therapist, day and time, details, confirm."""

import logging
import re
from datetime import timedelta

import time_machine

from bookings import consent
from bookings.models import Appointment, BookingConsent, Client, ClientMessage, RunnerIntake
from tests.bookings.public.conftest import (
    NOW,
    TUESDAY_10,
    confirm,
    details_data,
    details_path,
    local_param,
    path,
)


def test_changing_the_service_lists_every_service_with_the_chosen_one_first(client, clinic):
    response = client.get(path("start", service="stretching", step="service"))

    html = response.text
    assert response.status_code == 200
    assert html.index("Assisted stretching") < html.index("Sports massage")
    assert f'href="/book/time/?length={clinic["length"].pk}"' in html
    assert "60 minutes · $95" in html


def test_therapist_step_offers_anyone_and_only_therapists_of_that_service(client, clinic):
    response = client.get(path("therapist", length=clinic["length"].pk))

    html = response.text
    assert response.status_code == 200
    assert "Any therapist" in html and "Maya Brooks" in html and "Tom Hadley" in html
    stretch = client.get(path("therapist", length=clinic["stretch"].pk)).text
    assert "Maya Brooks" not in stretch


def test_time_step_lists_days_with_free_times_first_and_the_first_days_times(
    client, clinic, django_assert_max_num_queries
):
    with django_assert_max_num_queries(10):
        response = client.get(path("time", length=clinic["length"].pk, therapist="maya"))

    html = response.text
    days = re.findall(r'data-day="([\d-]+)"', html)
    # Monday's times are inside the 12 hours' notice, so Tuesday comes first.
    assert days[:3] == ["2026-12-08", "2026-12-09", "2026-12-10"]
    assert "Times on Tuesday, December 8" in html
    assert f"start={local_param(TUESDAY_10)}" in html
    assert 'aria-current="true"' in html


def test_picking_a_day_loads_only_the_times_fragment(client, clinic, django_assert_max_num_queries):
    params = {"length": clinic["length"].pk, "therapist": "any", "day": "2026-12-10"}

    with django_assert_max_num_queries(6):  # the length, the policy, four for the times
        fragment = client.get(path("times", **params))
    page = client.get(path("time", **params))

    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<section id="times"')
    assert "<html" not in fragment.text
    assert "Times on Thursday, December 10" in fragment.text
    assert "Times on Thursday, December 10" in page.text  # the same choice without JavaScript


def test_each_step_links_back_to_earlier_steps_keeping_the_other_choices(client, clinic):
    length = clinic["length"].pk
    html = client.get(details_path(clinic)).text.replace("&amp;", "&")

    assert 'href="/book/?service=sports-massage&step=service"' in html
    assert f'href="/book/therapist/?length={length}&therapist=maya"' in html
    assert f'href="/book/time/?length={length}&therapist=maya&day=2026-12-08"' in html


def test_details_form_carries_a_fresh_idempotency_key_each_time(client, clinic):
    keys = [
        re.search(r'name="key" value="([0-9a-f-]{36})"', client.get(details_path(clinic)).text)[1]
        for _ in range(2)
    ]

    assert keys[0] != keys[1]


def test_review_shows_the_details_and_books_nothing(client, clinic):
    response = client.post(details_path(clinic), details_data())

    assert response.status_code == 200
    assert "Check and confirm" in response.text
    assert "jess@example.com" in response.text
    assert 'type="hidden" name="consent"' in response.text
    assert not Appointment.objects.exists() and not Client.objects.exists()


def test_confirming_books_and_shows_the_confirmation_without_health_data_in_the_url(client, clinic):
    response = confirm(client, clinic, TUESDAY_10)

    assert response.status_code == 303
    location = response["Location"]
    assert re.fullmatch(r"/book/booked/[0-9a-f-]{36}/", location)
    page = client.get(location)
    assert page.status_code == 200
    assert "You're booked in" in page.text
    assert "Tuesday, December 8, 2026 at 10:00 AM" in page.text
    assert "Maya Brooks" in page.text and "6100 Roswell Road" in page.text
    assert "/book/manage/" in page.text and "What to wear and bring" in page.text
    appointment = Appointment.objects.get()
    assert appointment.start == TUESDAY_10 and appointment.therapist == clinic["maya"]
    assert appointment.messages.filter(kind=ClientMessage.Kind.CONFIRMATION).count() == 1


def test_the_booking_records_its_consent_with_the_text_version(client, clinic):
    confirm(client, clinic)

    agreed = BookingConsent.objects.get()
    assert agreed.appointment == Appointment.objects.get()
    assert agreed.kind == BookingConsent.Kind.TERMS
    assert agreed.version == consent.TERMS_VERSION and agreed.agreed_at == NOW
    assert not RunnerIntake.objects.exists()  # the intake is its own step, after booking


def test_the_details_step_asks_only_for_contact_details_and_one_consent(client, clinic):
    html = client.get(details_path(clinic)).text

    form = html[html.index('class="details-form"') :]
    fields = set(re.findall(r'name="([a-z_]+)"', form)) - {"csrfmiddlewaretoken", "confirm"}
    # "Repeat this" (a training block) is optional and asks nothing personal.
    assert fields == {"first_name", "last_name", "email", "phone", "consent", "key"} | {
        "repeat",
        "sessions",
    }
    assert html.count("Read the cancellation policy") == 1


def test_any_therapist_books_whoever_is_free(client, clinic):
    confirm(client, clinic, TUESDAY_10, therapist="maya", email="first@example.com")

    response = confirm(client, clinic, TUESDAY_10, therapist="any", email="second@example.com")

    assert response.status_code == 303
    assert Appointment.objects.get(client__email="second@example.com").therapist == clinic["tom"]


def test_change_my_details_returns_to_the_filled_in_form(client, clinic):
    response = client.post(details_path(clinic), details_data() | {"edit": "1"})

    assert response.status_code == 200
    assert "Your details" in response.text
    assert 'value="Jess"' in response.text


def test_times_are_clinic_wall_times_on_the_day_the_clocks_go_forward(client, clinic):
    # 14 March 2027: 2:00 becomes 3:00. Maya still starts at 9:00 on the wall clock.
    with time_machine.travel(NOW + timedelta(days=90), tick=False):
        html = client.get(
            path("times", length=clinic["length"].pk, therapist="maya", day="2027-03-14")
        ).text

    assert "start=2027-03-14T09:00" in html and ">9:00 AM<" in html


def test_health_details_never_reach_the_logs_even_when_validation_fails(client, clinic, caplog):
    caplog.set_level(logging.DEBUG)

    confirm(client, clinic, TUESDAY_10)
    client.post(details_path(clinic), details_data(email="not-an-email"))
    token = client.session["bookings.booked"].popitem()[1]
    client.post(f"/book/manage/{token}/intake/", {"health_conditions": "private-condition-marker"})
    client.post(
        f"/book/manage/{token}/intake/", {"health_conditions": "private-x", "weekly_mileage": "x"}
    )

    assert RunnerIntake.objects.get().health_conditions == "private-condition-marker"
    assert "clinic.requests" in caplog.text  # the request log did run
    assert "private-condition-marker" not in caplog.text
    assert "private-" not in caplog.text
