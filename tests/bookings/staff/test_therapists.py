"""A therapist's own schedule, and the private calendar feed their phone subscribes to."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.test import Client as WebClient
from icalendar import Calendar

from bookings.models import RunnerIntake
from tests.bookings.staff.conftest import MONDAY, NOW, at, book
from tests.factories import make_client

pytestmark = pytest.mark.usefixtures("clock")


def test_my_schedule_shows_today_and_the_next_seven_days_of_my_sessions_only(ana_web, clinic):
    book(clinic, at("10:00"), client=make_client(first_name="Today"))
    book(clinic, at("10:00", MONDAY + timedelta(days=7)), client=make_client(first_name="Day8"))
    book(clinic, at("10:00", MONDAY + timedelta(days=8)), client=make_client(first_name="Later"))
    book(clinic, at("11:00"), therapist=clinic.ben, room=clinic.rooms[1],
         client=make_client(first_name="Bens"))  # fmt: skip

    response = ana_web.get("/staff/me/")

    assert response.status_code == 200
    days = re.findall(r'<h2 id="day-\d+" class="h5">(.*?)</h2>', response.text)
    assert days[0] == "Today, Monday, June 15"
    assert days[-1] == "Monday, June 22"
    assert len(days) == 8
    assert "Today Number" in response.text
    assert "Day8 Number" in response.text
    assert "Later Number" not in response.text
    assert "Bens Number" not in response.text
    assert "Working 9:00 AM\u201312:30 PM, 1:30\u20135:00 PM." in response.text


def test_calendar_feed_shows_times_services_and_first_names_only(ana_web, clinic):
    client = make_client(first_name="Jess", last_name="Alvarez", email="jess@example.com")
    RunnerIntake.objects.create(
        client=client,
        health_conditions="Asthma",
        policy_consent_at=NOW,
        policy_version="1",
        treatment_consent_at=NOW,
        treatment_version="1",
    )
    book(clinic, at("10:00"), client=client)
    book(clinic, at("11:00"), therapist=clinic.ben, room=clinic.rooms[1])

    page = ana_web.post("/staff/me/calendar/")
    url = re.search(r'value="(http://testserver/staff/feed/[\w-]+\.ics)"', page.text).group(1)
    feed = WebClient().get(url)  # no session: a phone's calendar app

    assert feed.status_code == 200
    assert feed["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in feed["Cache-Control"]
    events = Calendar.from_ical(feed.content).walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["Sports massage: Jess"]
    for secret in ("Alvarez", "jess@example.com", "Asthma"):
        assert secret not in feed.content.decode()
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    clinic.ana.refresh_from_db()
    assert clinic.ana.feed_token_digest == hashlib.sha256(token.encode()).hexdigest()
    assert token not in ana_web.get("/staff/me/calendar/").text  # shown once only


def test_resetting_the_feed_link_revokes_the_old_one(ana_web, clinic):
    first = re.search(r"/staff/feed/[\w-]+\.ics", ana_web.post("/staff/me/calendar/").text)[0]
    second = re.search(r"/staff/feed/[\w-]+\.ics", ana_web.post("/staff/me/calendar/").text)[0]

    assert WebClient().get(first).status_code == 404
    assert WebClient().get(second).status_code == 200
    assert WebClient().get("/staff/feed/" + "x" * 43 + ".ics").status_code == 404
