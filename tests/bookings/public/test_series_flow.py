"""A training block from the public pages: "repeat this", the review of every date, then
one booking of the whole set; and what bad or stale input gets."""

import re
from datetime import timedelta
from uuid import uuid4

import pytest

from bookings import series
from bookings.models import Appointment, ClientMessage, Series
from tests.bookings.public.conftest import (
    TUESDAY_10,
    details_data,
    details_path,
    local_param,
    page_text,
    path,
)
from tests.factories import make_appointment, make_client

WEEKS = series.occurrence_starts(TUESDAY_10, every_weeks=1, count=6)


def review(client, clinic, **repeat):
    data = details_data() | {"confirm": "1", "repeat": "1", "sessions": "6"} | repeat
    return client.post(details_path(clinic), data), data


def series_path(clinic) -> str:
    return path(
        "series", length=clinic["length"].pk, therapist="maya", start=local_param(TUESDAY_10)
    )


def fields(html: str) -> dict[str, str]:
    """Return the review form's hidden fields and the first choice of each session."""
    found = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    for name, value in re.findall(
        r'type="radio" name="(session-\d+)" id="[^"]+" value="([^"]*)"', html
    ):
        found.setdefault(name, value)
    return found


def take(clinic, start):
    room = clinic["maya"].services.first().rooms.first()
    return make_appointment(
        therapist=clinic["maya"], room=room, start=start, length=clinic["length"]
    )


def test_the_details_step_offers_to_repeat_the_session(client, clinic):
    html = client.get(details_path(clinic)).text

    assert "Make it a training block" in html
    assert '<option value="1">Every week</option>' in html
    assert 'name="sessions"' in html


def test_review_lists_every_date_marks_the_taken_week_and_books_nothing(client, clinic):
    take(clinic, WEEKS[2])

    response, _data = review(client, clinic)

    text = page_text(response)
    assert response.status_code == 200
    assert "Check your training block" in text
    assert "6 sessions, every week. Nothing is booked until you confirm the whole set." in text
    for day in ("Tuesday, December 8", "Tuesday, December 15", "Tuesday, January 12"):
        assert day in text
    assert text.count("series-state series-free") == 5
    assert text.count("series-state series-taken") == 1
    assert "That time is already taken. The nearest free times:" in text
    assert "Skip this week" in text
    assert Appointment.objects.count() == 1
    assert not Series.objects.exists()


def test_confirming_the_set_books_all_six_and_shows_each_with_its_link(client, clinic):
    take(clinic, WEEKS[2])
    response, _data = review(client, clinic)
    posted = fields(response.text) | {"book": "1"}
    alternative = posted["session-3"]
    assert alternative not in ("skip", local_param(WEEKS[2]))

    booked = client.post(series_path(clinic), posted)

    assert booked.status_code == 303
    block = Series.objects.get()
    assert booked["Location"] == f"/book/series/{block.key}/"
    starts = [local_param(a.start) for a in block.appointments.order_by("start")]
    assert starts == sorted([local_param(w) for w in WEEKS if w != WEEKS[2]] + [alternative])
    assert ClientMessage.objects.filter(kind=ClientMessage.Kind.SERIES_BOOKED).count() == 1
    assert not ClientMessage.objects.filter(kind=ClientMessage.Kind.CONFIRMATION).exists()
    page = client.get(booked["Location"])
    assert page.status_code == 200
    assert "Your training block is booked" in page.text
    assert page.text.count("/book/manage/") == 6 + 1  # each session's link, and the intake
    assert "jess@example.com" in page.text


def test_the_confirmation_page_shows_nothing_in_another_browser(client, clinic, django_user_model):
    response, _data = review(client, clinic)
    booked = client.post(series_path(clinic), fields(response.text) | {"book": "1"})

    from django.test import Client

    other = Client().get(booked["Location"])

    assert other.status_code == 200
    assert "/book/manage/" not in other.text
    assert Client().get(f"/book/series/{uuid4()}/").status_code == 404


def test_skipping_the_taken_week_books_the_other_five(client, clinic):
    take(clinic, WEEKS[2])
    response, _data = review(client, clinic)

    client.post(series_path(clinic), fields(response.text) | {"session-3": "skip", "book": "1"})

    assert Series.objects.get().appointments.count() == 5


