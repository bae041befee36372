"""A runner tells the confirmation page their race, then books a pre-race and a recovery
session there, one tap each, on a phone."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from bookings import race
from bookings.models import Appointment, SuggestionRule
from tests.browser.journeys import first_time_runner, heading
from tests.browser.test_booking import no_horizontal_scroll

pytestmark = pytest.mark.django_db(transaction=True)


def next_race_day() -> date:
    """Return a Saturday at least ten days ahead: both windows are on working days."""
    day = timezone.localdate() + timedelta(days=10)
    return day + timedelta(days=(5 - day.weekday()) % 7)


def race_card(page: Page):
    return page.get_by_role("region", name=re.compile("^Sessions for your race"))


@pytest.mark.parametrize("browser_page", ["phone", "phone_without_js"])
def test_runner_books_a_pre_race_and_a_recovery_session_from_the_confirmation(
    site, demo, browser_page: str, request: pytest.FixtureRequest, console_errors
):
    phone: Page = request.getfixturevalue(browser_page)  # plain forms: no script needed
    email = "racer@example.com"
    first_time_runner(phone, site, email=email)
    race_day = next_race_day()

    phone.get_by_label("When's your next race?").fill(race_day.isoformat())
    phone.get_by_label("Distance").select_option(label="Half marathon")
    phone.get_by_role("button", name="Suggest sessions for my race").click()
    card = race_card(phone)
    expect(card).to_contain_text("A light session before the race")
    expect(card).to_contain_text("Recovery after the race")
    assert no_horizontal_scroll(phone)

    card.get_by_role("button", name=re.compile("book the pre-race session")).first.click()
    heading(phone, "You're booked in")
    card = race_card(phone)
    expect(card).not_to_contain_text("A light session before the race")
    card.get_by_role("button", name=re.compile("book the recovery session")).first.click()
    heading(phone, "You're booked in")
    expect(race_card(phone)).to_contain_text("You're all set")

    booked = list(Appointment.objects.filter(client__email=email).order_by("start"))
    assert len(booked) == 3
    rules = {rule.kind: rule for rule in SuggestionRule.objects.all()}
    for appointment, kind in ((booked[1], "pre_race"), (booked[2], "recovery")):
        since, until = race.window(rules[kind], race_day)
        assert since <= appointment.start <= until
        assert appointment.service_length == rules[kind].service_length
    assert console_errors == []
