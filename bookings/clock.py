"""The clinic's clock: its time zone, and the one way dates and times are written for people.

US style everywhere, pages, emails, history and calendar files alike: "Wed, Dec 2", "9:00 AM"
(no leading zero; noon is "12:00 PM", midnight "12:00 AM"), "Wed, Dec 2, 2026, 2:00 PM".
An aware datetime is shown in clinic time whatever zone it arrives in; a date or a time of day
is shown as it is. Machine formats (ISO dates in URLs, form values, JSON-LD, iCalendar) are not
written here, but for ``start_param``, the booking flow's start time, which the domain's emails
link to as well. Templates use the same functions through ``{% load clinic_time %}``.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from bookings.availability import wall_instant

DASH = "\N{EN DASH}"  # between the two ends of a range


def clinic_tz() -> ZoneInfo:
    """Return the clinic's time zone, in which working hours are wall-clock times."""
    return ZoneInfo(settings.TIME_ZONE)


def day_bounds(first: date, days: int = 1) -> tuple[datetime, datetime]:
    """Return the aware instants at which local `first` starts and `days` days later ends."""
    tz = clinic_tz()
    last = first + timedelta(days=days)
    return datetime.combine(first, time(), tzinfo=tz), datetime.combine(last, time(), tzinfo=tz)


def instant_at(wall: datetime) -> datetime | None:
    """Return the aware UTC instant the clinic's clocks show naive `wall`, None if the clocks
    skip it (spring forward). An hour repeated when they go back means its first occurrence."""
    return wall_instant(wall.replace(tzinfo=None), clinic_tz())


def start_param(moment: datetime) -> str:
    """Return the booking flow's query-string form of a start: clinic wall time, to the minute."""
    return timezone.localtime(moment, clinic_tz()).strftime("%Y-%m-%dT%H:%M")


def now() -> datetime:
    """Return the current moment in clinic time."""
    return timezone.localtime(timezone.now(), clinic_tz())


def local(moment: datetime) -> datetime:
    """Return aware `moment` as clinic wall time (a naive one is taken as clinic time)."""
    if timezone.is_naive(moment):
        return moment.replace(tzinfo=clinic_tz())
    return timezone.localtime(moment, clinic_tz())


def _date(value: date | datetime) -> date:
    return local(value).date() if isinstance(value, datetime) else value


def weekday(value: date | datetime) -> str:
    """Return the short weekday, e.g. "Wed"."""
    return f"{_date(value):%a}"


def month_day(value: date | datetime) -> str:
    """Return the short month and day, e.g. "Dec 2"."""
    d = _date(value)
    return f"{d:%b} {d.day}"


def day(value: date | datetime, *, year: bool = False) -> str:
    """Return e.g. "Wed, Dec 2" (with `year`, "Wed, Dec 2, 2026")."""
    d = _date(value)
    text = f"{weekday(d)}, {month_day(d)}"
    return f"{text}, {d.year}" if year else text


def month(value: date | datetime) -> str:
    """Return the short month and its year, e.g. "Dec 2026"."""
    d = _date(value)
    return f"{d:%b} {d.year}"


def long_day(value: date | datetime, *, year: bool = False) -> str:
    """Return e.g. "Wednesday, December 2" (with `year`, "Wednesday, December 2, 2026")."""
    d = _date(value)
    text = f"{d:%A, %B} {d.day}"
    return f"{text}, {d.year}" if year else text


def time_of_day(value: time | datetime) -> str:
    """Return e.g. "9:00 AM", "12:00 PM" at noon, "12:00 AM" at midnight."""
    t = local(value).time() if isinstance(value, datetime) else value
    return f"{t.hour % 12 or 12}:{t.minute:02d} {'AM' if t.hour < 12 else 'PM'}"


def time_range(start: time | datetime, end: time | datetime) -> str:
    """Return e.g. "9:00-10:00 AM", or "11:30 AM-12:30 PM" across noon (an en dash)."""
    first, last = time_of_day(start), time_of_day(end)
    if first[-2:] == last[-2:]:
        return f"{first[:-3]}{DASH}{last}"
    return f"{first}{DASH}{last}"


def moment(value: datetime, *, year: bool = True) -> str:
    """Return e.g. "Wed, Dec 2, 2026, 2:00 PM" in clinic time (without `year`: "Wed, Dec 2,
    2:00 PM")."""
    return f"{day(value, year=year)}, {time_of_day(value)}"


def zone(value: datetime) -> str:
    """Return the clinic's zone abbreviation at `value`, e.g. "EST" or "EDT"."""
    return local(value).tzname() or ""
