"""The write functions in bookings/booking.py and the client email outbox they feed."""

import contextlib
import threading
from datetime import UTC, datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from bookings import booking, outbox
from bookings.models import (
    Appointment,
    AppointmentChange,
    BookingPolicy,
    ClientMessage,
    ManageToken,
    Room,
    RunnerIntake,
)
from tests.factories import (
    make_client,
    make_length,
    make_room,
    make_service,
    make_therapist,
    make_two_therapist_clinic,
    make_weekly_hours,
)

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=NY)  # a Monday morning
TUESDAY_10 = datetime(2026, 12, 8, 10, 0, tzinfo=NY)
Kind = ClientMessage.Kind


@pytest.fixture
def clinic(db):
    """One service, two therapists working 9-17 every day, one suitable room each."""
    made = make_two_therapist_clinic()
    with time_machine.travel(NOW, tick=False):
        yield {"length": made["length"], "maya": made["maya"], "tom": made["tom"]}


@pytest.fixture
def staff_user(db):
    return get_user_model().objects.create_user("desk", password="a-long-desk-password-1")


def book(clinic, *, start=TUESDAY_10, therapist="maya", **kwargs) -> booking.Booked:
    return booking.book_appointment(
        client=kwargs.pop("client", None) or make_client(),
        service_length=clinic["length"],
        start=start,
        now=datetime.now(UTC),
        therapist=clinic[therapist] if therapist else None,
        **kwargs,
    )


def test_booking_writes_history_messages_and_a_working_manage_link(clinic):
    booked = book(clinic, key=uuid4())

    appointment = booked.appointment
    assert booked.created
    assert appointment.therapist == clinic["maya"]
    assert appointment.end - appointment.start == timedelta(minutes=60)
    assert [c.action for c in appointment.changes.all()] == [AppointmentChange.Action.BOOKED]
    kinds = sorted(appointment.messages.values_list("kind", flat=True))
    assert kinds == [Kind.CONFIRMATION, Kind.REMINDER]
    reminder = appointment.messages.get(kind=Kind.REMINDER)
    assert reminder.due_at == TUESDAY_10 - timedelta(hours=24)
    assert DBTaskResult.objects.count() == 2
    assert booking.appointment_for_token(booked.token, now=datetime.now(UTC)) == appointment
    assert not ManageToken.objects.filter(digest=booked.token).exists()


def test_same_key_books_once(clinic):
    key = uuid4()
    first = book(clinic, key=key)

    second = book(clinic, key=key)

    assert not second.created
    assert second.appointment == first.appointment
    assert Appointment.objects.count() == 1
    assert ClientMessage.objects.filter(kind=Kind.CONFIRMATION).count() == 1


def test_taken_time_is_refused_with_nearest_alternatives_and_nothing_written(clinic):
    book(clinic)

    with pytest.raises(booking.SlotTaken) as taken:
        book(clinic, start=TUESDAY_10 + timedelta(minutes=30))

    assert "no longer available" in taken.value.message
    alternatives = [
        offer.start.astimezone(NY).strftime("%H:%M") for offer in taken.value.alternatives
    ]
    assert alternatives == ["11:15", "11:30", "11:45"]  # Maya is busy 10:00-11:15
    assert all(offer.therapist_id == clinic["maya"].pk for offer in taken.value.alternatives)
    assert Appointment.objects.count() == 1


def test_online_booking_needs_notice_but_staff_may_book_inside_it(clinic, staff_user):
    soon = datetime(2026, 12, 7, 11, 0, tzinfo=NY)  # three hours away; policy wants twelve

    with pytest.raises(booking.SlotTaken, match="12 hours' notice"):
        book(clinic, start=soon)
    staff_booked = book(clinic, start=soon, by=staff_user)

    assert staff_booked.appointment.created_by == staff_user


@pytest.mark.parametrize(
    ("start", "message"),
    [
        (datetime(2026, 12, 6, 10, 0, tzinfo=NY), "already passed"),
        (datetime(2027, 3, 1, 10, 0, tzinfo=NY), "up to 60 days ahead"),
        (datetime(2026, 12, 8, 18, 0, tzinfo=NY), "no longer available"),  # after hours
        (datetime(2026, 12, 8, 10, 7, tzinfo=NY), "no longer available"),  # off the 15' grid
    ],
)
def test_times_outside_the_policy_or_hours_are_refused(clinic, start, message):
    with pytest.raises(booking.SlotTaken, match=message):
        book(clinic, start=start)
    assert not Appointment.objects.exists()


