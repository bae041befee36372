"""The booking policy's rules for a time: past, notice, horizon, how staff differ, and when
a walk-in starts."""

import copy
from datetime import date, datetime, timedelta

from bookings import clock
from bookings.errors import SlotTaken
from bookings.models import BookingPolicy


def staff_policy(policy: BookingPolicy) -> BookingPolicy:
    """Return `policy` as it applies to staff, who may book inside the minimum notice and
    change a booking until it starts."""
    staff = copy.copy(policy)
    staff.min_notice_hours = staff.change_cutoff_hours = 0
    return staff


def walk_in_start(now: datetime, policy: BookingPolicy) -> datetime:
    """Return when the slot `now` falls in began, on the clinic's clock: 10:07 is 10:00 when
    sessions start every 15 minutes (every step divides the hour, so the hour aligns them)."""
    local = clock.local(now)
    step = policy.slot_step_minutes
    return local.replace(minute=local.minute // step * step, second=0, microsecond=0)


def check_policy(start: datetime, *, now: datetime, policy: BookingPolicy) -> None:
    if start <= now:
        raise SlotTaken("That time has already passed. Please choose another.")
    if start < now + timedelta(hours=policy.min_notice_hours):
        raise SlotTaken(
            f"Online bookings need at least {policy.min_notice_hours} hours' notice. "
            "Please choose a later time or call us."
        )
    if start > now + timedelta(days=policy.horizon_days):
        raise SlotTaken(f"We take bookings up to {policy.horizon_days} days ahead.")


def fully_booked(name: str, day: date) -> str:
    """Return why a full day is refused, e.g. "Maya is fully booked on Wed, Dec 2. ..."."""
    return f"{name} is fully booked on {clock.day(day)}. Please choose another day."
