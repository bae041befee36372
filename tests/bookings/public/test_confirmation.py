"""The confirmation answers the next question: price, place, calendar, pay, change."""

import re
from urllib.parse import unquote

from django.test import Client

from tests.bookings.public.conftest import TUESDAY_10, confirm, page_text


def test_the_confirmation_answers_what_a_runner_asks_next(clinic):
    browser = Client()
    booked = confirm(browser, clinic, TUESDAY_10, email="Jess.Typed@example.com")

    html = page_text(browser.get(booked["Location"]))

    assert "Tuesday, December 8, 2026 at 10:00 AM" in html
    assert "60 minutes" in html and "$95" in html and "Maya Brooks" in html
    assert "Jess.Typed@example.com" in html
    assert "https://www.google.com/maps/search/?api=1&query=" in html
    assert "How to pay" in html and "Getting here" in html and "What to wear" in html
    assert "calendar.google.com/calendar/render?action=TEMPLATE" in html
    assert "outlook.live.com/calendar/0/deeplink/compose?" in html
    assert re.search(r'href="/book/manage/[\w-]+/calendar\.ics"', html)
    assert re.search(r'href="/book/manage/[\w-]+/intake/"', html)
    assert "Move or cancel this booking" in html


def test_links_to_other_sites_carry_no_token_and_nothing_personal(clinic):
    browser = Client()
    booked = confirm(browser, clinic, TUESDAY_10)
    token = next(iter(browser.session["bookings.booked"].values()))

    html = page_text(browser.get(booked["Location"]))
    outside = [unquote(u) for u in re.findall(r'href="(https://[^"]+)"', html)]

    assert len(outside) >= 3
    for url in outside:
        assert token not in url and "jess" not in url.lower() and "Runner" not in url
