"""A runner finds their way around the public site on a phone and a laptop."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.django_db(transaction=True)


def no_horizontal_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_runner_on_a_phone_goes_from_home_to_a_service_and_its_booking(
    site, demo, phone: Page, console_errors
):
    phone.set_viewport_size({"width": 375, "height": 812})
    phone.goto(site + "/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Sports massage built for runners")
    assert no_horizontal_scroll(phone)

    phone.get_by_role("button", name="Menu").click()
    phone.get_by_role("navigation", name="Main").get_by_role("link", name="Services").click()
    expect(phone).to_have_url(re.compile(r"/services/$"))
    assert no_horizontal_scroll(phone)

    phone.get_by_role("link", name="Deep tissue massage").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Deep tissue massage")
    assert no_horizontal_scroll(phone)
    expect(phone.get_by_text("$140.00")).to_be_visible()

    phone.get_by_role("link", name="Book deep tissue massage").click()
    expect(phone).to_have_url(re.compile(r"/book/\?service=deep-tissue-massage$"))
    assert console_errors == []


@pytest.mark.parametrize(
    "path", ["/", "/services/", "/services/assisted-stretching/", "/therapists/", "/visit/"]
)
def test_pages_fit_a_375px_phone_and_break_no_content_security_rule(
    site, demo, phone: Page, console_errors, path
):
    phone.set_viewport_size({"width": 375, "height": 812})
    phone.goto(site + path)

    assert no_horizontal_scroll(phone)
    assert phone.evaluate("getComputedStyle(document.body).fontFamily").startswith('"Segoe UI"')
    assert console_errors == []  # a CSP violation or a missing asset would show up here


def test_keyboard_user_can_skip_to_content_and_reach_booking(site, demo, laptop: Page):
    laptop.goto(site + "/visit/")

    laptop.keyboard.press("Tab")
    skip = laptop.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    laptop.keyboard.press("Enter")
    expect(laptop.locator("main")).to_be_focused()

    book = laptop.get_by_role("main").get_by_role("link", name="Book a session")
    book.focus()
    laptop.keyboard.press("Enter")
    expect(laptop).to_have_url(re.compile(r"/book/$"))


def test_visit_page_shows_address_hours_and_policy_on_a_laptop(site, demo, laptop: Page):
    laptop.goto(site + "/")
    laptop.get_by_role("link", name="Visit").first.click()

    expect(laptop.get_by_role("heading", name="Opening hours")).to_be_visible()
    expect(laptop.get_by_role("row", name=re.compile("Monday"))).to_contain_text("8:00 AM")
    expect(laptop.get_by_role("heading", name="Cancellation policy")).to_be_visible()
    expect(laptop.get_by_role("main").get_by_text("Sandy Springs, GA 30328")).to_be_visible()
