"""A training block at the front desk: its page lists the block; Move and Cancel change one
session or it and the later ones, with the desk's name in the history."""

from datetime import timedelta
from uuid import uuid4

import pytest
from django.urls import reverse

from bookings import series
from bookings.frontdesk.forms import version_of
from bookings.models import Appointment, BookingPolicy, ClientMessage
from tests.bookings.staff.conftest import NOW, at
from tests.factories import make_client

Kind = ClientMessage.Kind
TUESDAY = at("10:00") + timedelta(days=1)
WEEKS = series.occurrence_starts(TUESDAY, every_weeks=1, count=4)


@pytest.fixture
def block(clinic, clock, desk_user):
    BookingPolicy.objects.create()
    booked = series.book_series(
        client=make_client(email="jess@example.com"),
        service_length=clinic.length,
        therapist=clinic.ana,
        every_weeks=1,
        starts=WEEKS,
        now=NOW,
        key=uuid4(),
        by=desk_user,
        source=Appointment.Source.DESK,
    )
    return booked.appointments


def statuses() -> list[str]:
    return list(Appointment.objects.order_by("start").values_list("status", flat=True))


def test_the_appointment_page_lists_the_block(desk, block):
    html = desk.get(reverse("staff:appointment", args=[block[1].pk])).text

    assert "Training block (4 sessions, weekly)" in html
    assert "(this one)" in html
    assert reverse("staff:appointment", args=[block[0].pk]) in html
    cancel = desk.get(reverse("staff:cancel", args=[block[1].pk])).text
    assert "Also cancel the later sessions of the block (2 more)" in cancel


def test_cancelling_this_and_the_rest_from_the_desk(desk, desk_user, block):
    second = block[1]
    url = reverse("staff:cancel", args=[second.pk])
    form = {"version": version_of(second), "reason": "Injured", "rest": "on", "notify": "on"}

    answer = desk.post(url, form)

    assert answer.status_code == 303
    assert statuses() == ["booked", "cancelled", "cancelled", "cancelled"]
    for each in Appointment.objects.filter(status="cancelled"):
        assert each.changes.get(action="cancelled").by == desk_user
    assert ClientMessage.objects.filter(kind=Kind.SERIES_CANCELLED).count() == 1
    assert not ClientMessage.objects.filter(kind=Kind.CANCELLED).exists()


def test_cancelling_the_rest_without_email_sends_none(desk, block):
    second = block[1]
    form = {"version": version_of(second), "reason": "Injured", "rest": "on"}

    desk.post(reverse("staff:cancel", args=[second.pk]), form)

    assert statuses() == ["booked", "cancelled", "cancelled", "cancelled"]
    assert not ClientMessage.objects.filter(kind=Kind.SERIES_CANCELLED).exists()


def test_moving_this_and_the_rest_from_the_desk(desk, clinic, block):
    second = block[1]
    form = {
        "version": version_of(second),
        "day": WEEKS[1].date().isoformat(),
        "time": "14:00",
        "therapist": clinic.ana.pk,
        "rest": "on",
    }

    answer = desk.post(reverse("staff:move", args=[second.pk]), form)

    assert answer.status_code == 303
    starts = list(Appointment.objects.order_by("start").values_list("start", flat=True))
    assert starts == [WEEKS[0], *(w + timedelta(hours=4) for w in WEEKS[1:])]


def test_moving_the_rest_to_another_therapist_is_refused(desk, clinic, block):
    second = block[1]
    form = {
        "version": version_of(second),
        "day": WEEKS[1].date().isoformat(),
        "time": "14:00",
        "therapist": clinic.ben.pk,
        "rest": "on",
    }

    answer = desk.post(reverse("staff:move", args=[second.pk]), form)

    assert answer.status_code == 422
    assert "The later sessions keep their therapist and room." in answer.text
    assert list(Appointment.objects.values_list("start", flat=True)) == WEEKS


def test_a_therapist_cannot_cancel_the_block(ana_web, block):
    second = block[1]
    form = {"version": version_of(second), "reason": "x", "rest": "on"}

    answer = ana_web.post(reverse("staff:cancel", args=[second.pk]), form)

    assert answer.status_code == 403
    assert statuses() == ["booked"] * 4


