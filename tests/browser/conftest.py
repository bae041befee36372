"""Playwright fixtures: Debian's Chromium driving the real site served by gunicorn."""

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from tests import live

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.path):
            item.add_marker(pytest.mark.browser)
    # Browser tests last: the slowest, and the rest of the suite never shares their loop.
    items.sort(key=lambda item: "tests/browser/" in str(item.path))


@pytest.fixture(scope="module", autouse=True)
def _orm_beside_playwright() -> Iterator[None]:
    # Playwright's sync API keeps an event loop running in this thread while a browser is
    # open; the tests' own ORM calls are still plain synchronous code, so Django's
    # async-safety guard does not apply. Module scope: it outlives each test's database
    # teardown, and ends (with the browser) before any other module runs.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="module")
def browser(_orm_beside_playwright: None) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        )  # fmt: skip
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def site(django_db_setup, django_db_blocker) -> Iterator[str]:
    """Return the base URL of gunicorn serving the test database."""
    with django_db_blocker.unblock(), live.gunicorn() as base:
        yield base


@pytest.fixture
def console_errors() -> list[str]:
    return []


def _new_page(browser: Browser, console_errors: list[str], **options) -> Iterator[Page]:
    context = browser.new_context(**options)
    page = context.new_page()

    def record(message: ConsoleMessage) -> None:
        if message.type == "error":
            console_errors.append(message.text)

    page.on("console", record)
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def phone(browser: Browser, console_errors: list[str]) -> Iterator[Page]:
    """A page in a phone-sized, touch-enabled browser context."""
    yield from _new_page(browser, console_errors, viewport=PHONE, is_mobile=True, has_touch=True)


@pytest.fixture
def phone_without_js(browser: Browser, console_errors: list[str]) -> Iterator[Page]:
    """A phone whose browser runs no JavaScript: every step must still work."""
    yield from _new_page(
        browser, console_errors, viewport=PHONE, is_mobile=True, has_touch=True,
        java_script_enabled=False,
    )  # fmt: skip


@pytest.fixture
def laptop(browser: Browser, console_errors: list[str]) -> Iterator[Page]:
    yield from _new_page(browser, console_errors, viewport={"width": 1280, "height": 800})
