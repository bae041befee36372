"""The front desk's calendar in Chromium at 1280x800: a true time scale, booking from a slot in
a panel, moving by drag and drop, and a day sheet that prints on one Letter page.

Set SHOTS_DIR to keep screenshots of what the tests look at.
"""

import os
import re
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from bookings.clock import clinic_tz
from bookings.models import (
    Appointment,
    AppointmentChange,
    ClientMessage,
    ClinicClosure,
    Room,
    Therapist,
)
from tests.browser.test_staff import sign_in
from tests.factories import make_appointment, make_client

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = os.environ.get("SHOTS_DIR")
PHONE = {"width": 390, "height": 844}


def shoot(page: Page, name: str, *, sizes=("1280x800", "390x844")) -> None:
    """Save full-page screenshots of `page` at each size when SHOTS_DIR is set."""
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    before = page.viewport_size
    for size in sizes:
        width, height = (int(n) for n in size.split("x"))
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=f"{SHOTS}/{name}-{size}.png", full_page=True)
    page.set_viewport_size(before)


def a_weekday_everyone_works() -> date:
    """Return the next Tuesday to Friday from tomorrow (all four demo therapists work)."""
    closed = set(ClinicClosure.objects.values_list("date", flat=True))
    day = datetime.now(clinic_tz()).date() + timedelta(days=2)
    while day.weekday() not in (1, 2, 3, 4) or day in closed:
        day += timedelta(days=1)
    return day


def at(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=clinic_tz())


def session(therapist: str, day: date, hhmm: str, *, room: int = 0, **fields) -> Appointment:
    person = Therapist.objects.get(slug=therapist)
    length = person.services.order_by("ordering").first().lengths.get(minutes=60)
    rooms = list(Room.objects.order_by("pk"))
    return make_appointment(
        therapist=person, room=rooms[room], start=at(day, hhmm), length=length, **fields
    )


def open_day(page: Page, site: str, day: date) -> None:
    sign_in(page, site, "frontdesk", "clinic-frontdesk-demo")
    page.goto(f"{site}/staff/day/{day}/")
    expect(page.locator(".cal")).to_be_visible()


def column_of(page: Page, name: str) -> Locator:
    return page.locator(".cal-head", has_text=name)


def row_at(page: Page, hhmm: str) -> Locator:
    return page.locator(f'.cal-time[data-time="{hhmm}"]')


def drag(page: Page, block: Locator, therapist: str, hhmm: str, *, shot: str = "") -> None:
    """Drag `block` by its top edge onto `therapist`'s column at `hhmm`, with the mouse."""
    # The block at the top of the scrolled grid, so that both ends of the drag are in view.
    block.evaluate("b => { b.closest('.cal-scroll').scrollTop = b.offsetTop - 70; }")
    source = block.bounding_box()
    column = column_of(page, therapist).bounding_box()
    row = row_at(page, hhmm).bounding_box()
    page.mouse.move(source["x"] + 20, source["y"] + 4)
    page.mouse.down()
    page.mouse.move(column["x"] + column["width"] / 2, row["y"] + 4, steps=12)
    if shot and SHOTS:
        expect(page.locator(".drop-ghost")).to_be_visible()
        page.screenshot(path=f"{SHOTS}/{shot}.png")
    page.mouse.up()


def test_rows_are_equal_and_a_60_minute_block_is_four_rows_tall(site, demo, laptop: Page):
    day = a_weekday_everyone_works()
    session("maya-brooks", day, "10:00", client=make_client(first_name="Hana", last_name="Hill"))
    session("daniel-okafor", day, "11:00", room=1, status=Appointment.Status.CHECKED_IN)
    session("priya-raman", day, "09:00", room=2, status=Appointment.Status.CANCELLED)
    open_day(laptop, site, day)

    heights = laptop.locator(".cal-time").evaluate_all(
        "cells => cells.map(cell => cell.getBoundingClientRect().height)"
    )
    assert len(heights) >= 40  # 8:00 AM to 7:00 PM at least
    assert max(heights) - min(heights) <= 1
    block = laptop.locator(".appt", has_text="Hana Hill")
    assert abs(block.bounding_box()["height"] - 4 * heights[0]) <= 1
    # The block starts on its row: 10:00 AM's top.
    assert abs(block.bounding_box()["y"] - row_at(laptop, "10:00").bounding_box()["y"]) <= 1
    # Cancelled stays in place, faded; the toggle hides it, without JavaScript as a link.
    expect(laptop.locator(".appt-faded")).to_have_count(1)
    shoot(laptop, "day")
    laptop.get_by_role("link", name="Hide cancelled and no-shows").click()
    expect(laptop.locator(".appt-faded")).to_have_count(0)
    expect(laptop.locator(".appt")).to_have_count(2)