def test_a_single_booking_offers_no_rest_and_ignores_a_forged_one(desk, clinic, clock):
    from tests.bookings.staff.conftest import book

    one = book(clinic, TUESDAY)
    other = book(clinic, TUESDAY + timedelta(days=7))
    assert "later sessions" not in desk.get(reverse("staff:cancel", args=[one.pk])).text

    desk.post(
        reverse("staff:cancel", args=[one.pk]),
        {"version": version_of(one), "reason": "x", "rest": "on"},
    )

    other.refresh_from_db()
    assert other.status == "booked"
    assert Appointment.objects.get(pk=one.pk).status == "cancelled"


def block_form(clinic, **fields) -> dict:
    return {
        "first_name": "Sam",
        "last_name": "Rivera",
        "phone": "(404) 555-0199",
        "email": "sam@example.com",
        "service_length": clinic.length.pk,
        "therapist": clinic.ana.pk,
        "day": TUESDAY.date().isoformat(),
        "time": "10:00",
        "notify": "on",
        "repeat": "1",
        "sessions": "4",
        "key": str(uuid4()),
        **fields,
    }


@pytest.fixture
def policy(db):
    return BookingPolicy.objects.create()


@pytest.mark.usefixtures("clock", "policy")
def test_the_desk_books_a_whole_block_in_one_go(desk, desk_user, clinic):
    form = block_form(clinic)

    answer = desk.post("/staff/book/", form)
    again = desk.post("/staff/book/", form)  # a double submit books it once

    assert answer.status_code == again.status_code == 303
    booked = list(Appointment.objects.order_by("start"))
    assert [a.start for a in booked] == WEEKS
    assert {(a.source, a.series_id is not None, a.created_by_id) for a in booked} == {
        ("desk", True, desk_user.pk)
    }
    assert len({a.series_id for a in booked}) == 1
    assert ClientMessage.objects.filter(kind=Kind.SERIES_BOOKED).count() == 1
    assert not ClientMessage.objects.filter(kind__in=[Kind.CONFIRMATION]).exists()
    assert not ClientMessage.objects.filter(kind__startswith="notice").exists()  # staff did it
    day = desk.get(answer["Location"]).text
    assert "Booked 4 sessions of a training block for Sam Rivera, every week" in day


@pytest.mark.usefixtures("clock", "policy")
def test_a_block_with_a_taken_week_lists_it_and_books_the_rest_only_when_told(desk, clinic):
    taken = Appointment.objects.create(
        client=make_client(),
        therapist=clinic.ana,
        room=clinic.rooms[0],
        service_length=clinic.length,
        start=WEEKS[2],
    )
    form = block_form(clinic)

    refused = desk.post("/staff/book/", form)

    assert refused.status_code == 422
    assert "1 week of the 4 cannot be booked" in refused.text
    assert "Session 3, " in refused.text and "That time is already taken." in refused.text
    assert 'name="skip_taken"' in refused.text
    assert Appointment.objects.count() == 1

    assert 'name="skip_weeks" value="3"' in refused.text
    booked = desk.post("/staff/book/", form | {"skip_taken": "on", "skip_weeks": "3"})

    assert booked.status_code == 303
    starts = list(
        Appointment.objects.exclude(pk=taken.pk).order_by("start").values_list("start", flat=True)
    )
    assert starts == [WEEKS[0], WEEKS[1], WEEKS[3]]


@pytest.mark.usefixtures("clock", "policy")
@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"sessions": ""}, "How many sessions should the block have?"),
        ({"sessions": "13"}, "Ensure this value is less than or equal to 12."),
        ({"repeat": "3"}, "Select a valid choice."),
        ({"sessions": "12", "repeat": "2"}, "we take bookings"),
    ],
)
def test_a_block_of_the_wrong_shape_is_refused_beside_the_field(desk, clinic, fields, message):
    response = desk.post("/staff/book/", block_form(clinic, **fields))

    assert response.status_code == 422
    assert message in response.text
    assert not Appointment.objects.exists()


@pytest.mark.usefixtures("clock", "policy")
def test_skipping_weeks_the_desk_was_not_shown_books_nothing_and_says_why(desk, clinic):
    for week in (WEEKS[1], WEEKS[2]):  # the second was taken after the list was shown
        Appointment.objects.create(
            client=make_client(),
            therapist=clinic.ana,
            room=clinic.rooms[0],
            service_length=clinic.length,
            start=week,
        )
    form = block_form(clinic, skip_taken="on", skip_weeks="3")

    response = desk.post("/staff/book/", form)

    assert response.status_code == 422
    assert "The weeks that cannot be booked have changed. Look at them again." in response.text
    assert 'name="skip_weeks" value="2,3"' in response.text
    assert Appointment.objects.count() == 2
