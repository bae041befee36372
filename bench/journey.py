"""Journey: what booking costs a runner on a 390x844 phone, first time and returning.

Run from the project root (Playwright and Debian's Chromium, as the browser tests use):

    .venv/bin/python bench/journey.py

It builds its own database, ``clinic_bench_journey`` on DATABASE_URL's server (default: the
local server), dropped and recreated at the start and dropped at the end, loads the demo
clinic and serves it with gunicorn as production does (``load.py``'s helpers). Then, in a
phone-sized touch browser, it walks the two journeys of ``tests/browser/journeys.py``:

* **first-time**: the sports massage service page → length → time → details → booked;
* **returning**: in a fresh browser, the manage link of that booking (as from the email) →
  "Book another session like this" → time → details → booked.

Output: one JSON line per journey: page loads (main-frame navigations; in-place refreshes
do not count), taps (clicks, and the tap that focuses each field), typed characters, and
for each step how many screens down its primary control ends (its bottom edge / 844 px).
The goals: first-time <= 5 page loads and <= 14 taps, returning <= 4 page loads, and no
booking step over 2 screens before its primary control. Exit status 1 if a goal is missed.
"""

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import load  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser.journeys import PHONE, first_time_runner, returning_runner  # noqa: E402

DB_NAME = "clinic_bench_journey"
GOALS = {"first-time": (5, 14), "returning": (4, None)}


def phone_page(browser):
    """Return a page in a fresh phone-sized, touch-enabled browser context."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def missed(name: str, figures: dict) -> list[str]:
    """Return the goals this journey missed, in words."""
    loads, taps = GOALS[name]
    out = []
    if figures["page_loads"] > loads:
        out.append(f"{figures['page_loads']} page loads > {loads}")
    if taps is not None and figures["taps"] > taps:
        out.append(f"{figures['taps']} taps > {taps}")
    booking_steps = {k: v for k, v in figures["screens_per_step"].items() if k != "service page"}
    out += [
        f"{step}: {screens} screens > 2" for step, screens in booking_steps.items() if screens > 2
    ]
    return out


def main() -> int:
    url = load.with_database(os.environ.get("DATABASE_URL", "postgresql:///"), DB_NAME)
    load.recreate_database(url)
    log = Path(tempfile.mkdtemp(prefix="journey-")) / "gunicorn.log"
    process = None
    try:
        load.prepare(url)
        process, base = load.serve(url, log)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
            )
            page = phone_page(browser)
            first = first_time_runner(page, base, email="bench.runner@example.com")
            manage = page.get_by_role("link", name="Move or cancel this booking")
            manage_link = base + manage.get_attribute("href")
            again = returning_runner(
                phone_page(browser), manage_link, email="bench.runner@example.com"
            )
            browser.close()
        failures = []
        for name, meter in (("first-time", first), ("returning", again)):
            figures = meter.figures()
            print(json.dumps({"journey": name, **figures}))
            failures += [f"{name}: {problem}" for problem in missed(name, figures)]
        for failure in failures:
            print(f"goal missed: {failure}", file=sys.stderr)
        return 1 if failures else 0
    finally:
        if process is not None:
            load.stop(process)
        load.recreate_database(url, create=False)


if __name__ == "__main__":
    sys.exit(main())