def test_any_therapist_goes_to_the_one_with_fewer_bookings_that_day(clinic):
    book(clinic, start=TUESDAY_10, therapist="maya")

    booked = book(clinic, start=TUESDAY_10 + timedelta(hours=3), therapist=None)

    assert booked.appointment.therapist == clinic["tom"]


def test_move_records_history_replaces_reminder_and_bumps_sequence(clinic, staff_user):
    appointment = book(clinic).appointment
    later = TUESDAY_10 + timedelta(days=1, hours=2)

    moved = booking.reschedule_appointment(
        appointment=appointment,
        start=later,
        now=datetime.now(UTC),
        therapist=clinic["tom"],
        by=staff_user,
        reason="Client asked",
    )

    assert moved.start == later
    assert moved.therapist == clinic["tom"]
    assert moved.sequence == 1
    change = moved.changes.get(action=AppointmentChange.Action.MOVED)
    assert change.by == staff_user
    assert change.reason == "Client asked"
    assert change.details["start"] == ["Tue, Dec 8, 2026, 10:00 AM", "Wed, Dec 9, 2026, 12:00 PM"]
    assert change.details["therapist"] == ["Maya", "Tom"]
    reminders = moved.messages.filter(kind=Kind.REMINDER)
    assert sorted(reminders.values_list("status", flat=True)) == ["pending", "skipped"]
    assert reminders.get(status="pending").due_at == later - timedelta(hours=24)
    assert moved.messages.filter(kind=Kind.MOVED).count() == 1


def test_cancel_frees_the_time_withdraws_the_reminder_and_tells_the_client(clinic):
    appointment = book(clinic).appointment

    booking.cancel_appointment(appointment=appointment, now=datetime.now(UTC), reason="Injured")

    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.cancel_reason == "Injured"
    assert appointment.messages.get(kind=Kind.REMINDER).status == "skipped"
    assert appointment.messages.filter(kind=Kind.CANCELLED).count() == 1
    assert book(clinic).appointment.start == TUESDAY_10  # the time is free again


def test_online_changes_close_at_the_cutoff_but_staff_can_still_act(clinic, staff_user):
    appointment = book(clinic).appointment

    with time_machine.travel(TUESDAY_10 - timedelta(hours=23), tick=False):
        now = datetime.now(UTC)
        with pytest.raises(booking.ChangeNotAllowed, match="Please call us"):
            booking.cancel_appointment(appointment=appointment, now=now)
        booking.cancel_appointment(appointment=appointment, now=now, by=staff_user)

    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED


def test_status_moves_only_forward(clinic, staff_user):
    appointment = book(clinic).appointment

    started = appointment.start + timedelta(minutes=5)

    booking.set_status(appointment=appointment, status="checked_in", by=staff_user, now=started)
    booking.set_status(appointment=appointment, status="completed", by=staff_user, now=started)
    with pytest.raises(booking.ChangeNotAllowed, match="completed, so it cannot be marked a no"):
        booking.set_status(appointment=appointment, status="no_show", by=staff_user, now=started)

    actions = list(appointment.changes.values_list("action", flat=True))
    assert actions == ["booked", "checked_in", "completed"]


def test_blocking_time_refuses_a_booked_session_and_then_keeps_bookings_out(clinic, staff_user):
    book(clinic)
    with pytest.raises(booking.BookingError, match="has a session at Tue, Dec 8, 2026, 10:00 AM"):
        booking.block_time(
            therapist=clinic["maya"],
            start=TUESDAY_10,
            end=TUESDAY_10 + timedelta(hours=1),
            by=staff_user,
        )

    afternoon = TUESDAY_10 + timedelta(hours=4)
    booking.block_time(
        therapist=clinic["maya"], start=afternoon, end=afternoon + timedelta(hours=2), by=staff_user
    )

    with pytest.raises(booking.SlotTaken):
        book(clinic, start=afternoon + timedelta(minutes=30))


