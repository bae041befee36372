"""The race on the runner's pages: the one-line question, the suggestions, one tap, and the
timing advice in the booking flow. Bad input answers with a message and changes nothing."""

import re
from datetime import datetime
from uuid import uuid4

import pytest
from django.core.cache import cache
from django.test import Client

from bookings import availability_cache, booking, tokens
from bookings.models import Appointment, IntakeChange, RunnerIntake
from bookings.public.race_pages import RACE
from tests.bookings.public.conftest import LATER, NY, confirm, local_param, page_text, path
from tests.bookings.public.test_query_budget import CONFIRM_BUDGET, DETAILS_BUDGET
from tests.bookings.race_fixtures import (
    RACE_DAY,
    give_race,
    make_suggestion_rules,
    make_timing_rule,
)
from tests.factories import make_client, make_length, make_service

PRE_RACE_9 = datetime(2026, 12, 14, 9, 0, tzinfo=NY)


@pytest.fixture
def rules(clinic):
    return make_suggestion_rules(clinic["length"])


@pytest.fixture
def runner(clinic, rules):
    """A browser that has just booked Thursday 14:00; returns (browser, confirmation URL)."""
    browser = Client()
    response = confirm(browser, clinic, LATER)
    assert response.status_code == 303
    return browser, response["Location"]


def race_url(confirmation: str) -> str:
    return confirmation + "race/"


def tap_data(rule, start: datetime, key=None) -> dict:
    return {"rule": str(rule.pk), "start": local_param(start), "key": str(key or uuid4())}


def manage_url(browser: Client, confirmation: str) -> str:
    page = browser.get(confirmation).content.decode()
    start = page.index("/book/manage/")
    return page[start : page.index("/", start + len("/book/manage/")) + 1]


def test_confirmation_asks_for_the_race_and_then_suggests_times(runner):
    browser, confirmation = runner
    asked = browser.get(confirmation)
    assert "When's your next race?" in page_text(asked)

    saved = browser.post(race_url(confirmation), {"race_date": "2026-12-19", "distance": "half"})
    assert saved.status_code == 303
    intake = RunnerIntake.objects.get()
    assert (intake.next_race_date, intake.next_race_distance) == (RACE_DAY, "half")
    assert IntakeChange.objects.filter(intake=intake).count() == 1

    shown = page_text(browser.get(confirmation))
    assert "Sessions for your race on Saturday, December 19, 2026" in shown
    assert "A light session before the race" in shown and "Recovery after the race" in shown
    assert 'value="2026-12-14T09:00"' in shown


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-12-06", "That date has already passed."),
        ("2031-01-01", "Please give a race in the next twelve months."),
        ("19/12/2026", "Enter the race date as a date"),
        ("", "Enter the date of your next race."),
        ("2026-02-30", "Enter the race date as a date"),
    ],
)
def test_a_bad_race_date_is_refused_beside_the_field(runner, value, message):
    browser, confirmation = runner
    response = browser.post(race_url(confirmation), {"race_date": value, "distance": "x" * 50})

    assert response.status_code == 422
    assert message in page_text(response)
    assert not RunnerIntake.objects.exists()


def test_a_race_form_from_another_browser_changes_nothing(runner):
    _browser, confirmation = runner
    response = Client().post(race_url(confirmation), {"race_date": "2026-12-19"})

    assert response.status_code == 200  # the "already booked" page: shows nothing of it
    assert "Sessions for your race" not in page_text(response)
    assert not RunnerIntake.objects.exists()


def test_one_tap_books_a_suggested_time_and_shows_its_confirmation(runner, rules):
    browser, confirmation = runner
    browser.post(race_url(confirmation), {"race_date": "2026-12-19"})
    data = tap_data(rules[0], PRE_RACE_9)

    response = browser.post(manage_url(browser, confirmation) + "suggested/", data)

    assert response.status_code == 303
    assert response["Location"] == f"/book/booked/{data['key']}/"
    booked = Appointment.objects.get(idempotency_key=data["key"])
    assert (booked.start, booked.client) == (PRE_RACE_9, Appointment.objects.first().client)
    after = page_text(browser.get(response["Location"]))
    assert "You're booked in" in after
    assert "A light session before the race" not in after  # booked: no longer suggested
    assert "Recovery after the race" in after
    again = browser.post(manage_url(browser, confirmation) + "suggested/", data)
    assert again.status_code == 303  # a double tap: the same booking
    assert Appointment.objects.filter(start=PRE_RACE_9).count() == 1


