"""Find my bookings: the same answer for every email, a one-use link by email, rate limits."""

import base64
from datetime import timedelta

import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from bookings import tokens
from bookings.models import Appointment, ClientMessage, LookupToken
from clinic.models import RateLimitWindow
from tests.bookings.public.conftest import page_text, run_due_tasks
from tests.helpers import race


def ask(email: str, ip: str = "203.0.113.7"):
    return Client(REMOTE_ADDR=ip).post("/book/find/", {"email": email})


def test_known_and_unknown_emails_get_the_same_answer(booked):
    known, unknown = (
        ask("JESS@example.com", "203.0.113.1"),
        ask("nobody@example.com", "203.0.113.2"),
    )

    assert known.status_code == unknown.status_code == 303
    assert known["Location"] == unknown["Location"] == "/book/find/sent/"
    sent = Client().get(known["Location"])
    assert "If we have bookings for that address, we've emailed a link" in page_text(sent)
    lookups = ClientMessage.objects.filter(kind=ClientMessage.Kind.LOOKUP)
    assert sorted(lookups.values_list("email", flat=True)) == [
        "JESS@example.com",
        "nobody@example.com",
    ]


def test_a_bad_email_is_refused_beside_the_field(client, clinic):
    response = client.post("/book/find/", {"email": "not an email"})

    assert response.status_code == 422
    assert "Enter a valid email address." in response.text
    assert not ClientMessage.objects.exists()


def emailed_link(mailoutbox, email: str = "jess@example.com") -> str:
    """Return the path of the "find my bookings" link emailed for `email`."""
    ask(email)
    run_due_tasks()
    [sent] = [m for m in mailoutbox if "Your bookings" in m.subject and m.to == [email]]
    link = next(word for word in sent.body.split() if "/book/mine/" in word)
    return link.removeprefix(settings.SITE_URL)


def opened(email: str = "jess@example.com") -> Client:
    """Return a browser that has opened a fresh find link for `email`."""
    browser = Client()
    token = tokens.issue_lookup_token(email, now=timezone.now())
    assert browser.get(f"/book/mine/{token}/")["Location"] == "/book/mine/"
    return browser


def test_the_emailed_link_lists_upcoming_bookings_and_opens_each(booked, mailoutbox):
    browser = Client()

    redeemed = browser.get(emailed_link(mailoutbox))

    assert redeemed.status_code == 303 and redeemed["Location"] == "/book/mine/"
    listing = browser.get("/book/mine/")
    assert listing.status_code == 200
    assert "Thursday, December 10 at 2:00 PM" in listing.text
    assert browser.get("/book/mine/").status_code == 200  # reloading works
    form_action = f"/book/mine/{booked.appointment.pk}/"
    assert f'action="{form_action}"' in listing.text
    manage = browser.post(form_action)
    assert manage.status_code == 303 and manage["Location"].startswith("/book/manage/")
    assert "Move to another time" in browser.get(manage["Location"]).text


def test_the_link_carries_no_email_in_any_encoding(booked, mailoutbox):
    email = "jess@example.com"
    link = emailed_link(mailoutbox, email)
    token = link.removeprefix("/book/mine/").removesuffix("/")

    assert "@" not in link and "jess" not in link.lower()
    parts = [email, email.upper(), "jess", "example.com", "jess@example"]
    for part in parts:
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode(part.encode()).decode().rstrip("=")
            # A 3-byte-aligned core of the encoding shows up whatever the offset.
            assert encoded[:8] not in token, part
    assert LookupToken.objects.get().email == email
    assert token not in LookupToken.objects.get().digest


def test_a_link_works_once_and_not_from_another_device(booked, mailoutbox):
    link = emailed_link(mailoutbox)
    mine, other = Client(), Client()
    assert mine.get(link).status_code == 303

    again = other.get(link)

    assert again.status_code == 410
    assert "This link has already been used" in page_text(again)
    assert "Find my bookings" in again.text
    assert other.get("/book/mine/")["Location"] == "/book/find/"
    assert other.post(f"/book/mine/{booked.appointment.pk}/")["Location"] == "/book/find/"
    assert mine.get(link).status_code == 410  # the same browser's list is at /book/mine/
    assert mine.get("/book/mine/").status_code == 200


def test_two_opens_racing_redeem_the_link_once(transactional_db):
    token = tokens.issue_lookup_token("jess@example.com", now=timezone.now())

    answers = race(4, lambda _: Client().get(f"/book/mine/{token}/").status_code)

    assert sorted(answers) == [303, 410, 410, 410]


