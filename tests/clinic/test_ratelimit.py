"""Rate limits: one atomic count in PostgreSQL shared by every worker."""

from datetime import timedelta

import pytest
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from clinic import ratelimit
from clinic.models import RateLimitWindow
from tests.helpers import race

WINDOW = timedelta(minutes=10)


def test_allows_up_to_the_limit_then_refuses(db):
    results = [ratelimit.hit("book", "203.0.113.9", limit=3, window=WINDOW) for _ in range(5)]

    assert results == [True, True, True, False, False]


def test_counts_keys_and_scopes_separately(db):
    for _ in range(3):
        ratelimit.hit("book", "203.0.113.9", limit=3, window=WINDOW)

    assert ratelimit.hit("book", "198.51.100.7", limit=3, window=WINDOW)
    assert ratelimit.hit("find", "203.0.113.9", limit=3, window=WINDOW)
    assert not ratelimit.hit("book", "203.0.113.9", limit=3, window=WINDOW)


def test_stores_no_ip_or_email_in_the_clear(db):
    ratelimit.hit("find", "Runner@Example.com", limit=3, window=WINDOW)
    ratelimit.hit("book", "203.0.113.9", limit=3, window=WINDOW)

    keys = " ".join(RateLimitWindow.objects.values_list("key", flat=True))
    assert "example" not in keys.lower()
    assert "203.0.113.9" not in keys


@pytest.mark.django_db(transaction=True)
def test_racing_workers_never_exceed_the_limit():
    def worker(_: int) -> list[bool]:
        return [ratelimit.hit("book", "203.0.113.50", limit=30, window=WINDOW) for _ in range(5)]

    allowed = [ok for oks in race(16, worker) for ok in oks]

    assert len(allowed) == 80
    assert allowed.count(True) == 30
    assert RateLimitWindow.objects.get().count == 80


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_client_ip_takes_the_address_the_trusted_proxy_saw():
    request = RequestFactory().get(
        "/", HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.9", REMOTE_ADDR="127.0.0.1"
    )

    assert ratelimit.client_ip(request) == "203.0.113.9"


def test_client_ip_ignores_forwarded_header_without_a_trusted_proxy():
    request = RequestFactory().get(
        "/", HTTP_X_FORWARDED_FOR="203.0.113.9", REMOTE_ADDR="198.51.100.1"
    )

    assert ratelimit.client_ip(request) == "198.51.100.1"


def test_limited_view_answers_429_politely(rf, db):
    view = ratelimit.limit_posts("test", limit=1, window=WINDOW)(lambda request: HttpResponse("ok"))
    request = rf.post("/", REMOTE_ADDR="198.51.100.2")

    assert view(request).status_code == 200
    response = view(request)
    assert response.status_code == 429
    assert response["Retry-After"] == "600"
    assert b"Please wait a few minutes" in response.content


@pytest.mark.django_db(transaction=True)
def test_a_hit_that_sweeps_deletes_old_windows_in_one_more_statement(monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    old = timezone.now() - timedelta(days=2)
    RateLimitWindow.objects.create(key="book:old", window_start=old, count=4)
    RateLimitWindow.objects.create(key="book:recent", window_start=timezone.now(), count=1)

    monkeypatch.setattr(ratelimit.random, "random", lambda: 1.0)  # no sweep this time
    with CaptureQueriesContext(connection) as plain:
        ratelimit.hit("book", "203.0.113.9", limit=3, window=WINDOW)
    monkeypatch.setattr(ratelimit.random, "random", lambda: 0.0)  # the 1 in 100 that sweeps
    with CaptureQueriesContext(connection) as sweeping:
        ratelimit.hit("book", "203.0.113.9", limit=3, window=WINDOW)

    assert len(plain) == 1 and len(sweeping) == 2
    assert not RateLimitWindow.objects.filter(key="book:old").exists()
    assert RateLimitWindow.objects.filter(key="book:recent").exists()
