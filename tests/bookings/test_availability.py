"""The pure availability engine: hours, buffers, rooms, DST and fairness."""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from random import Random
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bookings.availability import (
    AssignedSlot,
    DateHours,
    Policy,
    Room,
    RoomBusy,
    Schedule,
    ServiceRequest,
    Span,
    Therapist,
    TherapistBusy,
    TimeOff,
    WeeklyHours,
    any_therapist_slots,
    bookable_slots,
    pick_room,
)

NY = ZoneInfo("America/New_York")
MASSAGE, CUPPING = 1, 2
MINUTE = timedelta(minutes=1)
MONDAY = date(2026, 6, 15)
SPRING_FORWARD = date(2026, 3, 8)
FALL_BACK = date(2026, 11, 1)
HOUR_MASSAGE = ServiceRequest(MASSAGE, timedelta(hours=1))
POLICY = Policy(step=timedelta(minutes=15), horizon=timedelta(days=800))
LONG_AGO = datetime(2025, 12, 1, tzinfo=UTC)
MASSAGE_ROOM = Room(1, frozenset({MASSAGE}))


def therapist_slots(*args: object, **kwargs: object) -> dict[int, list[datetime]]:
    """Each therapist's starts: the first half of the engine's answer."""
    return bookable_slots(*args, **kwargs)[0]  # type: ignore[arg-type]


def local(day: date, hour: int, minute: int = 0, *, fold: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NY).replace(fold=fold)


def hours(*pairs: tuple[str, str], therapist_id: int = 1) -> list[WeeklyHours]:
    """Every weekday, the given "HH:MM" intervals."""
    return [
        WeeklyHours(therapist_id, weekday, time.fromisoformat(a), time.fromisoformat(b))
        for weekday in range(7)
        for a, b in pairs
    ]


def schedule(**changes: object) -> Schedule:
    base = Schedule(
        therapists=[Therapist(1, frozenset({MASSAGE}))],
        weekly_hours=hours(("09:00", "17:00")),
        rooms=[MASSAGE_ROOM],
    )
    return replace(base, **changes)


def slots(
    sched: Schedule,
    day: date = MONDAY,
    *,
    request: ServiceRequest = HOUR_MASSAGE,
    policy: Policy = POLICY,
    now: datetime = LONG_AGO,
    therapist_id: int = 1,
) -> list[datetime]:
    found = therapist_slots(
        sched, request, policy, now=now, first_day=day, end_day=day + timedelta(days=1), tz=NY
    )
    return found[therapist_id]


def clock(starts: Iterable[datetime]) -> list[str]:
    return [s.astimezone(NY).strftime("%H:%M") for s in starts]


def every(first: str, last: str, minutes: int = 15) -> list[str]:
    """The "HH:MM" times from first to last inclusive."""
    t, stop = (
        datetime.fromisoformat(f"2000-01-01T{first}"),
        datetime.fromisoformat(f"2000-01-01T{last}"),
    )
    out = []
    while t <= stop:
        out.append(t.strftime("%H:%M"))
        t += timedelta(minutes=minutes)
    return out


# --- basics -----------------------------------------------------------------------------------


def test_a_nine_to_five_shift_offers_an_hour_service_from_nine_to_four() -> None:
    assert clock(slots(schedule())) == every("09:00", "16:00")


def test_slots_are_utc_and_on_the_requested_local_day() -> None:
    found = slots(schedule())
    assert all(s.tzinfo is UTC for s in found)
    assert {s.astimezone(NY).date() for s in found} == {MONDAY}


def test_no_slot_crosses_a_break() -> None:
    sched = schedule(weekly_hours=hours(("09:00", "12:00"), ("13:00", "17:00")))
    assert clock(slots(sched)) == every("09:00", "11:00") + every("13:00", "16:00")


def test_touching_intervals_work_as_one_shift() -> None:
    sched = schedule(weekly_hours=hours(("09:00", "12:00"), ("12:00", "14:00")))
    assert clock(slots(sched)) == every("09:00", "13:00")


def test_slots_align_to_the_step_from_local_midnight() -> None:
    sched = schedule(weekly_hours=hours(("09:10", "11:00")))
    policy = replace(POLICY, step=timedelta(minutes=20))
    assert clock(slots(sched, policy=policy)) == ["09:20", "09:40", "10:00"]


