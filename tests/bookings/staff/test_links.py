"""Revocable links: the front desk re-sends one booking's manage link or revokes a client's."""

import contextlib
import json
import threading
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bookings import booking, links, roles, tokens
from bookings.models import Appointment, AppointmentChange, ClientMessage
from tests.bookings.public.conftest import page_text, run_due_tasks
from tests.bookings.staff.conftest import MONDAY, at, book
from tests.factories import make_client
from tests.helpers import StaffClient as WebClient
from tests.helpers import race

pytestmark = pytest.mark.usefixtures("clock")
Kind, Action = ClientMessage.Kind, AppointmentChange.Action
GONE = "This link has expired"
TUESDAY = MONDAY + timedelta(days=1)


def manage(token: str):
    return Client().get(reverse("bookings:manage", args=[token]))


def find_link(email: str = "jess@example.com") -> str:
    return tokens.issue_lookup_token(email, now=timezone.now())


def find_page(token: str, browser: Client | None = None):
    return (browser or Client()).get(reverse("bookings:find_link", args=[token]))


def resend(web, appointment: Appointment):
    return web.post(reverse("staff:resend_link", args=[appointment.pk]))


def link_in(email, site_url: str) -> str:
    return next(w for w in email.body.split() if "/book/manage/" in w).removeprefix(site_url)


@pytest.fixture
def jess(db):
    return make_client(first_name="Jess", last_name="Alvarez", email="jess@example.com")


def test_resending_revokes_the_old_link_and_emails_one_that_works(
    desk, desk_user, clinic, jess, mailoutbox, settings
):
    settings.SITE_URL = "http://testserver"
    appointment = book(clinic, at("10:00", TUESDAY), client=jess)
    old = tokens.issue_manage_token(appointment)
    assert manage(old).status_code == 200

    response = resend(desk, appointment)

    assert response.status_code == 303
    assert response["Location"] == reverse("staff:appointment", args=[appointment.pk])
    gone = manage(old)
    assert gone.status_code == 410 and GONE in page_text(gone)
    assert appointment.messages.filter(kind=Kind.MANAGE_LINK).count() == 1
    run_due_tasks()
    [email] = mailoutbox
    assert email.to == ["jess@example.com"] and email.subject.startswith("Your new link for")
    opened = Client().get(link_in(email, "http://testserver"))
    assert opened.status_code == 200 and "Move to another time" in page_text(opened)
    [change] = appointment.changes.filter(action=Action.LINK_RESENT)
    assert change.by == desk_user
    new = link_in(email, "http://testserver").split("/")[3]
    assert old not in json.dumps(change.details) and new not in json.dumps(change.details)
    page = page_text(desk.get(reverse("staff:appointment", args=[appointment.pk])))
    assert "Manage link re-sent" in page and old not in page and new not in page


def test_a_second_click_before_the_email_goes_queues_no_second_email(desk, clinic, jess):
    appointment = book(clinic, at("10:00", TUESDAY), client=jess)

    assert resend(desk, appointment).status_code == 303
    assert resend(desk, appointment).status_code == 303

    assert appointment.messages.filter(kind=Kind.MANAGE_LINK).count() == 1
    assert appointment.changes.filter(action=Action.LINK_RESENT).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_desks_resending_at_once_queue_one_email(clinic, desk_user, make_user, monkeypatch):
    """Both requests are held just before looking for a pending email, so without the row
    lock both would find none; with it the second waits, the meeting times out, and it
    then finds the first one's email."""
    meet = threading.Barrier(2, timeout=2)
    revoke = links.revoke_manage_tokens

    def meet_then_revoke(*args, **kwargs) -> int:
        # Broken when the other request is waiting for the lock: nothing to meet.
        with contextlib.suppress(threading.BrokenBarrierError):
            meet.wait()
        return revoke(*args, **kwargs)

    monkeypatch.setattr(links, "revoke_manage_tokens", meet_then_revoke)
    other = make_user(roles.FRONT_DESK)
    # No live link yet (a desk booking's links are minted by its emails), so revoking
    # locks no token row and only the appointment's row lock keeps the two apart.
    appointment = book(clinic, at("10:00", TUESDAY), client=make_client())
    webs = [WebClient(), WebClient()]
    webs[0].force_login(desk_user)
    webs[1].force_login(other)

    statuses = race(2, lambda i: resend(webs[i], appointment).status_code)

    assert statuses == [303, 303]
    assert appointment.messages.filter(kind=Kind.MANAGE_LINK).count() == 1
    assert appointment.changes.filter(action=Action.LINK_RESENT).count() == 1


@pytest.mark.parametrize(
    ("when", "status", "email", "reason"),
    [
        ("yesterday", "completed", "jess@example.com", "still to come"),
        ("tuesday", "cancelled", "jess@example.com", "still to come"),
        ("tuesday", "booked", "", "no email address"),
    ],
)
def test_no_link_is_resent_for_a_past_cancelled_or_email_less_booking(
    desk, clinic, when, status, email, reason
):
    day = MONDAY - timedelta(days=1) if when == "yesterday" else TUESDAY
    appointment = book(clinic, at("10:00", day), client=make_client(email=email), status=status)
    old = tokens.issue_manage_token(appointment)

    response = resend(desk, appointment)

    assert response.status_code == 409
    assert reason in page_text(response) and "No link was sent." in page_text(response)
    assert not appointment.messages.filter(kind=Kind.MANAGE_LINK).exists()
    assert appointment.manage_tokens.get().revoked_at is None
    assert not appointment.changes.exists()
    assert old not in page_text(response)


