"""Race-aware suggestions: only bookable times, inside the clinic's windows and rules."""

from datetime import date, datetime, timedelta
from uuid import uuid4

import pytest
import time_machine

from bookings import booking, online, queries, race
from bookings.models import Appointment, BookingPolicy, ClinicClosure, Room, SuggestionRule
from tests.bookings.public.conftest import NOW, NY, make_clinic
from tests.bookings.race_fixtures import RACE_DAY, make_suggestion_rules, make_timing_rule
from tests.factories import make_client, make_length, make_service
from tests.helpers import race as run_race

RACE_AT = datetime(2026, 12, 19, 8, 0, tzinfo=NY)


@pytest.fixture
def setup(db):
    with time_machine.travel(NOW, tick=False):
        clinic = make_clinic()
        clinic["pre"], clinic["recovery"] = make_suggestion_rules(clinic["length"])
        clinic["runner"] = make_client(email="jess@example.com")
        yield clinic


def at(day: int, hhmm: str) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return datetime(2026, 12, day, hour, minute, tzinfo=NY)


def suggest(clinic, race_date: date = RACE_DAY, now: datetime | None = None):
    found = race.suggestions(
        client=clinic["runner"],
        race_date=race_date,
        now=now or NOW,
        policy=BookingPolicy.load(),
    )
    return {each.rule.kind: each for each in found}


def bookable(clinic, start: datetime, now: datetime = NOW) -> bool:
    day = start.astimezone(NY).date()
    found = queries.available_slots(
        service_length=clinic["length"],
        policy=BookingPolicy.load(),
        now=now,
        start_date=day,
        end_date=day + timedelta(days=1),
    )
    return start in {offer.start for offer in found.offers(None)}


def test_windows_count_from_race_morning():
    pre, recovery = make_rules_unsaved()
    assert race.window(pre, RACE_DAY) == (RACE_AT - timedelta(hours=120), at(16, "08:00"))
    assert race.window(recovery, RACE_DAY) == (at(21, "08:00"), at(22, "08:00"))
    assert pre.window_display == "3 to 5 days before the race"
    assert recovery.window_display == "48 to 72 hours after the race"


def make_rules_unsaved():
    kind = SuggestionRule.Kind
    return (
        SuggestionRule(kind=kind.PRE_RACE, min_hours=72, max_hours=120),
        SuggestionRule(kind=kind.RECOVERY, min_hours=48, max_hours=72),
    )


def test_suggests_free_times_inside_each_window_spread_over_days(setup):
    found = suggest(setup)

    pre, recovery = found["pre_race"], found["recovery"]
    assert pre.times == [at(14, "09:00"), at(14, "12:00"), at(15, "09:00"), at(15, "12:00")]
    # The recovery window closes at 8:00 on the 22nd, before the clinic opens.
    assert recovery.times == [at(21, "09:00"), at(21, "12:00")]
    for each in (pre, recovery):
        assert all(each.since <= start <= each.until for start in each.times)
        assert all(bookable(setup, start) for start in each.times)


def test_booked_times_and_closures_are_not_suggested(setup):
    for therapist in (setup["maya"], setup["tom"]):
        booking.book_appointment(
            client=make_client(),
            service_length=setup["length"],
            start=at(14, "09:00"),
            now=NOW,
            therapist=therapist,
        )
    ClinicClosure.objects.create(date=date(2026, 12, 15), name="Staff training")

    times = suggest(setup)["pre_race"].times

    assert at(14, "09:00") not in times
    assert times and all(start.astimezone(NY).day != 15 for start in times)
    assert all(bookable(setup, start) for start in times)


def test_times_inside_the_minimum_notice_are_not_suggested(setup):
    later = at(14, "07:00")  # the window opens at 8:00; the notice (12 hours) runs to 19:00
    with time_machine.travel(later, tick=False):
        times = suggest(setup, now=later)["pre_race"].times

    assert times[0] == at(15, "09:00")
    assert all(start >= later + timedelta(hours=12) for start in times)


def test_a_window_that_has_passed_or_is_booked_is_left_out(setup):
    booking.book_appointment(
        client=setup["runner"],
        service_length=setup["length"],
        start=at(15, "10:00"),
        now=NOW,
        therapist=setup["maya"],
    )

    assert set(suggest(setup)) == {"recovery"}
    assert suggest(setup, race_date=date(2026, 12, 4)) == {}  # both windows are behind us


def test_times_a_timing_rule_advises_against_are_not_suggested(setup):
    # 116 hours before the race is 12:00 on the 14th: only sessions over by then are fine.
    make_timing_rule(setup["service"], hours=116)

    times = suggest(setup)["pre_race"].times

    assert times == [at(14, "09:00")]


def test_race_dates_in_the_past_or_far_ahead_are_refused():
    today = date(2026, 12, 7)
    assert "passed" in race.race_date_problem(date(2026, 12, 6), today=today)
    assert "twelve months" in race.race_date_problem(date(2028, 1, 1), today=today)
    assert race.race_date_problem(today, today=today) == ""


# --- timing rules in the booking write -----------------------------------------------