def test_an_existing_appointment_with_buffers_removes_overlapping_slots() -> None:
    busy = [TherapistBusy(1, Span(local(MONDAY, 10, 45), local(MONDAY, 12, 15)))]
    times = clock(slots(schedule(busy=busy)))
    assert times == every("09:00", "09:45") + every("12:15", "16:00")


def test_a_slot_starting_exactly_when_a_busy_span_ends_is_kept() -> None:
    busy = [TherapistBusy(1, Span(local(MONDAY, 9), local(MONDAY, 11)))]
    assert clock(slots(schedule(busy=busy)))[0] == "11:00"


def test_a_slot_ending_exactly_when_a_busy_span_starts_is_kept() -> None:
    busy = [TherapistBusy(1, Span(local(MONDAY, 11), local(MONDAY, 17)))]
    assert clock(slots(schedule(busy=busy))) == every("09:00", "10:00")


def test_the_new_buffers_keep_their_distance_from_busy_spans() -> None:
    busy = [TherapistBusy(1, Span(local(MONDAY, 11), local(MONDAY, 12)))]
    request = replace(HOUR_MASSAGE, buffer_before=timedelta(minutes=15), buffer_after=MINUTE * 30)
    times = clock(slots(schedule(busy=busy), request=request))
    assert times == every("09:00", "09:30") + every("12:15", "16:00")


def test_buffers_may_spill_outside_working_hours() -> None:
    request = replace(HOUR_MASSAGE, buffer_before=timedelta(minutes=30), buffer_after=MINUTE * 30)
    assert clock(slots(schedule(), request=request)) == every("09:00", "16:00")


def test_minimum_notice_hides_starts_that_are_too_soon() -> None:
    policy = replace(POLICY, min_notice=timedelta(hours=2))
    found = slots(schedule(), policy=policy, now=local(MONDAY, 8, 50))
    assert clock(found) == every("11:00", "16:00")


def test_the_notice_boundary_is_inclusive() -> None:
    policy = replace(POLICY, min_notice=timedelta(hours=2))
    assert clock(slots(schedule(), policy=policy, now=local(MONDAY, 9)))[0] == "11:00"


def test_notice_is_elapsed_time_across_spring_forward() -> None:
    # 24 hours after Saturday 11:00 EST is Sunday 12:00 EDT, not 11:00.
    policy = replace(POLICY, min_notice=timedelta(hours=24))
    now = local(SPRING_FORWARD - timedelta(days=1), 11)
    assert clock(slots(schedule(), SPRING_FORWARD, policy=policy, now=now))[0] == "12:00"


def test_the_horizon_hides_starts_too_far_ahead_and_is_inclusive() -> None:
    policy = replace(POLICY, horizon=timedelta(days=7))
    now = local(MONDAY - timedelta(days=7), 12)
    assert clock(slots(schedule(), policy=policy, now=now)) == every("09:00", "12:00")


def test_partial_day_time_off_removes_the_slots_it_touches() -> None:
    off = [TimeOff(1, Span(local(MONDAY, 12), local(MONDAY, 14)))]
    assert clock(slots(schedule(time_off=off))) == every("09:00", "11:00") + every("14:00", "16:00")


def test_multi_day_time_off_removes_whole_days() -> None:
    off = [TimeOff(1, Span(local(MONDAY - timedelta(days=3), 0), local(MONDAY, 23)))]
    sched = schedule(time_off=off)
    assert slots(sched) == []
    assert clock(slots(sched, MONDAY + timedelta(days=1))) == every("09:00", "16:00")


def test_a_clinic_closure_removes_the_day_and_only_that_day() -> None:
    sched = schedule(closures={MONDAY})
    assert slots(sched) == []
    assert slots(sched, MONDAY + timedelta(days=1)) != []


def test_a_date_exception_replaces_the_weekly_hours() -> None:
    extra = [
        DateHours(1, MONDAY, time(7), time(9)),
        DateHours(1, MONDAY, time(18), time(20)),
    ]
    sched = schedule(date_hours=extra)
    assert clock(slots(sched)) == every("07:00", "08:00") + every("18:00", "19:00")
    assert clock(slots(sched, MONDAY + timedelta(days=7))) == every("09:00", "16:00")