def test_the_desk_books_a_caller_from_a_slot_in_the_panel_with_live_search(
    site, demo, laptop: Page, console_errors
):
    day = a_weekday_everyone_works()
    make_client(first_name="Riley", last_name="Runner", email="riley@example.com")
    make_client(first_name="Rita", last_name="Other", phone="(404) 555-0133")
    open_day(laptop, site, day)

    laptop.get_by_role("link", name="Book Maya Brooks at 2:00 PM").click()
    panel = laptop.get_by_role("dialog", name="New booking with Maya Brooks")
    expect(panel).to_be_visible()
    # The therapist's services, the most booked first and chosen; no page was left.
    expect(panel.locator("input[name=service_length]").first).to_be_checked()
    assert f"/staff/day/{day}/" in laptop.url
    panel.get_by_label("Find a client by name, email or phone").press_sequentially("riley@ex")
    expect(panel.get_by_label(re.compile("Riley Runner"))).to_be_visible()
    expect(panel.get_by_label(re.compile("Rita Other"))).to_have_count(0)
    shoot(laptop, "panel", sizes=("1280x800",))
    panel.get_by_label(re.compile("Riley Runner")).check()
    expect(panel.get_by_label("First name")).to_be_hidden()
    panel.get_by_role("button", name="Book").click()

    new = laptop.locator(".appt-new")
    expect(new).to_contain_text("Riley Runner")
    expect(new).to_contain_text("2:00")
    expect(laptop.get_by_role("status")).to_contain_text("Booked Riley Runner with Maya Brooks")
    booked = Appointment.objects.get(client__first_name="Riley")
    assert (booked.therapist.slug, booked.start) == ("maya-brooks", at(day, "14:00"))
    assert console_errors == []


def test_the_desk_drags_a_session_to_another_therapist_and_time(
    site, demo, laptop: Page, console_errors
):
    day = a_weekday_everyone_works()
    moving = session(
        "maya-brooks",
        day,
        "10:00",
        client=make_client(first_name="Dana", last_name="Drag", email="dana@example.com"),
    )
    open_day(laptop, site, day)

    block = laptop.locator(f"#appt-{moving.pk}")
    drag(laptop, block, "Daniel Okafor", "14:00", shot="drag-in-progress-1280x800")
    question = laptop.get_by_role("dialog", name="Email the client?")
    expect(question).to_contain_text("Dana Drag")
    question.get_by_role("button", name="Move and email").click()

    moved = laptop.locator(".appt-new")
    expect(moved).to_contain_text("2:00\u20133:00 PM")
    expect(laptop.get_by_role("status")).to_contain_text("with Daniel Okafor")
    column = column_of(laptop, "Daniel Okafor").bounding_box()
    assert abs(moved.bounding_box()["x"] - column["x"]) < 6
    moving.refresh_from_db()
    assert (moving.therapist.slug, moving.start) == ("daniel-okafor", at(day, "14:00"))
    assert AppointmentChange.objects.filter(
        appointment=moving, action=AppointmentChange.Action.MOVED
    ).exists()
    assert ClientMessage.objects.filter(appointment=moving, kind="moved").count() == 1
    assert console_errors == []


def test_a_drop_on_a_taken_time_is_refused_and_the_block_stays(site, demo, laptop: Page):
    day = a_weekday_everyone_works()
    moving = session("maya-brooks", day, "10:00", client=make_client(first_name="Sam", email=""))
    session("daniel-okafor", day, "14:00", room=1)
    open_day(laptop, site, day)
    block = laptop.locator(f"#appt-{moving.pk}")

    drag(laptop, block, "Daniel Okafor", "14:00")  # Sam has no email: no question

    notice = laptop.locator("#cal-notice")
    expect(notice).to_contain_text("The session stays where it was.")
    expect(notice).to_contain_text("Free nearby")
    shoot(laptop, "refused", sizes=("1280x800",))
    # Back in place: on Maya's column at 10:00, its size unchanged.
    box, row = block.bounding_box(), row_at(laptop, "10:00").bounding_box()
    assert abs(box["y"] - row["y"]) <= 1
    assert abs(box["x"] - column_of(laptop, "Maya Brooks").bounding_box()["x"]) < 6
    assert abs(box["height"] - 4 * row["height"]) <= 1
    moving.refresh_from_db()
    assert (moving.therapist.slug, moving.start) == ("maya-brooks", at(day, "10:00"))
    assert not AppointmentChange.objects.filter(appointment=moving).exists()


