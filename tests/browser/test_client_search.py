"""Every client search in Chromium: the term typed never reaches a URL or a Referer header."""

import re

import pytest
from playwright.sync_api import Page, Request, expect

from tests.browser.test_calendar import a_weekday_everyone_works, open_day, shoot
from tests.factories import make_client

pytestmark = pytest.mark.django_db(transaction=True)

TERMS = ("riley.private", "555-0133", "Rita")


def test_no_client_search_puts_the_term_in_a_url(site, demo, laptop: Page, console_errors):
    make_client(first_name="Riley", last_name="Runner", email="riley.private@example.com")
    make_client(first_name="Rita", last_name="Other", phone="(404) 555-0133")
    sent: list[Request] = []
    laptop.on("request", lambda request: sent.append(request))
    day = a_weekday_everyone_works()
    open_day(laptop, site, day)

    # The top bar's search, from the calendar.
    laptop.get_by_role("searchbox", name="Search clients").fill("riley.private")
    laptop.get_by_role("searchbox", name="Search clients").press("Enter")
    expect(laptop.get_by_role("link", name="Riley Runner", exact=True)).to_be_visible()
    assert laptop.url.endswith("/staff/clients/")
    # The clients page's own search.
    laptop.get_by_label("Name, email or phone").fill("555-0133")
    laptop.get_by_role("button", name="Search").click()
    expect(laptop.get_by_role("link", name="Rita Other", exact=True)).to_be_visible()
    shoot(laptop, "client-search")
    # The booking page and the walk-in page, without their script's help.
    for path, link in (("/staff/book/", "Book for Rita Other"), ("/staff/walk-in/", None)):
        laptop.goto(site + path)
        laptop.get_by_label("Find a client by name, email or phone").fill("Rita")
        laptop.get_by_role("button", name="Search").click()
        expect(laptop.get_by_text("Rita Other")).to_be_visible()
        if link:
            laptop.get_by_role("link", name=link).click()
            expect(laptop.locator(".client-chosen")).to_contain_text("Rita Other")
    # The calendar panel's live search.
    laptop.goto(f"{site}/staff/day/{day}/")
    laptop.get_by_role("link", name="Book Maya Brooks at 2:00 PM").click()
    panel = laptop.get_by_role("dialog", name="New booking with Maya Brooks")
    panel.get_by_label("Find a client by name, email or phone").press_sequentially("riley.private")
    expect(panel.get_by_label(re.compile("Riley Runner"))).to_be_visible()

    searches = [r for r in sent if r.method == "POST" and "/staff/" in r.url]
    assert len(searches) >= 5
    for request in sent:
        for term in TERMS:
            assert term not in request.url, request.url
            assert term not in (request.headers.get("referer") or ""), request.url
    assert console_errors == []
