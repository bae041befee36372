"""Model validation messages, the times an appointment fills in, and QuerySet methods."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from bookings.models import (
    Appointment,
    AppointmentChange,
    BookingPolicy,
    ClientChange,
    DateHours,
    Room,
    Therapist,
    TimeOff,
)
from bookings.models import WeeklyHours as Hours
from bookings.models.history import ChangeRecord
from tests.factories import (
    make_appointment,
    make_client,
    make_date_hours,
    make_length,
    make_room,
    make_service,
    make_therapist,
    make_weekly_hours,
)

NY = ZoneInfo("America/New_York")
TEN = datetime(2026, 6, 15, 10, tzinfo=NY)

pytestmark = pytest.mark.django_db


def errors(instance) -> dict[str, list[str]]:
    """Return the messages full_clean() gives, by field."""
    with pytest.raises(ValidationError) as raised:
        instance.full_clean()
    return raised.value.message_dict


@pytest.fixture
def maya() -> Therapist:
    maya = make_therapist(name="Maya Brooks")
    make_weekly_hours(maya, weekdays=[0], start="09:00", end="12:30")
    return maya


def test_weekly_hours_must_end_after_they_start(maya):
    hours = Hours(therapist=maya, weekday=2, start=time(12), end=time(9))

    assert errors(hours) == {"end": ["The end must be after the start."]}


def test_overlapping_weekly_hours_are_rejected_naming_the_clash(maya):
    hours = Hours(therapist=maya, weekday=0, start=time(12), end=time(14))

    assert errors(hours) == {
        "start": ["Overlaps Monday 9:00 AM\u201312:30 PM, already set for this therapist."]
    }


@pytest.mark.parametrize(
    ("weekday", "start", "end", "other_therapist"),
    [
        (0, "12:30", "18:00", False),  # touching: the break is zero minutes long
        (0, "07:00", "09:00", False),
        (1, "09:00", "12:30", False),  # another weekday
        (0, "09:00", "12:30", True),  # another therapist
    ],
)
def test_weekly_hours_that_do_not_overlap_are_valid(maya, weekday, start, end, other_therapist):
    therapist = make_therapist() if other_therapist else maya
    hours = Hours(
        therapist=therapist,
        weekday=weekday,
        start=time.fromisoformat(start),
        end=time.fromisoformat(end),
    )

    hours.full_clean()


def test_editing_weekly_hours_does_not_clash_with_themselves(maya):
    hours = maya.weekly_hours.get()
    hours.end = time(13)

    hours.full_clean()


def test_date_hours_need_both_times_or_neither(maya):
    assert errors(DateHours(therapist=maya, date=TEN.date(), start=time(9))) == {
        "end": ["Give a start and an end, or neither for a day off."]
    }
    DateHours(therapist=maya, date=TEN.date()).full_clean()  # a day off


def test_a_day_off_clashes_with_hours_on_the_same_date(maya):
    make_date_hours(maya, day=TEN.date(), start="10:00", end="14:00")

    assert errors(DateHours(therapist=maya, date=TEN.date())) == {
        "date": [
            "Clashes with Mon, Jun 15, 2026, 10:00 AM\u20132:00 PM already set for this therapist."
        ]
    }


def test_two_intervals_on_one_date_are_fine_unless_they_overlap(maya):
    make_date_hours(maya, day=TEN.date(), start="10:00", end="12:00")

    DateHours(therapist=maya, date=TEN.date(), start=time(13), end=time(15)).full_clean()
    clash = DateHours(therapist=maya, date=TEN.date(), start=time(11), end=time(15))
    assert list(errors(clash)) == ["date"]


def test_time_off_must_end_after_it_starts(maya):
    assert errors(TimeOff(therapist=maya, start=TEN, end=TEN)) == {
        "end": ["The end must be after the start."]
    }


@pytest.fixture
def booked(maya):
    """Maya's 10:00 60-minute session (15 minutes' turnover after) in a massage room."""
    service = make_service()
    maya.services.add(service)
    room = make_room(name="Treatment room 1", services=[service])
    length = make_length(service, minutes=60, before=5, after=15)
    return make_appointment(therapist=maya, room=room, start=TEN, length=length)


def test_an_appointment_fills_its_end_and_buffered_span_from_the_length(booked):
    assert booked.end == TEN + timedelta(minutes=60)
    assert (booked.buffer_before, booked.buffer_after) == (5, 15)
    assert booked.occupied_from == TEN - timedelta(minutes=5)
    assert booked.occupied_until == TEN + timedelta(minutes=75)


def test_an_appointment_keeps_the_buffers_it_was_booked_with(booked):
    booked.service_length.buffer_after = 30
    booked.service_length.save()

    booked.refresh_from_db()
    booked.save()

    assert booked.occupied_until == TEN + timedelta(minutes=75)


def test_moving_an_appointment_keeps_its_length_and_buffers(booked):
    booked.move_to(TEN + timedelta(hours=2))
    booked.save()

    booked.refresh_from_db()
    assert booked.sequence == 1  # calendars replace the old event
    assert booked.end - booked.start == timedelta(minutes=60)
    assert booked.occupied_from == TEN + timedelta(minutes=115)
    assert booked.occupied_until == TEN + timedelta(minutes=195)


def test_a_clashing_appointment_is_rejected_naming_the_clash(booked):
    clash = Appointment(
        client=make_client(),
        therapist=booked.therapist,
        room=make_room(services=[booked.service_length.service]),
        service_length=booked.service_length,
        start=TEN + timedelta(minutes=70),
    )

    assert errors(clash) == {
        "therapist": [
            "Maya Brooks is already booked Mon, Jun 15, 9:55\u201311:15 AM, turnover included."
        ]
    }


def test_a_clash_in_the_room_is_reported_on_the_room(booked):
    service = booked.service_length.service
    clash = Appointment(
        client=make_client(),
        therapist=make_therapist(services=[service]),
        room=booked.room,
        service_length=booked.service_length,
        start=TEN,
    )

    assert list(errors(clash)) == ["room"]
    assert "Treatment room 1 is already booked" in errors(clash)["room"][0]


def test_a_cancelled_appointment_clashes_with_nothing(booked):
    clash = Appointment(
        client=make_client(),
        therapist=booked.therapist,
        room=booked.room,
        service_length=booked.service_length,
        start=TEN,
        status=Appointment.Status.CANCELLED,
    )

    clash.full_clean()


def test_the_room_must_suit_and_the_therapist_offer_the_service(booked):
    stretching = make_service(title="Assisted stretching")
    appointment = Appointment(
        client=make_client(),
        therapist=booked.therapist,
        room=make_room(name="Stretch studio", services=[stretching]),
        service_length=booked.service_length,
        start=TEN + timedelta(days=1),
    )
    service = booked.service_length.service

    assert errors(appointment) == {
        "room": [f"Stretch studio is not set up for {service}."],
    }
    appointment.room = booked.room
    appointment.therapist = make_therapist(name="Tom Hadley", services=[stretching])
    assert errors(appointment) == {"therapist": [f"Tom Hadley does not offer {service}."]}


def test_active_leaves_out_cancelled_and_no_show(booked):
    for status in [Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW]:
        make_appointment(
            therapist=booked.therapist,
            room=booked.room,
            start=TEN,
            status=status,
            length=booked.service_length,
        )

    assert list(Appointment.objects.active()) == [booked]
    assert Appointment.objects.count() == 3


@pytest.mark.parametrize(
    ("minutes_from_ten", "length", "overlaps"),
    [
        (-10, 5, False),  # ends when the before-buffer starts
        (-10, 6, True),  # reaches into the before-buffer
        (74, 10, True),  # inside the after-buffer
        (75, 10, False),  # starts when the after-buffer ends
    ],
)
def test_overlapping_counts_the_buffers(booked, minutes_from_ten, length, overlaps):
    start = TEN + timedelta(minutes=minutes_from_ten)

    found = Appointment.objects.overlapping(start, start + timedelta(minutes=length))

    assert list(found) == ([booked] if overlaps else [])


def test_therapists_active_and_offering_a_service(db):
    massage, stretching = make_service(), make_service()
    maya = make_therapist(services=[massage, stretching])
    make_therapist(services=[massage], active=False)
    make_therapist(services=[stretching])

    assert list(Therapist.objects.active().offering(massage)) == [maya]


def test_rooms_active_and_suiting_a_service(db):
    massage, stretching = make_service(), make_service()
    room = make_room(services=[massage])
    make_room(services=[massage], active=False)
    make_room(services=[stretching])

    assert list(Room.objects.active().suiting(massage)) == [room]


def test_booking_policy_loads_defaults_until_saved(db):
    policy = BookingPolicy.load()
    assert policy._state.adding
    assert (policy.slot_step_minutes, policy.min_notice_hours, policy.horizon_days) == (15, 12, 60)

    BookingPolicy(horizon_days=30).save()

    assert BookingPolicy.load().horizon_days == 30


def test_appointment_and_client_history_share_one_shape():
    for model in (AppointmentChange, ClientChange):
        assert issubclass(model, ChangeRecord)
        assert {"at", "by", "details"} <= {f.name for f in model._meta.get_fields()}
    assert AppointmentChange(action="booked").actor == "Client (online)"
    assert ClientChange(action="edited").actor == "Unknown"
    assert str(ClientChange(action="edited")).startswith("Contact details edited at ")
