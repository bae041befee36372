"""Writes that may be lost in a database crash commit without waiting for the disk, and
relax nothing else: the next statement on the same connection commits as usual."""

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.utils import timezone

from clinic import ratelimit
from clinic.models import RateLimitWindow
from clinic.session_store import SessionStore

WINDOW = timedelta(minutes=10)


def _synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_rate_limit_count_relaxes_its_own_commit_only():
    assert _synchronous_commit() == "on"

    assert ratelimit.hit("book", "203.0.113.9", limit=2, window=WINDOW)
    assert ratelimit.hit("book", "203.0.113.9", limit=2, window=WINDOW)
    assert not ratelimit.hit("book", "203.0.113.9", limit=2, window=WINDOW)

    assert RateLimitWindow.objects.get().count == 3  # counted, and committed
    assert _synchronous_commit() == "on"  # the setting ended with the statement's transaction


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_the_count_leaves_its_commit_alone():
    with transaction.atomic():
        assert ratelimit.hit("book", "203.0.113.9", limit=2, window=WINDOW)
        assert _synchronous_commit() == "on"  # the enclosing transaction commits as usual


@pytest.mark.django_db(transaction=True)
def test_a_session_refresh_saves_in_one_relaxed_update_and_relaxes_nothing_after():
    session = SessionStore()
    session["seen"] = 1
    session.create()  # a new session: written as usual
    session["seen"] = 2
    session.save()

    assert SessionStore(session.session_key).load() == {"seen": 2}
    assert _synchronous_commit() == "on"


@pytest.mark.django_db(transaction=True)
def test_refreshing_a_session_that_is_gone_says_so():
    session = SessionStore()
    session["seen"] = 1
    session.create()
    SessionStore(session.session_key).delete()
    session["seen"] = 2

    with pytest.raises(UpdateError):
        session.save()


@pytest.mark.django_db
def test_a_session_is_read_in_one_statement_and_an_expired_one_is_forgotten(
    django_assert_num_queries,
):
    session = SessionStore()
    session["seen"] = 1
    session.create()
    with django_assert_num_queries(1):
        assert SessionStore(session.session_key).load() == {"seen": 1}

    Session.objects.filter(pk=session.session_key).update(expire_date=timezone.now())
    expired = SessionStore(session.session_key)
    assert expired.load() == {}
    assert expired.session_key is None  # a new one is made if anything is stored
    with django_assert_num_queries(0):  # no key (or a malformed one): nothing to read
        assert SessionStore("short").load() == {}