@pytest.mark.parametrize(
    "tamper",
    [
        {"start": "2026-12-17T10:00"},  # outside the window
        {"start": "2026-13-40T10:00"},
        {"start": "<script>"},
        {"rule": "999999"},
        {"rule": "-1"},
        {"key": "not-a-key"},
        {"rule": ""},
    ],
)
def test_a_tampered_tap_says_why_and_books_nothing(runner, rules, tamper):
    browser, confirmation = runner
    browser.post(race_url(confirmation), {"race_date": "2026-12-19"})
    data = tap_data(rules[0], PRE_RACE_9) | tamper

    response = browser.post(manage_url(browser, confirmation) + "suggested/", data)

    assert response.status_code == 422
    assert "Nothing was booked." in page_text(response)
    assert "<script>" not in response.content.decode()
    assert Appointment.objects.count() == 1


def test_a_taken_time_answers_409_with_the_windows_free_times(runner, rules, clinic):
    browser, confirmation = runner
    browser.post(race_url(confirmation), {"race_date": "2026-12-19"})
    for therapist in (clinic["maya"], clinic["tom"]):
        booking.book_appointment(
            client=make_client(), service_length=clinic["length"], start=PRE_RACE_9,
            now=datetime(2026, 12, 7, 8, 0, tzinfo=NY), therapist=therapist,
        )  # fmt: skip

    response = browser.post(
        manage_url(browser, confirmation) + "suggested/", tap_data(rules[0], PRE_RACE_9)
    )

    assert response.status_code == 409
    text = page_text(response)
    assert "That time was just taken" in text
    offered = re.findall(r'name="start" value="([^"]+)"', text)
    # The window's free times, the nearest to the one lost first; then the recovery's.
    assert offered[:4] == [
        "2026-12-14T10:15", "2026-12-14T13:15", "2026-12-15T09:00", "2026-12-15T12:00"
    ]  # fmt: skip
    assert Appointment.objects.count() == 3


def test_the_booking_browser_never_sees_a_race_on_file(runner, rules):
    # Whoever booked may have typed someone else's email: the race on file stays private.
    browser, confirmation = runner
    give_race(Appointment.objects.get().client, RACE_DAY, now=datetime(2026, 12, 7, tzinfo=NY))

    assert "Sessions for your race" not in page_text(browser.get(confirmation))
    manage = manage_url(browser, confirmation)
    assert "Sessions for your race" not in page_text(browser.get(manage))
    refused = browser.post(manage + "suggested/", tap_data(rules[0], PRE_RACE_9))
    assert refused.status_code == 422
    assert Appointment.objects.count() == 1


def test_the_emailed_manage_link_and_my_bookings_suggest_from_the_race_on_file(booked, rules):
    client = booked.appointment.client
    give_race(client, RACE_DAY, now=datetime(2026, 12, 7, tzinfo=NY))

    mailbox = Client()
    manage = f"/book/manage/{booked.token}/"
    assert "Sessions for your race" in page_text(mailbox.get(manage))

    lookup = Client()
    link = tokens.issue_lookup_token(client.email, now=datetime(2026, 12, 7, 8, tzinfo=NY))
    assert lookup.get(f"/book/mine/{link}/").status_code == 303
    mine = page_text(lookup.get("/book/mine/"))
    assert "Sessions for your race" in mine
    tapped = lookup.post(
        "/book/mine/suggested/", tap_data(rules[1], datetime(2026, 12, 21, 9, 0, tzinfo=NY))
    )
    assert tapped.status_code == 303
    assert Appointment.objects.filter(client=client).count() == 2


# --- timing advice in the booking flow -----------------------------------------------


@pytest.fixture
def deep(clinic):
    service = make_service(title="Deep tissue massage", slug="deep", lengths=())
    length = make_length(service, minutes=60)
    clinic["maya"].services.add(service)
    for room in clinic["maya"].services.first().rooms.all():
        room.services.add(service)
    make_timing_rule(service, alternative=clinic["length"])
    return length


def deep_details(deep, start: datetime) -> str:
    return path("details", length=deep.pk, therapist="maya", start=local_param(start))


def with_race(browser: Client) -> Client:
    session = browser.session
    session[RACE] = {"client": 0, "date": RACE_DAY.isoformat()}
    session.save()
    return browser


FRIDAY_10 = datetime(2026, 12, 18, 10, 0, tzinfo=NY)


def details(**more) -> dict:
    return {
        "first_name": "Jess", "last_name": "Runner", "email": "jess@example.com",
        "phone": "(404) 555-0100", "consent": "on", "key": str(uuid4()), "confirm": "1",
    } | more  # fmt: skip


