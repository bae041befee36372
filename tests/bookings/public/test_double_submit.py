"""A booking submitted twice (double tap, refresh, back and submit again) is booked once."""

import re

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from bookings.models import Appointment, ClientMessage
from tests.bookings.public.conftest import (
    NOW,
    details_data,
    details_path,
    make_clinic,
    page_text,
)
from tests.helpers import race

Kind = ClientMessage.Kind


def test_the_same_key_twice_books_once_and_shows_the_same_confirmation(client, clinic):
    data = details_data() | {"confirm": "1"}

    first = client.post(details_path(clinic), data)
    second = client.post(details_path(clinic), data)

    assert first.status_code == second.status_code == 303
    assert first["Location"] == second["Location"]
    assert Appointment.objects.count() == 1
    assert ClientMessage.objects.filter(kind=Kind.CONFIRMATION).count() == 1
    assert "You're booked in" in page_text(client.get(second["Location"]))


def test_a_replay_from_another_browser_says_booked_and_shows_nothing_of_it(client, clinic):
    data = details_data() | {"confirm": "1"}
    location = client.post(details_path(clinic), data)["Location"]

    replay = Client().post(details_path(clinic), data)
    peek = Client().get(location)

    for response in (replay, peek):
        assert response.status_code == 200
        assert "You're already booked" in page_text(response)
        assert "Maya Brooks" not in response.text and "/book/manage/" not in response.text
    assert Appointment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_double_click_racing_itself_books_once_and_both_see_the_confirmation():
    # One browser: the form's own key, and one session cookie shared by two clients (a test
    # Client is not thread-safe, so each click gets its own). A key the browser was never
    # given would leave the second click to the first's session save: a timing race.
    with time_machine.travel(NOW, tick=False):
        clinic = make_clinic()
        browser = Client()
        form = browser.get(details_path(clinic))
        key = re.search(r'name="key" value="([^"]+)"', form.text).group(1)
        data = details_data(key=key) | {"confirm": "1"}
        clicks = [Client(), Client()]
        for click in clicks:
            click.cookies[settings.SESSION_COOKIE_NAME] = browser.session.session_key
        statuses = race(2, lambda i: clicks[i].post(details_path(clinic), data).status_code)

    assert statuses == [303, 303]
    assert Appointment.objects.count() == 1
    assert ClientMessage.objects.filter(kind=Kind.CONFIRMATION).count() == 1
