"""A runner books a six-week training block on a 390 px phone, with and without JavaScript:
one week is taken, the review offers its nearest times, and the whole set books at once."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from bookings import queries, series
from bookings.clock import start_param
from bookings.models import Appointment, BookingPolicy, Room, Series, Therapist
from services.models import ServiceLength
from tests.browser.test_accessibility import audit, report
from tests.browser.test_booking import no_horizontal_scroll
from tests.factories import make_appointment

pytestmark = pytest.mark.django_db(transaction=True)


def block_start(length: ServiceLength, therapist: Therapist):
    """Return a start two or more days ahead whose six weekly sessions are all free."""
    now, policy = timezone.now(), BookingPolicy.load()
    today = timezone.localdate()
    found = queries.available_slots(
        service_length=length,
        policy=policy,
        now=now,
        start_date=today + timedelta(days=2),
        end_date=today + timedelta(days=6),
        therapists=[therapist],
    )
    for offer in found.offers(therapist):
        plan = series.plan_series(
            service_length=length,
            start=offer.start,
            therapist=therapist,
            every_weeks=1,
            count=6,
            now=now,
            policy=policy,
        )
        if all(o.free for o in plan):
            return offer.start
    raise AssertionError("the demo clinic has no six free weeks at one time")


@pytest.mark.parametrize("browser_page", ["phone", "phone_without_js"])
def test_a_runner_books_a_six_week_block_on_a_phone(
    site, demo, browser_page, request, console_errors
):
    phone: Page = request.getfixturevalue(browser_page)
    therapist = Therapist.objects.active().exclude(user__isnull=False).first() or (
        Therapist.objects.active().first()
    )
    length = ServiceLength.objects.filter(service__in=therapist.services.all()).first()
    start = block_start(length, therapist)
    week3 = series.occurrence_starts(start, every_weeks=1, count=6)[2]
    room = Room.objects.active().suiting(length.service_id).first()
    make_appointment(therapist=therapist, room=room, start=week3, length=length)
    found: dict[str, list[str]] = {}
    scripts = browser_page == "phone"  # axe runs as a script: audited where scripts run

    def check(label: str) -> None:
        if scripts:
            audit(phone, found, label)

    phone.goto(
        f"{site}/book/details/?length={length.pk}&therapist={therapist.slug}"
        f"&start={start_param(start)}"
    )
    phone.get_by_label("First name").fill("Jess")
    phone.get_by_label("Last name").fill("Runner")
    phone.get_by_label("Email").fill("block.runner@example.com")
    phone.get_by_label("Mobile phone").fill("(404) 555-0100")
    phone.get_by_label("Repeat this session").select_option(label="Every week")
    phone.get_by_label("Number of sessions").fill("6")
    phone.locator("label[for=id_consent]").click()
    check("details with repeat")
    phone.get_by_role("button", name="Book now").click()

    expect(phone.get_by_role("heading", level=1)).to_have_text("Check your training block")
    expect(phone.locator(".series-session")).to_have_count(6)
    expect(phone.locator(".series-taken")).to_have_count(1)
    assert not Series.objects.exists()  # nothing booked before the whole set is confirmed
    assert no_horizontal_scroll(phone)
    check("block review")
    week = phone.locator(".series-session-conflict")
    expect(week).to_contain_text("That time is already taken.")
    week.get_by_role("radio").first.check()
    phone.get_by_role("button", name="Book the whole block").click()

    expect(phone.get_by_role("heading", level=1)).to_have_text("Your training block is booked")
    expect(phone.get_by_role("link", name=re.compile("^Move or cancel"))).to_have_count(6)
    assert no_horizontal_scroll(phone)
    check("block booked")
    block = Series.objects.get()
    assert block.appointments.count() == 6
    assert week3 not in set(block.appointments.values_list("start", flat=True))
    assert Appointment.objects.filter(client__email="block.runner@example.com").count() == 6
    assert not found, report(found)
    assert console_errors == []
