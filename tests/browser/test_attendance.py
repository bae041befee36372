"""The appointment page offers only what the rules allow at that moment; a wrong status is
undone with a click, and the history says who did what.

The server's clock is real (or TEST_NOW), so the sessions are placed around the moment the
test runs. SHOTS_DIR=/some/dir saves each state's page at phone and laptop size.
"""

import os
import re
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from bookings import clock
from bookings.models import Appointment, Room, Therapist
from tests.browser.conftest import PHONE
from tests.browser.test_staff import sign_in
from tests.factories import make_appointment, make_client

pytestmark = pytest.mark.django_db(transaction=True)

LAPTOP = {"width": 1280, "height": 800}
SHOTS = os.environ.get("SHOTS_DIR")


def shoot(page: Page, name: str) -> None:
    """Save the page at phone and laptop size, when SHOTS_DIR asks for it."""
    if not SHOTS:
        return
    for label, size in (("390x844", PHONE), ("1280x800", LAPTOP)):
        page.set_viewport_size(size)
        page.screenshot(path=Path(SHOTS) / f"{name}-{label}.png", full_page=True)
    page.set_viewport_size(LAPTOP)


def sessions_in_each_state() -> dict[str, Appointment]:
    """Return one session per state the page can show, each with its own therapist and room
    while it holds its time."""
    now = clock.local(timezone.now()).replace(second=0, microsecond=0)
    midnight = datetime.combine(now.date(), time(), tzinfo=now.tzinfo)
    under_way = max(now - timedelta(minutes=10), midnight)  # started today
    maya, daniel, priya, tom = (
        Therapist.objects.get(slug=slug)
        for slug in ("maya-brooks", "daniel-okafor", "priya-raman", "tom-hadley")
    )
    rooms = list(Room.objects.filter(name__startswith="Treatment room").order_by("name"))

    def session(name: str, therapist: Therapist, room: Room, start: datetime, **fields):
        client = make_client(first_name=name.capitalize(), last_name="Runner", email="")
        return make_appointment(
            therapist=therapist, room=room, start=start, client=client, **fields
        )

    return {
        "later": session("lee", maya, rooms[0], now + timedelta(days=1)),
        "under-way": session("una", maya, rooms[0], under_way),
        "checked-in": session(
            "cass", daniel, rooms[1], under_way, status="checked_in", status_changed_at=now
        ),
        "completed": session(
            "cole", priya, rooms[2], under_way, status="completed", status_changed_at=now
        ),
        "no-show": session(
            "nia", tom, rooms[1], under_way, status="no_show", status_changed_at=now
        ),
        "cancelled": session(
            "cy", tom, rooms[2], under_way, status="cancelled", status_changed_at=now
        ),
    }


OFFERED = {
    "later": [],
    "under-way": ["Check in", "Complete", "No-show"],
    "checked-in": ["Complete", "Undo check-in"],
    "completed": ["Undo completion"],
    "no-show": ["Undo no-show"],
    "cancelled": [],
}


def test_each_state_offers_only_what_the_moment_allows_and_a_mistake_is_undone(
    site, demo, laptop: Page, console_errors
):
    sessions = sessions_in_each_state()
    sign_in(laptop, site, "frontdesk", "clinic-frontdesk-demo")
    buttons = laptop.locator(".appt-actions button[name=action]")

    for state, appointment in sessions.items():
        laptop.goto(f"{site}/staff/appointments/{appointment.pk}/")
        heading = laptop.get_by_role("heading", level=1)
        expect(heading).to_contain_text(appointment.client.first_name)
        if OFFERED[state]:
            expect(buttons).to_have_text(OFFERED[state])
        else:
            expect(buttons).to_have_count(0)
        shoot(laptop, f"appointment-{state}")
    laptop.goto(f"{site}/staff/appointments/{sessions['later'].pk}/")
    opens = laptop.get_by_text(
        re.compile(r"^The session is on \w{3}, \w{3} \d+, at .+ Check-in opens that day at ")
    )
    expect(opens).to_be_visible()

    # The client did come: the desk marked a no-show by mistake, undoes it, checks them in.
    laptop.goto(f"{site}/staff/appointments/{sessions['under-way'].pk}/")
    laptop.get_by_role("button", name="No-show").click()
    expect(laptop.get_by_role("status")).to_contain_text("Una Runner: no-show.")
    laptop.get_by_role("button", name="Undo no-show").click()
    expect(laptop.get_by_role("status")).to_contain_text("Undone: Una Runner is booked again.")
    undone = laptop.get_by_role("row", name=re.compile("Status undone"))
    expect(undone).to_contain_text("Status: No-show → Booked")
    expect(undone).to_contain_text("frontdesk")
    laptop.get_by_role("button", name="Check in").click()
    expect(laptop.get_by_role("status")).to_contain_text("Una Runner: checked in.")
    expect(buttons).to_have_text(["Complete", "Undo check-in"])
    shoot(laptop, "appointment-after-undo-and-check-in")

    appointment = Appointment.objects.get(pk=sessions["under-way"].pk)
    assert appointment.status == "checked_in"
    assert list(appointment.changes.values_list("action", flat=True)) == [
        "no_show",
        "undone",
        "checked_in",
    ]
    assert console_errors == []


def test_move_and_cancel_say_once_that_no_email_can_be_sent_and_the_walk_in_page_reads_well(
    site, demo, laptop: Page, console_errors
):
    later = sessions_in_each_state()["later"]  # a client with no email on file
    sign_in(laptop, site, "frontdesk", "clinic-frontdesk-demo")

    for page in ("move", "cancel"):
        laptop.goto(f"{site}/staff/appointments/{later.pk}/{page}/")
        expect(laptop.get_by_text("No email on file")).to_have_count(1)
        expect(laptop.get_by_label(re.compile("^Email the client"))).to_have_count(0)
        shoot(laptop, page)

    laptop.get_by_role("navigation", name="Staff").get_by_role("link", name="Day").click()
    laptop.get_by_role("link", name="Walk-in now").click()
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Walk-in now")
    laptop.get_by_role("button", name="Book and check in").click()
    expect(laptop.get_by_text("Enter the client's name, or find them above.").first).to_be_visible()
    shoot(laptop, "walk-in-with-errors")
    assert [e for e in console_errors if "status of 422" not in e] == []
