"""Logging: one configuration for Django and gunicorn, and no link key in any line.

Manage links (`/book/manage/<token>/`), "find my bookings" links (`/book/mine/<token>/`),
rebook nudges' unsubscribe links (`/book/nudges/off/<token>/`) and therapist feeds
(`/staff/feed/<token>.ics`) carry their key in the path. Django's own warnings print
the path (a CSRF failure, a 404 in debug) or attach the request (a bad Host header, an
oversized body), and a server's request line prints it too. Every handler
therefore runs `RedactPaths`, which rewrites those paths to their route pattern
(`/book/manage/<str:token>/cancel/`) and drops their query string, whichever logger wrote
the line.
"""

import logging
import re
from typing import Any

from django.apps import apps
from django.http import HttpRequest
from django.urls import Resolver404, resolve

# A key-bearing path, with or without its leading slash (tracebacks quote paths without
# it), up to the first space, quote or angle bracket: a log line's path ends there. A
# segment starting with "<" is a route pattern already (the request log's own lines).
KEYED_PATH = re.compile(
    r"/?(?:book/manage|book/mine|book/nudges/off|book/waitlist/leave|book/waitlist/offer"
    r"|staff/feed)/[^\s'\"<>/][^\s'\"<>]*"
)
# What stands for the key when the path does not resolve (a 404 below a key, or gunicorn's
# master process, where Django is not set up): the route's own placeholder.
KEY_SEGMENT = re.compile(
    r"^(/book/manage/|/book/mine/|/book/nudges/off/|/book/waitlist/leave/"
    r"|/book/waitlist/offer/|/staff/feed/)[^/]+?(\.ics)?(?=/|$)"
)
PLACEHOLDERS = {
    "/book/manage/": "<str:token>",
    "/book/mine/": "<str:token>",
    "/book/nudges/off/": "<str:token>",
    "/book/waitlist/leave/": "<str:token>",
    "/book/waitlist/offer/": "<str:token>",
    "/staff/feed/": "<slug:token>",
}
_formatter = logging.Formatter()


def _resolved_route(path: str) -> str | None:
    """Return the URLconf's route for `path`, or None before Django is set up or on a miss."""
    if not apps.ready:
        return None
    try:
        route = resolve(path).route
    except Resolver404:
        return None
    return "/" + route if "<" in route else None  # a route without a key stands for nothing


def _route(path: str) -> str:
    """Return the route pattern standing for a key-bearing `path` (query string dropped)."""
    path, query_mark, _query = path.partition("?")
    path = path.partition("#")[0]
    slashed = path if path.startswith("/") else "/" + path
    route = _resolved_route(slashed) or KEY_SEGMENT.sub(
        lambda m: m[1] + PLACEHOLDERS[m[1]] + (m[2] or ""), slashed
    )
    if not path.startswith("/"):
        route = route[1:]
    return route + ("?…" if query_mark else "")


def redact(text: str) -> str:
    """Return `text` with every key-bearing path replaced by its route pattern."""
    return KEYED_PATH.sub(lambda match: _route(match[0]), text)


class RedactPaths(logging.Filter):
    """Rewrite a record's message, request and traceback so that no link key survives."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Return True (the record is kept) after redacting it in place."""
        try:
            message = record.getMessage()
        except Exception:
            return True  # a malformed logging call: the handler reports it as it emits
        redacted = redact(message)
        if redacted != message:
            # The formatted message replaces msg and args: a key may sit in either.
            record.msg, record.args = redacted, ()
        request: Any = getattr(record, "request", None)
        if isinstance(request, HttpRequest):
            # django.request and django.security.* attach the request; its repr (and any
            # handler reading its path or META) would carry the key.
            record.request = redact(repr(request))
        if record.exc_info and not record.exc_text:
            record.exc_text = _formatter.formatException(record.exc_info)
        if record.exc_text:
            # Formatters print exc_text when set; the exception object goes, as a 404's
            # carries the path it did not find.
            record.exc_text, record.exc_info = redact(record.exc_text), None
        return True


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """Return the dictConfig shared by Django (settings.LOGGING) and gunicorn."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact_paths": {"()": "clinic.logs.RedactPaths"}},
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "plain",
                "filters": ["redact_paths"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's default console and mail_admins handlers go: every line reaches the
            # one redacting handler above, and no email carries a request.
            "django": {"level": "INFO"},
            # The request log (clinic.middleware) replaces Django's own, which would
            # duplicate every 4xx line.
            "django.request": {"level": "ERROR"},
            "django.server": {"level": "ERROR", "propagate": True},
            # gunicorn's loggers keep its --log-level but write through the handler above.
            "gunicorn.error": {"propagate": True},
            # A logging config turns gunicorn's access log on; its lines (INFO) would print
            # full URLs. The request log already has one line per request.
            "gunicorn.access": {"level": "WARNING", "propagate": True},
        },
    }
