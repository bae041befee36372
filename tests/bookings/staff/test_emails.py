"""The desk sees every email the mail server refused for good, with the client's phone."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from bookings import outbox
from bookings.models import ClientMessage
from tests.bookings.public.conftest import run_due_tasks
from tests.bookings.staff.conftest import MONDAY, NOW, at, book
from tests.factories import make_client, make_message
from tests.smtp import Refuser, smtp_server

pytestmark = pytest.mark.usefixtures("clock")
Kind, Status = ClientMessage.Kind, ClientMessage.Status


def jess_at(clinic, hhmm: str, day: date = MONDAY):
    client = make_client(first_name="Jess", last_name="Runner", phone="(404) 555-0100")
    return book(clinic, at(hhmm, day), client=client)


def test_a_refused_email_fails_once_and_shows_on_both_staff_pages(clinic, desk):
    appointment = jess_at(clinic, "10:00")
    outbox.queue(appointment, Kind.CONFIRMATION)

    with smtp_server(Refuser("RCPT", "550 No such user")):
        assert run_due_tasks() == 1
        assert run_due_tasks() == 0  # nothing further was queued

    message = appointment.messages.get()
    assert (message.status, message.attempts, message.reason) == ("failed", 1, "550 No such user")
    assert not DBTaskResult.objects.ready().exists()
    listing = desk.get(reverse("staff:emails"))
    assert listing.status_code == 200
    [row] = listing.text.split('<ul class="list-group emails-failed">')[1].split("<li")[1:2]
    for shown in ("Jess Runner", "(404) 555-0100", "Confirmation", "550 No such user"):
        assert shown in row
    assert reverse("staff:appointment", args=[appointment.pk]) in row
    assert appointment.client.email not in listing.text
    page = desk.get(reverse("staff:appointment", args=[appointment.pk]))
    assert "The confirmation email failed:</strong> 550 No such user" in page.text
    assert 'role="alert"' in page.text


def test_the_list_puts_the_newest_failure_first_and_shows_retrying_mail(clinic, desk):
    older, newer, retrying, scheduled = (
        jess_at(clinic, t) for t in ("09:00", "10:15", "13:30", "15:00")
    )
    make_message(older, status=Status.FAILED, reason="550 old", failed_at=NOW - timedelta(days=1))
    make_message(newer, status=Status.FAILED, reason="550 new", failed_at=NOW)
    make_message(retrying, attempts=2, last_error="451 busy", due_at=NOW + timedelta(minutes=1))
    make_message(scheduled, kind=Kind.REMINDER, due_at=NOW + timedelta(hours=5))

    page = desk.get(reverse("staff:emails")).text

    assert page.index("550 new") < page.index("550 old")
    waiting = page.split('<ul class="list-group emails-waiting">')[1]
    assert "Last error: 451 busy (2 tries)" in waiting
    assert "Reminder" not in waiting  # a reminder not yet due is not news


def test_the_email_list_costs_the_same_queries_for_twice_the_rows(clinic, desk):
    def add_rows(day: date) -> None:
        for hour in ("09:00", "10:15", "13:30"):
            appointment = jess_at(clinic, hour, day)
            make_message(appointment, status=Status.FAILED, reason="550", failed_at=NOW)
            make_message(appointment, kind=Kind.MOVED, attempts=1, last_error="451")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert desk.get(reverse("staff:emails")).status_code == 200
        return len(queries)

    add_rows(MONDAY)
    few = count()
    add_rows(MONDAY + timedelta(days=1))

    assert count() == few


def test_a_therapist_does_not_see_the_email_section(clinic, ana_web):
    appointment = jess_at(clinic, "10:00")
    make_message(appointment, status=Status.FAILED, reason="550 No such user")

    page = ana_web.get(reverse("staff:appointment", args=[appointment.pk])).text

    assert "Emails to the client" not in page
    assert "550 No such user" not in page
