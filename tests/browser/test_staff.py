"""The front desk runs a booking through the calendar; the therapist sees it on their phone."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from bookings.models import Appointment, ClinicClosure, Therapist
from tests.helpers import authenticator_code

pytestmark = pytest.mark.django_db(transaction=True)


def next_clinic_day() -> date:
    """Return the next weekday the clinic is open, from tomorrow (the server's clock is real)."""
    closed = set(ClinicClosure.objects.values_list("date", flat=True))
    day = timezone.localdate() + timedelta(days=1)
    while day.weekday() >= 5 or day in closed:
        day += timedelta(days=1)
    return day


def sign_in(page: Page, site: str, username: str, password: str) -> None:
    page.goto(site + "/staff/")
    expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    # First sign-in: add the account to an "authenticator app" (here: the test helper) by key.
    expect(page.get_by_role("heading", name="Set up sign-in codes")).to_be_visible()
    secret = page.locator(".setup-key").inner_text().replace(" ", "")
    code = authenticator_code(secret)
    page.get_by_label("6-digit code from your authenticator app").fill(code)
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    page.get_by_role("link", name="Continue").click()


def test_front_desk_books_and_moves_a_caller_whom_the_therapist_then_sees(
    site, demo, laptop: Page, phone: Page, console_errors
):
    day = next_clinic_day()
    sign_in(laptop, site, "frontdesk", "clinic-frontdesk-demo")
    laptop.get_by_label("Go to date").fill(day.isoformat())
    laptop.get_by_role("button", name="Go").click()
    expect(laptop).to_have_url(re.compile(rf"/staff/day/{day}/$"))

    # A phone call: a new client, with Daniel at 5 PM, booked in the calendar's panel.
    laptop.get_by_role("link", name="Book Daniel Okafor at 5:00 PM").click()
    panel = laptop.get_by_role("dialog", name="New booking with Daniel Okafor")
    panel.get_by_label("First name").fill("Casey")
    panel.get_by_label("Last name").fill("Caller")
    panel.get_by_label("Phone", exact=True).fill("(404) 555-0188")
    panel.get_by_label("Sports massage for runners, 60 min").check()
    daniel = Therapist.objects.get(slug="daniel-okafor")
    expect(panel.get_by_label("Therapist")).to_have_value(str(daniel.pk))
    panel.get_by_role("button", name="Book").click()
    expect(laptop.get_by_role("status")).to_contain_text("Booked Casey Caller with Daniel Okafor")
    expect(laptop.locator(".appt-new")).to_contain_text("Casey Caller")

    # Daniel is needed elsewhere: move the session to Maya, same time, from its own page.
    laptop.locator(".appt-new .appt-link").click()
    laptop.get_by_role("link", name="Move").click()
    laptop.get_by_label("Therapist").select_option(label="Maya Brooks")
    laptop.get_by_label("Reason").fill("Daniel covers a race clinic")
    laptop.get_by_role("button", name="Move").click()
    expect(laptop.get_by_role("status")).to_contain_text("with Maya Brooks")
    expect(
        laptop.get_by_role("row", name=re.compile("Daniel covers a race clinic"))
    ).to_be_visible()

    # A session on a later day offers no check-in yet, and the page says when it opens.
    expect(laptop.get_by_text("Check-in opens that day at 4:00 PM")).to_be_visible()
    expect(laptop.get_by_role("button", name="Check in")).to_have_count(0)
    appointment = Appointment.objects.get()
    assert (appointment.therapist.name, appointment.status) == ("Maya Brooks", "booked")

    # Maya signs in on her phone and finds the session on her schedule.
    sign_in(phone, site, "therapist", "clinic-therapist-demo")
    expect(phone.get_by_role("heading", name="My schedule")).to_be_visible()
    session = phone.get_by_role("listitem").filter(has_text="Casey Caller")
    expect(session).to_contain_text("5:00\u20136:00 PM")
    expect(session).to_contain_text("Booked")
    assert console_errors == []
