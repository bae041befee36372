"""A runner stops rebook nudges from the email's link, and the desk sees and changes it."""

import re
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from bookings import clock, nudges, outbox
from bookings.models import (
    Appointment,
    ClientChange,
    ClientMessage,
    NudgeSettings,
    Room,
    RunnerIntake,
    Therapist,
)
from bookings.tokens import issue_nudge_token
from services.models import ServiceLength
from tests.browser.test_booking import fill_details
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


def test_a_runner_books_a_suggested_time_from_the_nudge_on_a_phone(
    site, demo, phone: Page, mailoutbox
):
    NudgeSettings.objects.create(enabled=True, days_after=4)
    jess = make_client(first_name="Jess", email="jess@example.com")
    now = timezone.now()
    RunnerIntake.objects.create(
        client=jess,
        next_race_date=clock.local(now).date() + timedelta(days=30),
        policy_consent_at=now,
        policy_version="1",
        treatment_consent_at=now,
        treatment_version="1",
    )
    maya = Therapist.objects.get(slug="maya-brooks")
    length = ServiceLength.objects.get(service__slug="sports-massage-for-runners", minutes=60)
    day = clock.local(now).date() - timedelta(days=4)
    Appointment.objects.create(
        client=jess,
        therapist=maya,
        room=Room.objects.filter(services=length.service).first(),
        service_length=length,
        start=clock.instant_at(datetime.combine(day, time(10))),
        status=Appointment.Status.COMPLETED,
    )
    assert nudges.send_due(now=now) == 1
    assert outbox.deliver(ClientMessage.objects.get(kind="nudge").pk) == "sent"
    [mail] = mailoutbox
    first = urlsplit(re.search(r"http://\S+/book/details/\?\S+", mail.body)[0])

    phone.goto(f"{site}{first.path}?{first.query}")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your details")
    fill_details(phone, email_address="jess@example.com")

    expect(phone.get_by_role("heading", level=1)).to_have_text("You're booked in")
    booked = Appointment.objects.get(client=jess, status=Appointment.Status.BOOKED)
    assert booked.therapist == maya and booked.service_length == length
    assert clock.start_param(booked.start) in first.query.replace("%3A", ":")
    assert nudges.send_due(now=timezone.now()) == 0  # she has booked again
