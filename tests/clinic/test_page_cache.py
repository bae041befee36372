"""Public pages come from a cache keyed by a content version that every admin save replaces."""

import re
import urllib.request
from contextlib import ExitStack

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.models import ClinicProfile
from clinic.page_cache import current_token
from services.models import Service
from tests import live
from tests.factories import make_service

PAGES = ["/", "/services/", "/services/cupping/", "/therapists/", "/visit/"]


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def _queries(client, path: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.text


@pytest.mark.parametrize("path", PAGES)
def test_a_repeat_visit_costs_one_small_query(client, demo, path):
    make_service(slug="cupping", title="Cupping")
    first, html = _queries(client, path)

    again, cached_html = _queries(client, path)

    assert first > 1
    assert again == 1  # the content version, nothing else
    assert cached_html == html


def test_an_admin_edit_shows_on_the_next_request(admin_client, client, demo):
    service = Service.objects.get(slug="deep-tissue-massage")
    client.get("/services/")
    token = current_token()

    form = {
        "title": "Deep tissue work",
        "slug": service.slug,
        "summary": service.summary,
        "draft_body": service.draft_body,
        "seo_description": service.seo_description,
        "colour": service.colour,
        "ordering": service.ordering,
        "published": "on",
        "lengths-TOTAL_FORMS": 0,
        "lengths-INITIAL_FORMS": 0,
        "questions-TOTAL_FORMS": 0,
        "questions-INITIAL_FORMS": 0,
    }
    response = admin_client.post(f"/admin/services/service/{service.pk}/change/", form)

    assert response.status_code == 302
    assert current_token() not in {token, ""}
    assert "Deep tissue work" in client.get("/services/").text


def test_a_profile_edit_changes_every_page_footer(client, demo):
    for path in ["/", "/visit/"]:
        client.get(path)
    profile = ClinicProfile.load()
    profile.phone = "(404) 555-0199"
    profile.save()

    for path in ["/", "/visit/"]:
        assert "(404) 555-0199" in client.get(path).text


def test_signed_in_staff_and_query_strings_are_never_served_from_the_cache(admin_client, demo):
    for request in [lambda: admin_client.get("/"), lambda: admin_client.get("/?utm=x")]:
        request()
        with CaptureQueriesContext(connection) as ctx:
            request()
        assert len(ctx.captured_queries) > 1


def test_not_found_is_not_cached(client, demo):
    assert client.get("/services/nothing/").status_code == 404
    make_service(slug="nothing")

    assert client.get("/services/nothing/").status_code == 200


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback only
        return response.read().decode()


@pytest.mark.django_db(transaction=True)
def test_an_edit_shows_at_once_on_every_web_process(demo):
    service = Service.objects.get(slug="myofascial-release")
    with ExitStack() as stack:
        # Two gunicorn processes, each with its own in-memory page cache.
        servers = [stack.enter_context(live.gunicorn(workers=1, threads=2)) for _ in range(2)]
        for base in servers:
            for _ in range(2):  # the second visit is the cached copy
                assert "Myofascial release" in _get(f"{base}/services/myofascial-release/")

        service.title = "Fascia release"
        service.save()  # what the admin's save does, through the same signal

        for base in servers:
            assert "Fascia release" in _get(f"{base}/services/myofascial-release/")


def test_a_cached_page_has_the_same_headers_and_logs_its_route(client, demo, caplog):
    first = client.get("/visit/")
    caplog.clear()
    with caplog.at_level("INFO", logger="clinic.requests"):
        again = client.get("/visit/")

    def policy(response) -> str:  # the JSON-LD's nonce differs per answer; it needs none
        return re.sub(r" 'nonce-[^']+'", "", response["Content-Security-Policy"])

    assert "unsafe-inline" not in policy(again) and policy(again) == policy(first)
    for header in ["X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"]:
        assert again[header] == first[header]
    assert again["Content-Type"] == first["Content-Type"]
    assert [r.getMessage().split()[:3] for r in caplog.records] == [["GET", "/visit/", "200"]]


def test_a_cached_page_is_refused_to_a_host_the_site_does_not_serve(client, demo):
    assert client.get("/visit/").status_code == 200

    assert client.get("/visit/", headers={"host": "evil.example"}).status_code == 400


def test_a_cached_hit_skips_sessions_and_sign_in(client, demo):
    client.get("/")

    response = client.get("/")

    # Answered above the session and authentication middleware: no user was ever loaded.
    assert not hasattr(response.wsgi_request, "user")
    assert not hasattr(response.wsgi_request, "session")


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_token_is_read_on_the_threads_own_connection(client, demo):
    client.get("/visit/")
    with CaptureQueriesContext(connection) as ctx:
        client.get("/visit/")
    assert len(ctx.captured_queries) == 0  # the token query went over the thread's own

    profile = ClinicProfile.load()
    profile.phone = "(404) 555-0177"
    profile.save()  # committed at once: no test transaction here

    assert "(404) 555-0177" in client.get("/visit/").text
