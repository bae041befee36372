"""The daily cap: the clinic's default, a therapist's own override, and every write held to it.

The racing cases (bookings and moves at the same moment) are in tests/bookings/public/test_race.py.
"""

from datetime import datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from bookings import booking, queries
from bookings.models import Appointment, AppointmentChange, BookingPolicy, ClientMessage
from tests.factories import (
    make_client,
    make_length,
    make_room,
    make_service,
    make_therapist,
    make_weekly_hours,
)

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=NY)  # a Monday morning
TUESDAY = datetime(2026, 12, 8, tzinfo=NY)
WEDNESDAY = TUESDAY + timedelta(days=1)
FULL_TUESDAY = "is fully booked on Tue, Dec 8. Please choose another day."


@pytest.fixture
def clinic(db):
    """Maya and Tom working 9-17 daily, two rooms, and a clinic cap of one session a day."""
    BookingPolicy.objects.create(max_sessions_per_day=1)
    service = make_service(lengths=())
    length = make_length(service, minutes=60, after=15)
    maya = make_therapist(name="Maya", services=[service])
    tom = make_therapist(name="Tom", services=[service])
    for therapist in (maya, tom):
        make_weekly_hours(therapist, start="09:00", end="17:00")
    make_room(services=[service])
    make_room(services=[service])
    with time_machine.travel(NOW, tick=False):
        yield {"length": length, "maya": maya, "tom": tom}


def at(day: datetime, hour: int) -> datetime:
    return day.replace(hour=hour)


def book(clinic: dict, start: datetime, therapist: str = "maya", **kwargs) -> booking.Booked:
    return booking.book_appointment(
        client=make_client(),
        service_length=clinic["length"],
        start=start,
        now=timezone.now(),
        therapist=clinic[therapist] if therapist else None,
        key=uuid4(),
        **kwargs,
    )


def maya_days(clinic: dict) -> set:
    """Return the local days on which Maya is offered this week."""
    found = queries.available_slots(
        service_length=clinic["length"],
        policy=BookingPolicy.load(),
        now=timezone.now(),
        start_date=TUESDAY.date(),
        end_date=TUESDAY.date() + timedelta(days=3),
        therapists=[clinic["maya"]],
    )
    return {timezone.localdate(start) for start in found.by_therapist[clinic["maya"].pk]}


def test_a_full_day_is_refused_by_name_with_times_on_other_days(clinic):
    book(clinic, at(TUESDAY, 10))

    with pytest.raises(booking.FullyBooked) as refused:
        book(clinic, at(TUESDAY, 14))

    assert str(refused.value) == f"Maya {FULL_TUESDAY}"
    offered = {timezone.localdate(offer.start) for offer in refused.value.alternatives}
    assert offered and TUESDAY.date() not in offered
    assert Appointment.objects.count() == 1


def test_a_therapist_s_own_cap_overrides_the_clinic_default(clinic):
    clinic["maya"].max_sessions_per_day = 2
    clinic["maya"].save()

    book(clinic, at(TUESDAY, 10))
    book(clinic, at(TUESDAY, 14))
    book(clinic, at(TUESDAY, 10), therapist="tom")
    with pytest.raises(booking.FullyBooked, match=f"Maya {FULL_TUESDAY}"):
        book(clinic, at(TUESDAY, 16))
    with pytest.raises(booking.FullyBooked, match=f"Tom {FULL_TUESDAY}"):
        book(clinic, at(TUESDAY, 14), therapist="tom")

    assert Appointment.objects.filter(therapist=clinic["maya"]).count() == 2


def test_a_therapist_s_own_cap_holds_when_the_clinic_has_none(clinic):
    BookingPolicy.objects.update(max_sessions_per_day=None)
    clinic["maya"].max_sessions_per_day = 1
    clinic["maya"].save()
    book(clinic, at(TUESDAY, 10))

    with pytest.raises(booking.FullyBooked):
        book(clinic, at(TUESDAY, 14))
    book(clinic, at(TUESDAY, 10), therapist="tom")
    book(clinic, at(TUESDAY, 14), therapist="tom")


