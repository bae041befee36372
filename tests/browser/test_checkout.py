"""The front desk completes a session with a card payment and prints the receipt."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from bookings.models import Appointment, Payment, Room, Therapist
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

    sign_in(laptop, site, "frontdesk", "clinic-frontdesk-demo")
    laptop.goto(f"{site}/staff/appointments/{appointment.pk}/")
    laptop.get_by_role("link", name="Checkout and payment").click()
    expect(laptop.get_by_role("heading", name="Checkout")).to_be_visible()
    expect(laptop.get_by_label("Amount taken ($)")).to_have_value(price)
    laptop.get_by_label("Card terminal").check()
    laptop.get_by_role("button", name="Complete and record payment").click()
    expect(laptop.get_by_role("status")).to_contain_text(f"${price} taken by card terminal")

    laptop.get_by_role("link", name="Receipt").first.click()
    expect(laptop).to_have_url(re.compile(rf"/staff/appointments/{appointment.pk}/receipt/$"))
    print_button = laptop.get_by_role("button", name="Print receipt")
    expect(print_button).to_be_visible()  # the script shows it; the browser prints the page

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

    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.COMPLETED
    [payment] = Payment.objects.all()
    assert (f"{payment.amount:.2f}", payment.method) == (price, "card")
