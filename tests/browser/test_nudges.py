"""A runner stops rebook nudges from the email's link, and the desk sees and changes it."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from bookings import nudges
from bookings.models import ClientChange
from bookings.tokens import issue_nudge_token
from tests.browser.test_staff import sign_in
from tests.factories import make_client

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_runner_unsubscribes_on_a_phone_without_javascript(site, demo, phone_without_js: Page):
    jess = make_client(first_name="Jess")
    phone = phone_without_js
    phone.goto(f"{site}/book/nudges/off/{issue_nudge_token(jess)}/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Stop session suggestions?")

    phone.get_by_role("button", name="Unsubscribe from suggestions").click()

    expect(phone).to_have_url(re.compile(r"/book/nudges/stopped/$"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("You're unsubscribed")
    jess.refresh_from_db()
    assert jess.nudges_off_at is not None
    assert ClientChange.objects.get(client=jess).action == "nudges_off"


def test_the_desk_turns_rebook_emails_back_on(site, demo, laptop: Page):
    jess = make_client(first_name="Jess", last_name="Alvarez")
    nudges.set_nudges(client=jess, wanted=False, by=None, door="email link", now=timezone.now())
    sign_in(laptop, site, "frontdesk", "clinic-frontdesk-demo")

    laptop.goto(f"{site}/staff/clients/{jess.pk}/")
    card = laptop.get_by_role("region", name="Rebook emails")
    expect(card).to_contain_text("Off since")
    expect(laptop.get_by_text("The client (email link): Rebook emails turned off")).to_be_visible()
    card.get_by_role("button", name="Turn rebook emails on").click()

    expect(laptop.get_by_role("status").filter(has_text="Rebook emails turned on.")).to_be_visible()
    expect(laptop.get_by_role("region", name="Rebook emails")).to_contain_text("On:")
    jess.refresh_from_db()
    assert jess.nudges_off_at is None
