"""The availability kept in memory: the same answer as computing afresh, after any write."""

from contextlib import suppress
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings import availability_cache, booking, queries, recheck
from bookings.models import (
    Appointment,
    AvailabilityVersion,
    BookingPolicy,
    ClinicClosure,
    DateHours,
    WeeklyHours,
)
from tests.factories import (
    make_appointment,
    make_client,
    make_length,
    make_room,
    make_service,
    make_therapist,
    make_weekly_hours,
)

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 6, 1, 9, tzinfo=NY)  # a Monday
TOMORROW = date(2026, 6, 2)

pytestmark = pytest.mark.django_db


def at(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=NY)


@pytest.fixture
def clinic():
    """A 60-minute massage with 15 minutes' turnover, two therapists 9:00-17:00, two rooms."""
    policy = BookingPolicy.objects.create(
        slot_step_minutes=15, min_notice_hours=12, horizon_days=30
    )
    service = make_service(title="Sports massage", lengths=())
    length = make_length(service, minutes=60, after=15)
    therapists = [make_therapist(services=[service]) for _ in range(2)]
    for therapist in therapists:
        make_weekly_hours(therapist, start="09:00", end="17:00")
    rooms = [make_room(services=[service]) for _ in range(2)]
    return {"length": length, "therapists": therapists, "rooms": rooms, "policy": policy}


def cached(
    length, now, first, end, therapist=None, policy=None, steady=None
) -> list[tuple[datetime, int]]:
    found = availability_cache.offered(
        service_length=length,
        policy=policy or BookingPolicy.load(),
        now=now,
        start_date=first,
        end_date=end,
        therapist=therapist,
        steady=steady,
    )
    return [(slot.start, slot.therapist_id) for slot in found]


def afresh(length, now, first, end, therapist=None) -> list[tuple[datetime, int]]:
    found = queries.available_slots(
        service_length=length,
        policy=BookingPolicy.load(),
        now=now,
        start_date=first,
        end_date=end,
        therapists=None if therapist is None else [therapist],
    )
    if therapist is None:
        return [(slot.start, slot.therapist_id) for slot in found.any_therapist]
    return [(start, therapist.pk) for start in found.by_therapist.get(therapist.pk, [])]


def where(length, now, start, therapist=None) -> tuple[int, int] | None:
    """Return (therapist id, room id) a booking at `start` gets, computed afresh (None: not
    bookable), as the booking's re-check did before it asked the kept days."""
    day = start.astimezone(NY).date()
    found = queries.available_slots(
        service_length=length, policy=BookingPolicy.load(), now=now,
        start_date=day, end_date=day + timedelta(days=1),
        therapists=None if therapist is None else [therapist],
    )  # fmt: skip
    who = next((o.therapist_id for o in found.offers(therapist) if o.start == start), None)
    room = found.room_for(start) if who is not None else None
    return None if room is None else (who, room)


def kept_where(length, now, start, therapist=None) -> tuple[int, int] | None:
    return availability_cache.bookable(
        service_length=length, policy=BookingPolicy.load(), now=now, start=start,
        therapist=therapist,
    )  # fmt: skip


def versions() -> dict[date, str]:
    return dict(AvailabilityVersion.objects.values_list("day", "token"))


def test_a_second_read_of_a_week_costs_one_query_and_gives_the_same_answer(clinic):
    length, week_end = clinic["length"], TOMORROW + timedelta(days=7)
    with CaptureQueriesContext(connection) as cold:
        first = cached(length, NOW, TOMORROW, week_end, policy=clinic["policy"])

    with CaptureQueriesContext(connection) as warm:
        again = cached(length, NOW, TOMORROW, week_end, policy=clinic["policy"])

    assert [q["sql"].lstrip()[:6] for q in cold] == ["SELECT", "WITH t"]  # versions, schedule
    assert len(warm) == 1  # the versions only
    assert first == again == afresh(length, NOW, TOMORROW, week_end)
    assert len(first) > 7 * 20


