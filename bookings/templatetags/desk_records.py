"""The desk's records in templates: ``{% load desk_records %}``, then
``{% day_takings day as takings %}`` (the day's payments by method, and their total), and
``{{ client.phone|phone }}`` for a stored number written the one way, "(404) 555-0111".

A tag rather than view context so the day sheet shows takings with a single include line.
"""

from datetime import date

from django import template

from bookings import checkout, phones

register = template.Library()


@register.simple_tag
def day_takings(day: date) -> dict:
    rows, total = checkout.day_takings(day)
    return {"rows": rows, "total": total}


@register.filter
def phone(value: str) -> str:
    return phones.display(value or "")
