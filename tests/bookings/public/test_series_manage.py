"""A training block from a session's manage link: this one, or this one and the rest."""

from datetime import timedelta
from uuid import uuid4

import pytest

from bookings import booking, series
from bookings.models import Appointment, BookingPolicy, ClientMessage
from tests.bookings.public.conftest import NOW, TUESDAY_10, local_param, page_text
from tests.factories import make_appointment, make_client

WEEKS = series.occurrence_starts(TUESDAY_10 + timedelta(days=1), every_weeks=1, count=4)
Kind = ClientMessage.Kind


@pytest.fixture
def block(clinic):
    """Jess's block of four Wednesdays at 10:00 with Maya, and a manage link to each."""
    booked = series.book_series(
        client=make_client(email="jess@example.com"),
        service_length=clinic["length"],
        therapist=clinic["maya"],
        every_weeks=1,
        starts=WEEKS,
        now=NOW,
        key=uuid4(),
        policy=BookingPolicy.load(),
    )
    return [(a, booked.tokens[a.pk]) for a in booked.appointments]


def test_the_manage_page_lists_the_block(client, block):
    _second, token = block[1]

    html = page_text(client.get(f"/book/manage/{token}/"))

    assert "Your training block, every week" in html
    assert "Session 2 (this one)" in html
    assert "Wednesday, December 30 at 10:00 AM" in html
    assert "change the 2 later ones with it" in html


def test_cancelling_this_and_the_rest_keeps_the_earlier_sessions(client, block):
    _second, token = block[1]
    page = client.get(f"/book/manage/{token}/cancel/")
    assert "Cancel this and the 2 later sessions" in page.text

    answer = client.post(f"/book/manage/{token}/cancel/", {"reason": "", "rest": "1"})

    assert answer.status_code == 303
    statuses = list(Appointment.objects.order_by("start").values_list("status", flat=True))
    assert statuses == ["booked", "cancelled", "cancelled", "cancelled"]
    assert ClientMessage.objects.filter(kind=Kind.SERIES_CANCELLED).count() == 1
    assert not ClientMessage.objects.filter(kind=Kind.CANCELLED).exists()


def test_cancelling_just_this_one_leaves_the_rest(client, block):
    _second, token = block[1]

    client.post(f"/book/manage/{token}/cancel/", {"reason": ""})

    statuses = list(Appointment.objects.order_by("start").values_list("status", flat=True))
    assert statuses == ["booked", "cancelled", "booked", "booked"]
    assert ClientMessage.objects.filter(kind=Kind.CANCELLED).count() == 1


def test_moving_this_and_the_rest_moves_each_later_session_the_same_way(client, block):
    _second, token = block[1]
    new = WEEKS[1] + timedelta(hours=3)
    url = f"/book/manage/{token}/move/confirm/?start={local_param(new)}"
    assert "Move this and the 2 later sessions the same way" in client.get(url).text

    answer = client.post(url, {"rest": "1"})

    assert answer.status_code == 303
    starts = list(Appointment.objects.order_by("start").values_list("start", flat=True))
    assert starts == [WEEKS[0], *(w + timedelta(hours=3) for w in WEEKS[1:])]
    assert ClientMessage.objects.filter(kind=Kind.SERIES_MOVED).count() == 1
    assert "3 sessions have moved" in page_text(client.get(answer["Location"]))


def test_moving_the_rest_onto_a_taken_time_moves_nothing_and_says_which(client, clinic, block):
    _second, token = block[1]
    room = clinic["maya"].services.first().rooms.first()
    make_appointment(
        therapist=clinic["maya"],
        room=room,
        start=WEEKS[3] + timedelta(hours=3),
        length=clinic["length"],
    )
    url = f"/book/manage/{token}/move/confirm/?start={local_param(WEEKS[1] + timedelta(hours=3))}"

    answer = client.post(url, {"rest": "1"})

    assert answer.status_code == 409
    assert "Nothing was moved" in page_text(answer)
    assert "The session on Wed, Dec 30 can't move to Wed, Dec 30 at 1:00 PM" in page_text(answer)
    assert (
        list(Appointment.objects.filter(series__isnull=False).values_list("start", flat=True))
        == WEEKS
    )


def test_the_rest_cannot_be_changed_inside_the_cut_off(client, block, time_machine):
    first, token = block[0]
    time_machine.move_to(first.start - timedelta(hours=3), tick=False)

    answer = client.post(f"/book/manage/{token}/cancel/", {"reason": "", "rest": "1"})

    assert answer.status_code == 409
    assert not Appointment.objects.filter(status="cancelled").exists()
    assert booking.changeable(
        first, now=first.start - timedelta(days=3), policy=BookingPolicy.load()
    )
