"""The therapist and the front desk hear of what runners do online: short emails through the
same outbox, without health details, each kind switched off per recipient."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client

from bookings import booking
from bookings.models import Appointment, BookingPolicy, ClientMessage, RunnerIntake
from tests.bookings.public.conftest import LATER, confirm, local_param, run_due_tasks

Kind = ClientMessage.Kind
HEALTH = ("stress fracture", "ibuprofen", "Calf strain")


@pytest.fixture
def listening(clinic) -> dict:
    """Maya (signed in as maya's account, with an email) and the desk both hear everything."""
    maya = clinic["maya"]
    maya.user = User.objects.create_user("maya", email="maya@clinic.example", is_staff=True)
    maya.save(update_fields=["user"])
    BookingPolicy.objects.filter(pk=1).update(desk_email="desk@clinic.example")
    return clinic


def book_with_health_details(clinic) -> Appointment:
    response = confirm(Client(), clinic, LATER)
    assert response.status_code == 303
    appointment = Appointment.objects.get()
    RunnerIntake.objects.create(
        client=appointment.client,
        health_conditions="Healing stress fracture",
        medications="ibuprofen",
        policy_consent_at=appointment.created_at,
        policy_version="1",
        treatment_consent_at=appointment.created_at,
        treatment_version="1",
    )
    return appointment


def notices(mailoutbox) -> dict[str, list[str]]:
    """Return {recipient: [subject, ...]} of the staff notices sent."""
    sent: dict[str, list[str]] = {}
    for message in mailoutbox:
        if message.to[0].endswith("@clinic.example"):
            sent.setdefault(message.to[0], []).append(message.subject)
    return sent


def test_an_online_booking_emails_the_therapist_and_the_desk_once_each(listening, mailoutbox):
    book_with_health_details(listening)

    run_due_tasks()

    assert notices(mailoutbox) == {
        "maya@clinic.example": ["Booked online: Jess R., Sports massage, Thu, Dec 10 at 2:00 PM"],
        "desk@clinic.example": ["Booked online: Jess R., Sports massage, Thu, Dec 10 at 2:00 PM"],
    }
    for message in mailoutbox:
        if message.to[0].endswith("@clinic.example"):
            assert not any(word.lower() in message.body.lower() for word in HEALTH)
            assert "/book/manage/" not in message.body  # no link a client could use
            assert "jess@example.com" not in message.body
            assert "/staff/appointments/" in message.body
    assert len(mailoutbox) == 3  # and the runner's own confirmation


def test_online_moves_and_cancellations_notify_unless_switched_off(listening, mailoutbox):
    appointment = book_with_health_details(listening)
    maya = listening["maya"]
    maya.hears_moves = False
    maya.save(update_fields=["hears_moves"])
    BookingPolicy.objects.filter(pk=1).update(desk_hears_cancellations=False)
    token = booking.issue_manage_token(appointment)
    web = Client()
    moved_to = LATER + timedelta(days=1, hours=-4)

    moved = web.post(f"/book/manage/{token}/move/confirm/?start={local_param(moved_to)}")
    cancelled = web.post(f"/book/manage/{token}/cancel/", {"reason": "Calf strain"})
    run_due_tasks()

    assert (moved.status_code, cancelled.status_code) == (303, 303)
    sent = notices(mailoutbox)
    assert [s.split(":")[0] for s in sent["maya@clinic.example"]] == [
        "Booked online",
        "Cancelled online",
    ]
    assert [s.split(":")[0] for s in sent["desk@clinic.example"]] == [
        "Booked online",
        "Moved online",
    ]
    for message in mailoutbox:
        assert "Calf strain" not in message.body or message.to == ["jess@example.com"]


def test_changes_the_desk_makes_itself_send_no_notices(listening, mailoutbox):
    desk = User.objects.create_user("desk")
    appointment = book_with_health_details(listening)
    ClientMessage.objects.all().delete()

    booking.cancel_appointment(
        appointment=appointment, now=appointment.start - timedelta(days=2), by=desk
    )

    assert not ClientMessage.objects.filter(kind__startswith="notice").exists()