def test_a_day_is_read_again_only_when_a_write_touches_it(clinic):
    length, (maya, _) = clinic["length"], clinic["therapists"]
    far_day = TOMORROW + timedelta(days=5)
    cached(length, NOW, TOMORROW, TOMORROW + timedelta(days=7))
    make_appointment(therapist=maya, room=clinic["rooms"][0], start=at(TOMORROW, "10:00"))

    with CaptureQueriesContext(connection) as untouched:
        cached(length, NOW, far_day, far_day + timedelta(days=1), policy=clinic["policy"])
    with CaptureQueriesContext(connection) as touched:
        after = cached(length, NOW, TOMORROW, TOMORROW + timedelta(days=1), policy=clinic["policy"])

    assert len(untouched) == 1
    assert len(touched) == 2
    assert (at(TOMORROW, "10:00"), maya.pk) not in after
    assert after == afresh(length, NOW, TOMORROW, TOMORROW + timedelta(days=1))


def test_a_start_fallen_inside_the_notice_is_not_offered_from_memory(clinic):
    length, day_end = clinic["length"], TOMORROW + timedelta(days=1)
    # 12 hours' notice: at 21:00 tomorrow opens at 9:00; an hour later, at 10:00.
    evening = at(NOW.date(), "21:00")
    before = cached(length, evening, TOMORROW, day_end)
    later = evening + timedelta(hours=1)

    with CaptureQueriesContext(connection) as ctx:
        after = cached(length, later, TOMORROW, day_end, policy=clinic["policy"])

    assert len(ctx) == 1  # from memory
    assert before[0][0] == at(TOMORROW, "09:00")
    assert after[0][0] == at(TOMORROW, "10:00")
    assert after == afresh(length, later, TOMORROW, day_end)


def test_the_horizon_moves_with_the_clock_too(clinic):
    length = clinic["length"]
    last = (NOW + timedelta(days=30)).date()
    cached(length, NOW, last - timedelta(days=2), last + timedelta(days=2))
    later = NOW + timedelta(days=1, hours=3)

    found = cached(length, later, last - timedelta(days=2), last + timedelta(days=3))

    assert found[-1][0] <= later + timedelta(days=30)
    assert found[-1][0].astimezone(NY).date() == last + timedelta(days=1)
    assert found == afresh(length, later, last - timedelta(days=2), last + timedelta(days=3))


def test_an_answer_holds_until_its_first_start_falls_inside_the_notice(clinic):
    steady = availability_cache.Steady()
    answer = cached(clinic["length"], NOW, TOMORROW, TOMORROW + timedelta(days=1), steady=steady)
    first_start = at(TOMORROW, "09:00")
    assert answer[0][0] == first_start

    assert steady.until == first_start - timedelta(hours=12)  # the policy's notice
    assert steady.covered is False  # no versions were passed in: it read its own
    just_before = steady.until - timedelta(microseconds=1)
    assert cached(clinic["length"], just_before, TOMORROW, TOMORROW + timedelta(days=1)) == answer
    later = cached(
        clinic["length"],
        steady.until + timedelta(minutes=1),
        TOMORROW,
        TOMORROW + timedelta(days=1),
    )
    assert later == [slot for slot in answer if slot[0] > first_start]  # 9:00 has gone


def test_an_answer_at_the_horizon_holds_until_the_next_start_comes_within_it(clinic):
    last = (NOW + timedelta(days=30)).date()  # 30 days ahead, 9:00: the horizon's last start
    steady = availability_cache.Steady()
    answer = cached(clinic["length"], NOW, last, last + timedelta(days=2), steady=steady)
    assert [start for start, _who in answer] == [at(last, "09:00")]

    assert steady.until == NOW + timedelta(minutes=15)  # then 9:15 is 30 days ahead
    assert cached(clinic["length"], steady.until, last, last + timedelta(days=2))[-1][0] == at(
        last, "09:15"
    )


