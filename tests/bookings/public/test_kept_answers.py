"""Time pages answered from memory while what they were built from holds, and only then."""

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bookings import booking
from tests.bookings.public.conftest import TUESDAY_10, confirm, local_param, path


def _page(clinic: dict, **params) -> str:
    return path("time", length=clinic["length"].pk, therapist="maya", **params)


def test_a_repeat_view_is_the_same_page_answered_above_sessions(client, clinic):
    url = _page(clinic, day="2026-12-08")
    built = client.get(url)
    again = client.get(url)

    assert hasattr(built.wsgi_request, "session")  # the first view ran the whole stack
    assert not hasattr(again.wsgi_request, "session")
    assert again.content == built.content
    assert again["Content-Type"] == built["Content-Type"]
    assert again["Content-Security-Policy"] == built["Content-Security-Policy"]


def test_a_kept_answer_is_refused_to_a_host_the_site_does_not_serve(client, clinic):
    url = _page(clinic, day="2026-12-08")
    client.get(url)

    assert client.get(url, headers={"host": "evil.example"}).status_code == 400


def test_a_visitor_with_a_session_always_gets_the_page_built(client, clinic):
    url = _page(clinic, day="2026-12-08")
    client.get(url)
    with_session = Client()
    with_session.cookies[settings.SESSION_COOKIE_NAME] = "whatever-it-holds"

    assert hasattr(with_session.get(url).wsgi_request, "session")


def test_a_booking_shows_on_the_next_view_and_the_view_reads_the_tokens_once(client, clinic):
    url = _page(clinic, day="2026-12-08")
    assert f"start={local_param(TUESDAY_10)}" in client.get(url).text
    assert confirm(Client(), clinic).status_code == 303

    with CaptureQueriesContext(connection) as queries:
        after = client.get(url)

    assert f"start={local_param(TUESDAY_10)}" not in after.text
    token_reads = [q for q in queries if "clinic_content_version" in q["sql"]]
    assert len(token_reads) == 1  # the middleware's read; the view took it over


def test_new_time_off_shows_on_the_next_view_of_the_days_times(client, clinic, admin_user):
    url = path("times", length=clinic["length"].pk, therapist="maya", day="2026-12-08")
    assert f"start={local_param(TUESDAY_10)}" in client.get(url).text
    booking.block_time(
        therapist=clinic["maya"], start=TUESDAY_10, end=TUESDAY_10 + timedelta(hours=1),
        by=admin_user,
    )  # fmt: skip

    assert f"start={local_param(TUESDAY_10)}" not in client.get(url).text


def test_an_answer_that_looked_past_the_week_it_read_is_not_kept(client, clinic, admin_user):
    # Maya is away for the next fortnight: the page opens on the first week with free times,
    # found by reading versions the request did not read first, so the page is built each time.
    start = TUESDAY_10 - timedelta(days=1, hours=2)
    booking.block_time(
        therapist=clinic["maya"], start=start, end=start + timedelta(days=14), by=admin_user
    )
    url = _page(clinic)
    first = client.get(url)
    again = client.get(url)

    assert first.status_code == again.status_code == 200
    assert hasattr(again.wsgi_request, "session")
