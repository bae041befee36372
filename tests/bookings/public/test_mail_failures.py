"""Mail the server refuses for good stops, with a reason; passing refusals keep retrying."""

import logging
import smtplib

import pytest
from django.test import Client, override_settings
from django_tasks_db.models import DBTaskResult

from bookings import outbox
from bookings.models import ClientMessage
from tests.bookings.public.conftest import LATER, confirm
from tests.smtp import Refuser, smtp_server

Kind = ClientMessage.Kind


@pytest.fixture
def confirmation(clinic) -> ClientMessage:
    """Return the confirmation of Jess's booking, not yet delivered."""
    assert confirm(Client(), clinic, LATER).status_code == 303
    return ClientMessage.objects.get(kind=Kind.CONFIRMATION)


def queued_tasks() -> set[int]:
    return set(DBTaskResult.objects.values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("step", "reply", "reason"),
    [
        ("RCPT", "550 5.1.1 <{address}>: No such user", "550 5.1.1 <recipient>: No such user"),
        ("MAIL", "553 5.7.1 Sender not allowed", "553 5.7.1 Sender not allowed"),
        ("DATA", "554 5.6.0 Message rejected", "554 5.6.0 Message rejected"),
    ],
)
def test_a_permanent_refusal_fails_the_email_after_one_attempt(
    confirmation, caplog, step, reply, reason
):
    before = queued_tasks()
    handler = Refuser(step, reply)

    with smtp_server(handler), caplog.at_level(logging.WARNING):
        assert outbox.deliver(confirmation.pk) == "failed"
        assert outbox.deliver(confirmation.pk) == "nothing to send"

    confirmation.refresh_from_db()
    assert (confirmation.status, confirmation.attempts) == ("failed", 1)
    assert confirmation.reason == reason
    assert confirmation.failed_at is not None
    assert queued_tasks() == before  # no retry is queued
    assert handler.tries == 1
    assert f"message {confirmation.pk} failed: {reason}" in caplog.text
    assert "jess@example.com" not in caplog.text + confirmation.reason + confirmation.last_error


def test_a_passing_refusal_keeps_the_email_pending_with_a_retry(confirmation):
    before = queued_tasks()

    with smtp_server(Refuser("RCPT", "451 4.3.0 Try again later")):
        assert outbox.deliver(confirmation.pk) == "retry scheduled"

    confirmation.refresh_from_db()
    assert (confirmation.status, confirmation.attempts) == ("pending", 1)
    assert confirmation.last_error == "451 4.3.0 Try again later"
    [retry] = DBTaskResult.objects.exclude(pk__in=before)
    assert retry.run_after == confirmation.due_at


@override_settings(MAIL_MAX_ATTEMPTS=3)
def test_after_the_last_allowed_attempt_the_email_fails(confirmation):
    results = []
    with smtp_server(Refuser("RCPT", "451 4.3.0 Try again later")):
        for _ in range(2):
            results.append(outbox.deliver(confirmation.pk))
        before = queued_tasks()
        results.append(outbox.deliver(confirmation.pk))

    confirmation.refresh_from_db()
    assert results == ["retry scheduled", "retry scheduled", "failed"]
    assert (confirmation.status, confirmation.attempts) == ("failed", 3)
    assert confirmation.reason == "gave up after 3 attempts (451 4.3.0 Try again later)"
    assert queued_tasks() == before


def test_a_failed_email_is_not_queued_again_by_requeue(confirmation):
    with smtp_server(Refuser("RCPT", "550 No such user")):
        outbox.deliver(confirmation.pk)
    before = queued_tasks()

    outbox.requeue_pending(now=confirmation.due_at)

    assert queued_tasks() == before


def test_the_clinics_own_login_refused_is_retried_not_failed():
    # A wrong SMTP password is the clinic's to fix; failing would drop every email meanwhile.
    error = smtplib.SMTPAuthenticationError(535, b"5.7.8 Bad credentials")

    assert not outbox.is_permanent(error)
    assert outbox.describe(error) == "535 5.7.8 Bad credentials"


def test_an_address_no_message_can_carry_fails_at_once(clinic):
    message = outbox.queue_lookup("jess@example.com\nBcc: everyone@example.com")

    assert outbox.deliver(message.pk) == "failed"

    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 1)
    assert message.reason == "the email address is not valid"