def test_a_date_exception_can_add_a_day_off_the_weekly_pattern() -> None:
    sched = schedule(
        weekly_hours=[WeeklyHours(1, 1, time(9), time(17))],  # Tuesdays only
        date_hours=[DateHours(1, MONDAY, time(10), time(12))],
    )
    assert clock(slots(sched)) == every("10:00", "11:00")


def test_a_date_exception_without_hours_means_not_working() -> None:
    assert slots(schedule(date_hours=[DateHours(1, MONDAY)])) == []


def test_a_therapist_who_does_not_offer_the_service_gets_nothing() -> None:
    sched = schedule(therapists=[Therapist(1, frozenset({CUPPING}))])
    assert slots(sched) == []


def test_max_sessions_per_day_cuts_the_therapist_off_that_day() -> None:
    policy = replace(POLICY, max_sessions_per_day=3)
    sched = schedule(sessions_per_day={(1, MONDAY): 3, (1, MONDAY + timedelta(days=1)): 2})
    assert slots(sched, policy=policy) == []
    assert slots(sched, MONDAY + timedelta(days=1), policy=policy) != []


def test_a_therapist_s_own_cap_replaces_the_policy_s_either_way() -> None:
    def capped_at(cap: int) -> Schedule:
        return schedule(
            therapists=[Therapist(1, frozenset({MASSAGE}), max_sessions_per_day=cap)],
            sessions_per_day={(1, MONDAY): 2},
        )

    assert slots(capped_at(3), policy=replace(POLICY, max_sessions_per_day=1)) != []
    assert slots(capped_at(2), policy=POLICY) == []  # the policy itself has no cap


def test_a_slot_is_gone_when_every_suitable_room_is_busy() -> None:
    span = Span(local(MONDAY, 10), local(MONDAY, 11))
    rooms = [MASSAGE_ROOM, Room(2, frozenset({MASSAGE, CUPPING}))]
    one_busy = schedule(rooms=rooms, room_busy=[RoomBusy(1, span)])
    both_busy = schedule(rooms=rooms, room_busy=[RoomBusy(1, span), RoomBusy(2, span)])
    assert clock(slots(one_busy)) == every("09:00", "16:00")
    assert clock(slots(both_busy)) == ["09:00", *every("11:00", "16:00")]


def test_a_free_room_that_does_not_suit_the_service_does_not_help() -> None:
    rooms = [MASSAGE_ROOM, Room(2, frozenset({CUPPING}))]
    busy = [RoomBusy(1, Span(local(MONDAY, 9), local(MONDAY, 17)))]
    assert slots(schedule(rooms=rooms, room_busy=busy)) == []


def test_pick_room_returns_the_lowest_free_suitable_room() -> None:
    rooms = [Room(5, frozenset({MASSAGE})), Room(3, frozenset({MASSAGE})), Room(1, frozenset())]
    sched = schedule(
        rooms=rooms, room_busy=[RoomBusy(3, Span(local(MONDAY, 9), local(MONDAY, 10)))]
    )
    request = replace(HOUR_MASSAGE, buffer_after=timedelta(minutes=15))
    assert pick_room(sched, request, local(MONDAY, 11)) == 3
    assert pick_room(sched, request, local(MONDAY, 10)) == 3
    assert pick_room(sched, request, local(MONDAY, 9)) == 5
    busy_everywhere = replace(sched, room_busy=[*sched.room_busy, RoomBusy(5, Span(*_day(MONDAY)))])
    assert pick_room(busy_everywhere, request, local(MONDAY, 9)) is None


def _day(day: date) -> tuple[datetime, datetime]:
    return local(day, 0), local(day + timedelta(days=1), 0)


def test_the_date_range_end_is_exclusive() -> None:
    found = therapist_slots(
        schedule(),
        HOUR_MASSAGE,
        POLICY,
        now=LONG_AGO,
        first_day=MONDAY,
        end_day=MONDAY + timedelta(days=2),
        tz=NY,
    )
    assert {s.astimezone(NY).date() for s in found[1]} == {MONDAY, MONDAY + timedelta(days=1)}


