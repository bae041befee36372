"""The manage link: see the booking, move it, cancel it; inside the cut-off, call us."""

import re
from datetime import timedelta

import time_machine
from django.test import Client

from bookings.models import Appointment, AppointmentChange, ClientMessage
from tests.bookings.public.conftest import LATER, NOW, local_param, page_text
from tests.factories import make_length

Kind = ClientMessage.Kind


def manage_url(booked, suffix: str = "") -> str:
    return f"/book/manage/{booked.token}/{suffix}"


def test_the_manage_page_shows_the_booking_and_its_choices(client, booked):
    response = client.get(manage_url(booked))

    html = page_text(response)
    assert response.status_code == 200
    assert "Thursday, December 10, 2026 at 2:00 PM" in html
    assert "Maya Brooks" in html
    assert "Move to another time" in html and "Cancel booking" in html
    assert "Jess" not in html and "jess@example.com" not in html  # the booking, not the client


def test_unknown_or_malformed_tokens_get_a_polite_404(client, clinic):
    for token in ["x" * 32, "short", "é" * 40, "%00" * 10]:
        response = client.get(f"/book/manage/{token}/")
        assert response.status_code == 404
        assert "This isn't a valid link" in page_text(response)


def test_the_link_is_useless_after_the_visit(client, booked):
    with time_machine.travel(LATER + timedelta(hours=2), tick=False):
        assert client.get(manage_url(booked)).status_code == 410


def test_moving_offers_the_same_picker_and_moves_after_confirming(client, booked):
    picker = client.get(manage_url(booked, "move/?day=2026-12-11"))
    new_start = LATER + timedelta(days=1, hours=-4)  # Friday 10:00
    confirm_url = manage_url(booked, f"move/confirm/?start={local_param(new_start)}")
    fragment = client.get(manage_url(booked, "move/times/?day=2026-12-10"))

    assert picker.status_code == 200
    assert 'data-day="2026-12-11"' in picker.text
    length = booked.appointment.service_length_id
    assert (
        f'href="{manage_url(booked, "move/confirm/")}?length={length}&amp;therapist=maya'
        f'&amp;start={local_param(new_start)}"'
    ) in picker.text
    assert "start=2026-12-10T14:00" not in fragment.text  # where it already is
    assert "Friday, December 11 at 10:00 AM" in client.get(confirm_url).text

    response = client.post(confirm_url)

    assert response.status_code == 303 and response["Location"] == manage_url(booked)
    appointment = Appointment.objects.get()
    assert appointment.start == new_start and appointment.sequence == 1
    assert appointment.changes.filter(action=AppointmentChange.Action.MOVED).exists()
    assert appointment.messages.filter(kind=Kind.MOVED).count() == 1
    assert (
        "your session is now on Friday, December 11 at 10:00 AM"
        in client.get(response["Location"]).text
    )


def test_moving_to_a_time_just_taken_offers_the_nearest_and_changes_nothing(client, booked, clinic):
    target = LATER + timedelta(days=1)
    Client().post(
        f"/book/details/?length={clinic['length'].pk}&therapist=maya&start={local_param(target)}",
        {
            "first_name": "Sam",
            "last_name": "Other",
            "email": "sam@example.com",
            "phone": "4045550111",
            "consent": "on",
            "key": "2d7f4f55-8c5c-4a4b-9f8b-3b3c0c0f0a01",
            "confirm": "1",
        },
    )

    response = client.post(manage_url(booked, f"move/confirm/?start={local_param(target)}"))

    assert response.status_code == 409
    assert "Sorry, that time was just taken" in page_text(response)
    assert re.search(r"Move to Friday, December 11 at \d", response.text)
    assert Appointment.objects.get(pk=booked.appointment.pk).start == LATER


def test_cancelling_with_a_reason(client, booked):
    form = client.get(manage_url(booked, "cancel/"))

    response = client.post(manage_url(booked, "cancel/"), {"reason": "Calf strain"})

    assert form.status_code == 200 and "Reason (optional)" in form.text
    assert response.status_code == 303
    appointment = Appointment.objects.get()
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.cancel_reason == "Calf strain"
    assert appointment.messages.filter(kind=Kind.CANCELLED).count() == 1
    page = client.get(manage_url(booked))
    assert "This booking is cancelled" in page.text and "Book another session" in page.text
    assert client.post(manage_url(booked, "cancel/")).status_code == 409  # only once


