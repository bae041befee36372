"""Reminders go out only while they still make sense: booked, at their time, not too late."""

import re
from datetime import timedelta

import time_machine
from django.test import Client

from bookings.models import Appointment, BookingPolicy, ClientMessage
from tests.bookings.public.conftest import LATER, confirm, local_param, run_due_tasks

Kind = ClientMessage.Kind


def reminders(mailoutbox) -> list:
    return [m for m in mailoutbox if m.subject.startswith("Reminder")]


def test_a_worker_down_past_the_start_sends_no_late_reminder(clinic, mailoutbox):
    confirm(Client(), clinic, LATER)
    run_due_tasks()

    with time_machine.travel(LATER + timedelta(minutes=30), tick=False):
        run_due_tasks()  # the worker is back, half an hour into the session

    reminder = ClientMessage.objects.get(kind=Kind.REMINDER)
    assert reminders(mailoutbox) == []
    assert (reminder.status, reminder.reason) == ("skipped", "appointment started")


def test_a_reminder_due_within_the_last_hour_is_skipped(clinic, mailoutbox):
    confirm(Client(), clinic, LATER)
    run_due_tasks()

    with time_machine.travel(LATER - timedelta(minutes=45), tick=False):
        run_due_tasks()

    reminder = ClientMessage.objects.get(kind=Kind.REMINDER)
    assert reminders(mailoutbox) == []
    assert (reminder.status, reminder.reason) == ("skipped", "too close to the start")


def test_a_late_reminder_still_goes_when_the_session_is_hours_away(clinic, mailoutbox):
    confirm(Client(), clinic, LATER)
    run_due_tasks()

    with time_machine.travel(LATER - timedelta(hours=2), tick=False):
        run_due_tasks()  # a day late, but the runner can still use it

    [sent] = reminders(mailoutbox)
    assert "Thursday, December 10, 2026 at 2:00 PM" in sent.body
    assert ClientMessage.objects.get(kind=Kind.REMINDER).status == "sent"


def test_with_a_one_hour_policy_a_slightly_late_worker_still_reminds(clinic, mailoutbox):
    BookingPolicy.objects.update(reminder_hours_before=1)
    confirm(Client(), clinic, LATER)
    run_due_tasks()

    with time_machine.travel(LATER - timedelta(minutes=59), tick=False):
        run_due_tasks()

    assert len(reminders(mailoutbox)) == 1


def test_a_reminder_for_the_old_time_of_a_moved_appointment_is_skipped(clinic, mailoutbox):
    browser = Client()
    confirm(browser, clinic, LATER)
    run_due_tasks()
    manage = re.search(r"/book/manage/[\w-]+/", mailoutbox[0].body)[0]
    friday = LATER + timedelta(days=1, hours=-4)
    assert browser.post(f"{manage}move/confirm/?start={local_param(friday)}").status_code == 303
    old, new = ClientMessage.objects.filter(kind=Kind.REMINDER).order_by("pk")
    # As if the move's withdrawal had missed it (a reminder row written alongside the move):
    # the worker must still see that the appointment is no longer at the reminder's time.
    ClientMessage.objects.filter(pk=old.pk).update(status="pending", reason="")

    with time_machine.travel(LATER - timedelta(hours=23), tick=False):
        run_due_tasks()

    old.refresh_from_db()
    assert (old.status, old.reason) == ("skipped", "appointment moved")
    assert new.for_start == Appointment.objects.get().start == friday
    assert reminders(mailoutbox) == []
