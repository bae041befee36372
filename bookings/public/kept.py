"""Booking time pages answered again without being built again, while nothing has changed.

The time page and a day's times are what runners load most, and most loads ask what the
last visitor asked. Each process keeps the answer of a view that marked it (``steady``),
under its full path and the clinic's date, with what it was built from: the content token
and the availability versions of the days around the one asked for (``Reference``'s one
query), and the moment the clock alone would change it (``availability_cache.Steady``: a
start falling inside the notice, or the horizon reaching a new one).

``KeptAnswerMiddleware`` sits just below the public page cache, above sessions, CSRF and
authentication. For an anonymous GET with a kept answer it reads the same tokens, committed,
on the thread's own connection (``page_cache.committed_rows``); when they are unchanged, no
waitlist hold is due and the moment has not come, it answers with the kept bytes. Otherwise
the view runs as ever, reusing that read. So a write made through any door, on any process
sharing the database, shows on the very next request, as it does when the page is built.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from bookings import availability_cache, clock, reference
from bookings.public import picker
from clinic import page_cache

MAX_ANSWERS = 2_000  # paths x dates; a stream of made-up query strings evicts the oldest


@dataclass(frozen=True, slots=True)
class _Answer:
    tokens: tuple  # the content token and the day versions the answer was built from
    until: datetime  # from this moment on the clock may change it
    route: str  # the URL pattern, for the request log
    content: bytes
    headers: tuple[tuple[str, str], ...]


_answers = availability_cache.Store(MAX_ANSWERS)


def clear() -> None:
    """Forget every kept answer of this process."""
    _answers.clear()


def likely_days(request: HttpRequest, now: datetime) -> tuple[date, date]:
    """Return the local days any week holding the day asked for covers (today's if none).

    Only a guess read before the query string is checked: anything unusable gives today.
    """
    raw = request.GET.get("day") or request.GET.get("week") or request.GET.get("start", "")[:10]
    before, after = timedelta(days=picker.WEEK - 1), timedelta(days=picker.WEEK)
    try:
        day = date.fromisoformat(raw)
        return day - before, day + after
    except (ValueError, OverflowError):  # not a date, or one at the calendar's very ends
        today = timezone.localdate(now, clock.clinic_tz())
        return today - before, today + after


def steady(request: HttpRequest) -> availability_cache.Steady:
    """Return the record the view's picker fills in; the answer is kept if it says so."""
    request.kept_steady = availability_cache.Steady()
    return request.kept_steady


def _key(request: HttpRequest, now: datetime) -> tuple[str, date]:
    return request.get_full_path(), timezone.localdate(now, clock.clinic_tz())


def _answerable(request: HttpRequest) -> bool:
    return request.method == "GET" and page_cache.cacheable_with_query(request)


class KeptAnswerMiddleware:
    """Answer a booking time page from memory while what it was built from still holds."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _answerable(request):
            return self.get_response(request)
        now = timezone.now()
        key = _key(request, now)
        kept: _Answer | None = _answers.get(key)
        if kept is not None and now < kept.until:
            days = likely_days(request, now)
            sql, params = reference.Reference.tokens_query(days, now)
            if (rows := page_cache.committed_rows(sql, params)) is not None:
                lookup = reference.Reference(days, now, rows=rows)
                if lookup.tokens == kept.tokens and not lookup.holds_due:
                    request.get_host()  # a Host not allowed is refused, as below
                    request.page_cache_route = kept.route  # for RequestLogMiddleware
                    return HttpResponse(kept.content, headers=dict(kept.headers))
                request.kept_lookup = lookup  # the view reads nothing again
        response = self.get_response(request)
        self._keep(request, response, key)
        return response

    @staticmethod
    def _keep(request: HttpRequest, response: HttpResponse, key: tuple) -> None:
        marked: availability_cache.Steady | None = getattr(request, "kept_steady", None)
        lookup = getattr(request, "reference", None)
        if marked is None or lookup is None or not marked.covered:
            return
        if response.status_code != 200 or response.cookies or response.streaming:
            return
        route = "/" + request.resolver_match.route
        headers = tuple(response.items())
        _answers.put(key, _Answer(lookup.tokens, marked.until, route, response.content, headers))