def test_a_range_wholly_past_the_horizon_holds_until_its_first_day_comes_within_it(clinic):
    beyond = (NOW + timedelta(days=31)).date()
    steady = availability_cache.Steady()
    assert cached(clinic["length"], NOW, beyond, beyond + timedelta(days=1), steady=steady) == []
    assert steady.until == at(beyond, "00:00") - timedelta(days=30)


def test_a_bookings_recheck_of_a_kept_day_reads_only_the_versions(clinic):
    length, ten = clinic["length"], at(TOMORROW, "10:00")
    cached(length, NOW, TOMORROW, TOMORROW + timedelta(days=1))  # the time page kept the day

    with CaptureQueriesContext(connection) as checked:
        kept = recheck.confirm_offer(
            service_length=length, start=ten, therapist=None, now=NOW, policy=clinic["policy"]
        )

    [read] = [q["sql"] for q in checked]  # the versions, not the schedule
    assert "bookings_availabilityversion" in read and "bookings_weeklyhours" not in read
    assert kept == where(length, NOW, ten) == (clinic["therapists"][0].pk, clinic["rooms"][0].pk)


def test_a_recheck_after_a_write_to_the_day_sees_the_write(clinic):
    length, (maya, lee), (first_room, second_room) = (
        clinic["length"], clinic["therapists"], clinic["rooms"]
    )  # fmt: skip
    ten, policy = at(TOMORROW, "10:00"), clinic["policy"]
    cached(length, NOW, TOMORROW, TOMORROW + timedelta(days=1), maya)
    assert kept_where(length, NOW, ten, maya) == (maya.pk, first_room.pk)  # kept
    make_appointment(therapist=lee, room=first_room, start=ten)  # the room goes to another

    assert kept_where(length, NOW, ten, maya) is None  # the day changed: not run again
    with CaptureQueriesContext(connection) as checked:
        found = recheck.confirm_offer(
            service_length=length, start=ten, therapist=maya, now=NOW, policy=policy
        )
    assert found == where(length, NOW, ten, maya) == (maya.pk, second_room.pk)
    assert len(checked) == 2  # the versions, then what lies around ten o'clock
    make_appointment(therapist=maya, room=second_room, start=ten)
    with pytest.raises(booking.SlotTaken) as taken:  # a refusal comes from the database
        recheck.confirm_offer(
            service_length=length, start=ten, therapist=maya, now=NOW, policy=policy
        )
    assert taken.value.alternatives


def test_a_start_checked_alone_reads_only_the_appointments_around_it(clinic):
    length, (maya, lee), (first_room, second_room) = (
        clinic["length"], clinic["therapists"], clinic["rooms"]
    )  # fmt: skip
    ten, policy = at(TOMORROW, "10:00"), clinic["policy"]
    # 60 minutes and 15 of turnover: 8:45 ends and 11:15 begins just as ten o'clock's would.
    for hour in ("08:45", "11:15", "13:00", "15:00"):
        make_appointment(therapist=lee, room=first_room, start=at(TOMORROW, hour))
    make_appointment(therapist=maya, room=second_room, start=at(TOMORROW, "12:00"))
    with CaptureQueriesContext(connection) as checked:
        alone = queries.bookable_at(
            service_length=length, policy=policy, now=NOW, start=ten, therapist=maya
        )

    assert alone == where(length, NOW, ten, maya) == (maya.pk, first_room.pk)
    [read] = checked
    rows = _rows_of(read["sql"])
    assert [kind for kind in rows if kind == "appointment"] == []  # none touches 10:00
    # A start whose footprint meets an appointment is refused as the whole day refuses it.
    others = {hhmm: at(TOMORROW, hhmm) for hhmm in ("11:30", "12:45", "13:15", "21:00")}
    found = {
        hhmm: queries.bookable_at(
            service_length=length, policy=policy, now=NOW, start=start, therapist=maya
        )
        for hhmm, start in others.items()
    }
    assert found == {hhmm: where(length, NOW, start, maya) for hhmm, start in others.items()}
    assert found["13:15"] == (maya.pk, second_room.pk)  # the first room is Lee's at 13:00
    assert found["11:30"] is found["12:45"] is found["21:00"] is None


