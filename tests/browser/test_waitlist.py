"""A runner joins the waitlist from the time page on a phone, a time frees up, and they claim
it from the emailed offer; the waitlist pages pass axe on the way."""

import re
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from bookings import booking, clock, queries
from bookings.booking import ClientDetails
from bookings.models import Appointment, BookingPolicy, Therapist, WaitlistEntry
from services.models import ServiceLength
from tests.browser.test_accessibility import audit, report
from tests.browser.test_booking import deliver, free_days, inbox, no_horizontal_scroll, tap_day

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["inbox"]  # the SMTP fixture, used by name


def test_runner_joins_the_waitlist_and_claims_a_freed_time_on_a_phone(
    site, demo, phone: Page, console_errors, inbox
):
    handler, port = inbox
    found: dict[str, list[str]] = {}
    length = ServiceLength.objects.get(service__slug="sports-massage-for-runners", minutes=60)
    maya = Therapist.objects.get(slug="maya-brooks")
    day = free_days(after=3)[0]

    phone.goto(f"{site}/book/time/?length={length.pk}&therapist=maya-brooks")
    tap_day(phone, day)
    phone.get_by_role("link", name="Join the waitlist").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Join the waitlist")
    expect(phone.get_by_label(f"{day:%A}")).to_be_checked()  # the day being looked at
    phone.get_by_role("button", name="Join the waitlist").click()
    expect(phone.locator(".invalid-feedback").first).to_be_visible()
    audit(phone, found, "waitlist form with errors")
    phone.get_by_label("First name").fill("Jess")
    phone.get_by_label("Last name").fill("Runner")
    phone.get_by_label("Email").fill("jess@example.com")
    phone.get_by_label("Mobile phone").fill("(404) 555-0100")
    assert no_horizontal_scroll(phone)
    phone.get_by_role("button", name="Join the waitlist").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("You're on the waitlist")
    assert "jess" not in phone.url
    audit(phone, found, "joined")
    entry = WaitlistEntry.objects.get()
    assert entry.therapist == maya and day.weekday() in entry.days

    # Another runner's session that day is cancelled: the worker offers it to Jess.
    start = timezone.make_aware(datetime.combine(day, time(10, 0)), clock.clinic_tz())
    free = [
        s
        for s in queries.available_slots(
            service_length=length,
            policy=BookingPolicy.load(),
            now=timezone.now(),
            start_date=day,
            end_date=day + timedelta(days=1),
            therapists=[maya],
        ).by_therapist[maya.pk]
    ]
    start = free[0] if start not in free else start
    other = booking.book_appointment(
        client=ClientDetails("Kim", "Other", "kim@example.com", "+14045550111"),
        service_length=length,
        start=start,
        therapist=maya,
        now=timezone.now(),
    )
    deliver(site, port)
    booking.cancel_appointment(appointment=other.appointment, now=timezone.now())
    deliver(site, port)  # the offer task, then the emails it queued
    deliver(site, port)
    subjects = [message["Subject"] for message in handler.messages]
    offer_index = next(i for i, s in enumerate(subjects) if "A time just opened" in s)
    claim_link = re.search(
        rf"{re.escape(site)}/book/waitlist/offer/[\w-]+/", handler.text(offer_index)
    )[0]

    phone.goto(claim_link)
    expect(phone.get_by_role("heading", level=1)).to_have_text("A time for you")
    assert no_horizontal_scroll(phone)
    audit(phone, found, "offer")
    phone.get_by_role("button", name="Book this time").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("You're booked in")

    booked = Appointment.objects.active().get(start=start)
    assert booked.client.email == "jess@example.com"
    entry.refresh_from_db()
    assert entry.status == "booked"
    phone.goto(claim_link)
    expect(phone.get_by_text("You booked this time.")).to_be_visible()
    assert found == {}, report(found)
    assert [e for e in console_errors if not re.search("status of 422", e)] == []
