"""Rows of several models written in one statement: all of them, with their ids, or none."""

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from bookings.inserts import insert_together
from bookings.models import AppointmentChange, BookingConsent, ClientMessage, ManageToken
from tests.factories import make_appointment, make_room, make_service, make_therapist

START = datetime(2026, 12, 8, 15, 0, tzinfo=UTC)


@pytest.fixture
def appointment(db):
    service = make_service()
    therapist, room = make_therapist(services=[service]), make_room(services=[service])
    return make_appointment(therapist=therapist, room=room, start=START)


def _rows(appointment) -> list:
    return [
        AppointmentChange(appointment=appointment, action=AppointmentChange.Action.BOOKED),
        ManageToken(appointment=appointment, digest="a" * 64),
        BookingConsent(appointment=appointment, kind="terms", version="v1", agreed_at=START),
        ClientMessage(appointment=appointment, kind=ClientMessage.Kind.CONFIRMATION),
        ClientMessage(appointment=appointment, kind=ClientMessage.Kind.REMINDER, due_at=START),
    ]


def test_writes_every_row_in_one_statement_and_sets_their_ids(appointment):
    rows = _rows(appointment)
    with CaptureQueriesContext(connection) as ctx:
        insert_together(rows)

    assert len(ctx) == 1
    assert all(row.pk is not None and not row._state.adding for row in rows)
    assert ManageToken.objects.get(pk=rows[1].pk).created_at is not None  # auto_now_add
    kinds = dict(appointment.messages.values_list("pk", "kind"))
    assert kinds == {rows[3].pk: "confirmation", rows[4].pk: "reminder"}
    assert appointment.changes.get().pk == rows[0].pk


def test_a_row_the_database_refuses_leaves_none_of_them(appointment):
    insert_together([ManageToken(appointment=appointment, digest="b" * 64)])
    rows = [*_rows(appointment), ManageToken(appointment=appointment, digest="b" * 64)]

    with pytest.raises(IntegrityError), transaction.atomic():
        insert_together(rows)

    assert not appointment.changes.exists()
    assert not appointment.messages.exists()
    assert appointment.manage_tokens.count() == 1


def test_refuses_a_row_already_saved(appointment):
    with pytest.raises(ValueError, match="unsaved"):
        insert_together([appointment])
