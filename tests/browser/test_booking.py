"""A runner books on a phone, then moves and cancels from the emailed link; two race."""

import email
import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import Browser, Locator, Page, expect

from bookings import queries
from bookings.models import Appointment, BookingPolicy, Therapist
from services.models import ServiceLength
from tests.live import free_port

pytestmark = pytest.mark.django_db(transaction=True)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def text(self, index: int) -> str:
        [part] = [p for p in self.messages[index].walk() if p.get_content_type() == "text/plain"]
        return part.get_payload(decode=True).decode()


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    """A local SMTP server catching the clinic's email."""
    port, handler = free_port(), Inbox()
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()
    yield handler, port
    server.stop()


def deliver(site: str, port: int) -> None:
    """Send the queued email now, as the worker would, through the local SMTP server."""
    mailers = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    with override_settings(MAILERS=mailers, SITE_URL=site):
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def no_horizontal_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def small_targets(page: Page) -> list[str]:
    """Return the visible buttons and button-like links in the page body under 44px tall."""
    return page.evaluate(
        """() => [...document.querySelectorAll('main .btn, main button, main .choice-card')]
            .filter((e) => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
            .map((e) => e.textContent.trim())"""
    )


def free_days(after: int = 3) -> list[date]:
    """Return Maya's days with free 60' sports massage times, from `after` days on."""
    length = ServiceLength.objects.get(service__slug="sports-massage-for-runners", minutes=60)
    maya = Therapist.objects.get(slug="maya-brooks")
    today = timezone.localdate()
    found = queries.available_slots(
        service_length=length,
        policy=BookingPolicy.load(),
        now=timezone.now(),
        start_date=today + timedelta(days=after),
        end_date=today + timedelta(days=after + 14),
        therapists=[maya],
    ).by_therapist[maya.pk]
    return sorted({timezone.localtime(start).date() for start in found})


def day_link(page: Page, day: date):
    return page.get_by_role("link", name=re.compile(rf"^{day:%a} {day:%b} {day.day}$"))


def show_week_of(page: Page, day: date) -> None:
    """Page the week strip forward (in place) until `day` is on it."""
    for _ in range(10):
        if day_link(page, day).count():
            return
        later = page.get_by_role("link", name="Later week")
        week = re.search(r"week=([\d-]+)", later.get_attribute("href"))[1]
        later.click()
        expect(page).to_have_url(re.compile(rf"week={week}"))
    raise AssertionError(f"{day} never appeared on the week strip")


def tap_day(page: Page, day: date) -> Locator:
    """Tap a day in the picker (its times load in place); return the region of its times."""
    page.evaluate("() => { window.samePage = true; }")
    show_week_of(page, day)
    day_link(page, day).click()
    times = page.get_by_role("region", name=f"Times on {day:%A, %B} {day.day}")
    expect(times).to_be_visible()
    assert page.evaluate("() => window.samePage === true")  # loaded in place, not a new page
    expect(page).to_have_url(re.compile(rf"day={day.isoformat()}"))  # Back keeps the day
    return times


def choose_day_and_first_time(page: Page, day: date) -> str:
    """Tap a day, then its first time; return that time's label."""
    first = tap_day(page, day).get_by_role("link").first
    label = first.inner_text()
    first.click()
    return label


def fill_details(page: Page, *, email_address: str, submit: bool = True) -> None:
    page.get_by_label("First name").fill("Jess")
    page.get_by_label("Last name").fill("Runner")
    page.get_by_label("Email").fill(email_address)
    page.get_by_label("Mobile phone").fill("(404) 555-0100")
    page.get_by_label("I agree to the cancellation policy").check()
    if submit:
        page.get_by_role("button", name="Book now").click()