def test_the_resend_button_shows_only_when_a_link_can_be_sent(desk, clinic, jess):
    coming = book(clinic, at("10:00", TUESDAY), client=jess)
    walk_in = book(clinic, at("11:30", TUESDAY), client=make_client(email=""))

    def page(appointment):
        return desk.get(reverse("staff:appointment", args=[appointment.pk])).text

    assert "Re-send manage link" in page(coming)
    assert "Re-send manage link" not in page(walk_in)


def test_only_the_front_desk_may_resend_and_only_by_a_forged_free_post(
    ana_web, desk_user, clinic, jess
):
    appointment = book(clinic, at("10:00", TUESDAY), client=jess)
    url = reverse("staff:resend_link", args=[appointment.pk])
    careful = WebClient(enforce_csrf_checks=True)
    careful.force_login(desk_user)
    desk = WebClient()
    desk.force_login(desk_user)

    assert ana_web.post(url).status_code == 403  # Ana's own client, but she is no front desk
    assert careful.post(url).status_code == 403  # no CSRF token
    assert desk.get(url).status_code == 405
    assert desk.post(reverse("staff:resend_link", args=[appointment.pk + 999])).status_code == 404
    assert not ClientMessage.objects.filter(kind=Kind.MANAGE_LINK).exists()


def test_revoking_all_links_refuses_every_old_manage_and_find_link(
    desk, desk_user, clinic, jess, clock
):
    first = book(clinic, at("10:00", TUESDAY), client=jess)
    second = book(clinic, at("14:00", TUESDAY), client=jess)
    untouched = book(clinic, at("11:30", TUESDAY), client=make_client())
    old_links = [tokens.issue_manage_token(a) for a in (first, first, second)]
    someone_elses = tokens.issue_manage_token(untouched)
    old_find, opened = find_link(), Client()
    assert find_page(find_link(), opened).status_code == 303
    someone_elses_find = find_link("someone@example.com")

    response = desk.post(reverse("staff:client_revoke_links", args=[jess.pk]))

    assert response.status_code == 303
    assert response["Location"] == reverse("staff:client", args=[jess.pk])
    assert [manage(token).status_code for token in old_links] == [410, 410, 410]
    assert manage(someone_elses).status_code == 200
    refused = find_page(old_find)
    assert refused.status_code == 410 and "Ask for a new one" in page_text(refused)
    listing = opened.get(reverse("bookings:my_bookings"))
    assert listing.status_code == 410 and "Ask for a new one" in page_text(listing)
    assert opened.post(reverse("bookings:open_booking", args=[first.pk]))["Location"] == (
        reverse("bookings:find")
    )
    assert find_page(someone_elses_find).status_code == 303
    clock.shift(timedelta(minutes=1))
    assert find_page(find_link(), opened).status_code == 303
    assert opened.get(reverse("bookings:my_bookings")).status_code == 200
    changes = AppointmentChange.objects.filter(action=Action.LINKS_REVOKED)
    assert sorted(changes.values_list("appointment", "by", "details")) == [
        (first.pk, desk_user.pk, {"links revoked": 2}),
        (second.pk, desk_user.pk, {"links revoked": 1}),
    ]
    page = page_text(desk.get(reverse("staff:client", args=[jess.pk])))
    assert page.count("Links revoked") >= 2
    assert not any(token in page for token in old_links)


def test_revoking_links_is_front_desk_only_post_only_and_404_for_unknown_clients(
    ana_web, desk, clinic, jess
):
    appointment = book(clinic, at("10:00", TUESDAY), client=jess)
    token = tokens.issue_manage_token(appointment)
    url = reverse("staff:client_revoke_links", args=[jess.pk])

    assert ana_web.post(url).status_code == 403
    assert desk.get(url).status_code == 405
    assert desk.post(reverse("staff:client_revoke_links", args=[jess.pk + 999])).status_code == 404
    assert manage(token).status_code == 200
    assert not AppointmentChange.objects.exists()


def test_a_tampered_find_link_is_refused_not_an_error(clinic, jess):
    token = find_link()

    for forged in (token[:-1] + ("A" if token[-1] != "A" else "B"), token[1:], "nonsense"):
        assert find_page(forged).status_code == 404
    assert find_page(token).status_code == 303


def test_a_resent_link_for_a_booking_cancelled_before_it_went_is_not_sent(
    desk, desk_user, clinic, jess, mailoutbox
):
    appointment = book(clinic, at("10:00", TUESDAY), client=jess)
    assert resend(desk, appointment).status_code == 303
    booking.cancel_appointment(
        appointment=appointment, now=timezone.now(), by=desk_user, notify=False
    )

    run_due_tasks()

    assert mailoutbox == []
    message = appointment.messages.get(kind=Kind.MANAGE_LINK)
    assert (message.status, message.reason) == (
        "skipped",
        "the appointment can no longer be changed",
    )