def test_the_day_sheet_prints_on_one_letter_page(site, demo, laptop: Page):
    day = a_weekday_everyone_works()
    for room, slug in enumerate(["maya-brooks", "daniel-okafor", "priya-raman", "tom-hadley"]):
        for n in range(6):
            start = (datetime.combine(day, time(8)) + n * timedelta(minutes=75)).strftime("%H:%M")
            client = make_client(phone=f"(404) 555-{room}1{n:02d}")
            session(slug, day, start, room=room, client=client)
    open_day(laptop, site, day)

    laptop.emulate_media(media="print")
    sheet = laptop.locator(".day-sheet")
    expect(sheet).to_be_visible()
    expect(laptop.locator(".cal-scroll")).to_be_hidden()
    expect(sheet.locator("tbody tr")).to_have_count(24)
    expect(sheet).to_contain_text("(404) 555-3105")
    expect(sheet).to_contain_text("Printed ")
    shoot(laptop, "day-sheet-print", sizes=("1280x800",))
    pdf = laptop.pdf(format="Letter")
    pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))
    if pages != 1:  # keep it to look at
        Path(tempfile.gettempdir(), "day-sheet-failed.pdf").write_bytes(pdf)
    assert pages == 1
    if SHOTS:
        Path(SHOTS, "day-sheet.pdf").write_bytes(pdf)


def test_the_week_view_uses_the_same_scale(site, demo, laptop: Page):
    day = a_weekday_everyone_works()
    session("maya-brooks", day, "10:00", client=make_client(first_name="Wes", last_name="Week"))
    session("maya-brooks", day + timedelta(days=1), "15:00", status=Appointment.Status.COMPLETED)
    sign_in(laptop, site, "frontdesk", "clinic-frontdesk-demo")
    maya = Therapist.objects.get(slug="maya-brooks")
    laptop.goto(f"{site}/staff/week/{maya.pk}/{day}/")

    expect(laptop.get_by_role("region", name="Appointments by day")).to_be_visible()
    expect(laptop.locator(".cal-head")).to_have_count(7)
    heights = laptop.locator(".cal-time").evaluate_all(
        "cells => cells.map(cell => cell.getBoundingClientRect().height)"
    )
    assert max(heights) - min(heights) <= 1
    block = laptop.locator(".appt", has_text="Wes Week")
    assert abs(block.bounding_box()["height"] - 4 * heights[0]) <= 1
    expect(laptop.locator(".appt.status-completed")).to_have_count(1)
    shoot(laptop, "week")


def test_the_desk_books_a_training_block_from_the_panel_skipping_a_taken_week(
    site, demo, laptop: Page, console_errors
):
    from bookings import series
    from bookings.models import BookingPolicy
    from bookings.rules import staff_policy

    day = a_weekday_everyone_works()
    make_client(first_name="Blake", last_name="Block", email="blake@example.com")
    session("maya-brooks", day + timedelta(weeks=2), "14:00")  # the third week is taken
    maya = Therapist.objects.get(slug="maya-brooks")
    length = maya.services.order_by("ordering").first().lengths.get(minutes=60)
    plan = series.plan_series(
        service_length=length,
        start=at(day, "14:00"),
        therapist=maya,
        every_weeks=1,
        count=4,
        now=datetime.now(clinic_tz()),
        policy=staff_policy(BookingPolicy.load()),
    )
    free = [week.start for week in plan if week.free]
    assert not plan[2].free and len(free) >= 2
    open_day(laptop, site, day)

    laptop.get_by_role("link", name="Book Maya Brooks at 2:00 PM").click()
    panel = laptop.get_by_role("dialog", name="New booking with Maya Brooks")
    panel.get_by_label(re.compile(f"{length.service.title}, 60 min")).check()
    panel.get_by_label("Find a client by name, email or phone").press_sequentially("blake@ex")
    panel.get_by_label(re.compile("Blake Block")).check()
    panel.get_by_label("Repeat").select_option(label="Every week")
    panel.get_by_label("Sessions in the block").fill("4")
    panel.get_by_role("button", name="Book").click()

    panel = laptop.get_by_role("dialog")  # the form again, with what stops the block
    expect(panel.get_by_text("These weeks cannot be booked:")).to_be_visible()
    expect(panel.get_by_text(re.compile(r"Session 3, .* already taken"))).to_be_visible()
    assert not Appointment.objects.filter(client__first_name="Blake").exists()
    shoot(laptop, "panel-block", sizes=("1280x800",))
    panel.get_by_label("Book the free weeks and skip the ones listed").check()
    panel.get_by_role("button", name="Book").click()

    expect(laptop.get_by_role("status")).to_contain_text(
        f"Booked {len(free)} sessions of a training block for Blake Block, every week"
    )
    booked = Appointment.objects.filter(client__first_name="Blake").order_by("start")
    assert [a.start for a in booked] == free
    assert len({a.series_id for a in booked}) == 1
    # The browser reports the refusal's 422 as a failed load; nothing else went wrong.
    assert [e for e in console_errors if "status of 422" not in e] == []
