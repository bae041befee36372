"""Rows of several models written in one statement: all of them, with their ids, or none;
rows may point at rows before them in the same statement."""

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.functions import JSONArray, JSONObject
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from bookings import inserts
from bookings.inserts import IdOf, insert_together
from bookings.models import (
    Appointment,
    AppointmentChange,
    BookingConsent,
    ClientMessage,
    ManageToken,
)
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


def _new_appointment(appointment, start=START) -> Appointment:
    """An unsaved appointment like `appointment` (same therapist, room, length) at `start`."""
    new = Appointment(
        client=appointment.client,
        therapist=appointment.therapist,
        room=appointment.room,
        service_length=appointment.service_length,
        start=start,
    )
    new.fill_times()
    return new


def test_a_row_and_the_rows_pointing_at_it_go_in_one_statement(appointment):
    new = _new_appointment(appointment, START + timedelta(days=1))
    rows = [new, *_rows(new)]
    with CaptureQueriesContext(connection) as ctx:
        insert_together(rows)

    assert len(ctx) == 1
    assert new.pk is not None and new.pk != appointment.pk
    assert all(row.appointment_id == new.pk for row in rows[1:])
    with CaptureQueriesContext(connection) as reads:
        assert all(row.appointment is new for row in rows[1:])  # still cached
    assert len(reads) == 0
    assert new.changes.get().pk == rows[1].pk
    assert new.messages.count() == 2


def test_a_value_may_name_an_earlier_rows_id(appointment):
    message = ClientMessage(appointment=appointment, kind=ClientMessage.Kind.CONFIRMATION)
    job = DBTaskResult(
        id=uuid4(),  # a key set beforehand, of another type than the message's
        args_kwargs=JSONObject(args=JSONArray(IdOf(message)), kwargs=JSONObject()),
        task_path="bookings.tasks.deliver_message",
        backend_name="default",
        run_after=START,
    )
    insert_together([message, job])

    assert DBTaskResult.objects.get(pk=job.pk).args_kwargs == {"args": [message.pk], "kwargs": {}}
    assert isinstance(job.pk, UUID) and not job._state.adding


def test_refuses_to_name_a_row_that_comes_after(appointment):
    new = _new_appointment(appointment, START + timedelta(days=1))
    change = AppointmentChange(appointment=new, action=AppointmentChange.Action.BOOKED)

    with pytest.raises(ValueError, match="not inserted before"):
        insert_together([change, new])
    assert new.pk is None and change.appointment_id is None
    assert Appointment.objects.count() == 1


def test_a_refused_first_row_leaves_none_of_the_rows_after_it(appointment):
    overlapping = _new_appointment(appointment)  # the same therapist and room, the same time
    rows = [overlapping, *_rows(overlapping)]

    with pytest.raises(IntegrityError), transaction.atomic():
        insert_together(rows)

    assert Appointment.objects.count() == 1
    assert not AppointmentChange.objects.exists() and not ClientMessage.objects.exists()
    assert overlapping.pk is None and all(row.pk is None for row in rows)


def test_the_statement_goes_with_postgresqls_own_placeholders():
    assert inserts._numbered("SELECT %s, '100%%', %s") == "SELECT $1, '100%', $2"


def test_a_value_with_a_percent_sign_is_written_as_it_is(appointment):
    consent = BookingConsent(
        appointment=appointment, kind="terms", version="100%s", agreed_at=START
    )
    insert_together([consent])

    assert BookingConsent.objects.get(pk=consent.pk).version == "100%s"
