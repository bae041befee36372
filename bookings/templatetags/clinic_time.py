"""Dates and times in templates, written the one way bookings.clock writes them.

``{% load clinic_time %}``, then ``{{ d|day }}`` "Wed, Dec 2", ``{{ d|day:"year" }}``
"Wed, Dec 2, 2026", ``{{ d|long_day }}`` "Wednesday, December 2", ``{{ t|clock }}`` "9:00 AM",
``{{ start|clock_range:end }}`` "9:00-10:00 AM" (an en dash), ``{{ dt|moment }}`` "Wed, Dec 2, 2026,
2:00 PM" (``{{ dt|moment:"short" }}`` without the year), ``{{ d|weekday }}`` "Wed",
``{{ d|month_day }}`` "Dec 2", ``{{ dt|zone }}`` "EST". An empty value gives "".
"""

from collections.abc import Callable
from datetime import date, datetime, time
from functools import wraps
from typing import Any

from django import template

from bookings import clock

register = template.Library()


def _blank_if_empty(function: Callable[..., str]) -> Callable[..., str]:
    @wraps(function)
    def wrapper(value: Any, *args: Any) -> str:
        if value in (None, ""):
            return ""
        return function(value, *args)

    return wrapper


@register.filter
@_blank_if_empty
def day(value: date | datetime, arg: str = "") -> str:
    return clock.day(value, year=arg == "year")


@register.filter
@_blank_if_empty
def long_day(value: date | datetime, arg: str = "") -> str:
    return clock.long_day(value, year=arg == "year")


@register.filter
@_blank_if_empty
def weekday(value: date | datetime) -> str:
    return clock.weekday(value)


@register.filter
@_blank_if_empty
def month_day(value: date | datetime) -> str:
    return clock.month_day(value)


@register.filter(name="clock")
@_blank_if_empty
def clock_filter(value: time | datetime) -> str:
    return clock.time_of_day(value)


@register.filter
@_blank_if_empty
def clock_range(start: time | datetime, end: time | datetime) -> str:
    return clock.time_range(start, end)


@register.filter
@_blank_if_empty
def moment(value: datetime, arg: str = "") -> str:
    return clock.moment(value, year=arg != "short")


@register.filter
@_blank_if_empty
def zone(value: datetime) -> str:
    return clock.zone(value)