def test_a_link_expires_after_a_day(booked):
    token = tokens.issue_lookup_token("jess@example.com", now=timezone.now())
    day_later = timezone.now() + timedelta(days=1)

    with time_machine.travel(day_later, tick=False):
        expired = Client().get(f"/book/mine/{token}/")
    with time_machine.travel(day_later - timedelta(seconds=1), tick=False):
        in_time = Client().get(f"/book/mine/{token}/")

    assert expired.status_code == 410 and "This link has expired" in page_text(expired)
    assert "Find my bookings" in expired.text
    assert in_time.status_code == 303


def test_the_list_a_link_opened_ends_with_the_links_day(booked):
    # Opened near the end of its day, while the browser's session is still fresh.
    issued = timezone.now() - timedelta(days=1) + timedelta(minutes=10)
    token = tokens.issue_lookup_token("jess@example.com", now=issued)
    browser = Client()
    assert browser.get(f"/book/mine/{token}/").status_code == 303

    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=False):
        listing = browser.get("/book/mine/")
        after = browser.get("/book/mine/")

    assert listing.status_code == 410 and "This link has expired" in page_text(listing)
    assert after["Location"] == "/book/find/"  # forgotten, not refused again


def test_a_lookup_link_opens_only_that_emails_upcoming_bookings(booked):
    other, mine = opened("someone-else@example.com"), opened("jess@example.com")

    assert "December 10" not in other.get("/book/mine/").text
    assert other.post(f"/book/mine/{booked.appointment.pk}/").status_code == 404
    assert mine.post(f"/book/mine/{10**20}/").status_code == 404
    assert mine.get(f"/book/mine/{booked.appointment.pk}/").status_code == 405
    Appointment.objects.update(status=Appointment.Status.CANCELLED)
    assert "no upcoming bookings" in mine.get("/book/mine/").text


def test_unknown_malformed_or_old_signed_links_are_refused(client, booked):
    token = tokens.issue_lookup_token("jess@example.com", now=timezone.now())

    for unknown in (f"{token[:-2]}xx", "garbage", "a" * 40, "%00", "é" * 30):
        refused = client.get(f"/book/mine/{unknown}/")
        assert refused.status_code == 404, unknown
        assert "This isn't a valid link" in page_text(refused)
    signed = "eyJlbWFpbCI6Implc3NAZXhhbXBsZS5jb20ifQ:1vQ2kX:abcdefghijklmnopqrstuvwxyz0"
    old = client.get(f"/book/mine/{signed}/")
    assert old.status_code == 410 and "This link has expired" in page_text(old)
    assert LookupToken.objects.get().used_at is None


def test_asking_too_often_from_one_address_gets_the_polite_429(clinic):
    answers = [ask(f"runner{n}@example.com", "198.51.100.9").status_code for n in range(7)]

    assert answers == [303] * 5 + [429] * 2
    assert ask("runner@example.com", "198.51.100.10").status_code == 303  # another address


def test_asking_too_often_for_one_email_gets_the_polite_429(clinic):
    answers = [ask("Target@Example.com", f"198.51.100.{n}").status_code for n in range(5)]

    assert answers == [303] * 3 + [429] * 2
    page = ask("target@example.com", "198.51.100.99")
    assert "Please wait a few minutes" in page_text(page)
    assert ClientMessage.objects.count() == 3
    assert "example" not in " ".join(RateLimitWindow.objects.values_list("key", flat=True))


def test_booking_posts_are_limited_per_address(client, clinic):
    from tests.bookings.public.conftest import details_data, details_path

    limited = Client(REMOTE_ADDR="192.0.2.44")
    answers = [limited.post(details_path(clinic), details_data()).status_code for _ in range(31)]

    assert answers[:30] == [200] * 30 and answers[30] == 429


def test_no_log_line_carries_the_link(booked, mailoutbox, caplog):
    link = emailed_link(mailoutbox)
    token = link.removeprefix("/book/mine/").removesuffix("/")
    caplog.set_level("DEBUG")

    Client().get(link)
    Client().get(link)

    assert "GET /book/mine/<str:token>/ 303" in caplog.text
    assert "GET /book/mine/<str:token>/ 410" in caplog.text
    assert token not in caplog.text and "jess@" not in caplog.text