@pytest.mark.parametrize(
    "make",
    [
        lambda: Span(datetime(2026, 1, 1, 9), datetime(2026, 1, 1, 10)),
        lambda: Span(local(MONDAY, 10), local(MONDAY, 10)),
        lambda: WeeklyHours(1, 7, time(9), time(10)),
        lambda: WeeklyHours(1, 0, time(10), time(9)),
        lambda: DateHours(1, MONDAY, time(9), None),
        lambda: ServiceRequest(MASSAGE, timedelta(0)),
        lambda: Policy(step=timedelta(0)),
    ],
)
def test_invalid_inputs_are_rejected(make: object) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 -- each case has its own message
        make()  # type: ignore[operator]


def test_spans_compare_by_instant_even_inside_the_repeated_hour() -> None:
    # 01:30 EDT -> 01:10 EST is 40 minutes, although 01:10 < 01:30 on the wall.
    span = Span(local(FALL_BACK, 1, 30), local(FALL_BACK, 1, 10, fold=1))
    assert span.end - span.start == timedelta(minutes=40)


# --- DST ----------------------------------------------------------------------------------------


def dst_slots(day: date, *pairs: tuple[str, str]) -> list[datetime]:
    return slots(schedule(weekly_hours=hours(*pairs)), day)


def test_slots_skip_the_hour_that_does_not_exist() -> None:
    found = dst_slots(SPRING_FORWARD, ("00:00", "05:00"))
    assert clock(found) == every("00:00", "01:45") + every("03:00", "04:00")
    # 01:15 EST + 60 minutes is 03:15 EDT: still inside the shift.
    assert found[5] + timedelta(hours=1) == local(SPRING_FORWARD, 3, 15)


def test_the_repeated_hour_is_offered_once() -> None:
    found = dst_slots(FALL_BACK, ("00:00", "05:00"))
    assert clock(found) == every("00:00", "04:00")
    assert len(set(found)) == len(found)
    # The first 01:00 (EDT). Compare in UTC: PEP 495 makes an ambiguous local time unequal to
    # every instant in another zone.
    assert found[4] == local(FALL_BACK, 1).astimezone(UTC) == datetime(2026, 11, 1, 5, tzinfo=UTC)


def test_a_shift_starting_inside_the_gap_starts_when_the_clock_jumps() -> None:
    assert clock(dst_slots(SPRING_FORWARD, ("02:30", "05:00"))) == every("03:00", "04:00")


@pytest.mark.parametrize("start", ["02:00", "02:05", "02:30", "02:59"])
def test_a_shift_starting_at_any_time_in_the_gap_starts_exactly_at_the_jump(start: str) -> None:
    found = dst_slots(SPRING_FORWARD, (start, "05:00"))
    assert found[0] == datetime(2026, 3, 8, 7, tzinfo=UTC)  # 03:00 EDT, to the microsecond


def test_a_shift_ending_inside_the_gap_ends_when_the_clock_jumps() -> None:
    # The shift ends at 03:00 EDT, so the last hour-long session starts at 01:00 EST.
    assert clock(dst_slots(SPRING_FORWARD, ("00:00", "02:30"))) == every("00:00", "01:00")


def test_a_shift_lying_inside_the_gap_offers_nothing() -> None:
    assert dst_slots(SPRING_FORWARD, ("02:00", "02:45")) == []


def test_a_shift_ending_at_an_ambiguous_time_ends_at_its_first_occurrence() -> None:
    assert clock(dst_slots(FALL_BACK, ("00:00", "01:30"))) == every("00:00", "00:30")


@pytest.mark.parametrize("day", [SPRING_FORWARD, FALL_BACK])
def test_daytime_shifts_on_dst_days_match_any_other_day(day: date) -> None:
    pairs = (("09:00", "12:00"), ("13:00", "18:00"))
    expected = every("09:00", "11:00") + every("13:00", "17:00")
    assert clock(dst_slots(day, *pairs)) == expected
    assert clock(dst_slots(day + timedelta(days=7), *pairs)) == expected
    assert {s.astimezone(NY).date() for s in dst_slots(day, *pairs)} == {day}


