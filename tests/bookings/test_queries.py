"""The query layer: everything the engine needs in one query, and the same answer."""

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings import availability as engine
from bookings import queries
from bookings.models import Appointment, BookingPolicy, ClinicClosure
from bookings.models.appointments import ACTIVE_STATUSES
from tests.factories import (
    make_appointment,
    make_client,
    make_date_hours,
    make_length,
    make_room,
    make_service,
    make_therapist,
    make_time_off,
    make_weekly_hours,
)

NY = ZoneInfo("America/New_York")
MONDAY = date(2026, 6, 15)
NOW = datetime(2026, 6, 1, 9, tzinfo=NY)
POLICY = BookingPolicy(slot_step_minutes=15, min_notice_hours=12, horizon_days=60)

pytestmark = pytest.mark.django_db


def at(hhmm: str, day: date = MONDAY) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=NY)


def clock(starts: list[datetime]) -> list[str]:
    return [s.astimezone(NY).strftime("%H:%M") for s in starts]


@pytest.fixture
def clinic():
    """A 60-minute massage (15 minutes' turnover after) and one massage room."""
    service = make_service(title="Sports massage")
    return make_length(service, minutes=60, before=0, after=15), make_room(services=[service])


def staff(length, n: int = 1) -> list:
    """Return n therapists offering the service, working 9:00-12:30 and 13:30-17:00 every day."""
    therapists = [make_therapist(services=[length.service]) for _ in range(n)]
    for therapist in therapists:
        make_weekly_hours(therapist, start="09:00", end="12:30")
        make_weekly_hours(therapist, start="13:30", end="17:00")
    return therapists


def bulk_book(therapists, room, length, count: int) -> None:
    """Book `count` sessions at 9:00, one a day from Monday on, rotating through the therapists."""
    client = make_client()
    appointments = []
    for n in range(count):
        appointment = Appointment(
            client=client,
            therapist=therapists[n % len(therapists)],
            room=room,
            service_length=length,
            start=at("09:00", MONDAY + timedelta(days=n)),
        )
        appointment.fill_times()
        appointments.append(appointment)
    Appointment.objects.bulk_create(appointments)


def slots(length, *, days: int = 1, **kwargs) -> queries.Availability:
    return queries.available_slots(
        service_length=length,
        policy=POLICY,
        now=NOW,
        start_date=MONDAY,
        end_date=MONDAY + timedelta(days=days),
        **kwargs,
    )


def test_a_day_with_an_appointment_and_time_off_gives_the_expected_slots(clinic):
    length, room = clinic
    (maya,) = staff(length)
    make_appointment(therapist=maya, room=room, start=at("10:00"), length=length)
    make_time_off(maya, start=at("14:30"), end=at("15:30"))

    found = slots(length)

    assert clock(found.by_therapist[maya.pk]) == [
        "11:15",
        "11:30",
        "13:30",
        "15:30",
        "15:45",
        "16:00",
    ]
    assert [(s.start, s.therapist_id) for s in found.any_therapist] == [
        (s, maya.pk) for s in found.by_therapist[maya.pk]
    ]


def test_the_loaded_schedule_gives_what_the_engine_gives_for_the_same_plain_data(clinic):
    length, room = clinic
    (maya,) = staff(length)
    make_appointment(therapist=maya, room=room, start=at("10:00"), length=length)
    make_time_off(maya, start=at("14:30"), end=at("15:30"))
    massage = {length.service_id}
    by_hand = engine.Schedule(
        therapists=[engine.Therapist(maya.pk, frozenset(massage))],
        weekly_hours=[
            engine.WeeklyHours(maya.pk, day, time.fromisoformat(a), time.fromisoformat(b))
            for day in range(7)
            for a, b in [("09:00", "12:30"), ("13:30", "17:00")]
        ],
        rooms=[engine.Room(room.pk, frozenset(massage))],
        time_off=[engine.TimeOff(maya.pk, engine.Span(at("14:30"), at("15:30")))],
        busy=[engine.TherapistBusy(maya.pk, engine.Span(at("10:00"), at("11:15")))],
        room_busy=[engine.RoomBusy(room.pk, engine.Span(at("10:00"), at("11:15")))],
        sessions_per_day={(maya.pk, MONDAY): 1},
    )

    expected, _ = engine.bookable_slots(
        by_hand,
        queries.service_request(length),
        queries.engine_policy(POLICY),
        now=NOW,
        first_day=MONDAY,
        end_day=MONDAY + timedelta(days=7),
        tz=NY,
    )

    assert slots(length, days=7).by_therapist == expected


