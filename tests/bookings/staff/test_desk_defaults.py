"""The desk's booking and walk-in forms open with the clinic's usual service and length
chosen, so the usual booking is one click fewer; any other is still in the list."""

import re

import pytest
from django.urls import reverse

from tests.bookings.staff.conftest import MONDAY, at, book
from tests.factories import make_length, make_service

pytestmark = pytest.mark.usefixtures("clock")


def length_select(html: str) -> str:
    return re.search(r'<select name="service_length".*?</select>', html, re.S).group(0)


def chosen_length(html: str) -> str:
    """Return the value of the selected service length in a desk form."""
    return re.search(r'<option value="(\d+)" selected>', length_select(html)).group(1)


@pytest.fixture
def menu(clinic):
    """Lengths ahead of the clinic's 60-minute massage in the services' order."""
    first = make_service(title="Assisted stretching", ordering=0, lengths=())
    return make_length(first, minutes=30), make_length(clinic.service, minutes=90)


@pytest.mark.parametrize("page", ["staff:book", "staff:walk_in"])
def test_the_first_length_is_chosen_before_anything_is_booked(desk, clinic, menu, page):
    html = desk.get(reverse(page)).text

    assert chosen_length(html) == str(menu[0].pk)
    assert '<option value=""' not in length_select(html)  # no blank choice to click past


@pytest.mark.parametrize("page", ["staff:book", "staff:walk_in"])
def test_the_most_booked_length_is_chosen(desk, clinic, menu, page):
    for hhmm in ("09:00", "11:00"):
        book(clinic, at(hhmm, MONDAY), length=menu[1])
    book(clinic, at("14:00", MONDAY), length=clinic.length)

    html = desk.get(reverse(page)).text

    assert chosen_length(html) == str(menu[1].pk)
    assert length_select(html).count('<option value="') == 3  # the others are still there


def test_a_length_in_the_calendar_link_wins_over_the_usual_one(desk, clinic, menu):
    book(clinic, at("09:00", MONDAY), length=menu[1])

    html = desk.get(reverse("staff:book"), {"length": clinic.length.pk}).text

    assert chosen_length(html) == str(clinic.length.pk)
