"""The two runner journeys on a phone, driven by what a runner reads, and measured.

Shared by tests/browser/test_journey_phone.py (which asserts the goals) and bench/journey.py
(which prints the figures). A `Meter` counts page loads (main-frame navigations, not the
in-place refreshes), taps (a click or the tap that focuses a field), typed characters, and
for each booking step the height down to the bottom of its primary control, in screens.
"""

import re
from dataclasses import dataclass, field

from playwright.sync_api import Locator, Page, expect

PHONE = {"width": 390, "height": 844}


@dataclass
class Meter:
    """What one journey cost the runner."""

    page: Page
    loads: int = 0
    taps: int = 0
    typed: int = 0
    steps: list[tuple[str, float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("framenavigated", self._navigated)

    def _navigated(self, frame) -> None:
        if frame == self.page.main_frame:
            self.loads += 1

    def tap(self, target: Locator) -> None:
        self.taps += 1
        target.click()

    def type(self, target: Locator, text: str) -> None:
        self.taps += 1  # the tap that focuses the field
        target.click()
        target.press_sequentially(text)
        self.typed += len(text)

    def step(self, name: str, primary: Locator) -> float:
        """Record how many screens down the step's primary control ends; return it."""
        expect(primary).to_be_visible()
        bottom = primary.evaluate("(e) => e.getBoundingClientRect().bottom + window.scrollY")
        screens = round(bottom / self.page.viewport_size["height"], 2)
        self.steps.append((name, screens))
        return screens

    def figures(self) -> dict:
        return {
            "page_loads": self.loads,
            "taps": self.taps,
            "typed_characters": self.typed,
            "screens_per_step": dict(self.steps),
        }


def heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def fill_contact(meter: Meter, *, email: str) -> None:
    page = meter.page
    meter.type(page.get_by_label("First name"), "Jess")
    meter.type(page.get_by_label("Last name"), "Runner")
    meter.type(page.get_by_label("Email"), email)
    meter.type(page.get_by_label("Mobile phone"), "4045550100")
    meter.tap(page.get_by_label("I agree to the cancellation policy"))


def pick_first_time(meter: Meter) -> None:
    """On the time step, take the first time of the day the picker chose."""
    page = meter.page
    heading(page, "Choose a day and time")
    first = page.locator("#times").get_by_role("link").first
    meter.step("time", first)
    meter.tap(first)


def book_first_time(meter: Meter, *, email: str) -> None:
    """From the time step: the first time of the chosen day, the details, booked."""
    page = meter.page
    pick_first_time(meter)
    heading(page, "Your details")
    meter.step("details", page.get_by_role("button", name="Book now"))
    fill_contact(meter, email=email)
    meter.tap(page.get_by_role("button", name="Book now"))
    heading(page, "You're booked in")


def first_time_runner(page: Page, site: str, *, email: str) -> Meter:
    """From the sports massage service page to booked, as someone new would."""
    page.goto(f"{site}/services/sports-massage-for-runners/")
    meter = Meter(page)
    meter.loads = 1  # the service page itself
    book = page.get_by_role("link", name=re.compile("^Book sports massage"))
    meter.step("service page", book)
    meter.tap(book)
    page.wait_for_url(re.compile(r"/book/"))
    if page.get_by_role("heading", level=1, name=re.compile("^Book ")).count():
        length = page.get_by_role("link", name=re.compile("^60 minutes"))
        meter.step("length", length)
        meter.tap(length)
    book_first_time(meter, email=email)
    return meter


def returning_runner(page: Page, manage_link: str, *, email: str) -> Meter:
    """From the manage link in their email to a second booking like the first."""
    page.goto(manage_link)
    meter = Meter(page)
    meter.loads = 1
    heading(page, "Your booking")
    again = page.get_by_role("link", name="Book another session like this")
    meter.step("manage", again)
    meter.tap(again)
    book_first_time(meter, email=email)
    return meter
