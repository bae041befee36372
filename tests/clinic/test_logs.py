"""No log line carries a link key: Django's warnings, server lines and gunicorn's own."""

import contextlib
import copy
import io
import logging
import logging.config
import secrets
import tempfile
import urllib.error
import urllib.request

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.utils.log import configure_logging

from tests import live

TOKEN = "k3y" + secrets.token_urlsafe(24)  # a manage link's or feed's key, as the URL has it
FIND = "f1nd" + secrets.token_urlsafe(24)  # a "find my bookings" key


@pytest.fixture
def project_log():
    """Yield the stream the project's own LOGGING handler writes, every level let through.

    Django's request and server loggers are lowered to DEBUG so that a line the project
    keeps quiet today (a 404) is still shown to be redacted if it is ever let through.
    """
    config = copy.deepcopy(settings.LOGGING)
    stream = io.StringIO()
    config["handlers"]["console"]["stream"] = stream
    for name in ("django.request", "django.server"):
        config["loggers"][name]["level"] = "DEBUG"
    logging.config.dictConfig(config)
    yield stream
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


def assert_no_key(stream: io.StringIO, caplog, *keys: str) -> None:
    """Fail if any key is in the handler's text, caplog's text or any record attribute."""
    text = stream.getvalue()
    for key in keys:
        assert key not in text
        assert key not in caplog.text
        for record in caplog.records:
            assert key not in repr(vars(record)), record.name


def test_a_csrf_failure_on_a_manage_link_logs_the_route_not_the_key(db, project_log, caplog):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post(f"/book/manage/{TOKEN}/cancel/?start=2026-12-10T14:00")

    assert response.status_code == 403
    text = project_log.getvalue()
    assert "django.security.csrf Forbidden" in text
    assert "/book/manage/<str:token>/cancel/" in text
    assert_no_key(project_log, caplog, TOKEN, "2026-12-10T14:00")


def test_a_csrf_failure_on_a_find_my_bookings_link_logs_the_route(db, project_log, caplog):
    response = Client(enforce_csrf_checks=True).post(f"/book/mine/{FIND}/")

    assert response.status_code == 403
    assert "/book/mine/<str:token>/" in project_log.getvalue()
    assert_no_key(project_log, caplog, FIND)


@override_settings(DEBUG=True)
def test_a_404_in_debug_below_a_key_logs_the_route(db, project_log, caplog):
    manage = Client().get(f"/book/manage/{TOKEN}/")
    unrouted = Client().get(f"/book/manage/{TOKEN}/no-such-page/")
    feed = Client().get(f"/staff/feed/{TOKEN}.ics")

    assert [r.status_code for r in (manage, unrouted, feed)] == [404, 404, 404]
    text = project_log.getvalue()
    assert "Not Found: /book/manage/<str:token>/\n" in text
    assert "Not Found: /book/manage/<str:token>/no-such-page/\n" in text  # the regex fallback
    assert "Not Found: /staff/feed/<slug:token>.ics\n" in text
    assert_no_key(project_log, caplog, TOKEN)


def test_a_bad_host_header_on_a_manage_link_keeps_the_key_out_of_the_record(
    db, project_log, caplog
):
    response = Client().get(f"/book/manage/{TOKEN}/", headers={"host": "evil.example"})

    assert response.status_code == 400
    assert "django.security.DisallowedHost Invalid HTTP_HOST header" in project_log.getvalue()
    [record] = [r for r in caplog.records if r.name == "django.security.DisallowedHost"]
    assert record.request == "<WSGIRequest: GET '/book/manage/<str:token>/'>"
    assert_no_key(project_log, caplog, TOKEN)


@override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=2)
def test_a_suspicious_request_on_a_manage_link_keeps_the_key_out_of_the_record(
    db, project_log, caplog
):
    browser = Client(enforce_csrf_checks=True)
    browser.cookies[settings.CSRF_COOKIE_NAME] = "a" * 32  # so the form body is read

    response = browser.post(f"/book/manage/{TOKEN}/cancel/", {"a": 1, "b": 2, "c": 3})

    assert response.status_code == 400
    text = project_log.getvalue()
    assert "django.security.TooManyFieldsSent" in text
    assert "Traceback" in text  # the traceback is kept, as redacted text
    assert_no_key(project_log, caplog, TOKEN)


def test_server_request_lines_and_tracebacks_show_routes_only(project_log, caplog):
    line = f"GET /book/mine/{FIND}/?page=2 HTTP/1.1"
    logging.getLogger("django.server").error('"%s" %s %s', line, 500, 12)
    try:
        raise LookupError(f"no booking for book/manage/{TOKEN}/move/")
    except LookupError:
        logging.getLogger("gunicorn.error").exception("Error handling request")

    text = project_log.getvalue()
    assert '"GET /book/mine/<str:token>/?… HTTP/1.1" 500 12' in text
    assert "LookupError: no booking for book/manage/<str:token>/move/" in text
    assert_no_key(project_log, caplog, TOKEN, FIND, "page=2")


def test_lines_without_a_key_are_left_as_they_are(project_log):
    logging.getLogger("django.security.csrf").warning("Forbidden (%s): %s", "x", "/book/find/")
    logging.getLogger("clinic.requests").info("POST /book/manage/<str:token>/ 403 1.0ms")

    assert "Forbidden (x): /book/find/\n" in project_log.getvalue()
    assert "POST /book/manage/<str:token>/ 403 1.0ms\n" in project_log.getvalue()


@pytest.mark.django_db(transaction=True)
def test_gunicorn_writes_no_key_and_no_access_line():
    with tempfile.TemporaryFile("w+") as log:
        with live.gunicorn(stderr=log) as base:
            for method, path in [
                ("POST", f"/book/manage/{TOKEN}/cancel/?start=2026-12-10T14:00"),
                ("GET", f"/staff/feed/{TOKEN}.ics"),
                ("GET", f"/book/mine/{FIND}/"),
            ]:
                request = urllib.request.Request(base + path, method=method, data=b"")  # noqa: S310
                with contextlib.suppress(urllib.error.HTTPError):  # 403 and 404 expected
                    urllib.request.urlopen(request, timeout=10).close()  # noqa: S310
        log.seek(0)
        text = log.read()

    assert "gunicorn.error Booting worker" in text  # gunicorn writes through LOGGING
    assert "Forbidden (CSRF cookie not set.): /book/manage/<str:token>/cancel/" in text
    assert "clinic.requests GET /staff/feed/<slug:token>.ics 404" in text
    assert "HTTP/1.1" not in text  # no access log line
    for key in (TOKEN, FIND, "2026-12-10T14:00"):
        assert key not in text
