"""Fixed-window rate limits kept in PostgreSQL, so all gunicorn workers share one count.

Each hit is one atomic upsert (INSERT ... ON CONFLICT DO UPDATE ... RETURNING), so two
workers counting the same key at the same instant can never both read the old value.
Keys are hashed: the table never holds a client's IP address or email in the clear.
"""

import hashlib
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from clinic import commits
from clinic.commits import RELAXED
from clinic.models import RateLimitWindow

_UPSERT = f"""
    INSERT INTO {RateLimitWindow._meta.db_table} (key, window_start, count)
    VALUES (%s, %s, 1)
    ON CONFLICT (key, window_start) DO UPDATE
        SET count = {RateLimitWindow._meta.db_table}.count + 1
    RETURNING count
"""  # noqa: S608 - only the table name is interpolated
# The same upsert, its commit not waiting for the disk (``clinic.commits``): a count lost in
# a database crash lets a few more posts through, once.
_UPSERT_RELAXED = f"""
    INSERT INTO {RateLimitWindow._meta.db_table} (key, window_start, count)
    SELECT %s, %s, 1 FROM {RELAXED}
    ON CONFLICT (key, window_start) DO UPDATE
        SET count = {RateLimitWindow._meta.db_table}.count + 1
    RETURNING count
"""  # noqa: S608 - only the table name and a constant are interpolated
# Windows over a day old, swept now and then by a hit: one statement, no transaction of its own.
_SWEEP = f"DELETE FROM {RateLimitWindow._meta.db_table} WHERE window_start < %s"  # noqa: S608
SWEEP_CHANCE = 0.01


def client_ip(request: HttpRequest) -> str:
    """Return the client's IP, trusting X-Forwarded-For only as far as TRUSTED_PROXIES hops."""
    hops = settings.TRUSTED_PROXY_COUNT
    if hops:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "unknown")


def _window_start(now: datetime, window: timedelta) -> datetime:
    seconds = int(window.total_seconds())
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=now.tzinfo)


def _key(scope: str, identity: str) -> str:
    secret = f"{settings.SECRET_KEY}:{scope}:{identity.lower()}"
    return f"{scope}:{hashlib.sha256(secret.encode()).hexdigest()[:40]}"


def count(scope: str, identity: str, *, window: timedelta) -> int:
    """Return how often `identity` acted in `scope` in the current window, without counting."""
    start = _window_start(timezone.now(), window)
    found = RateLimitWindow.objects.filter(key=_key(scope, identity), window_start=start).first()
    return found.count if found else 0


def hit(scope: str, identity: str, *, limit: int, window: timedelta) -> bool:
    """Count one action by `identity` in `scope`; return whether it is within `limit`."""
    start = _window_start(timezone.now(), window)
    with connection.cursor() as cursor:
        upsert = _UPSERT_RELAXED if commits.relaxed(connection) else _UPSERT
        cursor.execute(upsert, [_key(scope, identity), start])
        (total,) = cursor.fetchone()
    if random.random() < SWEEP_CHANCE:  # noqa: S311 - housekeeping, not security
        sweep()
    return total <= limit


def sweep() -> int:
    """Delete the windows over a day old in one statement; return how many went."""
    with connection.cursor() as cursor:
        cursor.execute(_SWEEP, [timezone.now() - timedelta(days=1)])
        return cursor.rowcount


def too_many_requests(request: HttpRequest) -> HttpResponse:
    """Return the polite 429 page."""
    response = render(request, "429.html", status=429)
    response["Retry-After"] = "600"
    return response


def limit_posts(scope: str, *, limit: int, window: timedelta) -> Callable:
    """Decorate a view so that POSTs beyond `limit` per client IP per `window` get a 429."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method == "POST" and not hit(
                scope, client_ip(request), limit=limit, window=window
            ):
                return too_many_requests(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