def test_a_start_under_a_daily_cap_is_left_to_the_whole_days_read(clinic):
    length, (maya, _) = clinic["length"], clinic["therapists"]
    maya.max_sessions_per_day = 4
    maya.save()

    assert queries.bookable_at(
        service_length=length, policy=clinic["policy"], now=NOW, start=at(TOMORROW, "10:00"),
        therapist=maya,
    ) is None  # fmt: skip
    assert where(length, NOW, at(TOMORROW, "10:00"), maya) is not None


def _rows_of(sql: str) -> list[str]:
    """Return the kind of each row the schedule statement `sql` (as logged) reads."""
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]


def test_a_day_whose_rooms_are_no_longer_kept_is_checked_in_the_database(clinic):
    length, ten = clinic["length"], at(TOMORROW, "10:00")
    cached(length, NOW, TOMORROW, TOMORROW + timedelta(days=1))
    availability_cache._rooms.clear()  # pushed out by newer days

    assert kept_where(length, NOW, ten) is None
    with CaptureQueriesContext(connection) as checked:
        found = recheck.confirm_offer(
            service_length=length, start=ten, therapist=None, now=NOW, policy=clinic["policy"]
        )
    assert found == where(length, NOW, ten)
    assert len(checked) == 2  # the versions, then the schedule


def test_a_rolled_back_booking_leaves_the_kept_days_true(clinic):
    length, (maya, _) = clinic["length"], clinic["therapists"]
    day_end = TOMORROW + timedelta(days=1)
    before, tokens = cached(length, NOW, TOMORROW, day_end), versions()

    with transaction.atomic():
        booking.book_appointment(
            client=make_client(), service_length=length, start=at(TOMORROW, "10:00"),
            now=NOW, therapist=maya,
        )  # fmt: skip
        inside = cached(length, NOW, TOMORROW, day_end)  # kept under the booking's tokens
        transaction.set_rollback(True)  # the request failed after booking

    assert (at(TOMORROW, "10:00"), maya.pk) not in inside
    assert versions() == tokens
    with CaptureQueriesContext(connection) as ctx:
        assert cached(length, NOW, TOMORROW, day_end, policy=clinic["policy"]) == before
    assert len(ctx) == 1


def _days_replaced(before: dict, after: dict) -> set[date]:
    return {day for day in before.keys() | after.keys() if before.get(day) != after.get(day)}


def test_each_kind_of_write_replaces_the_versions_it_touches(clinic, admin_user):
    length, (maya, tom), (room, _) = clinic["length"], clinic["therapists"], clinic["rooms"]
    every = AvailabilityVersion.EVERY_DAY
    day = date(2026, 6, 10)
    writes = {
        "booking": lambda: booking.book_appointment(
            client=make_client(), service_length=length, start=at(day, "10:00"), now=NOW,
            therapist=maya,
        ).appointment,
        "time off": lambda: booking.block_time(
            therapist=tom, start=at(day, "12:00"), end=at(day, "13:00"), by=admin_user
        ),
        "date hours": lambda: DateHours.objects.create(therapist=tom, date=day),
        "closure": lambda: ClinicClosure.objects.create(date=day, name="Holiday"),
    }  # fmt: skip
    for name, write in writes.items():
        before = versions()
        write()
        assert _days_replaced(before, versions()) >= {day}, name
        assert every not in _days_replaced(before, versions()), name
    appointment = Appointment.objects.get()
    for name, change in {
        "cancel": lambda: booking.cancel_appointment(appointment=appointment, now=NOW),
        "booked again by a bulk update": lambda: Appointment.objects.filter(
            pk=appointment.pk
        ).update(status="booked"),
    }.items():
        before = versions()
        change()
        assert day in _days_replaced(before, versions()), name
    every_day_writes = {
        "weekly hours": lambda: WeeklyHours.objects.filter(therapist=tom).delete(),
        "policy": lambda: BookingPolicy.objects.update(slot_step_minutes=30),
        "room": lambda: room.services.clear(),
        "therapist's services": lambda: maya.services.clear(),
        "therapist's cap": lambda: (
            type(tom).objects.filter(pk=tom.pk).update(max_sessions_per_day=3)
        ),
        "length": lambda: type(length).objects.filter(pk=length.pk).update(buffer_after=30),
    }
    for name, write in every_day_writes.items():
        before = versions()
        write()
        assert every in _days_replaced(before, versions()), name