def test_rolled_back_booking_leaves_no_message_and_no_task(clinic):
    def book_then_fail() -> None:
        with transaction.atomic():
            book(clinic)
            raise RuntimeError("the request failed after booking")

    with pytest.raises(RuntimeError):
        book_then_fail()

    assert not Appointment.objects.exists()
    assert not ClientMessage.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_delivery_sends_once_and_keeps_health_details_out(clinic, mailoutbox):
    client = make_client(first_name="Jess", email="jess@example.com")
    RunnerIntake.objects.create(
        client=client,
        health_conditions="secret-condition-xyz",
        medications="secret-medication-xyz",
        policy_consent_at=NOW,
        policy_version="v1",
        treatment_consent_at=NOW,
        treatment_version="v1",
    )
    appointment = book(clinic, client=client).appointment
    confirmation = appointment.messages.get(kind=Kind.CONFIRMATION)

    assert outbox.deliver(confirmation.pk) == "sent"
    assert outbox.deliver(confirmation.pk) == "nothing to send"

    [email] = mailoutbox
    assert email.to == ["jess@example.com"]
    assert "Tuesday, December 8, 2026 at 10:00 AM" in email.body
    assert "/book/manage/" in email.body
    (_name, ics, mimetype) = email.attachments[0]
    assert mimetype.startswith("text/calendar")
    everything = email.body + email.alternatives[0].content + str(ics)
    assert "secret-" not in everything
    confirmation.refresh_from_db()
    assert confirmation.status == "sent"


@override_settings(
    MAILERS={
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
        }
    }
)
def test_delivery_with_the_mail_server_down_schedules_a_retry(clinic):
    appointment = book(clinic).appointment
    confirmation = appointment.messages.get(kind=Kind.CONFIRMATION)
    tasks_before = set(DBTaskResult.objects.values_list("pk", flat=True))

    assert outbox.deliver(confirmation.pk) == "retry scheduled"

    confirmation.refresh_from_db()
    assert confirmation.status == "pending"
    assert confirmation.attempts == 1
    assert confirmation.last_error
    [retry] = DBTaskResult.objects.exclude(pk__in=tasks_before)
    assert retry.run_after == confirmation.due_at > datetime.now(UTC)


def test_requeue_finds_pending_due_messages(clinic):
    appointment = book(clinic).appointment
    DBTaskResult.objects.all().delete()  # as if the worker died holding them

    assert outbox.requeue_pending(now=datetime.now(UTC)) == 1  # the reminder is not due yet
    assert DBTaskResult.objects.count() == 1
    assert appointment.messages.pending().count() == 2


def test_manage_link_stops_working_after_the_visit_or_when_revoked(clinic):
    booked = book(clinic)
    token = booked.token

    with time_machine.travel(TUESDAY_10 + timedelta(hours=2), tick=False):
        assert booking.appointment_for_token(token, now=datetime.now(UTC)) is None
    booking.revoke_manage_tokens(booked.appointment, now=datetime.now(UTC))
    assert booking.appointment_for_token(token, now=datetime.now(UTC)) is None
    assert booking.appointment_for_token("x" * 32, now=datetime.now(UTC)) is None


def test_a_room_taken_since_the_check_is_swapped_for_another_free_room(clinic, monkeypatch):
    rooms = list(Room.objects.order_by("pk"))
    # Tom's session takes the first room after Maya's booking chose it from a stale view.
    tom_first = book(clinic, therapist="tom").appointment
    assert tom_first.room == rooms[0]
    monkeypatch.setattr(booking, "confirm_offer", lambda **kwargs: (clinic["maya"].pk, rooms[0].pk))

    maya = book(clinic).appointment

    assert maya.room == rooms[1]
    assert maya.start == tom_first.start