def test_every_day_of_2026_and_2027_has_exactly_the_expected_wall_times() -> None:
    sched = schedule(weekly_hours=hours(("08:00", "12:00"), ("13:00", "19:00")))
    first, end = date(2026, 1, 1), date(2028, 1, 1)
    found = therapist_slots(
        sched, HOUR_MASSAGE, POLICY, now=LONG_AGO, first_day=first, end_day=end, tz=NY
    )[1]
    by_day: dict[date, list[str]] = {}
    for start in found:
        by_day.setdefault(start.astimezone(NY).date(), []).append(clock([start])[0])
    expected = every("08:00", "11:00") + every("13:00", "18:00")
    days = [first + timedelta(days=n) for n in range((end - first).days)]
    assert list(by_day) == days
    for day in days:
        assert by_day[day] == expected, day


def zone_slots(zone: str, day: date, days: int = 1, **changes: object) -> dict[date, list[str]]:
    """The local "HH:MM" slots per local day, computed in another time zone."""
    tz, now = ZoneInfo(zone), datetime.combine(day - timedelta(days=7), time(), tzinfo=UTC)
    end = day + timedelta(days=days)
    found = therapist_slots(
        schedule(**changes), HOUR_MASSAGE, POLICY, now=now, first_day=day, end_day=end, tz=tz
    )[1]
    by_day: dict[date, list[str]] = {}
    for start in found:
        by_day.setdefault(start.astimezone(tz).date(), []).append(f"{start.astimezone(tz):%H:%M}")
    return by_day


@pytest.mark.parametrize(
    ("zone", "day", "shift", "expected"),
    [
        # A half-hour jump: 02:00-02:29 never happens.
        (
            "Australia/Lord_Howe",
            date(2026, 10, 4),
            ("00:00", "05:00"),
            every("00:00", "01:45") + every("02:30", "04:00"),
        ),
        # Midnight itself never happens: the shift starts when the clock jumps to 01:00.
        ("America/Santiago", date(2026, 9, 6), ("00:00", "03:00"), every("01:00", "02:00")),
        # A 25-hour day whose last hour repeats after the shift ends (at the first 23:59).
        ("America/Santiago", date(2026, 4, 4), ("21:00", "23:59"), every("21:00", "22:45")),
    ],
)
def test_dst_days_in_other_zones(
    zone: str, day: date, shift: tuple[str, str], expected: list[str]
) -> None:
    assert zone_slots(zone, day, weekly_hours=hours(shift)) == {day: expected}


def test_a_day_the_zone_skips_offers_nothing_and_its_neighbours_are_normal() -> None:
    # Samoa skipped 30 December 2011, jumping across the date line.
    first = date(2011, 12, 29)
    found = zone_slots("Pacific/Apia", first, days=3)
    assert found == {first: every("09:00", "16:00"), date(2011, 12, 31): every("09:00", "16:00")}


def test_overlapping_and_touching_busy_spans_block_their_union() -> None:
    busy = [
        TherapistBusy(1, Span(local(MONDAY, 10), local(MONDAY, 11))),
        TherapistBusy(1, Span(local(MONDAY, 10, 30), local(MONDAY, 12))),
        TherapistBusy(1, Span(local(MONDAY, 12), local(MONDAY, 13))),
        TherapistBusy(1, Span(local(MONDAY, 10, 15), local(MONDAY, 10, 45))),
    ]
    assert clock(slots(schedule(busy=busy))) == ["09:00", *every("13:00", "16:00")]


# --- any therapist ------------------------------------------------------------------------------


def two_therapists(**changes: object) -> Schedule:
    return schedule(
        therapists=[Therapist(2, frozenset({MASSAGE})), Therapist(1, frozenset({MASSAGE}))],
        weekly_hours=hours(("09:00", "12:00")) + hours(("11:00", "14:00"), therapist_id=2),
        **changes,
    )


def test_any_therapist_goes_to_the_one_with_fewest_bookings_that_day() -> None:
    counts = {(1, MONDAY): 2, (2, MONDAY): 1, (2, MONDAY + timedelta(days=1)): 5}
    per = {1: slots(two_therapists()), 2: slots(two_therapists(), therapist_id=2)}
    shared = local(MONDAY, 11)
    assigned = {a.start: a.therapist_id for a in any_therapist_slots(per, counts, NY)}
    assert assigned[shared] == 2
    assert assigned[local(MONDAY, 9)] == 1  # only therapist 1 works then
    assert any_therapist_slots({1: [shared], 2: [shared]}, {(1, MONDAY): 1}, NY) == [
        AssignedSlot(shared, 2)
    ]


