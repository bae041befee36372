"""The front desk completes a session with a card payment and prints the receipt; the desk's
record pages and a therapist's time-off form pass axe-core; a therapist removes their own
time off."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from bookings.models import (
    Appointment,
    Fee,
    Payment,
    Room,
    Therapist,
    TimeOff,
    TimeOffChange,
)
from tests.browser.test_accessibility import audit, report
from tests.browser.test_calendar import shoot
from tests.browser.test_staff import sign_in
from tests.factories import make_client

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_desk_takes_a_card_payment_and_prints_the_receipt(site, demo, laptop: Page):
    maya = Therapist.objects.get(slug="maya-brooks")
    length = maya.services.first().lengths.order_by("minutes").first()
    started = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=50)
    appointment = Appointment.objects.create(
        client=make_client(first_name="Casey", last_name="Finisher", phone="+14045550188"),
        therapist=maya,
        room=Room.objects.filter(services=length.service).first(),
        service_length=length,
        start=started,
        status=Appointment.Status.CHECKED_IN,
    )
    price = f"{length.price:.2f}"

    found: dict[str, list[str]] = {}
    sign_in(laptop, site, "frontdesk", "clinic-frontdesk-demo")
    laptop.goto(f"{site}/staff/appointments/{appointment.pk}/")
    laptop.get_by_role("link", name="Checkout and payment").click()
    expect(laptop.get_by_role("heading", name="Checkout")).to_be_visible()
    laptop.get_by_role("button", name="Complete and record payment").click()  # nothing chosen
    expect(laptop.get_by_text("Choose how the client paid.")).to_be_visible()
    audit(laptop, found, "checkout, with errors")
    expect(laptop.get_by_label("Amount taken ($)")).to_have_value(price)
    laptop.get_by_label("Card terminal").check()
    laptop.get_by_role("button", name="Complete and record payment").click()
    expect(laptop.get_by_role("status")).to_contain_text(f"${price} taken by card terminal")

    laptop.get_by_role("link", name="Receipt").first.click()
    expect(laptop).to_have_url(re.compile(rf"/staff/appointments/{appointment.pk}/receipt/$"))
    print_button = laptop.get_by_role("button", name="Print receipt")
    expect(print_button).to_be_visible()  # the script shows it; the browser prints the page
    audit(laptop, found, "receipt")

    laptop.emulate_media(media="print")
    receipt = laptop.get_by_role("article")
    expect(receipt).to_contain_text("Receipt")
    expect(receipt).to_contain_text("Casey Finisher")
    expect(receipt).to_contain_text("Maya Brooks")
    expect(receipt).to_contain_text("Georgia massage therapy license")
    expect(receipt).to_contain_text("Card terminal")
    expect(receipt).to_contain_text(f"${price}")
    expect(receipt).to_contain_text("Medical & Sports Massage")
    expect(laptop.get_by_role("navigation", name="Staff")).to_be_hidden()
    expect(print_button).to_be_hidden()
    pdf = laptop.pdf(format="Letter")
    assert pdf.startswith(b"%PDF") and len(pdf) > 5_000
    assert re.search(rb"/Count 1\b", pdf)  # the receipt prints on one page

    laptop.emulate_media(media="screen")
    for label, path in (
        ("clients", "/staff/clients/"),
        ("client page", f"/staff/clients/{appointment.client_id}/"),
        ("merge", f"/staff/clients/{appointment.client_id}/merge/"),
    ):
        laptop.goto(site + path)
        audit(laptop, found, label)
    laptop.get_by_label("Find the duplicate by name, email or phone").fill("Casey")
    laptop.get_by_role("button", name="Search").click()
    expect(laptop.locator(".merge-results")).to_be_visible()
    audit(laptop, found, "merge: a search")
    assert found == {}, report(found)

    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.COMPLETED
    [payment] = Payment.objects.all()
    assert (f"{payment.amount:.2f}", payment.method) == (price, "card")


def test_a_therapist_is_told_why_time_off_was_refused_on_a_phone(site, demo, phone: Page):
    found: dict[str, list[str]] = {}
    sign_in(phone, site, "therapist", "clinic-therapist-demo")
    expect(phone.get_by_role("heading", name="Take time off")).to_be_visible()
    phone.get_by_label("From (time)").fill("15:00")
    phone.get_by_label("Until (time)").fill("09:00")
    phone.get_by_role("button", name="Save time off").click()

    expect(phone.get_by_text("Your time off must end after it starts.")).to_be_visible()
    audit(phone, found, "my schedule, time off refused")
    assert found == {}, report(found)


def test_a_therapist_adds_time_off_then_removes_it_on_a_phone(site, demo, phone: Page):
    found: dict[str, list[str]] = {}
    later = (timezone.localdate() + timedelta(days=10)).isoformat()
    sign_in(phone, site, "therapist", "clinic-therapist-demo")
    for field, value in (("From (date)", later), ("Until (date)", later)):
        phone.get_by_label(field).fill(value)
    phone.get_by_label("From (time)").fill("06:00")
    phone.get_by_label("Until (time)").fill("07:00")
    phone.get_by_label("Reason").fill("Long run")
    phone.get_by_role("button", name="Save time off").click()

    expect(phone.get_by_role("status")).to_contain_text("Time off saved")
    item = phone.locator(".time-off-item", has_text="Long run")
    expect(item).to_be_visible()
    shoot(phone, "time-off-ahead")
    audit(phone, found, "my schedule, time off ahead")
    item.get_by_role("button", name=re.compile("^Remove")).click()

    expect(phone.get_by_role("status")).to_contain_text("Time off removed")
    expect(phone.locator(".time-off-item", has_text="Long run")).to_have_count(0)
    shoot(phone, "time-off-removed")
    audit(phone, found, "my schedule, time off removed")
    assert found == {}, report(found)
    assert not TimeOff.objects.filter(reason="Long run").exists()
    assert TimeOffChange.objects.filter(action="removed").count() == 1


def test_the_desk_marks_an_owed_no_show_fee_paid_and_prints_its_receipt(
    site, demo, laptop: Page, console_errors
):
    maya = Therapist.objects.get(slug="maya-brooks")
    length = maya.services.first().lengths.order_by("minutes").first()
    missed = Appointment.objects.create(
        client=make_client(first_name="Noel", last_name="Absent", email="noel@example.com"),
        therapist=maya,
        room=Room.objects.filter(services=length.service).first(),
        service_length=length,
        start=timezone.now().replace(second=0, microsecond=0) - timedelta(days=2),
        status=Appointment.Status.NO_SHOW,
    )
    fee = Fee.objects.create(
        appointment=missed,
        kind=Fee.Kind.NO_SHOW,
        amount=Decimal("40.00"),
        session_price=length.price,
    )
    found: dict[str, list[str]] = {}
    sign_in(laptop, site, "frontdesk", "clinic-frontdesk-demo")

    laptop.goto(f"{site}/staff/clients/{missed.client_id}/")
    expect(laptop.get_by_role("button", name=re.compile(r"^Mark \$40\.00 paid"))).to_be_visible()
    shoot(laptop, "client-fee-owed")
    audit(laptop, found, "client page, a fee owed")
    laptop.goto(f"{site}/staff/appointments/{missed.pk}/")
    owed = laptop.get_by_role("region", name="No-show fee owed: $40.00")
    shoot(laptop, "appointment-fee-owed")
    audit(laptop, found, "appointment, a fee owed")
    owed.get_by_role("button", name=re.compile(r"^Mark \$40\.00 paid")).click()
    expect(laptop.get_by_text("Choose how the client paid.")).to_be_visible()  # none chosen
    audit(laptop, found, "checkout, a fee payment refused")
    laptop.get_by_label("Paid by").select_option(label="Cash")
    laptop.get_by_role("button", name=re.compile(r"^Mark \$40\.00 paid")).click()

    expect(laptop.get_by_role("status")).to_contain_text("No-show fee of $40.00 paid by cash")
    receipt = laptop.get_by_role("article", name="Receipt")
    expect(receipt).to_contain_text("Cash (no-show fee)")
    expect(receipt).to_contain_text("$40.00")
    shoot(laptop, "fee-receipt")
    audit(laptop, found, "receipt of a fee")
    assert found == {}, report(found)
    fee.refresh_from_db()
    assert (fee.payment.amount, fee.payment.method, fee.owed) == (Decimal("40.00"), "cash", 0)
    assert [error for error in console_errors if "status of 422" not in error] == []