def test_the_engine_hides_a_full_day_until_a_session_is_cancelled(clinic):
    booked = book(clinic, at(TUESDAY, 10))

    assert maya_days(clinic) == {WEDNESDAY.date(), WEDNESDAY.date() + timedelta(days=1)}
    booking.cancel_appointment(appointment=booked.appointment, now=timezone.now())
    assert TUESDAY.date() in maya_days(clinic)
    book(clinic, at(TUESDAY, 14))


def test_any_therapist_on_a_day_one_has_filled_goes_to_the_other(clinic):
    book(clinic, at(TUESDAY, 10))

    chosen = book(clinic, at(TUESDAY, 14), therapist=None)

    assert chosen.appointment.therapist == clinic["tom"]


def test_staff_are_held_to_the_cap_too(clinic):
    desk = get_user_model().objects.create_user("desk", password="a-long-desk-password-1")
    book(clinic, at(TUESDAY, 10))

    with pytest.raises(booking.FullyBooked, match=f"Maya {FULL_TUESDAY}"):
        book(clinic, at(TUESDAY, 14), by=desk)


def test_a_booking_that_passed_a_stale_check_is_refused_under_the_lock(clinic, monkeypatch):
    # What a racing booking sees: the engine counted before the other one was written.
    room = book(clinic, at(TUESDAY, 10)).appointment.room_id
    monkeypatch.setattr(booking, "confirm_offer", lambda **kw: (clinic["maya"].pk, room))
    messages_before = ClientMessage.objects.count()

    with pytest.raises(booking.FullyBooked, match=f"Maya {FULL_TUESDAY}") as refused:
        book(clinic, at(TUESDAY, 14))

    assert refused.value.alternatives
    assert Appointment.objects.count() == 1
    assert ClientMessage.objects.count() == messages_before


def test_a_move_into_a_full_day_is_refused_and_changes_nothing(clinic):
    book(clinic, at(TUESDAY, 10))
    mover = book(clinic, at(WEDNESDAY, 10)).appointment

    with pytest.raises(booking.FullyBooked, match=f"Maya {FULL_TUESDAY}") as refused:
        booking.reschedule_appointment(appointment=mover, start=at(TUESDAY, 14), now=timezone.now())

    assert refused.value.alternatives
    mover.refresh_from_db()
    assert mover.start == at(WEDNESDAY, 10)
    assert not mover.changes.filter(action=AppointmentChange.Action.MOVED).exists()


def test_a_move_onto_another_therapist_s_full_day_is_refused(clinic):
    book(clinic, at(TUESDAY, 10), therapist="tom")
    mover = book(clinic, at(TUESDAY, 14)).appointment

    with pytest.raises(booking.FullyBooked, match=f"Tom {FULL_TUESDAY}"):
        booking.reschedule_appointment(
            appointment=mover, start=at(TUESDAY, 15), therapist=clinic["tom"], now=timezone.now()
        )


def test_a_stale_move_into_a_full_day_is_refused_under_the_lock(clinic, monkeypatch):
    book(clinic, at(TUESDAY, 10))
    mover = book(clinic, at(WEDNESDAY, 10)).appointment
    room = mover.room_id
    monkeypatch.setattr(booking, "confirm_offer", lambda **kw: (clinic["maya"].pk, room))

    with pytest.raises(booking.FullyBooked, match=f"Maya {FULL_TUESDAY}"):
        booking.reschedule_appointment(appointment=mover, start=at(TUESDAY, 14), now=timezone.now())

    mover.refresh_from_db()
    assert mover.start == at(WEDNESDAY, 10)


def test_a_move_within_its_own_full_day_does_not_count_itself(clinic):
    session = book(clinic, at(TUESDAY, 10)).appointment

    moved = booking.reschedule_appointment(
        appointment=session, start=at(TUESDAY, 14), now=timezone.now()
    )

    assert moved.start == at(TUESDAY, 14)


def test_a_cancelled_session_leaves_room_under_the_cap(clinic):
    first = book(clinic, at(TUESDAY, 10)).appointment
    booking.cancel_appointment(appointment=first, now=timezone.now())

    assert book(clinic, at(TUESDAY, 14)).created