def test_a_taken_week_left_unanswered_books_nothing(client, clinic):
    take(clinic, WEEKS[2])
    response, _data = review(client, clinic)
    posted = fields(response.text)
    del posted["session-3"]

    answer = client.post(series_path(clinic), posted | {"book": "1"})

    assert answer.status_code == 422
    assert "Choose a time for session 3, or skip it." in page_text(answer)
    assert "Nothing is booked yet" in page_text(answer)
    assert not Series.objects.exists()


@pytest.mark.parametrize("value", ["2026-12-22T03:00", "tomorrow", "2026-02-30T10:00", "9" * 40])
def test_a_tampered_choice_books_nothing(client, clinic, value):
    take(clinic, WEEKS[2])
    response, _data = review(client, clinic)

    answer = client.post(
        series_path(clinic), fields(response.text) | {"session-3": value, "book": "1"}
    )

    assert answer.status_code == 422
    assert "isn't one of the times we offered for session 3" in page_text(answer) or (
        "That time isn't free for session 3. Please choose one of the times below."
        in page_text(answer)
    )
    assert not Series.objects.exists()


def test_a_week_taken_since_the_review_shows_it_again_and_books_nothing(client, clinic):
    response, _data = review(client, clinic)
    posted = fields(response.text) | {"book": "1"}
    take(clinic, WEEKS[3])  # someone else books week 4 meanwhile

    answer = client.post(series_path(clinic), posted)

    text = page_text(answer)
    assert answer.status_code == 409
    assert "was just taken. Please choose another time for this session." in text
    assert text.count("series-state series-taken") == 1
    assert Appointment.objects.count() == 1
    assert not Series.objects.exists()


def test_the_same_review_sent_twice_books_the_block_once(client, clinic):
    response, _data = review(client, clinic)
    posted = fields(response.text) | {"book": "1"}

    first = client.post(series_path(clinic), posted)
    again = client.post(series_path(clinic), posted)

    assert first["Location"] == again["Location"]
    assert Series.objects.count() == 1
    assert Appointment.objects.count() == 6


@pytest.mark.parametrize(
    ("repeat", "message"),
    [
        ({"sessions": "12"}, "we take bookings only 60 days ahead. Choose 9 sessions or fewer"),
        ({"repeat": "2", "sessions": "6"}, "Choose 5 sessions or fewer"),
        ({"sessions": "0"}, "A training block is at least 2 sessions."),
        ({"sessions": "13"}, "A training block is at most 12 sessions."),
        ({"sessions": "six"}, "Enter the number of sessions, such as 6."),
        ({"sessions": ""}, "How many sessions? Choose 2 to 12."),
        ({"repeat": "3"}, "Choose weekly, every two weeks, or just this session."),
    ],
)
def test_a_block_that_does_not_fit_stays_on_the_details_step(client, clinic, repeat, message):
    response, _data = review(client, clinic, **repeat)

    assert response.status_code == 422
    text = page_text(response)
    assert message in text
    assert "Your details" in text and 'id="error-summary"' in text
    assert not Appointment.objects.exists()


def test_the_series_page_refuses_a_single_session_or_a_bad_start(client, clinic):
    data = details_data() | {"repeat": "", "sessions": "6", "book": "1"}
    single = client.post(series_path(clinic), data)
    past = client.post(
        path("series", length=clinic["length"].pk, therapist="maya", start="2020-01-07T10:00"),
        data | {"repeat": "1"},
    )
    nothing = client.post(path("series"), {})

    assert single.status_code == 422
    assert "Choose weekly or every two weeks to book a block." in page_text(single)
    assert past.status_code == 422
    assert nothing.status_code == 200 and "Choose a service and how long" in page_text(nothing)
    assert client.get(series_path(clinic)).status_code == 405
    assert not Appointment.objects.exists()


def test_a_returning_runners_block_keeps_their_stored_details(client, clinic):
    known = make_client(first_name="Jessica", email="jess@example.com")
    response, _data = review(client, clinic, sessions="2")

    client.post(series_path(clinic), fields(response.text) | {"book": "1"})

    assert Series.objects.get().client == known
    known.refresh_from_db()
    assert known.first_name == "Jessica"
    assert {a.start for a in Appointment.objects.all()} == set(WEEKS[:2])
    assert WEEKS[1] - WEEKS[0] == timedelta(weeks=1)
