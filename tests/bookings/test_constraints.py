"""What the database itself refuses, written straight through the ORM (no clean(), no forms)."""

import threading
import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest
from django.db import IntegrityError, OperationalError, connection, transaction

from bookings.models import (
    Appointment,
    BookingPolicy,
    Client,
    ClinicClosure,
    DateHours,
    TimeOff,
    WeeklyHours,
)
from tests.factories import (
    make_appointment,
    make_client,
    make_length,
    make_room,
    make_service,
    make_therapist,
)

NY = ZoneInfo("America/New_York")
TEN = datetime(2026, 6, 15, 10, tzinfo=NY)
MINUTE = timedelta(minutes=1)

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic():
    """A service (60 minutes, 15 after), two therapists and two rooms that offer it."""
    service = make_service()
    length = make_length(service, minutes=60, before=0, after=15)
    therapists = [make_therapist(services=[service]) for _ in range(2)]
    rooms = [make_room(services=[service]) for _ in range(2)]
    return length, therapists, rooms


def rejected():
    """Expect the database to refuse the write; the savepoint keeps the test's transaction."""
    return pytest.raises(IntegrityError)


def book(length, therapist, room, start, **fields) -> Appointment:
    with transaction.atomic():
        return make_appointment(
            therapist=therapist, room=room, start=start, length=length, **fields
        )


def test_rejects_overlapping_appointments_for_one_therapist(clinic):
    length, (maya, _), (room1, room2) = clinic
    book(length, maya, room1, TEN)

    with rejected() as error:
        book(length, maya, room2, TEN + timedelta(minutes=30))

    assert "appointment_therapist_no_overlap" in str(error.value)
    assert Appointment.objects.count() == 1


def test_rejects_overlapping_appointments_in_one_room(clinic):
    length, (maya, tom), (room1, _) = clinic
    book(length, maya, room1, TEN)

    with rejected() as error:
        book(length, tom, room1, TEN - timedelta(minutes=30))

    assert "appointment_room_no_overlap" in str(error.value)


def test_rejects_a_start_inside_the_previous_after_buffer(clinic):
    length, (maya, _), (room1, room2) = clinic
    book(length, maya, room1, TEN)  # 10:00-11:00, turnover until 11:15

    with rejected():
        book(length, maya, room2, TEN + timedelta(minutes=74))


def test_rejects_a_session_whose_before_buffer_reaches_the_previous_one(clinic):
    length, (maya, _), (room1, room2) = clinic
    book(length, maya, room1, TEN)
    prepped = make_length(length.service, minutes=90, before=10, after=0)

    with rejected():
        book(prepped, maya, room2, TEN + timedelta(minutes=75) + 9 * MINUTE)


def test_allows_back_to_back_sessions_whose_buffers_touch(clinic):
    length, (maya, _), (room1, _) = clinic
    prepped = make_length(length.service, minutes=90, before=10, after=0)
    book(length, maya, room1, TEN)  # occupied 10:00-11:15

    book(prepped, maya, room1, TEN + timedelta(minutes=85))  # occupied 11:15-12:55
    book(length, maya, room1, TEN - timedelta(minutes=75))  # occupied 8:45-10:00

    assert Appointment.objects.count() == 3


@pytest.mark.parametrize("status", [Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW])
def test_cancelled_and_no_show_appointments_free_the_time(clinic, status):
    length, (maya, _), (room1, _) = clinic
    book(length, maya, room1, TEN, status=status)

    book(length, maya, room1, TEN)

    assert Appointment.objects.active().count() == 1


def test_rejects_reinstating_a_cancelled_appointment_whose_time_was_taken(clinic):
    length, (maya, _), (room1, _) = clinic
    first = book(length, maya, room1, TEN, status=Appointment.Status.CANCELLED)
    book(length, maya, room1, TEN)

    first.status = Appointment.Status.BOOKED
    with rejected(), transaction.atomic():
        first.save()


@pytest.mark.parametrize("status", Appointment.ACTIVE_STATUSES)
def test_every_active_status_holds_the_time(clinic, status):
    length, (maya, _), (room1, room2) = clinic
    book(length, maya, room1, TEN, status=status)

    with rejected():
        book(length, maya, room2, TEN)


def test_allows_different_therapists_in_different_rooms_at_the_same_time(clinic):
    length, (maya, tom), (room1, room2) = clinic

    book(length, maya, room1, TEN)
    book(length, tom, room2, TEN)

    assert Appointment.objects.overlapping(TEN, TEN + MINUTE).count() == 2


