"""TEST_NOW sets the clock of a test run, and of the servers it starts later (tests/clock.py)."""

import time
from datetime import UTC, datetime, timedelta

from tests import clock

MOMENT = "2026-12-04T23:58:00-05:00"


def test_a_server_started_a_minute_into_the_run_joins_its_clock_a_minute_on(monkeypatch):
    monkeypatch.setenv(clock.TEST_NOW, MOMENT)
    monkeypatch.setenv(clock.TEST_NOW_SET_AT, repr(time.time() - 60))

    travel = clock.start()
    try:
        now = datetime.now(UTC)
    finally:
        travel.stop()

    expected = datetime.fromisoformat(MOMENT) + timedelta(seconds=60)
    assert expected <= now < expected + timedelta(seconds=5)


def test_without_test_now_the_clock_is_left_alone(monkeypatch):
    monkeypatch.delenv(clock.TEST_NOW, raising=False)

    assert clock.start() is None
