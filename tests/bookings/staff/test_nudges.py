"""The client page shows whether a client gets rebook emails, and the desk can change it."""

import html

import pytest
from django.utils import timezone

from bookings import nudges, tokens
from bookings.models import Appointment, ClientChange, ClientMessage
from tests.bookings.staff.conftest import at, book
from tests.factories import make_client

pytestmark = pytest.mark.usefixtures("clock")


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def jess(db):
    return make_client(first_name="Jess", last_name="Alvarez")


def test_the_client_page_says_rebook_emails_are_on_and_turns_them_off(desk, desk_user, jess):
    page = desk.get(f"/staff/clients/{jess.pk}/")
    assert "Rebook emails" in text(page)
    assert "Turn rebook emails off" in text(page)

    response = desk.post(f"/staff/clients/{jess.pk}/nudges/", {"wanted": "off"})

    assert response.status_code == 303 and response["Location"] == f"/staff/clients/{jess.pk}/"
    jess.refresh_from_db()
    assert jess.nudges_off_at == timezone.now()
    [change] = ClientChange.objects.filter(client=jess)
    assert (change.action, change.by, change.door) == ("nudges_off", desk_user, "client page")
    page = text(desk.get(response["Location"]))
    assert "Rebook emails turned off." in page
    assert "Turn rebook emails on" in page
    assert f"{desk_user.username} (client page): Rebook emails turned off" in page


def test_the_desk_turns_them_back_on_and_a_repeat_records_nothing(desk, jess):
    nudges.set_nudges(client=jess, wanted=False, by=None, door="email link", now=timezone.now())

    desk.post(f"/staff/clients/{jess.pk}/nudges/", {"wanted": "on"})
    again = desk.post(f"/staff/clients/{jess.pk}/nudges/", {"wanted": "on"})

    jess.refresh_from_db()
    assert jess.nudges_off_at is None
    assert list(ClientChange.objects.filter(client=jess).values_list("action", flat=True)) == [
        "nudges_on",
        "nudges_off",
    ]
    assert "Rebook emails were already on." in text(desk.get(again["Location"]))
    assert "The client (email link): Rebook emails turned off" in text(
        desk.get(f"/staff/clients/{jess.pk}/")
    )


def test_turning_them_off_at_the_desk_withdraws_a_queued_nudge(desk, jess, clinic):
    seen = book(clinic, at("09:00"), client=jess, status=Appointment.Status.COMPLETED)
    nudge = ClientMessage.objects.create(appointment=seen, kind=ClientMessage.Kind.NUDGE)

    desk.post(f"/staff/clients/{jess.pk}/nudges/", {"wanted": "off"})

    nudge.refresh_from_db()
    assert (nudge.status, nudge.reason) == ("skipped", "the client turned rebook emails off")


@pytest.mark.parametrize("data", [{}, {"wanted": "maybe"}, {"wanted": ""}, {"wanted": "x" * 5000}])
def test_a_tampered_form_changes_nothing_and_says_so(desk, jess, data):
    response = desk.post(f"/staff/clients/{jess.pk}/nudges/", data)

    assert response.status_code == 422
    assert "Rebook emails not changed. Choose on or off." in text(response)
    jess.refresh_from_db()
    assert jess.nudges_off_at is None and not ClientChange.objects.exists()


def test_an_erased_client_cannot_be_changed(desk, jess):
    type(jess).objects.filter(pk=jess.pk).update(erased_at=timezone.now())

    response = desk.post(f"/staff/clients/{jess.pk}/nudges/", {"wanted": "off"})

    assert response.status_code == 422
    assert "This client's data was erased." in text(response)
    assert not ClientChange.objects.exists()


def test_an_unknown_client_is_a_404(desk, db):
    assert desk.post("/staff/clients/999999/nudges/", {"wanted": "off"}).status_code == 404


def test_a_merge_keeps_a_records_no_and_its_unsubscribe_links(desk, jess):
    dup = make_client(first_name="Jessica", last_name="Alvarez")
    token = tokens.issue_nudge_token(dup)
    nudges.set_nudges(client=dup, wanted=False, by=None, door="email link", now=timezone.now())

    response = desk.post(f"/staff/clients/{jess.pk}/merge/", {"duplicate": dup.pk, "confirm": "on"})

    assert response.status_code == 303
    jess.refresh_from_db()
    assert jess.nudges_off_at == timezone.now()
    assert tokens.client_for_nudge_token(token) == jess


def test_erasing_a_client_deletes_their_unsubscribe_links(desk, jess):
    token = tokens.issue_nudge_token(jess)

    response = desk.post(f"/staff/clients/{jess.pk}/erase/", {"confirm": "ERASE"})

    assert response.status_code == 303
    assert tokens.client_for_nudge_token(token) is None
