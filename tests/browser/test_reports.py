"""The front desk reads the clinic's reports in Chromium: charts, tables, a period, no barrier.

Set ``SCREENSHOTS=/some/dir`` to keep full-page screenshots of the page at phone and laptop
sizes.
"""

import itertools
import os
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from bookings import clock
from bookings.models import Appointment, AppointmentChange, Room, Therapist
from tests.browser.test_accessibility import audit, report
from tests.browser.test_staff import sign_in
from tests.factories import make_appointment, make_client

pytestmark = pytest.mark.django_db(transaction=True)

Status, Source = Appointment.Status, Appointment.Source
ROOMS = {  # each therapist in a room of their own, so no two sessions share one
    "daniel-okafor": "Treatment room 1",
    "maya-brooks": "Treatment room 2",
    "priya-raman": "Stretch studio",
    "tom-hadley": "Treatment room 3",
}


def seed_eight_weeks() -> int:
    """Book the demo therapists' past eight weeks and this week: some no-shows, some
    cancellations (a few late), online and desk bookings, runners who come back."""
    today = clock.now().date()
    first = today - timedelta(days=today.weekday(), weeks=7)
    clients = [make_client(first_name=f"Runner{n}") for n in range(40)]
    picks = itertools.count()
    made = 0
    for offset in range((today - first).days + 5):
        day = first + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for slug, room_name in ROOMS.items():
            therapist = Therapist.objects.get(slug=slug)
            room = Room.objects.get(name=room_name)
            length = room.services.filter(therapists=therapist).first().lengths.get(minutes=60)
            for hhmm in ("10:00", "11:30", "14:00")[: 1 + next(picks) % 3]:
                n = next(picks)
                start = datetime.combine(day, time.fromisoformat(hhmm), tzinfo=clock.clinic_tz())
                past = start < timezone.now()
                status = Status.BOOKED
                if past:
                    status = Status.NO_SHOW if n % 11 == 0 else Status.COMPLETED
                if n % 9 == 0:
                    status = Status.CANCELLED
                appointment = make_appointment(
                    therapist=therapist,
                    room=room,
                    start=start,
                    length=length,
                    status=status,
                    client=clients[(n * 7) % (5 + offset // 2)],
                    source=Source.DESK if n % 3 == 0 else Source.ONLINE,
                )
                if status == Status.CANCELLED:
                    ahead = timedelta(hours=6 if n % 2 else 72)
                    AppointmentChange.objects.create(
                        appointment=appointment,
                        action=AppointmentChange.Action.CANCELLED,
                        at=start - ahead,
                    )
                made += 1
    return made


def shoot(page: Page, name: str) -> None:
    if folder := os.environ.get("SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def test_the_front_desk_reads_the_reports_without_barriers(
    site, demo, laptop: Page, phone: Page, console_errors
):
    assert seed_eight_weeks() > 100
    found: dict[str, list[str]] = {}

    sign_in(laptop, site, "frontdesk", "clinic-frontdesk-demo")
    laptop.get_by_role("navigation", name="Staff").get_by_role("link", name="Reports").click()
    expect(laptop.get_by_role("heading", name="Reports", level=1)).to_be_visible()
    expect(laptop.get_by_role("img", name="Utilization per therapist")).to_be_visible()
    expect(laptop.get_by_role("table", name="Bookings by source per week")).to_contain_text(
        "Week of"
    )
    audit(laptop, found, "reports by week")
    shoot(laptop, "reports-weeks-1280x800")

    laptop.get_by_role("link", name="Last 6 months").click()
    expect(laptop.get_by_role("table", name="Bookings by source per month")).to_be_visible()
    audit(laptop, found, "reports by month")
    shoot(laptop, "reports-months-1280x800")

    # Dates the wrong way round: the page says so beside the field and shows no figures.
    laptop.get_by_label("From", exact=True).fill("2026-11-30")
    laptop.get_by_label("To", exact=True).fill("2026-11-01")
    laptop.get_by_role("button", name="Show report").click()
    expect(laptop.get_by_text("The end date must be on or after the start date.")).to_be_visible()
    expect(laptop.get_by_role("img")).to_have_count(0)
    audit(laptop, found, "reports, a bad period")
    shoot(laptop, "reports-bad-period-1280x800")

    with laptop.expect_download() as download:
        laptop.goto(site + "/staff/reports/?by=week")
        laptop.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename.startswith("clinic-report-")

    sign_in(phone, site, "admin", "clinic-admin-demo")
    phone.goto(site + "/staff/reports/")
    expect(phone.get_by_role("img", name="New and returning runners per week")).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"
    audit(phone, found, "reports on a phone")
    shoot(phone, "reports-weeks-390x844")

    assert found == {}, report(found)
    # Only the bad period's own 422; a CSP violation or a missing asset would show here.
    assert [e for e in console_errors if "status of 422" not in e] == []