def test_the_details_step_explains_a_timing_rule_within_its_query_budget(
    clinic, deep, django_assert_max_num_queries
):
    browser = with_race(Client())
    browser.get(deep_details(deep, FRIDAY_10))  # the reference data kept, as after a visit
    with django_assert_max_num_queries(DETAILS_BUDGET):
        response = browser.get(deep_details(deep, FRIDAY_10))

    text = page_text(response)
    assert response.status_code == 200
    assert "your race is on Saturday, December 19" in text
    assert "legs sore" in text
    assert f"/book/time/?length={clinic['length'].pk}&amp;therapist=any&amp;day=2026-12-18" in (
        response.content.decode()
    )
    assert "I've read this and want to book this session anyway" in text


def test_booking_inside_a_timing_rule_needs_the_tick_and_records_it(clinic, deep):
    browser = with_race(Client())
    browser.get(deep_details(deep, FRIDAY_10))

    refused = browser.post(deep_details(deep, FRIDAY_10), details())
    assert refused.status_code == 422
    assert "Tick this box to book it anyway" in page_text(refused)
    assert not Appointment.objects.exists()

    booked = browser.post(deep_details(deep, FRIDAY_10), details(timing_ok="on"))
    assert booked.status_code == 303
    appointment = Appointment.objects.get()
    assert set(appointment.changes.values_list("action", flat=True)) == {"booked", "timing_read"}


@pytest.mark.django_db(transaction=True)
def test_confirming_past_the_advice_keeps_the_confirm_budget(
    clinic, deep, django_assert_max_num_queries
):
    # Counted as gunicorn runs it, as tests/bookings/public/test_query_budget.py does.
    browser = with_race(Client())
    assert browser.get(deep_details(deep, FRIDAY_10)).status_code == 200
    availability_cache.clear()
    cache.clear()

    with django_assert_max_num_queries(CONFIRM_BUDGET):
        booked = browser.post(deep_details(deep, FRIDAY_10), details(timing_ok="on"))

    assert booked.status_code == 303
    assert Appointment.objects.get().changes.count() == 2


def test_without_a_known_race_the_flow_says_nothing(clinic, deep):
    response = Client().get(deep_details(deep, FRIDAY_10))

    assert "A word before you book" not in page_text(response)


def test_a_tap_on_a_time_the_timing_advice_rules_out_is_refused(runner, rules, clinic):
    browser, confirmation = runner
    browser.post(race_url(confirmation), {"race_date": "2026-12-19"})
    make_timing_rule(clinic["service"], hours=116)  # from 12:00 on the 14th on
    inside = datetime(2026, 12, 15, 9, 0, tzinfo=NY)  # in the window, but advised against

    response = browser.post(
        manage_url(browser, confirmation) + "suggested/", tap_data(rules[0], inside)
    )

    assert response.status_code == 422
    assert "legs sore" in page_text(response)
    assert Appointment.objects.count() == 1


def test_a_tap_from_my_bookings_without_an_opened_link_books_nothing(clinic, rules):
    response = Client().post("/book/mine/suggested/", tap_data(rules[0], PRE_RACE_9))

    assert response.status_code == 303
    assert response["Location"] == "/book/find/"
    assert not Appointment.objects.exists()


def test_moving_into_a_timing_rule_needs_the_tick_and_records_it(clinic, deep):
    now = datetime(2026, 12, 7, 8, 0, tzinfo=NY)
    runner = make_client(email="jess@example.com")
    booked = booking.book_appointment(
        client=runner, service_length=deep, start=datetime(2026, 12, 16, 10, 0, tzinfo=NY),
        now=now, therapist=clinic["maya"],
    ).appointment  # fmt: skip
    give_race(runner, RACE_DAY, now=now)
    token = booking.issue_manage_token(booked)
    query = f"?length={deep.pk}&therapist=maya&start={local_param(FRIDAY_10)}"
    url = f"/book/manage/{token}/move/confirm/{query}"
    mailbox = Client()  # the emailed link: the race on file is theirs

    shown = page_text(mailbox.get(url))
    assert "A word before you book" in shown and "legs sore" in shown
    refused = mailbox.post(url)
    assert refused.status_code == 422
    assert "Tick this box" in page_text(refused)
    booked.refresh_from_db()
    assert booked.start == datetime(2026, 12, 16, 10, 0, tzinfo=NY)

    moved = mailbox.post(url, {"timing_ok": "on"})
    assert moved.status_code == 303
    booked.refresh_from_db()
    assert booked.start == FRIDAY_10
    assert booked.changes.filter(action="timing_read").count() == 1
