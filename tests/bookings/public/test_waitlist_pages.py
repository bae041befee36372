"""The waitlist's public pages: joining from the time page, leaving, and claiming an offer,
with bad input answered in words and nothing changed."""

import re
from datetime import datetime, timedelta

import pytest
import time_machine

from bookings import booking, outbox, tokens, waitlist
from bookings.booking import ClientDetails
from bookings.models import Appointment, ClientMessage, WaitlistEntry, WaitlistOffer
from clinic.logs import redact
from tests.bookings.public.conftest import NOW, NY, TUESDAY_10, path

Kind = ClientMessage.Kind


def join_data(**overrides) -> dict:
    data = {
        "first_name": "Jess",
        "last_name": "Runner",
        "email": "jess@example.com",
        "phone": "(404) 555-0100",
        "days": ["1", "3"],
        "parts": ["morning"],
        "until": "2026-12-20",
    }
    return data | overrides


def waitlist_path(clinic, **params) -> str:
    return path("waitlist", length=clinic["length"].pk, therapist="maya", **params)


def test_the_time_page_links_to_the_waitlist_for_the_choices_and_day_shown(client, clinic):
    html = client.get(path("time", length=clinic["length"].pk, therapist="maya")).text

    link = re.search(r'href="(/book/waitlist/[^"]*)">Join the waitlist', html)
    assert link and link[1].replace("&amp;", "&") == (
        f"/book/waitlist/?length={clinic['length'].pk}&therapist=maya&day=2026-12-08"
    )


def test_the_form_opens_on_the_day_asked_about(client, clinic):
    html = client.get(waitlist_path(clinic, day="2026-12-08")).text

    assert "Maya Brooks" in html and "Sports massage, 60 minutes" in html
    assert re.search(r'value="1"[^>]*checked', html)  # Tuesday
    assert 'value="2026-12-22"' in html  # two weeks on


def test_joining_puts_the_runner_on_the_list_and_emails_a_leave_link(client, clinic, mailoutbox):
    response = client.post(waitlist_path(clinic), join_data())

    assert response.status_code == 303 and response["Location"] == "/book/waitlist/joined/"
    entry = WaitlistEntry.objects.get()
    assert (entry.therapist, entry.days, entry.parts) == (clinic["maya"], [1, 3], ["morning"])
    assert entry.client.email == "jess@example.com" and entry.client.phone == "+14045550100"
    message = ClientMessage.objects.get(kind=Kind.WAITLIST_JOINED)
    assert outbox.deliver(message.pk) == "sent"
    entry.refresh_from_db()
    [email] = mailoutbox
    leave_url = re.search(r"http\S+/book/waitlist/leave/(\S+)/", email.body)
    assert leave_url and entry.leave_digest == tokens.digest(leave_url[1])  # only the digest
    assert waitlist.entry_for_leave_token(leave_url[1]) == entry
    [(html, _kind)] = email.alternatives
    assert f'href="{leave_url[0]}"' in html and "Leave the waitlist" in html
    assert "You're on the waitlist" in client.get("/book/waitlist/joined/").text


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"until": "2026-12-06"}, "That day has passed"),
        ({"until": "2028-01-01"}, "We take bookings up to"),
        ({"until": "not-a-date"}, "Enter a date"),
        ({"days": []}, "Choose at least one day."),
        ({"days": ["9"]}, "Select a valid choice"),
        ({"parts": ["midnight"]}, "Select a valid choice"),
        ({"parts": []}, "Choose at least one time of day."),
        ({"email": "nope"}, "Enter a valid email address"),
        ({"phone": "12"}, "phone"),
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_changes_nothing(
    client, clinic, overrides, message
):
    response = client.post(waitlist_path(clinic), join_data(**overrides))

    assert response.status_code == 422
    assert message in response.text
    assert not WaitlistEntry.objects.exists() and not ClientMessage.objects.exists()


@pytest.mark.parametrize("query", ["", "?length=999999", "?length=abc", "?length=1&therapist=../x"])
def test_the_form_without_a_real_session_says_so(client, clinic, query):
    response = client.get("/book/waitlist/" + query)

    assert response.status_code in (200, 400)
    if "length=1&" not in query:
        assert response.status_code == 400 and "choose a session first" in response.text


def test_leaving_from_the_emailed_link(client, clinic):
    client.post(waitlist_path(clinic), join_data())
    entry = WaitlistEntry.objects.get()
    token = waitlist.issue_leave_token(entry)
    url = f"/book/waitlist/leave/{token}/"

    assert "Leave the waitlist" in client.get(url).text
    response = client.post(url)
    assert response.status_code == 303 and response["Location"] == "/book/waitlist/left/"
    entry.refresh_from_db()
    assert entry.status == "left"
    assert "no longer on this waitlist" in client.get(url).text
    assert client.post(url).status_code == 303  # again: still left, nothing else


@pytest.mark.parametrize("token", ["x" * 32, "short", "a" * 43])
def test_a_tampered_or_unknown_link_says_so_and_changes_nothing(client, clinic, token):
    for url in (f"/book/waitlist/leave/{token}/", f"/book/waitlist/offer/{token}/"):
        assert client.get(url).status_code == 404
        response = client.post(url)
        assert response.status_code == 404 and "This link doesn't work" in response.text
    assert not Appointment.objects.exists()


def test_waitlist_links_are_kept_out_of_log_lines():
    line = 'GET /book/waitlist/offer/AbCdEfGhIjKlMnOpQrStUvWx/ 200 "/book/waitlist/leave/Zz_-9"'
    assert "AbCd" not in redact(line) and "Zz_-9" not in redact(line)