def test_when_every_room_is_gone_the_runner_is_told_it_was_just_taken(clinic, monkeypatch):
    rooms = list(Room.objects.order_by("pk"))
    book(clinic, therapist="tom")
    other = make_therapist(name="Ann", services=[clinic["length"].service])
    make_weekly_hours(other, start="09:00", end="17:00")
    booking.book_appointment(
        client=make_client(),
        service_length=clinic["length"],
        start=TUESDAY_10,
        now=datetime.now(UTC),
        therapist=other,
    )
    monkeypatch.setattr(booking, "confirm_offer", lambda **kwargs: (clinic["maya"].pk, rooms[0].pk))

    with pytest.raises(booking.SlotTaken, match="just taken"):
        book(clinic)
    assert Appointment.objects.filter(therapist=clinic["maya"]).count() == 0


def test_delivery_retries_when_the_database_connection_drops(monkeypatch):
    from django.db import OperationalError

    from bookings import tasks

    calls = []

    def flaky(message_id: int) -> str:
        calls.append(message_id)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return "sent"

    monkeypatch.setattr(tasks.outbox, "deliver", flaky)
    monkeypatch.setattr(tasks.time, "sleep", lambda seconds: None)

    assert tasks.deliver_message.call(7) == "sent"
    assert calls == [7, 7]


@pytest.mark.django_db(transaction=True)
def test_inserts_racing_on_the_same_therapist_end_in_one_booking_and_one_taken(monkeypatch):
    """Both inserts may wait on each other's exclusion check (a deadlock PostgreSQL breaks
    by aborting one); whichever way it falls, the loser is told the time was taken."""
    BookingPolicy.objects.create()
    service = make_service(lengths=())
    length = make_length(service, minutes=60, after=15)
    maya = make_therapist(name="Maya", services=[service])
    make_weekly_hours(maya, start="09:00", end="17:00")
    rooms = [make_room(services=[service]).pk for _ in range(2)]
    clients = [make_client() for _ in range(2)]
    at_insert = threading.Barrier(2, timeout=10)
    real_refuse = booking.refuse_if_blocked

    def meet_then_check(**kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):
            at_insert.wait()
        return real_refuse(**kwargs)

    monkeypatch.setattr(booking, "refuse_if_blocked", meet_then_check)
    outcomes: list[str] = []

    def runner(n: int) -> None:
        try:
            monkeypatch.setattr(booking, "confirm_offer", lambda **kw: (maya.pk, rooms[n]))
            booking.book_appointment(
                client=clients[n],
                service_length=length,
                start=TUESDAY_10,
                now=NOW,
                therapist=maya,
            )
            outcomes.append("booked")
        except booking.SlotTaken:
            outcomes.append("taken")
        except Exception as error:
            outcomes.append(repr(error))
        finally:
            connection.close()

    with time_machine.travel(NOW, tick=False):
        threads = [threading.Thread(target=runner, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert sorted(outcomes) == ["booked", "taken"]
    assert Appointment.objects.count() == 1


def test_a_bookings_deliveries_are_written_with_it_in_one_insert_each_for_its_message(clinic):
    from django.tasks.signals import task_enqueued
    from django.test.utils import CaptureQueriesContext

    enqueued = []

    def heard(sender, task_result, **kwargs):
        enqueued.append(task_result)

    task_enqueued.connect(heard)
    try:
        with CaptureQueriesContext(connection) as queries:
            booked = book(clinic, key=uuid4())
    finally:
        task_enqueued.disconnect(heard)

    # The appointment, its rows, its emails and their jobs: one statement.
    [insert] = [q["sql"] for q in queries if '"bookings_appointment" (' in q["sql"]]
    assert insert.startswith('WITH r0 AS (INSERT INTO "bookings_appointment"')
    assert insert.count('INSERT INTO "django_tasks_database_dbtaskresult"') == len(enqueued) == 2
    messages = {m.pk: m for m in booked.appointment.messages.all()}
    tasks = list(DBTaskResult.objects.all())
    assert sorted(t.args_kwargs["args"][0] for t in tasks) == sorted(messages)
    for task in tasks:
        message = messages[task.args_kwargs["args"][0]]
        assert task.task_path == "bookings.tasks.deliver_message"
        due_later = message.kind == Kind.REMINDER
        assert task.task.run_after == (message.due_at if due_later else None)
        assert DBTaskResult.objects.ready().filter(pk=task.pk).exists() is not due_later
    assert sorted(str(r.id) for r in enqueued) == sorted(str(t.id) for t in tasks)
