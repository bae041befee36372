"""bookings.attendance's rules on their own: what the desk may do to a session at a moment."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bookings import attendance
from bookings.attendance import DeskAction
from bookings.models import Appointment, BookingPolicy

NY = ZoneInfo("America/New_York")
START = datetime(2026, 12, 2, 9, 0, tzinfo=NY)  # a Wednesday, 9:00 AM
POLICY = BookingPolicy(check_in_opens_minutes=60)


def session(status: str = "booked", *, start: datetime = START, **fields) -> Appointment:
    """Return an unsaved appointment: the rules read only its fields."""
    return Appointment(start=start, end=start + timedelta(hours=1), status=status, **fields)


def offered(appointment: Appointment, now: datetime) -> list[str]:
    return [a.label for a in attendance.allowed_actions(appointment, now=now, policy=POLICY)]


@pytest.mark.parametrize(
    ("now", "labels"),
    [
        (START - timedelta(days=1), []),
        (START - timedelta(minutes=61), []),
        (START - timedelta(minutes=60), ["Check in"]),
        (START, ["Check in", "Complete", "No-show"]),
        (START + timedelta(hours=8), ["Check in", "Complete", "No-show"]),
        (START + timedelta(days=1), ["Complete", "No-show"]),
    ],
)
def test_a_booked_session_offers_what_its_moment_allows(now, labels):
    assert offered(session(), now) == labels


def test_a_checked_in_session_offers_completion_from_its_start_and_undo_that_day():
    checked_in = session("checked_in", status_changed_at=START - timedelta(minutes=10))

    assert offered(checked_in, START - timedelta(minutes=5)) == ["Undo check-in"]
    assert offered(checked_in, START + timedelta(minutes=5)) == ["Complete", "Undo check-in"]
    assert offered(checked_in, START + timedelta(days=1)) == ["Complete"]


@pytest.mark.parametrize(
    ("status", "labels"),
    [
        ("completed", ["Undo completion"]),
        ("no_show", ["Undo no-show"]),
        ("cancelled", []),
    ],
)
def test_a_finished_session_offers_only_undo_on_the_day_its_status_was_set(status, labels):
    done = session(status, status_changed_at=START + timedelta(hours=1))

    assert offered(done, START + timedelta(hours=2)) == labels
    assert offered(done, START + timedelta(hours=14, minutes=59)) == labels  # 11:59 PM
    assert offered(done, START + timedelta(hours=15)) == []  # midnight: the next clinic day


def test_an_early_session_opens_for_check_in_at_midnight_not_the_evening_before():
    early = session(start=START.replace(hour=0, minute=30))

    assert attendance.check_in_opens(early, POLICY) == START.replace(hour=0, minute=0)
    assert (
        attendance.refusal(
            early,
            DeskAction.CHECK_IN,
            now=START.replace(hour=0) - timedelta(minutes=1),
            policy=POLICY,
        )
        == "This session is on Wed, Dec 2, at 12:30 AM; check-in opens that day at 12:00 AM."
    )


def test_the_rules_read_nothing_from_the_database(django_assert_num_queries, db):
    sessions = [session(), session("checked_in", status_changed_at=START), session("no_show")]

    with django_assert_num_queries(0):
        for appointment in sessions:
            attendance.allowed_actions(appointment, now=START, policy=POLICY)
            attendance.waiting_for(appointment, now=START - timedelta(hours=2), policy=POLICY)


@pytest.mark.parametrize(
    ("status", "now", "text"),
    [
        (
            "booked",
            START - timedelta(hours=2),
            "The session starts at 9:00 AM. Check-in opens at 8:00 AM; complete and no-show "
            "once it starts.",
        ),
        (
            "booked",
            START - timedelta(minutes=30),
            "The session starts at 9:00 AM. Complete and no-show open once it starts.",
        ),
        (
            "checked_in",
            START - timedelta(minutes=30),
            "It can be marked complete once the session starts at 9:00 AM.",
        ),
        (
            "booked",
            START - timedelta(days=1),
            "The session is on Wed, Dec 2, at 9:00 AM. Check-in opens that day at 8:00 AM; "
            "complete and no-show once it starts.",
        ),
        ("booked", START, ""),
        ("completed", START - timedelta(minutes=30), ""),
    ],
)
def test_the_page_says_when_the_next_actions_open(status, now, text):
    assert attendance.waiting_for(session(status), now=now, policy=POLICY) == text


def test_refusals_name_the_day_when_it_is_not_today():
    day_before = START - timedelta(days=1)

    assert attendance.refusal(session(), DeskAction.NO_SHOW, now=day_before, policy=POLICY) == (
        "This session is on Wed, Dec 2, at 9:00 AM; it can be marked a no-show once it has started."
    )
    assert attendance.refusal(
        session("cancelled"), DeskAction.COMPLETE, now=START, policy=POLICY
    ) == ("This appointment is cancelled, so it cannot be marked complete.")
