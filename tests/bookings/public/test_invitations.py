"""Calendar files follow RFC 5546: emailed invitations update, downloads and feeds publish."""

from datetime import timedelta

from django.test import Client
from icalendar import Calendar

from bookings import calendar
from tests.bookings.public.conftest import LATER, NOW, local_param, run_due_tasks

INTAKE = (b"private-", b"calves", b"it_band")  # the runner intake, as submitted


def invitation(mail) -> tuple[str, Calendar]:
    """Return the attachment's MIME method parameter and the calendar it carries."""
    [part] = [p for p in mail.message().walk() if p.get_content_type() == "text/calendar"]
    assert part.get_content_charset() == "utf-8"
    assert part.get_filename() == "appointment.ics"
    return part.get_param("method"), Calendar.from_ical(part.get_payload(decode=True))


def the_event(ics: Calendar):
    [event] = ics.walk("VEVENT")
    return event


def assert_clinic_organizes(event) -> None:
    organizer = event["ORGANIZER"]
    assert organizer == "mailto:bookings@localhost"  # DEFAULT_FROM_EMAIL's address
    assert organizer.params["CN"] == "Medical & Sports Massage"


def assert_runner_attends(event) -> None:
    attendee = event["ATTENDEE"]
    assert attendee == "mailto:jess@example.com"
    assert dict(attendee.params) == {
        "CN": "Jess Runner",
        "ROLE": "REQ-PARTICIPANT",
        "PARTSTAT": "ACCEPTED",
        "RSVP": "FALSE",
    }


def test_the_confirmation_email_carries_an_itip_request(booked, mailoutbox):
    run_due_tasks()

    [mail] = mailoutbox
    method, ics = invitation(mail)
    event = the_event(ics)
    assert method == ics["METHOD"] == "REQUEST"
    assert_clinic_organizes(event)
    assert_runner_attends(event)
    assert event.decoded("DTSTAMP") == NOW  # when the invitation was made, in UTC
    assert event.decoded("DTSTART") == LATER
    assert event.decoded("DTEND") == LATER + timedelta(hours=1)
    assert event["UID"] == calendar.appointment_uid(booked.appointment)
    assert event["SEQUENCE"] == 0
    assert event["SUMMARY"] == "Sports massage at Medical & Sports Massage"
    assert event["STATUS"] == "CONFIRMED"
    assert "/book/manage/" in event["DESCRIPTION"]  # the way to move or cancel it


def test_a_move_sends_a_request_for_the_same_event_with_a_higher_sequence(booked, mailoutbox):
    run_due_tasks()  # emails are composed when sent: the confirmation goes out first
    new_start = LATER + timedelta(days=1, hours=-4)  # Friday 10:00
    moved = Client().post(
        f"/book/manage/{booked.token}/move/confirm/?start={local_param(new_start)}"
    )
    run_due_tasks()

    assert moved.status_code == 303
    booked_mail, moved_mail = mailoutbox
    (_, first), (method, second) = invitation(booked_mail), invitation(moved_mail)
    request, update = the_event(first), the_event(second)
    assert method == second["METHOD"] == "REQUEST"
    assert update["UID"] == request["UID"]
    assert update["SEQUENCE"] == request["SEQUENCE"] + 1 == 1
    assert update.decoded("DTSTART") == new_start
    assert_clinic_organizes(update)
    assert_runner_attends(update)


def test_a_cancellation_sends_an_itip_cancel_for_the_same_event(booked, mailoutbox):
    run_due_tasks()
    cancelled = Client().post(f"/book/manage/{booked.token}/cancel/", {"reason": "Calf strain"})
    run_due_tasks()

    assert cancelled.status_code == 303
    booked_mail, cancel_mail = mailoutbox
    (_, first), (method, second) = invitation(booked_mail), invitation(cancel_mail)
    request, cancel = the_event(first), the_event(second)
    assert method == second["METHOD"] == "CANCEL"
    assert cancel["UID"] == request["UID"]
    assert cancel["SEQUENCE"] > request["SEQUENCE"]
    assert cancel["STATUS"] == "CANCELLED"
    assert cancel.decoded("DTSTAMP") == NOW
    assert_clinic_organizes(cancel)
    assert_runner_attends(cancel)
    assert "/book/manage/" not in cancel["DESCRIPTION"]  # a dead link is not offered
    assert "Calf strain" not in second.to_ical().decode()  # the reason stays with the clinic


def test_no_invitation_carries_the_runner_intake(booked, mailoutbox):
    run_due_tasks()
    Client().post(f"/book/manage/{booked.token}/cancel/", {"reason": ""})
    run_due_tasks()

    assert len(mailoutbox) == 2  # the request and the cancellation
    for mail in mailoutbox:
        _, ics = invitation(mail)
        for detail in INTAKE:
            assert detail not in ics.to_ical()


def test_the_manage_page_download_is_published_not_an_invitation(client, booked):
    response = client.get(f"/book/manage/{booked.token}/calendar.ics")

    ics = Calendar.from_ical(response.content)
    event = the_event(ics)
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert ics["METHOD"] == "PUBLISH"
    assert "ATTENDEE" not in event
    assert b"jess@example.com" not in response.content  # whoever holds the link
    assert_clinic_organizes(event)
    assert event["UID"] == calendar.appointment_uid(booked.appointment)
    assert event.decoded("DTSTART") == LATER
    for detail in INTAKE:
        assert detail not in response.content


def test_the_therapist_feed_publishes_with_no_attendee_or_email(booked):
    feed = calendar.therapist_feed("Maya Brooks", [booked.appointment])

    ics = Calendar.from_ical(feed)
    event = the_event(ics)
    assert ics["METHOD"] == "PUBLISH"
    assert "ATTENDEE" not in event
    assert event["SUMMARY"] == "Sports massage: Jess"
    assert b"jess@example.com" not in feed and b"Runner" not in feed
    for detail in INTAKE:
        assert detail not in feed


def test_a_booking_cancelled_before_its_confirmation_went_sends_only_the_cancel(booked, mailoutbox):
    # Emails are composed when sent: the confirmation would now describe a cancelled visit.
    cancelled = Client().post(f"/book/manage/{booked.token}/cancel/", {"reason": ""})
    run_due_tasks()

    assert cancelled.status_code == 303
    [mail] = mailoutbox
    assert mail.subject.startswith("Cancelled")
    method, ics = invitation(mail)
    assert method == ics["METHOD"] == "CANCEL"  # the header and the file agree
    confirmation = booked.appointment.messages.get(kind="confirmation")
    assert confirmation.status == "skipped"