def test_any_therapist_ties_go_to_the_lowest_id_whatever_the_order() -> None:
    shared = local(MONDAY, 11)
    assert any_therapist_slots({2: [shared], 1: [shared]}, {}, NY) == [AssignedSlot(shared, 1)]
    counts = {(1, MONDAY): 1, (2, MONDAY): 1}
    assert any_therapist_slots({2: [shared], 1: [shared]}, counts, NY)[0].therapist_id == 1


def test_any_therapist_counts_the_local_day_of_the_slot() -> None:
    # 21:00 EDT on Monday is already Tuesday in UTC; Monday's counts must decide.
    late = local(MONDAY, 21)
    counts = {(1, MONDAY): 3, (2, MONDAY + timedelta(days=1)): 9}
    assert any_therapist_slots({1: [late], 2: [late]}, counts, NY)[0].therapist_id == 2


def test_any_therapist_union_has_no_duplicates_and_equals_the_set_union() -> None:
    found = therapist_slots(
        two_therapists(),
        HOUR_MASSAGE,
        POLICY,
        now=LONG_AGO,
        first_day=MONDAY,
        end_day=MONDAY + timedelta(days=3),
        tz=NY,
    )
    union = any_therapist_slots(found, {}, NY)
    starts = [a.start for a in union]
    assert starts == sorted(set(starts))
    assert set(starts) == set(found[1]) | set(found[2])
    assert all(a.start in found[a.therapist_id] for a in union)


# --- properties ---------------------------------------------------------------------------------

INTERESTING_DAYS = [SPRING_FORWARD, FALL_BACK, date(2027, 3, 14), date(2027, 11, 7), MONDAY]


@dataclass(frozen=True)
class Scenario:
    schedule: Schedule
    request: ServiceRequest
    policy: Policy
    now: datetime
    first_day: date
    end_day: date

    def run(self, sched: Schedule | None = None) -> dict[int, list[datetime]]:
        return self.both(sched)[0]

    def both(
        self, sched: Schedule | None = None
    ) -> tuple[dict[int, list[datetime]], list[AssignedSlot]]:
        return bookable_slots(
            sched or self.schedule,
            self.request,
            self.policy,
            now=self.now,
            first_day=self.first_day,
            end_day=self.end_day,
            tz=NY,
        )

    @property
    def days(self) -> list[date]:
        return [
            self.first_day + timedelta(days=n) for n in range((self.end_day - self.first_day).days)
        ]


def minutes(lo: int, hi: int) -> st.SearchStrategy[timedelta]:
    return st.integers(lo, hi).map(lambda n: timedelta(minutes=5 * n))


