"""The test run's clock: TEST_NOW sets it, for the tests and the servers they start.

TEST_NOW="2026-12-04T23:58:00-05:00" runs the suite with the clock starting at that moment
and ticking, to catch tests that pass only at some hours or on some days
(scripts/test-at-awkward-times tries several). TEST_NOW_SET_AT, the real Unix time the run
began, lets a server started later (tests/live_wsgi.py) join the same clock, not restart it.
"""

import os
import time
from datetime import datetime

import time_machine

TEST_NOW, TEST_NOW_SET_AT = "TEST_NOW", "TEST_NOW_SET_AT"


def start() -> time_machine.travel | None:
    """Return the travel to the run's clock, started; None when TEST_NOW is not set."""
    if not (moment := os.environ.get(TEST_NOW)):
        return None
    real_now = time.time()  # not travelling yet: the real time
    set_at = float(os.environ.setdefault(TEST_NOW_SET_AT, repr(real_now)))
    destination = datetime.fromisoformat(moment).timestamp() + (real_now - set_at)
    travel = time_machine.travel(destination, tick=True)
    travel.start()
    return travel
