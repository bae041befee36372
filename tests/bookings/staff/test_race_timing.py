"""A desk booking inside the clinic's race timing advice: refused with the advice until the
desk gives a reason, which the appointment's history keeps with who gave it."""

import uuid
from datetime import date

import pytest
from django.urls import reverse

from bookings import booking
from bookings.frontdesk.forms import version_of
from bookings.models import Appointment
from tests.bookings.race_fixtures import give_race, make_timing_rule
from tests.bookings.staff.conftest import NOW, at
from tests.factories import make_client

RACE = date(2026, 6, 17)  # Wednesday: a Tuesday 10:00 session is inside the 48 hours


@pytest.fixture
def runner(clinic, clock):
    client = make_client(first_name="Sam", last_name="Rivera", email="sam@example.com")
    give_race(client, RACE, now=NOW)
    make_timing_rule(clinic.service)
    return client


def form(clinic, runner, **fields) -> dict:
    return {
        "client": runner.pk,
        "service_length": clinic.length.pk,
        "therapist": clinic.ana.pk,
        "day": date(2026, 6, 16).isoformat(),
        "time": "10:00",
        "notify": "",
        "key": str(uuid.uuid4()),
        **fields,
    }


def test_the_desk_is_told_the_advice_and_books_only_with_a_reason(desk, desk_user, clinic, runner):
    refused = desk.post("/staff/book/", form(clinic, runner))

    assert refused.status_code == 422
    text = refused.content.decode()
    assert "Their race is on" in text and "give a reason" in text
    assert 'name="timing_reason"' in text
    assert not Appointment.objects.exists()

    booked = desk.post("/staff/book/", form(clinic, runner, timing_reason="Coach's request"))

    assert booked.status_code == 303
    line = Appointment.objects.get().changes.get(action="timing_staff")
    assert (line.by, line.reason) == (desk_user, "Coach's request")
    assert line.details["race_date"] == RACE.isoformat()


def test_a_session_clear_of_the_race_books_as_usual(desk, clinic, runner):
    response = desk.post("/staff/book/", form(clinic, runner, day="2026-06-18"))  # after it

    assert response.status_code == 303
    appointment = Appointment.objects.get()
    assert list(appointment.changes.values_list("action", flat=True)) == ["booked"]
    assert "timing_reason" not in desk.get("/staff/book/").content.decode()


def test_an_overlong_reason_is_refused_beside_the_field(desk, clinic, runner):
    response = desk.post("/staff/book/", form(clinic, runner, timing_reason="x" * 201))

    assert response.status_code == 422
    assert not Appointment.objects.exists()


def moved_to_tuesday(appointment, **fields) -> dict:
    return {
        "day": "2026-06-16",  # the day before the race: inside the 48 hours
        "time": "10:00",
        "therapist": appointment.therapist_id,
        "room": "",
        "reason": "",
        "notify": "",
        "version": version_of(appointment),
        **fields,
    }


@pytest.fixture
def thursday(clinic, runner):
    """The runner's session after the race, clear of the advice."""
    return booking.book_appointment(
        client=runner,
        service_length=clinic.length,
        start=at("10:00", date(2026, 6, 18)),
        therapist=clinic.ana,
        now=NOW,
    ).appointment


def test_a_desk_move_into_the_advice_asks_for_a_reason_and_keeps_it(desk, desk_user, thursday):
    url = reverse("staff:move", args=[thursday.pk])

    refused = desk.post(url, moved_to_tuesday(thursday, reason="Client asked"))

    assert refused.status_code == 422
    text = refused.content.decode()
    assert "Their race is on" in text and "give a reason" in text
    assert 'type="text" name="timing_reason"' in text  # shown now that it is needed
    thursday.refresh_from_db()
    assert thursday.start == at("10:00", date(2026, 6, 18))
    assert 'type="hidden" name="timing_reason"' in desk.get(url).content.decode()

    moved = desk.post(url, moved_to_tuesday(thursday, timing_reason="Race moved to Sunday"))

    assert moved.status_code == 303
    thursday.refresh_from_db()
    assert thursday.start == at("10:00", date(2026, 6, 16))
    line = thursday.changes.get(action="timing_staff")
    assert (line.by, line.reason) == (desk_user, "Race moved to Sunday")


def test_a_dragged_move_into_the_advice_is_refused_in_words(desk, thursday):
    refused = desk.post(
        reverse("staff:move", args=[thursday.pk]),
        moved_to_tuesday(thursday),
        headers={"Accept": "application/json"},
    )

    assert refused.status_code == 422
    assert "give a reason" in refused.json()["message"]
    thursday.refresh_from_db()
    assert thursday.start == at("10:00", date(2026, 6, 18))


def test_a_walk_in_inside_the_advice_is_booked_only_with_a_reason(
    desk, desk_user, clinic, runner, clock
):
    clock.move_to(at("10:07"))  # Monday: the slot under way is two days before the race
    desk.force_login(desk_user)
    form = {
        "client": runner.pk,
        "service_length": clinic.length.pk,
        "therapist": clinic.ana.pk,
        "key": str(uuid.uuid4()),
    }

    refused = desk.post("/staff/walk-in/", form)

    assert refused.status_code == 422
    assert "Their race is on" in refused.text and 'name="timing_reason"' in refused.text
    assert not Appointment.objects.exists()

    booked = desk.post("/staff/walk-in/", form | {"timing_reason": "Only free day"})

    assert booked.status_code == 303
    appointment = Appointment.objects.get()
    assert appointment.status == "checked_in"
    line = appointment.changes.get(action="timing_staff")
    assert (line.by, line.reason) == (desk_user, "Only free day")
