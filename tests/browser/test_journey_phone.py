"""A runner on a 390x844 phone: from a service page to booked, and back again from the email.

The goals (issue 13): a first-time runner in at most 5 page loads and 14 taps, a returning
runner in at most 4 page loads, no booking step taller than 2 screens before its primary
control; axe-core finds nothing serious or critical on any step, the intake included.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from bookings import booking
from bookings.models import Appointment, RunnerIntake
from tests.browser.journeys import first_time_runner, returning_runner
from tests.browser.test_accessibility import audit, report
from tests.browser.test_booking import no_horizontal_scroll

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_first_time_runner_books_from_the_service_page_within_the_goals(
    site, demo, phone: Page, console_errors
):
    meter = first_time_runner(phone, site, email="new.runner@example.com")

    figures = meter.figures()
    assert figures["page_loads"] <= 5, figures
    assert figures["taps"] <= 14, figures
    # The service page is not a booking step (and not this flow's page); the rest are.
    assert all(screens <= 2 for step, screens in meter.steps[1:]), figures
    assert no_horizontal_scroll(phone)
    assert Appointment.objects.get().client.email == "new.runner@example.com"
    assert console_errors == []


def test_a_returning_runner_books_again_from_the_email_link_within_the_goals(
    site, demo, phone: Page, console_errors
):
    first_time_runner(phone, site, email="back.again@example.com")
    token = booking.issue_manage_token(Appointment.objects.get())

    meter = returning_runner(phone, f"{site}/book/manage/{token}/", email="back.again@example.com")

    figures = meter.figures()
    assert figures["page_loads"] <= 4, figures
    assert all(screens <= 2 for _, screens in meter.steps), figures
    assert Appointment.objects.filter(client__email="back.again@example.com").count() == 2
    assert console_errors == []


def test_every_step_and_the_intake_have_no_serious_violation_and_errors_take_the_focus(
    site, demo, phone: Page, console_errors
):
    found: dict[str, list[str]] = {}
    phone.goto(f"{site}/services/sports-massage-for-runners/")
    phone.get_by_role("link", name=re.compile("^Book sports massage")).click()
    audit(phone, found, "lengths")
    phone.get_by_role("link", name=re.compile("^60 minutes")).click()
    audit(phone, found, "time: week strip")
    phone.get_by_role("link", name="Later week").click()
    expect(phone).to_have_url(re.compile(r"week="))
    audit(phone, found, "time: the next week, in place")
    more = phone.get_by_role("link", name="More times on this day")
    if more.count():
        more.click()
        expect(phone.locator("#times-heading")).to_be_focused()
        audit(phone, found, "time: more times, in place")
    phone.locator("#times").get_by_role("link").first.click()

    expect(phone.get_by_role("heading", level=1)).to_have_text("Your details")
    audit(phone, found, "details")
    email = phone.get_by_label("Email")
    email.fill("not-an-email")
    phone.get_by_label("Mobile phone").click()  # leaving the field checks it
    expect(phone.locator("#id_email_inline")).to_be_visible()
    phone.get_by_role("button", name="Book now").click()
    summary = phone.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name=re.compile("valid email"))).to_be_visible()
    expect(email).to_have_value("not-an-email")  # values kept
    audit(phone, found, "details with the error summary")
    email.fill("minor.runner@example.com")
    phone.get_by_label("First name").fill("Sam")
    phone.get_by_label("Last name").fill("Young")
    phone.get_by_label("Mobile phone").fill("4045550177")
    phone.get_by_label("I agree to the cancellation policy").check()
    phone.get_by_role("button", name="Book now").click()

    expect(phone.get_by_role("heading", level=1)).to_have_text("You're booked in")
    audit(phone, found, "confirmation")
    phone.get_by_role("link", name="Tell us about your running").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("About your running")
    audit(phone, found, "intake")
    phone.get_by_label("Date of birth").fill("2012-05-01")
    phone.get_by_role("button", name="Save").click()
    expect(phone.locator("#error-summary")).to_be_focused()
    audit(phone, found, "intake: a minor needs a guardian")
    phone.get_by_label("Parent or guardian's full name").fill("Pat Young")
    phone.get_by_label("Parent or guardian's phone").fill("4045550111")
    phone.get_by_label("Relationship to the runner").fill("Father")
    phone.locator("#id_guardian_consent").focus()
    phone.keyboard.press("Space")
    expect(phone.locator("#id_guardian_consent")).to_be_checked()
    phone.get_by_label("Miles a week").fill("20")
    phone.get_by_role("button", name="Save").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your booking")
    audit(phone, found, "manage, after the intake")

    assert found == {}, report(found)
    intake = RunnerIntake.objects.get()
    assert intake.is_minor and intake.weekly_mileage == 20
    assert [e for e in console_errors if "status of 422" not in e] == []


def test_without_javascript_a_runner_pages_a_week_books_and_answers_the_intake(
    site, demo, phone_without_js: Page
):
    page = phone_without_js
    page.goto(f"{site}/services/sports-massage-for-runners/")
    page.get_by_role("link", name=re.compile("^Book sports massage")).click()
    page.get_by_role("link", name=re.compile("^60 minutes")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a day and time")
    page.get_by_role("link", name="Later week").click()  # a full page load without scripts
    expect(page).to_have_url(re.compile(r"week="))
    page.locator("#times").get_by_role("link").first.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your details")
    page.get_by_role("button", name="Book now").click()  # the server checks, no script
    expect(page.locator("#error-summary")).to_be_visible()
    page.get_by_label("First name").fill("Jess")
    page.get_by_label("Last name").fill("Runner")
    page.get_by_label("Email").fill("no.script@example.com")
    page.get_by_label("Mobile phone").fill("4045550100")
    page.get_by_label("I agree to the cancellation policy").check()
    page.get_by_role("button", name="Book now").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("You're booked in")
    page.get_by_role("link", name="Tell us about your running").click()
    page.get_by_label("Miles a week").fill("30")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your booking")
    intake = RunnerIntake.objects.get(client__email="no.script@example.com")
    assert intake.weekly_mileage == 30
    assert Appointment.objects.filter(client=intake.client).count() == 1
