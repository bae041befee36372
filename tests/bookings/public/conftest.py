"""Fixtures for the public booking pages: a small clinic on a pinned clock, and helpers."""

import html
from datetime import datetime, timedelta
from urllib.parse import urlencode
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bookings import booking
from bookings.models import Appointment, BookingPolicy
from clinic import demo_content
from clinic.models import ClinicProfile
from tests.factories import make_length, make_room, make_service, make_therapist, make_weekly_hours

NY = ZoneInfo("America/New_York")
RACERS = 20
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=NY)  # a Monday morning
TUESDAY_10 = datetime(2026, 12, 8, 10, 0, tzinfo=NY)
LATER = datetime(2026, 12, 10, 14, 0, tzinfo=NY)  # a Thursday afternoon, well past the cut-off


def local_param(moment: datetime) -> str:
    """Return a start time as the booking pages write it in their query strings."""
    return moment.astimezone(NY).strftime("%Y-%m-%dT%H:%M")


def make_clinic() -> dict:
    """One 60' service, Maya and Tom working 9:00-17:00 daily, two rooms, default policy."""
    ClinicProfile.objects.create(**demo_content.PROFILE)
    BookingPolicy.objects.create()
    service = make_service(title="Sports massage", slug="sports-massage", lengths=())
    length = make_length(service, minutes=60, after=15)
    other = make_service(title="Assisted stretching", slug="stretching", lengths=())
    stretch = make_length(other, minutes=30, after=0)
    maya = make_therapist(name="Maya Brooks", slug="maya", services=[service])
    tom = make_therapist(name="Tom Hadley", slug="tom", services=[service])
    for therapist in (maya, tom):
        make_weekly_hours(therapist, start="09:00", end="17:00")
    make_room(services=[service, other])
    make_room(services=[service])
    return {"service": service, "length": length, "stretch": stretch, "maya": maya, "tom": tom}


@pytest.fixture
def clinic(db) -> dict:
    """The small clinic, with the clock pinned to Monday 7 December 2026, 8:00."""
    with time_machine.travel(NOW, tick=False):
        yield make_clinic()


def path(name: str, **params) -> str:
    """Return /book/<name>/ with `params` as its query string."""
    route = "" if name == "start" else f"{name}/"
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"/book/{route}" + (f"?{query}" if query else "")


def details_path(clinic: dict, start: datetime = TUESDAY_10, therapist: str = "maya") -> str:
    return path(
        "details", length=clinic["length"].pk, therapist=therapist, start=local_param(start)
    )


def details_data(**overrides) -> dict:
    """Return a valid details submission (with a fresh idempotency key)."""
    data = {
        "first_name": "Jess",
        "last_name": "Runner",
        "email": "jess@example.com",
        "phone": "(404) 555-0100",
        "weekly_mileage": "35",
        # Upcoming whenever the test runs: 2027-01-17 on the pinned NOW.
        "next_race_date": (timezone.localdate() + timedelta(days=41)).isoformat(),
        "next_race_distance": "half",
        "tight_areas": ["calves", "it_band"],
        "other_area": "",
        "health_conditions": "private-condition-marker",
        "medications": "private-medication-marker",
        "consent_policy": "on",
        "consent_treatment": "on",
        "key": str(uuid4()),
    }
    return data | overrides


def confirm(client: Client, clinic: dict, start: datetime = TUESDAY_10, **fields):
    """Post a confirmed booking (the final step) and return the response."""
    therapist = fields.pop("therapist", "maya")
    data = details_data(**fields) | {"confirm": "1"}
    return client.post(details_path(clinic, start, therapist), data)


def page_text(response) -> str:
    """Return a response's HTML with entities decoded, to look for messages in."""
    return html.unescape(response.content.decode())


def run_due_tasks() -> int:
    """Run the queued tasks that are due, as the worker would; return how many ran.

    For tests inside a transaction, where the real worker's connection handling would
    end the test's transaction.
    """
    count = 0
    while (result := DBTaskResult.objects.ready().first()) is not None:
        result.claim("tests")
        task_result = result.task_result
        result.set_successful(result.task.call(*task_result.args, **task_result.kwargs))
        count += 1
    return count


@pytest.fixture
def booked(clinic) -> booking.Booked:
    """Return Jess's booking with Maya on Thursday at 14:00, made through the pages."""
    response = confirm(Client(), clinic, LATER)
    assert response.status_code == 303, response.content[:2000]
    appointment = Appointment.objects.get()
    token = booking.issue_manage_token(appointment)
    return booking.Booked(appointment, token, created=True)


@pytest.fixture
def wide_pool(transactional_db):
    """Let every racing thread hold its own database connection at the same time.

    The pool keeps at most DB_POOL_MAX (8) connections per process, which would quietly
    queue most of the racers; the race tests widen it for their duration.
    """
    options = connection.settings_dict["OPTIONS"]["pool"]
    saved = dict(options)
    connection.close()
    connection.close_pool()
    options["max_size"] = RACERS + 4
    yield
    connection.close()
    connection.close_pool()
    options.clear()
    options.update(saved)
