"""Find my bookings: the same answer for every email, a link by email, rate limits."""

from datetime import timedelta

from django.test import Client

from bookings import emails
from bookings.models import Appointment, ClientMessage
from clinic.models import RateLimitWindow
from tests.bookings.public.conftest import LATER, page_text, run_due_tasks


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


def test_the_emailed_link_lists_upcoming_bookings_and_opens_each(booked, mailoutbox, settings):
    settings.SITE_URL = "http://testserver"
    ask("jess@example.com")
    run_due_tasks()
    [email] = [m for m in mailoutbox if "Your bookings" in m.subject]
    link = next(word for word in email.body.split() if "/book/mine/" in word)
    browser = Client()

    listing = browser.get(link.removeprefix("http://testserver"))

    assert listing.status_code == 200
    assert "Thursday, December 10 at 2:00 PM" in listing.text
    form_action = f"/book/mine/{emails.lookup_token('jess@example.com')}/{booked.appointment.pk}/"
    opened = browser.post(form_action)
    assert opened.status_code == 303 and opened["Location"].startswith("/book/manage/")
    assert "Move to another time" in browser.get(opened["Location"]).text


def test_a_lookup_link_opens_only_that_emails_upcoming_bookings(client, booked):
    other = emails.lookup_token("someone-else@example.com")
    mine = emails.lookup_token("jess@example.com")

    assert "December 10" not in client.get(f"/book/mine/{other}/").text
    assert client.post(f"/book/mine/{other}/{booked.appointment.pk}/").status_code == 404
    assert client.post(f"/book/mine/{mine}/{10**20}/").status_code == 404
    assert client.get(f"/book/mine/{mine}/{booked.appointment.pk}/").status_code == 405
    Appointment.objects.update(status=Appointment.Status.CANCELLED)
    assert "no upcoming bookings" in client.get(f"/book/mine/{mine}/").text


def test_forged_or_expired_links_are_refused(client, booked):
    import time_machine

    token = emails.lookup_token("jess@example.com")

    assert client.get(f"/book/mine/{token[:-2]}xx/").status_code == 404
    assert client.get("/book/mine/garbage/").status_code == 404
    with time_machine.travel(LATER - timedelta(hours=1), tick=False):  # 3 days later
        assert client.get(f"/book/mine/{token}/").status_code == 404


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
