"""The pool's checkout check: no round trip for a live connection, a failure for one the
database closed (so the pool replaces it instead of handing it to a request)."""

import psycopg
import pytest
from django.db import connection
from psycopg_pool import ConnectionPool

from clinic import db_pool
from clinic import settings as settings_module
from clinic.models import RateLimitWindow


@pytest.fixture
def raw(db):
    params = connection.get_connection_params()
    for django_only in ["cursor_factory", "context", "prepare_threshold"]:
        params.pop(django_only, None)
    conn = psycopg.connect(**params, autocommit=True)
    yield conn
    conn.close()


def test_a_live_idle_connection_passes_without_a_round_trip(raw, monkeypatch):
    raw.execute("SELECT 1").fetchone()
    sent = []
    monkeypatch.setattr(ConnectionPool, "check_connection", staticmethod(sent.append))

    db_pool.poll_then_check(raw)

    assert sent == []


def test_a_connection_the_database_ended_fails_the_check(raw):
    pid = raw.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])  # waits for its exit
        assert cursor.fetchone() == (True,)

    with pytest.raises(psycopg.OperationalError):
        db_pool.poll_then_check(raw)


def test_a_closed_connection_fails_the_check(raw):
    raw.close()

    with pytest.raises(psycopg.OperationalError):
        db_pool.poll_then_check(raw)


def test_the_check_is_chosen_by_name_and_a_wrong_name_is_refused():
    assert db_pool.check_connection("poll") is db_pool.poll_then_check
    assert db_pool.check_connection("query") is ConnectionPool.check_connection
    with pytest.raises(ValueError, match="poll or query"):
        db_pool.check_connection("sometimes")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, 5),
        ({"DB_PREPARE_THRESHOLD": "2"}, 2),
        ({"DB_PREPARE_THRESHOLD": "off"}, None),
        ({"DB_BEHIND_POOLER": "1"}, None),
        ({"DB_BEHIND_POOLER": "1", "DB_PREPARE_THRESHOLD": "5"}, 5),
    ],
)
def test_statements_are_prepared_unless_a_pooler_stands_between(monkeypatch, env, expected):
    for name in ["DB_PREPARE_THRESHOLD", "DB_BEHIND_POOLER"]:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    assert settings_module.prepare_threshold() == expected


def test_a_statement_run_often_is_prepared_on_the_connection(db):
    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                ["%clinic_ratelimitwindow%"],
            )
            return cursor.fetchone()[0]

    assert connection.connection.prepare_threshold == 5
    before = prepared()
    for _ in range(6):
        list(RateLimitWindow.objects.filter(key="never", count__gt=0))

    assert prepared() == before + 1