@pytest.fixture
def offer(clinic) -> tuple[WaitlistOffer, str]:
    """Jess waiting for Tuesday mornings; Tuesday 10:00 booked, cancelled and offered."""
    entry = waitlist.join(
        details=ClientDetails("Jess", "Runner", "jess@example.com", "+14045550100"),
        service_length=clinic["length"],
        therapist=None,
        days=[1],
        parts=["morning"],
        until=NOW.date() + timedelta(days=10),
        now=NOW,
    )
    booked = booking.book_appointment(
        client=ClientDetails("Kim", "Other", "kim@example.com", "+14045550111"),
        service_length=clinic["length"],
        start=TUESDAY_10,
        therapist=clinic["maya"],
        now=NOW,
    )
    booking.cancel_appointment(appointment=booked.appointment, now=NOW)
    hold = waitlist.offer_freed_time(therapist_id=clinic["maya"].pk, start=TUESDAY_10, now=NOW)
    made = hold.offers.get(entry=entry)
    return made, waitlist.issue_claim_token(made)


def test_claiming_books_the_time_and_shows_the_confirmation(client, offer):
    made, token = offer
    url = f"/book/waitlist/offer/{token}/"

    page = client.get(url).text
    assert "A time for you" in page and "8:15 AM" in page  # held 15 minutes from 8:00

    response = client.post(url)
    assert response.status_code == 303
    assert response["Location"] == f"/book/booked/{made.key}/"
    confirmed = client.get(response["Location"])
    assert confirmed.status_code == 200 and "Tuesday, December 8" in confirmed.text
    again = client.post(url)  # a second tap books nothing more
    assert again.status_code == 303
    assert Appointment.objects.filter(start=TUESDAY_10).active().get().client.first_name == "Jess"
    assert "You booked this time" in client.get(url).text


def test_a_claim_after_the_hold_is_refused_in_words(client, offer):
    _made, token = offer
    with time_machine.travel(NOW + timedelta(minutes=16), tick=False):
        response = client.post(f"/book/waitlist/offer/{token}/")

    assert response.status_code == 409
    assert "the hold on this time has run out" in response.text.lower()
    assert "see the times on that day" in response.text
    assert not Appointment.objects.filter(start=TUESDAY_10).active().exists()


def test_a_claim_after_someone_else_booked_it_is_refused_in_words(client, offer, clinic):
    _made, token = offer
    rival = waitlist.join(
        details=ClientDetails("Lee", "Fast", "lee@example.com", "+14045550122"),
        service_length=clinic["length"],
        therapist=None,
        days=[1],
        parts=["morning"],
        until=NOW.date() + timedelta(days=10),
        now=NOW,
    )
    hold = _made.hold
    other = WaitlistOffer.objects.create(hold=hold, entry=rival, rank=2, created_at=NOW)
    waitlist.claim(offer=other, now=datetime.now(NY))

    response = client.post(f"/book/waitlist/offer/{token}/")

    assert response.status_code == 409 and "someone else booked this time first" in response.text
    assert Appointment.objects.filter(start=TUESDAY_10).active().get().client.first_name == "Lee"


def test_the_offer_email_carries_a_claim_link_and_says_how_long_it_holds(client, offer, mailoutbox):
    made, _token = offer
    message = ClientMessage.objects.get(kind=Kind.WAITLIST_OFFER, waitlist_offer=made)

    assert outbox.deliver(message.pk) == "sent"

    [email] = mailoutbox
    assert email.to == ["jess@example.com"]
    assert "A time just opened" in email.subject and "holding it until 8:15 AM" in email.body
    claim_url = re.search(r"http\S+(/book/waitlist/offer/\S+/)", email.body)[1]
    [(html, kind)] = email.alternatives  # the same link, as a button, in the shared frame
    assert kind == "text/html" and f'href="http://127.0.0.1:8000{claim_url}"' in html
    assert "Claim this time" in html and "8:15 AM" in html
    assert client.post(claim_url).status_code == 303
    assert Appointment.objects.filter(start=TUESDAY_10).active().count() == 1


def test_the_time_page_returns_a_run_out_hold_without_waiting_for_the_worker(client, offer, clinic):
    """No worker ran: the held time is off the picker until its hold runs out, and back on
    it at the first view after, whose one reference query said a hold was due."""
    made, _token = offer
    time_page = path("time", length=clinic["length"].pk, therapist="maya", day="2026-12-08")
    assert "10:00" not in _times_of(client.get(time_page).text)

    with time_machine.travel(NOW + timedelta(minutes=16), tick=False):
        assert "10:00" in _times_of(client.get(time_page).text)

    made.hold.refresh_from_db()
    assert made.hold.status == made.hold.Status.EXPIRED


def _times_of(page: str) -> str:
    """Return the picker's list of times (the day's buttons), not the rest of the page."""
    return page[page.index('id="times"') :]


def test_an_offer_email_not_yet_sent_when_the_hold_ends_is_not_sent(offer, mailoutbox):
    made, _token = offer
    message = ClientMessage.objects.get(kind=Kind.WAITLIST_OFFER, waitlist_offer=made)
    with time_machine.travel(NOW + timedelta(minutes=16), tick=False):
        waitlist.release_due_holds(now=datetime.now(NY))

        assert outbox.deliver(message.pk) == "skipped"
    assert mailoutbox == []
