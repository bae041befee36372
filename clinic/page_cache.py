"""Public pages cached under a content version, so an edit shows at once on every process.

Each web process keeps rendered public pages in its own cache (Django's default
local-memory cache) under a key made of the page's path, the clinic's date and the content
version token (table clinic_content_version). Saving or deleting anything a public page
shows replaces that token in the same transaction as the save (signals connected in
ClinicConfig.ready), so the next request on any process misses the old entries: one small
query per request buys correctness without a shared cache. Requests with a session cookie
(staff) or a query string, and answers other than a plain 200, are never cached; drafts are
previewed only in the admin.
"""

import hashlib
import uuid
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

TIMEOUT = 24 * 60 * 60


def current_token() -> str:
    """Return the content version token ("" before anything was ever saved)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT token FROM clinic_content_version WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else ""


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
        and not request.GET
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
    )


def cached_public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorate a public page view: serve it from the cache while the content is unchanged."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not _cacheable(request):
            return view(request, *args, **kwargs)
        # The date is in the key because pages show years in practice and opening days.
        raw = f"{current_token()}:{timezone.localdate().isoformat()}:{request.path}"
        key = "page:" + hashlib.sha256(raw.encode()).hexdigest()
        if (hit := cache.get(key)) is not None:
            content, content_type = hit
            return HttpResponse(content, content_type=content_type)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.cookies and not response.streaming:
            cache.set(key, (response.content, response["Content-Type"]), TIMEOUT)
        return response

    return wrapped


def render_cached(
    request: HttpRequest, template: str, context: dict, *, status: int, vary: str
) -> HttpResponse:
    """Render `template`, or return its copy rendered for the same content, path and `vary`.

    For pages whose query string is part of what they show (the booking time page): `vary`
    names everything else the page depends on beyond the content (its times, say), and the
    caller computes it afresh on every request. Only plain 200 answers to visitors without
    a session or a message waiting are kept, as for ``cached_public_page``.
    """
    if status != 200 or not _cacheable_with_query(request):
        return render(request, template, context, status=status)
    raw = f"{current_token()}:{timezone.localdate().isoformat()}:{request.get_full_path()}"
    key = "render:" + hashlib.sha256(f"{raw}:{template}:{vary}".encode()).hexdigest()
    if (hit := cache.get(key)) is not None:
        content, content_type = hit
        return HttpResponse(content, content_type=content_type)
    response = render(request, template, context, status=status)
    if not response.cookies:
        cache.set(key, (response.content, response["Content-Type"]), TIMEOUT)
    return response


def _cacheable_with_query(request: HttpRequest) -> bool:
    return (
        request.method in {"GET", "HEAD"}
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES  # a note waiting to be shown
    )