def test_a_check_in_or_a_renamed_therapist_replaces_nothing(clinic, admin_user):
    length, (maya, _) = clinic["length"], clinic["therapists"]
    appointment = make_appointment(
        therapist=maya, room=clinic["rooms"][0], start=at(TOMORROW, "10:00"), length=length
    )
    before = versions()

    booking.set_status(
        appointment=appointment,
        status="checked_in",
        by=admin_user,
        now=at(TOMORROW, "09:30"),  # check-in opens on the day, an hour before
    )
    maya.name = "Maya B."
    maya.save()

    assert versions() == before


# --- cached and uncached agree over random writes and clock moves ------------------------

DAYS = 10
Writes = st.one_of(
    st.tuples(st.just("book"), st.integers(0, 2), st.integers(0, DAYS), st.integers(32, 66)),
    st.tuples(st.just("cancel"), st.integers(0, 20)),
    st.tuples(st.just("move"), st.integers(0, 20), st.integers(0, DAYS), st.integers(32, 66)),
    st.tuples(st.just("time off"), st.integers(0, 2), st.integers(0, DAYS), st.integers(32, 66)),
    st.tuples(st.just("closure"), st.integers(0, DAYS)),
    st.tuples(st.just("date hours"), st.integers(0, 2), st.integers(0, DAYS)),
    st.tuples(st.just("weekly hours"), st.integers(0, 2), st.integers(0, 6)),
    st.tuples(st.just("policy"), st.sampled_from([15, 30]), st.sampled_from([None, 2, 4])),
    st.tuples(st.just("cap"), st.integers(0, 2), st.sampled_from([None, 1, 3])),
    st.tuples(st.just("room"), st.integers(0, 1), st.booleans()),
    st.tuples(st.just("clock"), st.integers(1, 40)),
)
Reads = st.tuples(st.integers(-1, 2), st.integers(0, DAYS), st.integers(1, 7))


def _quarter(day_number: int, quarter: int) -> datetime:
    """Return local time `quarter` quarter-hours after midnight, `day_number` days on."""
    return at(NOW.date() + timedelta(days=day_number), "00:00") + quarter * timedelta(minutes=15)