def test_runner_books_on_a_phone_then_moves_and_cancels_from_the_email(
    site, demo, phone: Page, console_errors, inbox
):
    handler, port = inbox
    first_day, second_day = free_days()[:2]

    phone.goto(site + "/")
    phone.get_by_role("main").get_by_role("link", name="Book a session").first.click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Book a session")
    assert no_horizontal_scroll(phone)
    section = phone.get_by_role("region", name="Sports massage for runners")
    section.get_by_role("link", name="60 minutes").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Choose a day and time")
    phone.get_by_role("link", name="Change therapist").click()
    phone.get_by_role("link", name="Maya Brooks").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Choose a day and time")
    assert no_horizontal_scroll(phone)
    assert small_targets(phone) == []
    time_label = choose_day_and_first_time(phone, first_day)

    expect(phone.get_by_role("heading", level=1)).to_have_text("Your details")
    assert no_horizontal_scroll(phone)
    assert small_targets(phone) == []
    fill_details(phone, email_address="jess@example.com")

    expect(phone.get_by_role("heading", level=1)).to_have_text("You're booked in")
    expect(
        phone.get_by_text(f"{first_day:%A, %B} {first_day.day}, {first_day.year}")
    ).to_be_visible()
    assert time_label in phone.get_by_role("main").inner_text()
    assert "private-condition-marker" not in phone.url
    assert no_horizontal_scroll(phone)

    deliver(site, port)
    [confirmation] = handler.messages
    assert confirmation["Subject"].startswith("Booked:")
    manage_link = re.search(rf"{re.escape(site)}/book/manage/[\w-]+/", handler.text(0))[0]

    phone.goto(manage_link)
    phone.get_by_role("link", name="Move to another time").click()
    choose_day_and_first_time(phone, second_day)
    phone.get_by_role("button", name="Move my booking").click()
    expect(phone.get_by_role("status")).to_contain_text("your session is now on")
    expect(
        phone.get_by_text(f"{second_day:%A, %B} {second_day.day}, {second_day.year}")
    ).to_be_visible()
    assert no_horizontal_scroll(phone)
    deliver(site, port)  # a move email still waiting at a cancellation would be withdrawn

    phone.get_by_role("link", name="Cancel booking").click()
    phone.get_by_label("Reason (optional)").fill("Tweaked a calf")
    phone.get_by_role("button", name="Cancel my booking").click()
    expect(phone.get_by_text("This booking is cancelled.")).to_be_visible()

    deliver(site, port)
    subjects = [message["Subject"].split(":")[0] for message in handler.messages]
    assert subjects == ["Booked", "Moved", "Cancelled"]
    appointment = Appointment.objects.get()
    assert appointment.status == Appointment.Status.CANCELLED
    assert (
        appointment.start.date() == second_day
        or timezone.localdate(appointment.start) == second_day
    )
    assert console_errors == []


def test_two_browsers_race_for_one_time_and_exactly_one_wins(
    site, demo, browser: Browser, phone: Page, laptop: Page, console_errors
):
    day = free_days()[0]
    length = ServiceLength.objects.get(service__slug="sports-massage-for-runners", minutes=60)
    pages = [phone, laptop]
    for n, page in enumerate(pages):
        page.goto(f"{site}/book/time/?length={length.pk}&therapist=maya-brooks&day={day}")
        times = page.get_by_role("region", name=f"Times on {day:%A, %B} {day.day}")
        times.get_by_role("link").first.click()
        fill_details(page, email_address=f"racer{n}@example.com", submit=False)

    # Both press "Book now" at once: dispatch both clicks before waiting for either.
    for page in pages:
        page.evaluate(
            "() => { const form = document.querySelector('form.details-form');"
            " form.requestSubmit(form.querySelector('[name=confirm]')); }"
        )
    headings = []
    for page in pages:
        heading = page.get_by_role("heading", level=1)
        expect(heading).not_to_have_text("Your details")
        headings.append(heading.inner_text())

    assert sorted(headings) == ["Sorry, that time was just taken", "You're booked in"]
    assert Appointment.objects.count() == 1
    # The loser's page comes with 409 Conflict, which Chromium notes in the console.
    assert [e for e in console_errors if "status of 409" not in e] == []