@pytest.fixture
def deep(setup):
    service = make_service(title="Deep tissue massage", slug="deep", lengths=())
    length = make_length(service, minutes=60)
    setup["maya"].services.add(service)
    for room in Room.objects.all():
        room.services.add(service)
    make_timing_rule(service, alternative=setup["length"])
    return length


def test_a_timing_rule_refuses_until_the_runner_goes_ahead_and_records_it(setup, deep):
    args = {
        "client": setup["runner"],
        "service_length": deep,
        "start": at(18, "10:00"),
        "now": NOW,
        "race_date": RACE_DAY,
    }
    with pytest.raises(race.TimingAdvice) as advice:
        booking.book_appointment(**args)
    assert "sore" in advice.value.message
    assert not Appointment.objects.exists()

    booked = booking.book_appointment(**args, go_ahead=race.GoAhead()).appointment

    lines = list(booked.changes.order_by("pk").values_list("action", "by", "reason"))
    assert lines == [("booked", None, ""), ("timing_read", None, "")]


def test_staff_override_a_timing_rule_only_with_a_reason(setup, deep, django_user_model):
    user = django_user_model.objects.create_user("desk")
    args = {
        "client": setup["runner"],
        "service_length": deep,
        "start": at(18, "10:00"),
        "now": NOW,
        "race_date": RACE_DAY,
        "by": user,
    }
    for go_ahead in (None, race.GoAhead(reason="   ")):
        with pytest.raises(race.TimingAdvice, match="give a reason"):
            booking.book_appointment(**args, go_ahead=go_ahead)
    assert not Appointment.objects.exists()

    booked = booking.book_appointment(
        **args, go_ahead=race.GoAhead(reason="Her coach asked for it")
    ).appointment

    line = booked.changes.get(action="timing_staff")
    assert (line.by, line.reason) == (user, "Her coach asked for it")


def test_a_session_outside_the_rule_books_without_a_word(setup, deep):
    booked = booking.book_appointment(
        client=setup["runner"],
        service_length=deep,
        start=at(16, "10:00"),  # ends 75 hours before the race
        now=NOW,
        race_date=RACE_DAY,
    ).appointment

    assert list(booked.changes.values_list("action", flat=True)) == ["booked"]


# --- one tap on a suggested time -----------------------------------------------------


def tap(setup, start: datetime, *, key=None, rule=None, client=None):
    return online.book_suggested(
        client=client or setup["runner"],
        rule_id=(rule or setup["pre"]).pk,
        start=start,
        race_date=RACE_DAY,
        now=NOW,
        key=key or uuid4(),
        policy=BookingPolicy.load(),
    )


def test_a_time_outside_the_window_is_refused_and_books_nothing(setup):
    with pytest.raises(online.NotSuggested):
        tap(setup, at(17, "10:00"))
    with pytest.raises(online.NotSuggested):
        tap(setup, at(21, "10:00"))  # the recovery window, sent as the pre-race rule
    assert not Appointment.objects.exists()


def test_the_same_tap_twice_books_once_and_another_clients_key_is_refused(setup):
    key = uuid4()
    first = tap(setup, at(14, "09:00"), key=key)
    again = tap(setup, at(14, "09:00"), key=key)

    assert first.created and not again.created
    assert again.appointment == first.appointment
    with pytest.raises(online.NotSuggested, match="already used"):
        tap(setup, at(14, "09:00"), key=key, client=make_client())
    assert Appointment.objects.count() == 1
    assert first.appointment.consents.count() == 1  # the terms, as any online booking


def test_a_taken_time_answers_with_nearer_times(setup):
    for therapist in (setup["maya"], setup["tom"]):
        booking.book_appointment(
            client=make_client(), service_length=setup["length"], start=at(14, "12:00"),
            now=NOW, therapist=therapist,
        )  # fmt: skip

    with pytest.raises(booking.SlotTaken) as taken:
        tap(setup, at(14, "12:00"))

    assert taken.value.alternatives
    assert Appointment.objects.filter(client=setup["runner"]).count() == 0


@pytest.mark.django_db(transaction=True)
def test_two_runners_tapping_the_last_free_time_one_gets_it():
    with time_machine.travel(NOW, tick=False):
        clinic = make_clinic()
        pre, _ = make_suggestion_rules(clinic["length"])
        start = at(14, "09:00")
        booking.book_appointment(
            client=make_client(), service_length=clinic["length"], start=start, now=NOW,
            therapist=clinic["tom"],
        )  # fmt: skip
        runners = [make_client(email=f"runner{n}@example.com") for n in range(2)]

        def attempt(n: int):
            return online.book_suggested(
                client=runners[n], rule_id=pre.pk, start=start, race_date=RACE_DAY, now=NOW,
                key=uuid4(), policy=BookingPolicy.load(),
            )  # fmt: skip

        results = run_race(2, attempt)

    won = [each for each in results if isinstance(each, booking.Booked)]
    lost = [each for each in results if isinstance(each, booking.SlotTaken)]
    assert (len(won), len(lost)) == (1, 1), results
    assert Appointment.objects.filter(start=start, client__in=runners).count() == 1