class _World:
    """Writes made through the domain's write functions, or saved as the admin saves them."""

    def __init__(self, clinic: dict, user) -> None:
        self.length, self.user, self.now = clinic["length"], user, NOW
        self.therapists, self.rooms = clinic["therapists"], clinic["rooms"]

    def apply(self, write: tuple) -> None:
        kind, *args = write
        with suppress(booking.BookingError):  # refused, as the front desk would be told
            getattr(self, kind.replace(" ", "_"))(*args)

    def book(self, who: int, day: int, quarter: int) -> None:
        booking.book_appointment(
            client=make_client(), service_length=self.length, start=_quarter(day, quarter),
            now=self.now, therapist=self.therapists[who] if who < 2 else None, by=self.user,
        )  # fmt: skip

    def _nth(self, n: int) -> Appointment | None:
        booked = list(Appointment.objects.filter(status="booked").order_by("pk"))
        return booked[n % len(booked)] if booked else None

    def cancel(self, n: int) -> None:
        if appointment := self._nth(n):
            booking.cancel_appointment(appointment=appointment, now=self.now, by=self.user)

    def move(self, n: int, day: int, quarter: int) -> None:
        if appointment := self._nth(n):
            booking.reschedule_appointment(
                appointment=appointment, start=_quarter(day, quarter), now=self.now, by=self.user
            )

    def time_off(self, who: int, day: int, quarter: int) -> None:
        start = _quarter(day, quarter)
        therapist = self.therapists[who % 2]
        booking.block_time(therapist=therapist, start=start, end=start + timedelta(hours=2),
                           by=self.user)  # fmt: skip

    def closure(self, day: int) -> None:
        ClinicClosure.objects.get_or_create(
            date=NOW.date() + timedelta(days=day), defaults={"name": "Holiday"}
        )

    def date_hours(self, who: int, day: int) -> None:
        therapist, on = self.therapists[who % 2], NOW.date() + timedelta(days=day)
        DateHours.objects.filter(therapist=therapist, date=on).delete()
        DateHours.objects.create(therapist=therapist, date=on, start=time(12), end=time(15))

    def weekly_hours(self, who: int, weekday: int) -> None:
        hours = WeeklyHours.objects.filter(therapist=self.therapists[who % 2], weekday=weekday)
        hours.update(start=time(11))

    def policy(self, step: int, cap: int | None) -> None:
        policy = BookingPolicy.load()
        policy.slot_step_minutes, policy.max_sessions_per_day = step, cap
        policy.save()

    def cap(self, who: int, cap: int | None) -> None:
        therapist = self.therapists[who % 2]
        therapist.max_sessions_per_day = cap
        therapist.save()

    def room(self, which: int, active: bool) -> None:
        room = self.rooms[which]
        room.active = active
        room.save()

    def clock(self, hours: int) -> None:
        self.now += timedelta(hours=hours)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(st.tuples(Writes, Reads), min_size=1, max_size=12))
def test_the_kept_answer_is_always_the_fresh_one(clinic, admin_user, steps):
    with transaction.atomic():
        world = _World(clinic, admin_user)
        for write, (who, day, days) in steps:
            world.apply(write)
            therapist = world.therapists[who] if who >= 0 and who < 2 else None
            first = world.now.astimezone(NY).date() + timedelta(days=day)
            end = first + timedelta(days=days)
            expected = afresh(world.length, world.now, first, end, therapist)
            steady = availability_cache.Steady()
            assert cached(world.length, world.now, first, end, therapist, steady=steady) == expected
            # With nothing written, the answer holds until the moment it names.
            if steady.until < world.now + timedelta(days=60):
                just_before = max(world.now, steady.until - timedelta(microseconds=1))
                assert afresh(world.length, just_before, first, end, therapist) == expected
            # ...and again from memory, after the comparison filled it.
            assert cached(world.length, world.now, first, end, therapist) == expected
            # A booking's re-check from memory names the same therapist and room, for
            # offered starts and others (a start a quarter-hour off, the first one taken).
            starts = [start for start, _ in expected[:: max(1, len(expected) // 3)]]
            starts += [start + timedelta(minutes=7) for start in starts[:1]]
            starts += [_quarter(day, 40)]
            for start in starts:
                fresh = where(world.length, world.now, start, therapist)
                kept = kept_where(world.length, world.now, start, therapist)
                # A chosen therapist's day is not run for it: not kept, it says nothing.
                assert kept in (None, fresh)
                if therapist is None or first <= start.astimezone(NY).date() < end:
                    assert kept == fresh
                policy = BookingPolicy.load()
                for each in [therapist] if therapist else world.therapists[:2]:
                    # ...and checked alone (a day that changed), unless a daily cap applies.
                    alone = queries.bookable_at(
                        service_length=world.length, policy=policy, now=world.now,
                        start=start, therapist=each,
                    )  # fmt: skip
                    own = where(world.length, world.now, start, each)
                    capped = each.max_sessions_per_day or policy.max_sessions_per_day
                    assert alone == (None if capped else own)
        transaction.set_rollback(True)  # each example starts from the same clinic


def test_a_process_keeps_at_most_its_bound_the_oldest_going_first():
    store = availability_cache.Store(2)
    for n in range(3):
        store.put(("day", n), ())

    assert len(store) == 2
    assert store.get(("day", 0)) is None
    assert store.get(("day", 2)) == ()
