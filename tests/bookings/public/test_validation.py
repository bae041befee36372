"""Bad input gets a message on the page, changes nothing and never causes a 500."""

import re
from datetime import timedelta

import pytest

from bookings.models import Appointment, BookingPolicy, Client, RunnerIntake
from tests.bookings.public.conftest import (
    NOW,
    TUESDAY_10,
    confirm,
    details_data,
    details_path,
    page_text,
    path,
)
from tests.factories import make_appointment


def nothing_written() -> bool:
    return not (
        Appointment.objects.exists() or Client.objects.exists() or RunnerIntake.objects.exists()
    )


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"first_name": ""}, "first_name", "Enter your first name."),
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"phone": "call me"}, "phone", "Enter a phone number we can call"),
        ({"phone": "12"}, "phone", "Enter a phone number we can call"),
        ({"first_name": "x" * 10_000}, "first_name", "at most 80 characters"),
        ({"consent": ""}, "consent", "Please agree to the policy"),
    ],
)
def test_invalid_details_answer_422_with_the_message_beside_the_field(
    client, clinic, overrides, field, message
):
    response = client.post(details_path(clinic), details_data(**overrides) | {"confirm": "1"})

    assert response.status_code == 422
    html = page_text(response)
    error = html.index(f'id="error_1_id_{field}"')
    assert message in html[error : error + 400]
    assert html.index(f'name="{field}"') < error
    # The summary at the top names the same problem and links to the field.
    summary = html.index('id="error-summary"')
    assert summary < html.index(f'name="{field}"')
    assert re.search(rf'<a href="#id_{field}">[^<]*{message}', html[summary:])
    assert nothing_written()


def test_a_tampered_idempotency_key_is_replaced_and_the_form_shown_again(client, clinic):
    response = client.post(details_path(clinic), details_data(key="nope") | {"confirm": "1"})

    assert response.status_code == 422
    assert "This form expired" in response.text
    assert 'name="key" value="nope"' not in response.text
    assert nothing_written()


@pytest.mark.parametrize(
    ("params", "message", "step_heading"),
    [
        ({"length": "999999"}, "That service or length isn't available", "Book a session"),
        ({"length": "abc"}, "That service or length isn't available", "Book a session"),
        ({"therapist": "nobody"}, "We couldn't find that therapist", "Choose a therapist"),
        ({"start": "2026-12-08T25:00"}, "That time isn't valid", "Choose a day and time"),
        ({"start": "tomorrow"}, "That time isn't valid", "Choose a day and time"),
        ({"start": "2027-03-14T02:30"}, "the clocks go forward", "Choose a day and time"),
        ({"start": "2026-12-06T10:00"}, "already passed", "Choose a day and time"),
        ({"start": "2026-12-07T11:00"}, "12 hours' notice", "Choose a day and time"),
        ({"start": "2027-03-01T10:00"}, "up to 60 days ahead", "Choose a day and time"),
        ({"start": "2026-12-08T18:00"}, "no longer free", "Choose a day and time"),
        ({"start": "2026-12-08T10:07"}, "isn't a bookable time", "Choose a day and time"),
    ],
)
def test_tampered_choices_send_the_runner_back_with_a_message(
    client, clinic, params, message, step_heading
):
    query = {"length": clinic["length"].pk, "therapist": "maya", "start": "2026-12-08T10:00"}
    url = path("details", **(query | params))

    shown = client.get(url)
    posted = client.post(url, details_data() | {"confirm": "1"})

    assert shown.status_code in {400, 409}
    assert message in page_text(shown) and step_heading in page_text(shown)
    assert posted.status_code in {409, 422}
    assert nothing_written()


def test_a_length_the_therapist_does_not_offer_is_refused(client, clinic):
    url = path("time", length=clinic["stretch"].pk, therapist="maya")

    response = client.get(url)

    assert response.status_code == 400
    assert "Maya Brooks doesn't offer assisted stretching" in page_text(response)


# Past days say so instead (test_honest_answers.py).
@pytest.mark.parametrize("day", ["2027-12-01", "2026-02-30", "x"])
def test_a_bad_day_is_refused_politely(client, clinic, day):
    params = {"length": clinic["length"].pk, "therapist": "maya", "day": day}

    page = client.get(path("time", **params))
    fragment = client.get(path("times", **params))

    assert page.status_code == 400 and "Please choose one of the days below" in page_text(page)
    assert fragment.status_code == 400 and "Please choose a day" in fragment.text


def test_a_time_taken_while_the_form_was_open_shows_just_taken_with_alternatives(client, clinic):
    form = client.get(details_path(clinic))
    assert form.status_code == 200
    make_appointment(
        therapist=clinic["maya"],
        room=clinic["length"].service.rooms.first(),
        start=TUESDAY_10,
        length=clinic["length"],
    )

    response = confirm(client, clinic, TUESDAY_10)

    assert response.status_code == 409
    assert "Sorry, that time was just taken" in response.text
    assert "Book Tuesday, December 8 at 11:15 AM" in response.text  # one tap books it
    assert Appointment.objects.count() == 1
    assert not RunnerIntake.objects.exists()


def test_a_day_filled_while_the_form_was_open_says_so_and_offers_other_days(client, clinic):
    BookingPolicy.objects.update(max_sessions_per_day=1)
    form = client.get(details_path(clinic))
    assert form.status_code == 200
    make_appointment(
        therapist=clinic["maya"],
        room=clinic["length"].service.rooms.first(),
        start=TUESDAY_10.replace(hour=14),
        length=clinic["length"],
    )

    response = confirm(client, clinic, TUESDAY_10)

    assert response.status_code == 409
    assert "Maya Brooks is fully booked on Tue, Dec 8. Please choose another day." in page_text(
        response
    )
    assert "Book Wednesday, December 9 at 9:00 AM" in response.text
    assert "Book Tuesday" not in response.text
    assert Appointment.objects.count() == 1
    assert not RunnerIntake.objects.exists()


def test_taking_an_offered_alternative_books_it(client, clinic):
    room = clinic["length"].service.rooms.first()
    make_appointment(therapist=clinic["maya"], room=room, start=TUESDAY_10, length=clinic["length"])
    later = TUESDAY_10 + timedelta(minutes=75)

    response = confirm(client, clinic, later)

    assert response.status_code == 303
    assert Appointment.objects.filter(start=later, therapist=clinic["maya"]).exists()


def test_an_unknown_service_on_the_start_page_says_so(client, clinic):
    response = client.get(path("start", service="cupping"))

    assert response.status_code == 400
    assert "We couldn't find that service" in page_text(response)


def test_wrong_methods_are_refused(client, clinic):
    assert client.post(path("time", length=clinic["length"].pk)).status_code == 405
    assert client.put(details_path(clinic)).status_code == 405


def test_booking_inside_the_notice_after_the_form_was_shown_is_refused(client, clinic):
    import time_machine

    with time_machine.travel(NOW + timedelta(hours=15), tick=False):
        response = confirm(client, clinic, TUESDAY_10)

    assert response.status_code == 422
    assert "12 hours' notice" in page_text(response)
    assert nothing_written()
