"""Public pages cached under a content version, so an edit shows at once on every process.

Each web process keeps rendered public pages in its own cache (Django's default
local-memory cache), each stored with the content version token it was rendered under and
the clinic's date. Saving or deleting anything a public page shows replaces that token in
the same transaction as the save (signals connected in ClinicConfig.ready), so the next
request on any process sees a token no entry carries and renders afresh: one tiny query per
cached hit buys correctness without a shared cache.

Views marked @cached_public_page store their answers; PageCacheMiddleware serves them,
high in the middleware stack, so a cached hit skips sessions, CSRF, authentication, the
second factor and URL resolution (none of which an anonymous, cookieless GET of a public
page needs). Requests with a session cookie (staff) or a query string, and answers other
than a plain 200, are never cached; drafts are previewed only in the admin.
"""

import hashlib
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import wraps

import psycopg
from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

TIMEOUT = 24 * 60 * 60


@dataclass(frozen=True, slots=True)
class CachedPage:
    token: str  # the content version the page was rendered under
    day: str  # the clinic's date: pages show years in practice and opening days
    route: str  # the URL pattern, for the request log
    content: bytes
    content_type: str


_CONTENT_VERSION_SQL = "SELECT token FROM clinic_content_version WHERE id = 1"


def current_token() -> str:
    """Return the content version token ("" before anything was ever saved)."""
    with connection.cursor() as cursor:
        cursor.execute(_CONTENT_VERSION_SQL)
        row = cursor.fetchone()
    return row[0] if row else ""


_own = threading.local()


def committed_token() -> str | None:
    """Return the committed token in one round trip, or None when the database is away."""
    rows = committed_rows(_CONTENT_VERSION_SQL)
    if rows is None:
        return None
    return rows[0][0] if rows else ""


def committed_rows(sql: str, params: Sequence = ()) -> list[tuple] | None:
    """Return the rows of one read of committed data, or None when the database is away.

    Each web thread keeps its own autocommit connection for the reads that answer a request
    from memory, outside the pool: a pool checkout costs a health-check round trip and
    Django's connection setup, which is most of a kept answer's cost. Inside a transaction
    (a test's, or a request that saved something) it reads through that transaction instead.
    """
    if connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    conn = getattr(_own, "connection", None)
    try:
        if conn is None or conn.closed:
            params_of = connection.get_connection_params()
            for django_only in ["cursor_factory", "context", "prepare_threshold"]:
                params_of.pop(django_only, None)
            conn = psycopg.connect(**params_of, autocommit=True, connect_timeout=2)
            _own.connection = conn
        return conn.execute(sql, params).fetchall()
    except psycopg.Error:
        # A restarted or unreachable database: render normally; reconnect next time.
        if conn is not None:
            conn.close()
        _own.connection = None
        return None


def close_own_connection() -> None:
    """Close this thread's token connection (tests do, before the test database is dropped)."""
    conn = getattr(_own, "connection", None)
    if conn is not None:
        conn.close()
    _own.connection = None


def bump(**_signal_kwargs) -> None:
    """Replace the content token, inside the caller's transaction (an admin save's).

    A random token, not a counter: a rolled-back transaction can never bring back a token
    that has cache entries of content that no longer exists.
    """
    # One upsert: two admins saving at once both leave a token no cache entry has.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO clinic_content_version (id, token) VALUES (1, %s) "
            "ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token",
            [uuid.uuid4().hex],
        )


def _cacheable(request: HttpRequest) -> bool:
    return (
        request.method in {"GET", "HEAD"}
        and not request.META.get("QUERY_STRING")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
    )


def _key(path: str) -> str:
    return "page:" + hashlib.sha256(path.encode()).hexdigest()


def cached_public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorate a public page view: keep its answer for PageCacheMiddleware to serve."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not _cacheable(request):
            return view(request, *args, **kwargs)
        # Read the token before rendering: content saved after this read is stored under a
        # token that is already stale, so it is rendered again, never shown stale.
        token, day = committed_token(), timezone.localdate().isoformat()
        response = view(request, *args, **kwargs)
        fresh = token is not None and response.status_code == 200
        if fresh and not response.cookies and not response.streaming:
            route = "/" + request.resolver_match.route
            page = CachedPage(token, day, route, response.content, response["Content-Type"])
            cache.set(_key(request.path), page, TIMEOUT)
        return response

    return wrapped


class PageCacheMiddleware:
    """Answer an anonymous GET of a public page from the cache while its content is current.

    Sits above the session, CSRF and authentication middleware (and below the ones that set
    security headers, so a cached page carries the same headers). A path nobody cached costs
    one local cache look-up and no query, so other pages pay nothing for it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        page = cache.get(_key(request.path)) if _cacheable(request) else None
        today = timezone.localdate().isoformat()
        # The query comes last: a path nobody cached never pays for it.
        if page and page.day == today and page.token == committed_token():
            request.get_host()  # a Host not allowed is refused, as CommonMiddleware would
            request.page_cache_route = page.route  # for RequestLogMiddleware
            return HttpResponse(page.content, content_type=page.content_type)
        return self.get_response(request)


def render_cached(
    request: HttpRequest,
    template: str,
    context: dict,
    *,
    status: int,
    vary: str,
    token: str | None = None,
) -> HttpResponse:
    """Render `template`, or return its copy rendered for the same content, path and `vary`.

    For pages whose query string is part of what they show (the booking time page and its
    day's times): `vary` names everything else the page depends on beyond the content (its
    times, say), and the caller computes it afresh on every request. `token` is the content
    token the request already read, if it did (else it is read here). Only plain 200
    answers to visitors without a session or a message waiting are kept, as for
    ``cached_public_page``.
    """
    if status != 200 or not cacheable_with_query(request):
        return render(request, template, context, status=status)
    token = current_token() if token is None else token
    raw = f"{token}:{timezone.localdate().isoformat()}:{request.get_full_path()}"
    key = "render:" + hashlib.sha256(f"{raw}:{template}:{vary}".encode()).hexdigest()
    if (hit := cache.get(key)) is not None:
        content, content_type = hit
        return HttpResponse(content, content_type=content_type)
    response = render(request, template, context, status=status)
    if not response.cookies:
        cache.set(key, (response.content, response["Content-Type"]), TIMEOUT)
    return response


def cacheable_with_query(request: HttpRequest) -> bool:
    return (
        request.method in {"GET", "HEAD"}
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES  # a note waiting to be shown
    )