@pytest.mark.parametrize("therapist_count", [1, 8])
def test_loads_everything_in_one_query(clinic, therapist_count, django_assert_num_queries):
    length, room = clinic
    therapists = staff(length, therapist_count)
    bulk_book(therapists, room, length, 20)
    for therapist in therapists:
        make_time_off(therapist, start=at("09:00"), end=at("10:00"))
        make_date_hours(therapist, day=MONDAY + timedelta(days=1), start="08:00", end="11:00")
    ClinicClosure.objects.create(date=MONDAY + timedelta(days=2), name="Holiday")

    with django_assert_num_queries(1):
        found = slots(length, days=14)

    assert set(found.by_therapist) == {t.pk for t in therapists}


def test_the_query_count_does_not_grow_with_therapists_or_appointments(clinic):
    length, room = clinic
    counts = []
    for therapist_count, appointment_count in [(1, 10), (8, 100)]:
        Appointment.objects.all().delete()
        bulk_book(staff(length, therapist_count), room, length, appointment_count)
        with CaptureQueriesContext(connection) as ctx:
            slots(length, days=60)
        counts.append(len(ctx))

    assert counts == [1, 1]


def test_each_kind_of_schedule_data_reaches_the_engine(clinic):
    length, _ = clinic
    maya, tom = staff(length, 2)
    tuesday, wednesday = MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)
    make_date_hours(maya, day=tuesday, start="15:00", end="16:15")
    ClinicClosure.objects.create(date=wednesday, name="Juneteenth (observed)")
    other_room = make_room(services=[make_service()])
    make_appointment(therapist=tom, room=other_room, start=at("09:00", tuesday))

    found = slots(length, days=3, therapists=[maya, tom])

    by_day = {
        (tid, day): clock([s for s in starts if s.astimezone(NY).date() == day])
        for tid, starts in found.by_therapist.items()
        for day in (tuesday, wednesday)
    }
    assert by_day[maya.pk, tuesday] == ["15:00", "15:15"]
    assert by_day[tom.pk, tuesday][:2] == ["10:15", "10:30"]  # his own session, another room
    assert by_day[maya.pk, wednesday] == by_day[tom.pk, wednesday] == []


def test_a_room_taken_by_another_therapist_removes_the_slot(clinic):
    length, room = clinic
    maya, tom = staff(length, 2)
    make_appointment(therapist=tom, room=room, start=at("09:00"), length=length)

    found = slots(length, therapists=[maya])

    assert list(found.by_therapist) == [maya.pk]
    assert clock(found.by_therapist[maya.pk])[:1] == ["10:15"]


def test_inactive_therapists_and_those_not_offering_the_service_get_no_slots(clinic):
    length, _ = clinic
    (maya,) = staff(length)
    resting = staff(length)[0]
    resting.active = False
    resting.save()
    make_weekly_hours(make_therapist(services=[make_service()]), start="09:00", end="17:00")

    assert list(slots(length).by_therapist) == [maya.pk]


def test_cancelled_and_no_show_appointments_free_their_time_and_the_rest_hold_it(clinic):
    length, room = clinic
    (maya,) = staff(length)
    for hhmm, status in [
        ("09:00", Appointment.Status.CANCELLED),
        ("10:30", Appointment.Status.NO_SHOW),
        ("13:30", Appointment.Status.CHECKED_IN),
        ("15:00", Appointment.Status.COMPLETED),
    ]:
        make_appointment(therapist=maya, room=room, start=at(hhmm), length=length, status=status)

    found = slots(length)

    assert clock(found.by_therapist[maya.pk]) == [
        "09:00",
        "09:15",
        "09:30",
        "09:45",
        "10:00",
        "10:15",
        "10:30",
        "10:45",
        "11:00",
        "11:15",
        "11:30",
    ]
    assert found.schedule.sessions_per_day == {(maya.pk, MONDAY): 2}


def test_the_schedule_query_holds_the_time_of_exactly_the_active_statuses():
    active = ", ".join(f"'{status}'" for status in ACTIVE_STATUSES)

    assert f"status IN ({active})" in queries.SCHEDULE_SQL


def test_the_appointments_are_read_through_an_exclusion_constraint_index(clinic):
    length, room = clinic
    (maya,) = staff(length)
    make_appointment(therapist=maya, room=room, start=at("10:00"), length=length)
    with CaptureQueriesContext(connection) as ctx:
        slots(length)
    (query,) = ctx.captured_queries

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: force the choice
        cursor.execute("EXPLAIN " + query["sql"])
        plan = "\n".join(line for (line,) in cursor.fetchall())

    # The window's range test is the constraints' expression, so their index can answer it.
    scan = r"Scan using appointment_\w+_no_overlap on bookings_appointment.*\n.*Index Cond: \("
    assert re.search(scan + re.escape("tstzrange(occupied_from, occupied_until) &&"), plan), plan