def test_rejects_an_appointment_ending_before_it_starts(clinic):
    length, (maya, _), (room1, _) = clinic

    with rejected() as error:
        book(length, maya, room1, TEN, end=TEN)

    assert "appointment_end_after_start" in str(error.value)


def test_rejects_an_occupied_span_that_does_not_cover_the_session(clinic):
    length, (maya, _), (room1, _) = clinic
    appointment = book(length, maya, room1, TEN)

    with rejected(), transaction.atomic():
        Appointment.objects.filter(pk=appointment.pk).update(occupied_from=TEN + MINUTE)


def test_rejects_a_reused_idempotency_key(clinic):
    length, (maya, tom), (room1, room2) = clinic
    first = book(length, maya, room1, TEN)
    first.idempotency_key = key = uuid.uuid4()
    first.save()

    with rejected():
        book(length, tom, room2, TEN + timedelta(days=1), idempotency_key=key)


def test_rejects_weekly_hours_ending_before_they_start():
    with rejected(), transaction.atomic():
        WeeklyHours.objects.create(
            therapist=make_therapist(), weekday=0, start=time(12), end=time(9)
        )


def test_rejects_overlapping_weekly_hours_for_one_therapist_and_weekday():
    maya, tom = make_therapist(), make_therapist()
    WeeklyHours.objects.create(therapist=maya, weekday=0, start=time(9), end=time(12, 30))
    WeeklyHours.objects.create(therapist=maya, weekday=0, start=time(12, 30), end=time(18))
    WeeklyHours.objects.create(therapist=maya, weekday=1, start=time(9), end=time(18))
    WeeklyHours.objects.create(therapist=tom, weekday=0, start=time(9), end=time(18))

    with rejected(), transaction.atomic():
        # The constraint is deferred to commit; ask for it now.
        connection.cursor().execute("SET CONSTRAINTS weeklyhours_no_overlap IMMEDIATE")
        WeeklyHours.objects.create(therapist=maya, weekday=0, start=time(12), end=time(13))


def test_rejects_date_hours_with_only_one_end():
    with rejected(), transaction.atomic():
        DateHours.objects.create(therapist=make_therapist(), date=TEN.date(), start=time(9))


def test_rejects_time_off_ending_before_it_starts():
    with rejected(), transaction.atomic():
        TimeOff.objects.create(therapist=make_therapist(), start=TEN, end=TEN - MINUTE)


def test_rejects_two_closures_on_one_date(db):
    ClinicClosure.objects.create(date=TEN.date(), name="Thanksgiving")

    with rejected(), transaction.atomic():
        ClinicClosure.objects.create(date=TEN.date(), name="Again")


def test_one_client_per_email_ignoring_case_but_any_number_without_email(db):
    make_client(email="Runner@Example.com")
    make_client(email="")
    make_client(email="")

    with rejected(), transaction.atomic():
        make_client(email="runner@example.COM")

    assert Client.objects.with_email(" RUNNER@example.com").count() == 1


def test_booking_policy_is_a_single_row(db):
    BookingPolicy(min_notice_hours=2).save()
    BookingPolicy(min_notice_hours=6).save()

    assert list(BookingPolicy.objects.values_list("pk", "min_notice_hours")) == [(1, 6)]
    with rejected(), transaction.atomic():
        BookingPolicy.objects.filter(pk=1).update(id=2)


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_bookings_of_one_slot_give_exactly_one_appointment():
    service = make_service()
    length = make_length(service)
    maya = make_therapist(services=[service])
    rooms = [make_room(services=[service]) for _ in range(2)]
    clients = [make_client() for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def book_in_own_connection(n: int) -> None:
        try:
            with transaction.atomic():
                appointment = Appointment(
                    client=clients[n],
                    therapist=maya,
                    room=rooms[n],
                    service_length=length,
                    start=TEN + timedelta(minutes=15 * n),
                )
                appointment.fill_times()
                barrier.wait(timeout=10)  # both transactions are open before either inserts
                appointment.save()
            outcomes.append("booked")
        except IntegrityError:
            outcomes.append("taken")
        except OperationalError as error:
            # Both inserts may wait on each other's exclusion check; PostgreSQL then aborts
            # one as a deadlock: the database refused it all the same.
            deadlock = isinstance(error.__cause__, psycopg.errors.DeadlockDetected)
            outcomes.append("taken" if deadlock else repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=book_in_own_connection, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["booked", "taken"]
    assert Appointment.objects.count() == 1