def test_a_too_long_reason_is_refused_beside_the_field(client, booked):
    response = client.post(manage_url(booked, "cancel/"), {"reason": "x" * 10_000})

    assert response.status_code == 422
    assert "at most 200 characters" in response.text
    assert Appointment.objects.get().status == Appointment.Status.BOOKED


def test_inside_the_cutoff_it_says_to_call_and_changes_nothing(client, booked):
    with time_machine.travel(LATER - timedelta(hours=23), tick=False):
        page = client.get(manage_url(booked))
        moved = client.post(manage_url(booked, "move/confirm/?start=2026-12-11T10:00"))
        cancelled = client.post(manage_url(booked, "cancel/"), {"reason": "late"})

    assert "please call us on" in page.text and 'href="tel:+14045550142"' in page.text
    assert "(404) 555-0142" in page.text and "Move to another time" not in page.text
    assert moved.status_code == cancelled.status_code == 409
    appointment = Appointment.objects.get()
    assert appointment.start == LATER and appointment.status == Appointment.Status.BOOKED


def test_bad_move_times_are_refused_with_a_message(client, booked):
    for start, message in [
        ("2026-12-11T25:00", "That time isn't valid"),
        ("2027-03-14T02:30", "the clocks go forward"),
        ("2026-12-05T10:00", "already passed"),
        ("2026-12-11T03:00", "no longer free"),
    ]:
        response = client.get(manage_url(booked, f"move/confirm/?start={start}"))
        assert response.status_code in {400, 409}
        assert message in page_text(response)
    assert Appointment.objects.get().start == LATER


def test_the_calendar_file_has_the_booking_and_no_health_details(client, booked):
    response = client.get(manage_url(booked, "calendar.ics"))

    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert "BEGIN:VEVENT" in body and "Maya Brooks" in body
    assert "private-" not in body


def test_manage_pages_never_echo_the_clock_or_token_into_logs(client, booked, caplog):
    client.get(manage_url(booked))

    assert booked.token not in caplog.text
    assert "/book/manage/<str:token>/" in caplog.text


def test_the_booking_clock_is_pinned(booked):
    assert booked.appointment.created_at == NOW


def test_a_move_may_change_therapist_and_length_within_the_service(client, booked, clinic):
    longer = make_length(clinic["service"], minutes=90, after=15)
    new_start = LATER + timedelta(days=1, hours=-4)  # Friday 10:00
    params = f"length={longer.pk}&therapist=tom&start={local_param(new_start)}"

    page = client.get(manage_url(booked, f"move/?length={longer.pk}&therapist=tom"))
    response = client.post(manage_url(booked, f"move/confirm/?{params}"))

    assert "90 minutes" in page.text and "Tom Hadley" in page.text and "Any therapist" in page.text
    assert response.status_code == 303
    appointment = Appointment.objects.get()
    assert appointment.therapist == clinic["tom"] and appointment.service_length == longer
    assert appointment.end - appointment.start == timedelta(minutes=90)
    change = appointment.changes.get(action=AppointmentChange.Action.MOVED)
    assert change.details["length"] == ["60 minutes", "90 minutes"]


def test_a_move_to_any_therapist_takes_whoever_is_free(client, booked, clinic):
    new_start = LATER + timedelta(days=1, hours=-4)
    client.post(manage_url(booked, f"move/confirm/?therapist=any&start={local_param(new_start)}"))

    appointment = Appointment.objects.get()
    assert appointment.start == new_start
    assert appointment.therapist in (clinic["maya"], clinic["tom"])


def test_a_length_of_another_service_is_refused_and_changes_nothing(client, booked, clinic):
    start = local_param(LATER + timedelta(days=1, hours=-4))
    response = client.post(
        manage_url(booked, f"move/confirm/?length={clinic['stretch'].pk}&start={start}")
    )

    assert response.status_code == 422
    assert "Please choose a length of this service." in page_text(response)
    assert Appointment.objects.get().start == LATER
