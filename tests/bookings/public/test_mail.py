"""Emails: a mail outage delays them, never loses or doubles them; reminders follow moves."""

import email
import re
import time
from datetime import datetime, timedelta

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone
from icalendar import Calendar

from bookings.models import Appointment, ClientMessage
from tests.bookings.public.conftest import (
    LATER,
    NY,
    confirm,
    local_param,
    make_clinic,
    page_text,
    run_due_tasks,
)
from tests.live import free_port

Kind = ClientMessage.Kind


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []
        self.raw: list[bytes] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd's hook name
        self.raw.append(envelope.content)
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def smtp_settings(port: int) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }


def work() -> None:
    """Run the real task worker until nothing is due."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def event(message: email.message.Message):
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    [found] = Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")
    return found


def text_of(message: email.message.Message) -> str:
    [part] = [p for p in message.walk() if p.get_content_type() == "text/plain"]
    return part.get_payload(decode=True).decode()


@pytest.mark.django_db(transaction=True)
def test_with_the_mail_server_down_the_booking_stands_and_the_email_follows_once():
    port = free_port()
    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    server.stop()  # the clinic's mail server goes down
    clinic = make_clinic()
    # A weekday three or more days ahead, at 10:00: outside any cut-off, on the real clock.
    day = timezone.localdate() + timedelta(days=3)
    start = datetime.combine(day, datetime.min.time(), tzinfo=NY).replace(hour=10)
    browser = Client()

    with override_settings(MAILERS=smtp_settings(port), MAIL_RETRY_SECONDS=1):
        booked = confirm(browser, clinic, start)
        work()
        confirmation = ClientMessage.objects.get(kind=Kind.CONFIRMATION)
        assert booked.status_code == 303
        assert (confirmation.status, confirmation.attempts) == ("pending", 1)

        server = Controller(inbox, hostname="127.0.0.1", port=port)
        server.start()  # back up
        try:
            time.sleep(1.1)  # the first retry waits MAIL_RETRY_SECONDS
            work()
            work()
            [first] = inbox.messages
            manage = re.search(r"/book/manage/[\w-]+/", text_of(first))[0]
            moved = browser.post(
                f"{manage}move/confirm/?start={local_param(start + timedelta(hours=3))}"
            )
            work()
        finally:
            server.stop()

    assert moved.status_code == 303
    assert [m["Subject"].split(":")[0] for m in inbox.messages] == ["Booked", "Moved"]
    booked_event, moved_event = map(event, inbox.messages)
    assert booked_event["UID"] == moved_event["UID"]
    assert int(moved_event["SEQUENCE"]) > int(booked_event["SEQUENCE"])
    assert moved_event.decoded("DTSTART") == start + timedelta(hours=3)
    for raw in inbox.raw:
        assert b"private-" not in raw  # no health or intake details, in any part
    confirmation.refresh_from_db()
    assert confirmation.status == "sent"


def test_the_reminder_is_sent_once_a_day_before(clinic, mailoutbox):
    confirm(Client(), clinic, LATER)
    run_due_tasks()
    assert [m.subject.split(":")[0] for m in mailoutbox] == ["Booked"]

    with time_machine.travel(LATER - timedelta(hours=23, minutes=59), tick=False):
        run_due_tasks()
        run_due_tasks()

    reminders = [m for m in mailoutbox if m.subject.startswith("Reminder")]
    assert len(reminders) == 1
    assert "Thursday, December 10, 2026 at 2:00 PM" in reminders[0].body
    assert "private-" not in reminders[0].body


def test_no_reminder_for_a_cancelled_booking(clinic, mailoutbox):
    browser = Client()
    confirm(browser, clinic, LATER)
    run_due_tasks()
    manage = re.search(r"/book/manage/[\w-]+/", mailoutbox[0].body)[0]
    browser.post(f"{manage}cancel/", {"reason": ""})

    with time_machine.travel(LATER - timedelta(hours=23), tick=False):
        run_due_tasks()

    assert [m.subject.split(":")[0] for m in mailoutbox] == ["Booked", "Cancelled"]
    assert ClientMessage.objects.get(kind=Kind.REMINDER).status == "skipped"


def test_after_a_move_the_reminder_is_for_the_new_time(clinic, mailoutbox):
    browser = Client()
    confirm(browser, clinic, LATER)
    run_due_tasks()
    manage = re.search(r"/book/manage/[\w-]+/", mailoutbox[0].body)[0]
    friday = LATER + timedelta(days=1, hours=-4)  # Friday 10:00
    assert browser.post(f"{manage}move/confirm/?start={local_param(friday)}").status_code == 303

    with time_machine.travel(LATER - timedelta(hours=23), tick=False):
        run_due_tasks()  # the old reminder's time: nothing
    with time_machine.travel(friday - timedelta(hours=23), tick=False):
        run_due_tasks()

    subjects = [m.subject.split(":")[0] for m in mailoutbox]
    assert subjects == ["Booked", "Moved", "Reminder"]
    assert "Friday, December 11, 2026 at 10:00 AM" in mailoutbox[-1].body


def test_the_confirmation_page_and_email_agree(clinic, mailoutbox, client):
    page = page_text(client.get(confirm(client, clinic, LATER)["Location"]))
    run_due_tasks()

    [message] = mailoutbox
    assert "Thursday, December 10, 2026 at 2:00 PM" in page
    assert "Thursday, December 10, 2026 at 2:00 PM" in message.body
    assert message.alternatives and message.attachments


def test_the_emails_link_the_intake_and_the_reminder_asks_only_while_it_is_missing(
    clinic, mailoutbox
):
    confirm(Client(), clinic, LATER)
    confirm(Client(), clinic, LATER, email="told.us@example.com", therapist="tom")
    run_due_tasks()
    told = Appointment.objects.get(client__email="told.us@example.com")
    intake = re.search(r"/book/manage/[\w-]+/intake/", mailoutbox[1].body)[0]
    Client().post(intake, {"weekly_mileage": "30"})
    assert told.client.intake.weekly_mileage == 30

    with time_machine.travel(LATER - timedelta(hours=23, minutes=59), tick=False):
        run_due_tasks()

    reminders = {m.to[0]: m.body for m in mailoutbox if m.subject.startswith("Reminder")}
    assert "/intake/" in mailoutbox[0].body  # the confirmation offers it
    assert "We don't have your answers" in reminders["jess@example.com"]
    assert "We don't have your answers" not in reminders["told.us@example.com"]