@st.composite
def wall_interval(draw: st.DrawFn) -> tuple[time, time]:
    # Five-minute grid; many starts in the small hours, where the clocks change.
    # The simplest draw is 09:00-17:00, since Hypothesis favours the simplest value.
    a = draw(st.integers(0, 286).map(lambda n: (n + 108) % 287) | st.integers(0, 60))
    b = min(287, a + draw(st.sampled_from([96, 48, 24, 12, 6, 1]) | st.integers(1, 144)))
    return time(a // 12, a % 12 * 5), time(b // 12, b % 12 * 5)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    """Random schedules, biased towards DST days and towards offering at least some slots."""
    first = draw(st.sampled_from(INTERESTING_DAYS) | st.dates(date(2026, 1, 1), date(2027, 12, 31)))
    n_days = draw(st.integers(1, 2))
    days = [first + timedelta(days=n) for n in range(n_days)]
    ids = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3, unique=True))
    services = st.sampled_from([{MASSAGE}, {MASSAGE, CUPPING}, {MASSAGE}, {CUPPING}]).map(frozenset)
    anchor = local(first, 0).astimezone(UTC)

    def span() -> Span:
        start = anchor + draw(minutes(-288, 3 * 288))
        return Span(start, start + draw(minutes(1, 120)))

    def some(make: object, most: int) -> list:
        return [make() for _ in range(draw(st.integers(0, most)))]  # type: ignore[operator]

    def who() -> int:
        return draw(st.sampled_from(ids))

    def weekly() -> WeeklyHours:
        return WeeklyHours(who(), draw(st.sampled_from(days)).weekday(), *draw(wall_interval()))

    def dated() -> DateHours:
        interval = draw(wall_interval() | st.just((None, None)))
        return DateHours(who(), draw(st.sampled_from(days)), *interval)

    rooms = draw(st.sets(st.integers(1, 3), min_size=1, max_size=3))
    sched = Schedule(
        therapists=[
            Therapist(i, draw(services), draw(st.sampled_from([None, None, 1, 2]))) for i in ids
        ],
        weekly_hours=[weekly(), *some(weekly, 4)],
        rooms=[Room(r, draw(services)) for r in rooms],
        date_hours=some(dated, 2),
        time_off=some(lambda: TimeOff(who(), span()), 2),
        closures=draw(st.sets(st.sampled_from([*days, first + timedelta(days=3)]), max_size=1)),
        busy=some(lambda: TherapistBusy(who(), span()), 5),
        room_busy=some(lambda: RoomBusy(draw(st.sampled_from(sorted(rooms))), span()), 4),
        sessions_per_day={(i, d): draw(st.sampled_from([0, 0, 1, 2])) for i in ids for d in days},
    )
    request = ServiceRequest(
        MASSAGE,  # therapists and rooms vary in whether they offer it
        draw(st.sampled_from([timedelta(minutes=m) for m in (60, 30, 90, 45)]) | minutes(1, 36)),
        draw(minutes(0, 6)),
        draw(minutes(0, 6)),
    )
    policy = Policy(
        step=timedelta(minutes=draw(st.sampled_from([5, 10, 15, 20, 30, 45, 60]))),
        min_notice=draw(minutes(0, 144)),
        horizon=draw(st.just(timedelta(days=30)) | minutes(0, 4 * 288)),
        max_sessions_per_day=draw(st.sampled_from([None, None, None, 1, 2, 3])),
    )
    now = anchor + draw(minutes(-288, 72))
    return Scenario(sched, request, policy, now, first, first + timedelta(days=n_days))


def exists(wall: datetime) -> bool:
    return wall.replace(tzinfo=NY).astimezone(UTC).astimezone(NY).replace(tzinfo=None) == wall


def first_at_or_after(wall: datetime) -> datetime:
    """Brute force: the first instant the clock shows `wall` or later (NY jumps whole minutes)."""
    while not exists(wall):
        wall += MINUTE
    return wall.replace(tzinfo=NY).astimezone(UTC)


def day_hours(sc: Scenario, tid: int, day: date) -> list[tuple[time, time]]:
    rows = [r for r in sc.schedule.date_hours if (r.therapist_id, r.day) == (tid, day)]
    if rows:
        return [(r.start, r.end) for r in rows if r.start is not None and r.end is not None]
    return [
        (w.start, w.end)
        for w in sc.schedule.weekly_hours
        if (w.therapist_id, w.weekday) == (tid, day.weekday())
    ]


def working_minutes(sc: Scenario, tid: int, day: date) -> set[datetime]:
    covered = set()
    for a, b in day_hours(sc, tid, day):
        t, stop = (first_at_or_after(datetime.combine(day, x)) for x in (a, b))
        while t < stop:
            covered.add(t)
            t += MINUTE
    return covered


