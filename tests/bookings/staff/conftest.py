"""Fixtures for the staff pages: a small clinic, a pinned clock and one account per role."""

from collections.abc import Callable
from datetime import date, datetime, time
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User

from bookings import roles
from bookings.models import Appointment, Therapist
from tests.factories import (
    make_appointment,
    make_length,
    make_room,
    make_service,
    make_therapist,
    make_weekly_hours,
)
from tests.helpers import StaffClient as WebClient

NY = ZoneInfo("America/New_York")
MONDAY = date(2026, 6, 15)
NOW = datetime(2026, 6, 15, 7, 30, tzinfo=NY)  # before the clinic opens that Monday


def at(hhmm: str, day: date = MONDAY) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=NY)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def clinic(db):
    """A 60-minute massage (15 minutes' turnover after), two rooms and two therapists
    working 9:00-12:30 and 13:30-17:00 every day; returns a namespace of them."""
    service = make_service(title="Sports massage")
    length = make_length(service, minutes=60, before=0, after=15)
    rooms = [make_room(services=[service], name=f"Room {n}") for n in ("A", "B")]
    ana = make_therapist(services=[service], name="Ana Ortiz", ordering=1)
    ben = make_therapist(services=[service], name="Ben Cole", ordering=2)
    for therapist in (ana, ben):
        make_weekly_hours(therapist, start="09:00", end="12:30")
        make_weekly_hours(therapist, start="13:30", end="17:00")
    return SimpleNamespace(service=service, length=length, rooms=rooms, ana=ana, ben=ben)


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    """Return a factory of users with a staff role (or none)."""
    roles.sync_roles()
    count = iter(range(1, 1000))

    def make(role: str | None = None, *, therapist: Therapist | None = None, **fields) -> User:
        # No password unless a test signs in with one: hashing (Argon2) is slow on purpose.
        password = fields.pop("password", None)
        user = User.objects.create_user(username=f"user{next(count)}", password=password, **fields)
        if role:
            roles.assign_role(user, role)
        if therapist is not None:
            therapist.user = user
            therapist.save(update_fields=["user"])
        return user

    return make


@pytest.fixture
def desk_user(make_user) -> User:
    return make_user(roles.FRONT_DESK, is_staff=True)


@pytest.fixture
def desk(desk_user) -> WebClient:
    """A browser signed in as the front desk."""
    web = WebClient()
    web.force_login(desk_user)
    return web


@pytest.fixture
def ana_user(make_user, clinic) -> User:
    return make_user(roles.THERAPIST, therapist=clinic.ana, is_staff=True)


@pytest.fixture
def ana_web(ana_user) -> WebClient:
    web = WebClient()
    web.force_login(ana_user)
    return web


def book(clinic, start: datetime, *, therapist=None, room=None, **fields) -> Appointment:
    """Save an appointment directly (not through booking.py), for a page to show."""
    return make_appointment(
        therapist=therapist or clinic.ana,
        room=room or clinic.rooms[0],
        start=start,
        length=fields.pop("length", clinic.length),
        **fields,
    )
