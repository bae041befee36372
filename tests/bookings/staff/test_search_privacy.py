"""Client searches send the term in a POST body: never in a URL, a log line or a Referer."""

import logging
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.bookings.staff.conftest import at, book
from tests.clinic.test_logs import assert_no_key, project_log  # noqa: F401 (a fixture)
from tests.factories import make_client

pytestmark = pytest.mark.usefixtures("clock")

EMAIL = "riley.private@example.com"


class _SearchForms(HTMLParser):
    """Collect (method, action) of every form that holds a field named ``q``."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, str]] = []
        self._open: tuple[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "form":
            self._open = ((named.get("method") or "get").lower(), named.get("action") or "")
        elif tag == "input" and named.get("name") == "q" and self._open:
            self.forms.append(self._open)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None


def search_forms(html: str) -> list[tuple[str, str]]:
    parser = _SearchForms()
    parser.feed(html)
    return parser.forms


def pages(clinic) -> dict[str, str]:
    """Return every staff page with a client search, by name."""
    keep = make_client(first_name="Keep", last_name="Record")
    return {
        "clients": reverse("staff:clients"),
        "book": reverse("staff:book") + f"?therapist={clinic.ana.pk}",
        "walk-in": reverse("staff:walk_in"),
        "merge": reverse("staff:client_merge", args=[keep.pk]),
    }


def test_every_client_search_form_posts_its_term(desk, clinic):
    for name, url in pages(clinic).items():
        forms = search_forms(desk.get(url).text)
        # The page's own search and the top bar's.
        assert len(forms) == 2, name
        assert {method for method, _ in forms} == {"post"}, name
        assert (
            "post",
            reverse("staff:clients"),
        ) in forms, name


def test_a_posted_search_finds_the_client_on_every_page(desk, clinic):
    riley = make_client(first_name="Riley", last_name="Runner", email=EMAIL)

    for name, url in pages(clinic).items():
        response = desk.post(url, {"q": "riley.private"})
        assert response.status_code == 200, name
        assert "Riley Runner" in response.text, name
        assert EMAIL in response.text, name
    live = desk.post(reverse("staff:client_search"), {"q": "riley.private"})
    assert f'value="{riley.pk}"' in live.text


def test_a_search_post_books_nothing_and_keeps_the_calendar_link(desk, clinic):
    make_client(first_name="Riley", last_name="Runner", email=EMAIL)
    url = reverse("staff:book") + f"?therapist={clinic.ana.pk}&start=2026-06-15T10:00"

    response = desk.post(url, {"q": "Riley"})

    assert response.status_code == 200
    assert not response.context["form"].is_bound  # no "enter the name" errors
    assert f"therapist={clinic.ana.pk}" in response.text  # the found client's link keeps it
    assert response.context["form"].initial["therapist"] == clinic.ana.pk


def test_a_term_in_a_query_string_is_not_searched(desk, clinic):
    make_client(first_name="Riley", last_name="Runner", email=EMAIL)

    for name, url in pages(clinic).items():
        joined = "&" if "?" in url else "?"
        response = desk.get(f"{url}{joined}q=riley.private")
        assert response.status_code == 200, name
        assert EMAIL not in response.text, name
    live = desk.get(reverse("staff:client_search"), {"q": "riley.private"})
    assert live.status_code == 405


def test_a_bad_search_term_is_a_message_not_an_error(desk, clinic):
    response = desk.post(reverse("staff:clients"), {"q": "x" * 500})

    assert response.status_code == 422
    assert "at most 100 characters" in response.text
    for url in pages(clinic).values():
        assert desk.post(url, {"q": "\x00<script>"}).status_code in (200, 422)


def test_the_request_log_never_holds_the_search_term(desk, clinic, project_log, caplog):  # noqa: F811
    appointment = book(clinic, at("10:00"), client=make_client(email=EMAIL, phone="4045550177"))
    with caplog.at_level(logging.DEBUG):
        for url in pages(clinic).values():
            desk.post(url, {"q": EMAIL})
            desk.post(url, {"q": "404-555-0177"})
        desk.post(reverse("staff:client_search"), {"q": EMAIL})
        desk.get(reverse("staff:client", args=[appointment.client_id]))

    lines = [r.getMessage() for r in caplog.records if r.name == "clinic.requests"]
    assert len(lines) == 10
    assert all(re.fullmatch(r"(POST|GET) /staff/[^ ]* 200 \d+\.\dms", line) for line in lines)
    assert_no_key(project_log, caplog, EMAIL, "404-555-0177", "riley")