def inside(start: datetime, length: timedelta, covered: set[datetime]) -> bool:
    return all(start + MINUTE * n in covered for n in range(length // MINUTE))


def hits(span: Span, spans: Iterable[Span]) -> bool:
    return any(span.start < s.end and s.start < span.end for s in spans)


def free_rooms(sc: Scenario, footprint: Span) -> list[int]:
    return sorted(
        room.room_id
        for room in sc.schedule.rooms
        if sc.request.service_id in room.service_ids
        and not hits(
            footprint, [b.span for b in sc.schedule.room_busy if b.room_id == room.room_id]
        )
    )


def oracle(sc: Scenario) -> dict[int, list[datetime]]:
    """Every step-aligned wall time of every day, checked against every rule one by one."""
    req, pol = sc.request, sc.policy
    earliest, latest = sc.now + pol.min_notice, sc.now + pol.horizon
    out: dict[int, list[datetime]] = {}
    for therapist in sc.schedule.therapists:
        tid = therapist.therapist_id
        out[tid] = []
        if req.service_id not in therapist.service_ids:
            continue
        busy = [b.span for b in sc.schedule.busy if b.therapist_id == tid]
        off = [o.span for o in sc.schedule.time_off if o.therapist_id == tid]
        for day in sc.days:
            cap = therapist.max_sessions_per_day or pol.max_sessions_per_day
            if day in sc.schedule.closures or (
                cap is not None and sc.schedule.sessions_per_day.get((tid, day), 0) >= cap
            ):
                continue
            covered = working_minutes(sc, tid, day)
            midnight = datetime.combine(day, time())
            wall = midnight
            while wall.date() == day:
                if exists(wall):
                    t = wall.replace(tzinfo=NY).astimezone(UTC)
                    footprint = Span(t - req.buffer_before, t + req.length + req.buffer_after)
                    if (
                        earliest <= t <= latest
                        and t in covered
                        and inside(t, req.length, covered)
                        and not hits(Span(t, t + req.length), off)
                        and not hits(footprint, busy)
                        and free_rooms(sc, footprint)
                    ):
                        out[tid].append(t)
                wall += pol.step
        out[tid].sort()
    return out


PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)


@PROPERTY_SETTINGS
@given(scenarios())
def test_every_slot_is_free_inside_hours_within_the_window_and_has_a_room(sc: Scenario) -> None:
    req = sc.request
    for tid, starts in sc.run().items():
        busy = [b.span for b in sc.schedule.busy if b.therapist_id == tid]
        off = [o.span for o in sc.schedule.time_off if o.therapist_id == tid]
        working = {day: working_minutes(sc, tid, day) for day in sc.days}
        for t in starts:
            footprint = req.footprint(t)
            assert not hits(footprint, busy)
            assert inside(t, req.length, working[t.astimezone(NY).date()])
            assert not hits(req.session(t), off)
            assert sc.now + sc.policy.min_notice <= t <= sc.now + sc.policy.horizon
            room = pick_room(sc.schedule, req, t)
            assert room is not None
            assert room == free_rooms(sc, footprint)[0]


@PROPERTY_SETTINGS
@given(scenarios())
def test_every_bookable_start_is_offered_and_nothing_else(sc: Scenario) -> None:
    assert sc.run() == oracle(sc)


@PROPERTY_SETTINGS
@given(scenarios(), st.randoms(use_true_random=False))
def test_the_result_does_not_depend_on_input_order(sc: Scenario, rng: Random) -> None:
    def shuffled(items: Iterable[object]) -> list[object]:
        items = list(items)
        rng.shuffle(items)
        return items

    s = sc.schedule
    mixed = Schedule(
        therapists=shuffled(s.therapists),
        weekly_hours=shuffled(s.weekly_hours),
        rooms=shuffled(s.rooms),
        date_hours=shuffled(s.date_hours),
        time_off=shuffled(s.time_off),
        closures=shuffled(s.closures),
        busy=shuffled(s.busy),
        room_busy=shuffled(s.room_busy),
        sessions_per_day=dict(shuffled(s.sessions_per_day.items())),
    )
    original, again = sc.run(), sc.run(mixed)
    assert again == original
    assert list(again) == list(original)
    counts = s.sessions_per_day
    reordered = dict(shuffled(again.items()))
    assert any_therapist_slots(reordered, counts, NY) == any_therapist_slots(original, counts, NY)


def fair_choice(by_therapist: dict[int, list[datetime]], counts, start: datetime) -> int:
    """The oracle's "any therapist": of those offering `start`, fewest sessions, then lowest id."""
    day = start.astimezone(NY).date()
    offering = [tid for tid, starts in by_therapist.items() if start in starts]
    return min(offering, key=lambda tid: (counts.get((tid, day), 0), tid))


@PROPERTY_SETTINGS
@given(scenarios())
def test_any_therapist_offers_each_free_start_once_with_the_fair_choice(
    sc: Scenario,
) -> None:
    by_therapist, anyone = sc.both()
    counts = sc.schedule.sessions_per_day

    assert [slot.start for slot in anyone] == sorted(set().union(*by_therapist.values()))
    assert anyone == [
        AssignedSlot(s.start, fair_choice(by_therapist, counts, s.start)) for s in anyone
    ]
    assert anyone == any_therapist_slots(by_therapist, counts, NY)