def test_ignoring_an_appointment_lets_it_move_within_its_own_time(clinic):
    length, room = clinic
    (maya,) = staff(length)
    booked = make_appointment(therapist=maya, room=room, start=at("10:00"), length=length)

    assert "10:15" not in clock(slots(length).by_therapist[maya.pk])
    assert "10:15" in clock(slots(length, ignoring=booked).by_therapist[maya.pk])


def test_any_therapist_goes_to_the_one_with_fewer_sessions_that_day(clinic):
    length, room = clinic
    maya, tom = staff(length, 2)
    second_room = make_room(services=[length.service])
    make_appointment(therapist=maya, room=room, start=at("13:30"), length=length)

    found = slots(length)

    assert found.schedule.sessions_per_day == {(maya.pk, MONDAY): 1}
    assert {s.therapist_id for s in found.any_therapist if s.start == at("09:00")} == {tom.pk}
    assert found.room_for(at("13:30")) == second_room.pk


def test_the_daily_cap_counts_sessions_in_the_database(clinic):
    length, room = clinic
    (maya,) = staff(length)
    make_appointment(therapist=maya, room=room, start=at("09:00"), length=length)
    capped = BookingPolicy(slot_step_minutes=15, min_notice_hours=12, max_sessions_per_day=1)

    found = queries.available_slots(
        service_length=length,
        policy=capped,
        now=NOW,
        start_date=MONDAY,
        end_date=MONDAY + timedelta(days=2),
    )

    assert {s.astimezone(NY).date() for s in found.by_therapist[maya.pk]} == {
        MONDAY + timedelta(days=1)
    }


def test_a_therapist_s_own_cap_reaches_the_engine_and_overrides_the_clinic_s(clinic):
    length, room = clinic
    maya, tom = staff(length, 2)
    maya.max_sessions_per_day = 1
    maya.save()
    rooms = {maya: room, tom: make_room(services=[length.service])}
    for therapist in (maya, tom):
        for start in (at("09:00"), at("14:00")):
            make_appointment(therapist=therapist, room=rooms[therapist], start=start, length=length)
    loose = BookingPolicy(slot_step_minutes=15, min_notice_hours=12, max_sessions_per_day=3)

    found = queries.available_slots(
        service_length=length,
        policy=loose,
        now=NOW,
        start_date=MONDAY,
        end_date=MONDAY + timedelta(days=2),
    )

    assert {(t.therapist_id, t.max_sessions_per_day) for t in found.schedule.therapists} == {
        (maya.pk, 1),
        (tom.pk, None),
    }
    days = {
        tid: {s.astimezone(NY).date() for s in found.by_therapist[tid]}
        for tid in found.by_therapist
    }
    assert days == {
        maya.pk: {MONDAY + timedelta(days=1)},
        tom.pk: {MONDAY, MONDAY + timedelta(days=1)},
    }


def test_nothing_is_read_outside_the_notice_and_horizon(clinic, django_assert_num_queries):
    length, _ = clinic
    staff(length)

    with django_assert_num_queries(0):
        found = queries.available_slots(
            service_length=length,
            policy=POLICY,
            now=NOW,
            start_date=MONDAY + timedelta(days=100),
            end_date=MONDAY + timedelta(days=107),
        )

    assert found.by_therapist == {}


def test_pick_room_gives_the_first_free_suitable_room_in_two_queries(
    clinic, django_assert_num_queries
):
    length, first = clinic
    second = make_room(services=[length.service])
    make_room(services=[length.service], active=False)
    make_room(services=[make_service()])
    (maya,) = staff(length)
    make_appointment(therapist=maya, room=first, start=at("10:00"), length=length)

    with django_assert_num_queries(2):
        during = queries.pick_room(service_length=length, start=at("11:00"))

    assert during == second
    assert queries.pick_room(service_length=length, start=at("11:15")) == first
    make_appointment(therapist=make_therapist(), room=second, start=at("11:00"), length=length)
    assert queries.pick_room(service_length=length, start=at("11:00")) is None


def test_the_demo_clinic_offers_every_massage_therapist_on_a_weekday(demo):
    from services.models import ServiceLength

    length = ServiceLength.objects.get(service__slug="sports-massage-for-runners", minutes=60)

    found = queries.available_slots(
        service_length=length,
        policy=BookingPolicy.load(),
        now=NOW,
        start_date=MONDAY,
        end_date=MONDAY + timedelta(days=1),
    )

    firsts = [clock(starts)[0] for starts in found.by_therapist.values() if starts]
    assert sorted(firsts) == ["08:00", "09:00", "10:00"]  # Tom is off on Mondays
