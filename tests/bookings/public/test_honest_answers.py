"""Each refusal says what really happened: not valid, expired, never booked, off the grid, past."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from bookings import booking, tokens
from bookings.models import Appointment, BookingPolicy
from tests.bookings.public.conftest import (
    LATER,
    TUESDAY_10,
    confirm,
    details_data,
    page_text,
    path,
)

ROOT = Path(__file__).resolve().parents[3]
NOT_VALID = "This isn't a valid link"
EXPIRED = "This link has expired"
FIND = 'href="/book/find/"'


def manage_url(token: str, suffix: str = "") -> str:
    return f"/book/manage/{token}/{suffix}"


# --- manage links ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    [
        "short",
        "x" * 65,
        "é" * 32,
        "%00" * 11,
        "abcdefghijklmnop$rstuvwxyz012345",  # the right length, a character we never use
        "x" * 32,  # the right shape, but we never issued it
    ],
)
@pytest.mark.parametrize("suffix", ["", "move/", "cancel/", "calendar.ics"])
def test_a_link_we_never_issued_says_it_is_not_valid(client, booked, token, suffix):
    response = client.get(manage_url(token, suffix))

    assert response.status_code == 404
    assert NOT_VALID in page_text(response) and EXPIRED not in page_text(response)
    assert FIND in response.text


def test_a_link_after_the_session_says_it_has_expired_and_offers_find_my_bookings(client, booked):
    with time_machine.travel(LATER + timedelta(hours=2), tick=False):
        responses = [client.get(manage_url(booked.token, s)) for s in ["", "move/", "cancel/"]]

    for response in responses:
        assert response.status_code == 410
        assert EXPIRED in page_text(response) and NOT_VALID not in page_text(response)
        assert FIND in response.text
        assert "Maya Brooks" not in response.text  # it says nothing of the booking


def test_a_revoked_link_says_it_has_expired(client, booked):
    booking.revoke_manage_tokens(booked.appointment, now=TUESDAY_10)

    response = client.get(manage_url(booked.token))

    assert response.status_code == 410 and EXPIRED in page_text(response)


def test_after_a_cancel_the_page_says_cancelled_once_and_offers_find_my_bookings(client, booked):
    response = client.post(manage_url(booked.token, "cancel/"), {"reason": ""}, follow=True)
    again = client.get(manage_url(booked.token))

    assert response.redirect_chain[0][1] == 303 and response.status_code == 200
    landed = page_text(response)
    assert landed.count("is cancelled") == 1
    assert "This booking is cancelled. We've emailed you to confirm." in landed
    assert page_text(again).count("is cancelled") == 1 and "emailed" not in again.text
    assert FIND in again.text and "Book another session" in again.text


def test_opening_a_listed_booking_cancelled_since_says_it_has_expired(client, booked):
    browser = Client()
    token = tokens.issue_lookup_token("jess@example.com", now=timezone.now())
    browser.get(f"/book/mine/{token}/")
    Appointment.objects.update(status=Appointment.Status.CANCELLED)

    response = browser.post(f"/book/mine/{booked.appointment.pk}/")

    assert response.status_code == 410 and EXPIRED in page_text(response)


# --- the confirmation page --------------------------------------------------------------


def test_the_confirmation_page_of_a_key_nobody_booked_with_is_not_found(client, clinic):
    response = client.get(f"/book/booked/{uuid4()}/")

    assert response.status_code == 404
    assert "We could not find that page" in response.text
    assert "already booked" not in page_text(response)


def test_the_confirmation_page_in_another_browser_says_already_booked(client, clinic):
    key = uuid4()
    booked = confirm(client, clinic, key=str(key))
    assert booked.status_code == 303

    elsewhere = Client().get(f"/book/booked/{key}/")

    assert elsewhere.status_code == 200 and "You're already booked" in page_text(elsewhere)
    assert "Maya Brooks" not in elsewhere.text


# --- times off the grid -----------------------------------------------------------------


def test_a_start_between_the_steps_is_not_a_bookable_time_and_its_day_is_offered(client, clinic):
    url = path("details", length=clinic["length"].pk, therapist="maya", start="2026-12-08T10:07")

    shown = client.get(url)
    posted = client.post(url, details_data() | {"confirm": "1"})

    for response, status in [(shown, 400), (posted, 422)]:
        text = page_text(response)
        assert response.status_code == status
        assert "That isn't a bookable time" in text and "no longer free" not in text
        assert "Times on Tuesday, December 8" in text
        assert "start=2026-12-08T10:00" in text and "start=2026-12-08T10:15" in text
    assert not Appointment.objects.exists()


def test_the_grid_follows_the_policys_slot_step(client, clinic):
    BookingPolicy.objects.update(slot_step_minutes=30)
    params = {"length": clinic["length"].pk, "therapist": "maya"}

    off = client.get(path("details", **params, start="2026-12-08T10:15"))
    on = client.get(path("details", **params, start="2026-12-08T10:30"))

    assert off.status_code == 400 and "That isn't a bookable time" in page_text(off)
    assert on.status_code == 200 and "That isn't a bookable time" not in page_text(on)


def test_moving_to_a_start_between_the_steps_is_refused_and_its_day_offered(client, booked):
    url = manage_url(booked.token, "move/confirm/?start=2026-12-11T10:07")

    shown = client.get(url)
    posted = client.post(url)

    for response, status in [(shown, 400), (posted, 422)]:
        text = page_text(response)
        assert response.status_code == status
        assert "That isn't a bookable time" in text and "no longer free" not in text
        assert "Times on Friday, December 11" in text
    assert Appointment.objects.get().start == LATER


# --- past days --------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["2020-01-01", "2026-12-06"])
def test_a_past_day_says_it_has_passed_and_opens_the_next_free_day(client, clinic, day):
    response = client.get(path("time", length=clinic["length"].pk, therapist="maya", day=day))

    text = page_text(response)
    assert response.status_code == 400
    assert "That day has passed. The next day with free times is Tuesday, December 8." in text
    assert "Times on Tuesday, December 8" in text
    assert "choose one of the days below" not in text


def test_moving_to_a_past_day_says_it_has_passed_and_opens_the_next_free_day(client, booked):
    response = client.get(manage_url(booked.token, "move/?day=2026-12-06"))

    text = page_text(response)
    assert response.status_code == 400
    assert "That day has passed. The next day with free times is Tuesday, December 8." in text


def test_a_day_beyond_the_horizon_still_asks_for_one_of_the_days_below(client, clinic):
    params = {"length": clinic["length"].pk, "therapist": "maya", "day": "2027-12-01"}

    response = client.get(path("time", **params))

    assert response.status_code == 400
    assert "Please choose one of the days below" in page_text(response)
    assert "has passed" not in page_text(response)


# --- links in emails follow the port ----------------------------------------------------


def site_url(**env: str | None) -> str:
    """Return SITE_URL as the settings compute it in a fresh interpreter with `env`."""
    environ = {**os.environ, "DJANGO_SETTINGS_MODULE": "clinic.settings"}
    for name, value in env.items():
        environ.pop(name, None)
        if value is not None:
            environ[name] = value
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.SITE_URL)"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def test_in_debug_links_follow_the_port():
    assert site_url(DJANGO_DEBUG="1", PORT="18300", SITE_URL=None) == "http://127.0.0.1:18300"


def test_a_set_site_url_wins_over_the_port():
    url = site_url(DJANGO_DEBUG="1", PORT="18300", SITE_URL="https://clinic.example/")

    assert url == "https://clinic.example"


def test_in_production_the_port_does_not_change_links():
    assert site_url(DJANGO_DEBUG="0", PORT="18300", SITE_URL=None) == "http://127.0.0.1:8000"
