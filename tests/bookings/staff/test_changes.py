"""Booking and changing appointments from the calendar: through booking.py, with history."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse

from bookings import booking
from bookings.frontdesk.forms import version_of
from bookings.models import (
    Appointment,
    AppointmentChange,
    Client,
    ClientMessage,
    TimeOff,
    TimeOffChange,
    WaitlistHold,
)
from tests.bookings.staff.conftest import MONDAY, NOW, at
from tests.factories import make_client, make_room

pytestmark = pytest.mark.usefixtures("clock")
Kind = ClientMessage.Kind


def booking_form(clinic, **fields) -> dict:
    return {
        "first_name": "Sam",
        "last_name": "Rivera",
        "phone": "(404) 555-0199",
        "email": "",
        "service_length": clinic.length.pk,
        "therapist": clinic.ana.pk,
        "day": MONDAY.isoformat(),
        "time": "10:00",
        "notify": "on",
        "key": str(uuid.uuid4()),
        **fields,
    }


def booked(clinic, start, **kwargs) -> Appointment:
    """Book through booking.py, as the public site did the day before."""
    kwargs.setdefault("therapist", clinic.ana)
    result = booking.book_appointment(
        client=kwargs.pop("client", None) or make_client(),
        service_length=clinic.length,
        start=start,
        now=NOW - timedelta(days=1),
        **kwargs,
    )
    return result.appointment


def messages_of(appointment: Appointment) -> list[str]:
    return list(appointment.messages.exclude(kind=Kind.REMINDER).values_list("kind", flat=True))


def test_front_desk_books_a_phone_client_inside_the_minimum_notice(desk, desk_user, clinic):
    response = desk.post("/staff/book/", booking_form(clinic))

    appointment = Appointment.objects.get()
    assert response.status_code == 303
    # Back on the day, the new session highlighted.
    assert response["Location"] == (
        f"/staff/day/{MONDAY}/?highlight={appointment.pk}#appt-{appointment.pk}"
    )
    assert appointment.start == at("10:00")  # 2.5 hours ahead: online needs 12
    assert (appointment.therapist, appointment.created_by) == (clinic.ana, desk_user)
    assert str(appointment.client) == "Sam Rivera"
    assert appointment.client.phone == "+14045550199"  # stored E.164
    assert appointment.client.phone_display == "(404) 555-0199"
    change = appointment.changes.get()
    assert (change.action, change.by) == ("booked", desk_user)
    assert messages_of(appointment) == [Kind.CONFIRMATION]


def test_front_desk_finds_a_client_and_books_without_emailing_them(desk, clinic):
    client = make_client(first_name="Jess", last_name="Alvarez", phone="404.555.0170")

    found = desk.post("/staff/book/", {"q": "5550170"})
    response = desk.post(
        f"/staff/book/?client={client.pk}",
        booking_form(clinic, client=client.pk, first_name="", last_name="", notify=""),
    )

    assert f'href="?client={client.pk}"' in found.text
    assert response.status_code == 303
    appointment = Appointment.objects.get()
    assert appointment.client == client
    assert messages_of(appointment) == []
    assert Client.objects.count() == 1


def test_booking_form_errors_are_shown_beside_fields_and_change_nothing(desk, clinic):
    other = make_client()
    form = booking_form(
        clinic, first_name="", phone="", time="25:00", service_length="999", therapist="x"
    )

    response = desk.post("/staff/book/", form)

    assert response.status_code == 422
    assert "Enter the client&#x27;s name, or find them above." in response.text
    assert "Give a phone number or an email to reach them." in response.text
    assert "Enter a valid time." in response.text
    assert response.text.count("Select a valid choice.") == 2
    assert list(Client.objects.all()) == [other]
    assert not Appointment.objects.exists()


def test_a_taken_time_is_refused_with_nearby_times_and_keeps_no_new_client(desk, clinic):
    booked(clinic, at("10:00"))
    clients_before = Client.objects.count()

    response = desk.post("/staff/book/", booking_form(clinic))

    assert response.status_code == 409
    assert "Sorry, that time was no longer available." in response.text
    assert "Free nearby:" in response.text
    assert "11:15 AM with Ana Ortiz" in response.text
    assert Client.objects.count() == clients_before
    assert Appointment.objects.count() == 1


def test_the_same_booking_form_sent_twice_books_once(desk, clinic):
    form = booking_form(clinic)

    first = desk.post("/staff/book/", form)
    second = desk.post("/staff/book/", form)
    tampered = desk.post("/staff/book/", {**form, "time": "14:00"})

    assert second.status_code == 303
    assert second["Location"] == first["Location"]
    assert tampered.status_code == 422
    assert "already used for another booking" in tampered.text
    assert Appointment.objects.count() == 1
    assert Client.objects.count() == 1


def move_form(appointment: Appointment, **fields) -> dict:
    return {
        "day": MONDAY.isoformat(),
        "time": "10:00",
        "therapist": appointment.therapist_id,
        "room": "",
        "reason": "",
        "notify": "on",
        "version": version_of(appointment),
        **fields,
    }


def test_moving_to_another_therapist_and_room_is_recorded_and_emailed(desk, desk_user, clinic):
    appointment = booked(clinic, at("10:00"))
    form = move_form(
        appointment,
        therapist=clinic.ben.pk,
        room=clinic.rooms[1].pk,
        time="11:00",
        reason="Ana is unwell",
    )

    response = desk.post(reverse("staff:move", args=[appointment.pk]), form)

    assert response.status_code == 303
    appointment.refresh_from_db()
    assert (appointment.therapist, appointment.room) == (clinic.ben, clinic.rooms[1])
    assert appointment.start == at("11:00")
    change = appointment.changes.get(action="moved")
    assert (change.by, change.reason) == (desk_user, "Ana is unwell")
    assert messages_of(appointment) == [Kind.CONFIRMATION, Kind.MOVED]
    page = desk.get(response["Location"]).text
    assert "Therapist: Ana Ortiz → Ben Cole" in page
    assert "Start: Mon, Jun 15, 2026, 10:00 AM → Mon, Jun 15, 2026, 11:00 AM" in page
    assert "Ana is unwell" in page
    assert desk_user.username in page
    assert "Client (online)" in page  # who booked it


def test_moving_without_notifying_sends_nothing(desk, clinic):
    appointment = booked(clinic, at("10:00"), notify=False)

    desk.post(
        reverse("staff:move", args=[appointment.pk]),
        move_form(appointment, time="14:00", notify=""),
    )

    appointment.refresh_from_db()
    assert appointment.start == at("14:00")
    assert messages_of(appointment) == []


def test_a_room_that_is_busy_or_unsuitable_is_refused(desk, clinic):
    appointment = booked(clinic, at("10:00"))
    booked(clinic, at("14:00"), therapist=clinic.ben)  # takes the first free room
    busy_room = Appointment.objects.get(therapist=clinic.ben).room
    wrong_room = make_room(name="Sauna")
    url = reverse("staff:move", args=[appointment.pk])

    busy = desk.post(url, move_form(appointment, time="14:00", room=busy_room.pk))
    wrong = desk.post(url, move_form(appointment, time="14:00", room=wrong_room.pk))

    assert busy.status_code == 409
    assert f"{busy_room.name} is in use Mon, Jun 15, 2:00\u20133:15 PM" in busy.text
    assert wrong.status_code == 422
    assert "Select a valid choice." in wrong.text
    appointment.refresh_from_db()
    assert appointment.start == at("10:00")


def test_a_change_made_from_a_stale_page_changes_nothing_and_says_why(desk, clinic, desk_user):
    appointment = booked(clinic, at("10:00"))
    form = move_form(appointment, time="14:00")
    booking.set_status(appointment=appointment, status="checked_in", by=desk_user, now=at("09:30"))

    response = desk.post(reverse("staff:move", args=[appointment.pk]), form)

    assert response.status_code == 422
    assert "Someone changed this appointment after you opened this page." in response.text
    appointment.refresh_from_db()
    assert appointment.start == at("10:00")
    assert not appointment.changes.filter(action="moved").exists()


def test_moving_it_nowhere_is_an_error(desk, clinic):
    appointment = booked(clinic, at("10:00"))

    response = desk.post(reverse("staff:move", args=[appointment.pk]), move_form(appointment))

    assert response.status_code == 422
    assert "already is" in response.text


def test_cancelling_needs_a_reason_then_frees_the_time(desk, desk_user, clinic):
    appointment = booked(clinic, at("10:00"))
    url = reverse("staff:cancel", args=[appointment.pk])
    form = {"version": version_of(appointment), "notify": "on"}

    refused = desk.post(url, form)
    done = desk.post(url, {**form, "reason": "Called in sick"})

    assert refused.status_code == 422
    assert "This field is required." in refused.text
    assert done.status_code == 303
    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancel_reason) == ("cancelled", "Called in sick")
    assert appointment.changes.get(action="cancelled").by == desk_user
    assert messages_of(appointment) == [Kind.CONFIRMATION, Kind.CANCELLED]


def test_blocking_time_shades_the_calendar_and_refuses_a_clash(desk, clinic):
    booked(clinic, at("10:00"))
    form = {"therapist": clinic.ana.pk, "day": MONDAY.isoformat(), "reason": "Dentist"}

    clash = desk.post("/staff/block/", {**form, "start_time": "09:30", "end_time": "10:30"})
    backwards = desk.post("/staff/block/", {**form, "start_time": "15:00", "end_time": "14:00"})
    done = desk.post("/staff/block/", {**form, "start_time": "14:00", "end_time": "15:00"})

    assert clash.status_code == 422
    assert "Ana Ortiz has a session at Mon, Jun 15, 2026, 10:00 AM in that time." in clash.text
    assert backwards.status_code == 422
    assert "The end must be after the start." in backwards.text
    assert done["Location"] == f"/staff/day/{MONDAY}/"
    assert TimeOff.objects.get().reason == "Dentist"
    assert "Dentist" in desk.get(done["Location"]).text
    assert AppointmentChange.objects.count() == 1


def test_the_desk_removes_time_off_from_the_block_page_with_a_history_row(desk, desk_user, clinic):
    off = booking.block_time(
        therapist=clinic.ana, start=at("14:00"), end=at("15:00"), by=desk_user, reason="Dentist"
    )
    page = desk.get(f"/staff/block/?therapist={clinic.ana.pk}&day={MONDAY}")
    assert "Already off on" in page.text and "Dentist" in page.text
    assert f'action="/staff/block/{off.pk}/remove/"' in page.text

    done = desk.post(f"/staff/block/{off.pk}/remove/", {"therapist": clinic.ana.pk, "day": MONDAY})

    assert done.status_code == 303 and done["Location"] == f"/staff/day/{MONDAY}/"
    assert not TimeOff.objects.exists()
    line = TimeOffChange.objects.get(action="removed")
    assert (line.by, line.details["reason"]) == (desk_user, "Dentist")
    assert "that time can be booked again" in desk.get(done["Location"]).text


def test_a_waitlist_hold_or_a_removed_entry_is_refused_in_words(desk, desk_user, clinic):
    held = TimeOff.objects.create(therapist=clinic.ana, start=at("11:00"), end=at("12:00"))
    WaitlistHold.objects.create(
        therapist=clinic.ana,
        start=at("11:00"),
        time_off=held,
        held_from=at("11:00"),
        held_until=at("12:00"),
        expires_at=NOW + timedelta(minutes=15),
    )
    page = desk.get(f"/staff/block/?therapist={clinic.ana.pk}&day={MONDAY}")
    assert "Held for the waitlist" in page.text
    assert f"/staff/block/{held.pk}/remove/" not in page.text

    refused = desk.post(f"/staff/block/{held.pk}/remove/", {"therapist": clinic.ana.pk})
    gone = desk.post("/staff/block/999999/remove/", {"therapist": "x", "day": "never"})

    assert refused.status_code == gone.status_code == 409
    assert "held for the waitlist" in refused.text and "Nothing was changed." in refused.text
    assert "already been removed" in gone.text
    assert TimeOff.objects.filter(pk=held.pk).exists()
    assert not TimeOffChange.objects.exists()


def test_a_therapist_cannot_remove_the_desk_s_blocks(ana_web, desk_user, clinic):
    off = booking.block_time(therapist=clinic.ana, start=at("14:00"), end=at("15:00"), by=desk_user)

    response = ana_web.post(f"/staff/block/{off.pk}/remove/")

    assert response.status_code == 403
    assert TimeOff.objects.filter(pk=off.pk).exists()


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "not-a-day"])
def test_the_block_page_answers_any_typed_day(desk, clinic, day):
    response = desk.get(f"/staff/block/?therapist={clinic.ana.pk}&day={day}")

    assert response.status_code == 200
