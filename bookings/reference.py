"""What every booking step looks up first (the policy, the length, the therapist, the
service), kept in each process while nothing it holds has changed: one small query a
request instead of three or four.

Validity is two tokens read together: the availability version of every day (replaced by
database triggers whenever the policy, a length, a therapist's status or cap, or who offers
what changes; ``AvailabilityVersion``) and the content version of the public pages
(replaced by every admin save of a service, length or therapist; ``clinic.page_cache``).
When either differs from the one the kept objects were read under, they are read again.
Callers get their own copies, so nothing one request sets reaches another.
"""

import copy
from datetime import date
from threading import Lock

from django.db import connection

from bookings import availability_cache
from bookings.models import AvailabilityVersion, BookingPolicy, Therapist, TimingRule
from services.models import Service, ServiceLength

# The availability versions of EVERY_DAY and of the days asked for (none: NULL bounds), then
# the content version (day NULL): one round trip for all a booking page checks first.
_TOKENS_SQL = f"""
SELECT day, token::text FROM {AvailabilityVersion._meta.db_table}
 WHERE day = %s OR (day >= %s AND day <= %s)
UNION ALL
SELECT NULL, token FROM clinic_content_version WHERE id = 1
"""  # noqa: S608 - only the table name is interpolated
_MISSING = object()
MAX_ITEMS = 2_000

_kept: dict[str, object] = {"tokens": None, "items": {}}
_lock = Lock()


class Reference:
    """The reference data as of now: one query to learn whether the kept copies still hold.

    Given ``days`` (first, end), the same query reads those local days' availability
    versions too (``versions``), so the picker's kept days need no query of their own.
    """

    def __init__(self, days: tuple[date, date] | None = None) -> None:
        first, last = availability_cache.span(*days) if days else (None, None)
        with connection.cursor() as cursor:
            cursor.execute(_TOKENS_SQL, [AvailabilityVersion.EVERY_DAY, first, last])
            rows = cursor.fetchall()
        by_day = {day: token for day, token in rows if day is not None}
        content = next((token for day, token in rows if day is None), None)
        tokens = (by_day.get(AvailabilityVersion.EVERY_DAY), content)
        # The content version as of this request, for pages that keep their rendering.
        self.content_token: str = content or ""
        self.versions = availability_cache.Versions(*days, rows=by_day.items()) if days else None
        with _lock:
            if _kept["tokens"] != tokens:
                _kept["tokens"], _kept["items"] = tokens, {}
            self._items: dict = _kept["items"]

    def _get(self, key: tuple, load):
        found = self._items.get(key, _MISSING)
        if found is _MISSING:
            found = load()
            # Unknown ids and slugs are kept too ("not found"), so cap what a stream of
            # made-up query strings could make a process hold.
            if len(self._items) < MAX_ITEMS:
                self._items[key] = found
        return copy.copy(found)

    def policy(self) -> BookingPolicy:
        return self._get(("policy",), BookingPolicy.load)

    def service(self, slug: str) -> Service | None:
        """Return the published service with `slug`."""
        return self._get(
            ("service", slug), lambda: Service.objects.published().filter(slug=slug).first()
        )

    def length(self, pk: int) -> ServiceLength | None:
        """Return the length `pk` of a published service, its service with it."""
        return self._get(
            ("length", pk),
            lambda: (
                ServiceLength.objects.select_related("service")
                .filter(pk=pk, service__published=True)
                .first()
            ),
        )

    def timing_rules(self, service_id: int) -> list[TimingRule]:
        """Return the active timing rules of a service (bookings/race.py), alternatives too."""
        return self._get(
            ("timing", service_id),
            lambda: list(
                TimingRule.objects.filter(active=True, service_id=service_id).select_related(
                    "service", "alternative__service"
                )
            ),
        )

    def therapist(self, slug: str, service_id: int) -> tuple[Therapist | None, Therapist | None]:
        """Return (the active therapist `slug` if they offer the service, else None; the
        active therapist `slug` whatever they offer, read only when the first is None)."""
        named = Therapist.objects.active().filter(slug=slug)
        offering = self._get(
            ("offering", slug, service_id), lambda: named.offering(service_id).first()
        )
        if offering is not None:
            return offering, offering
        return None, self._get(("therapist", slug), named.first)


def clear() -> None:
    """Forget the kept copies of this process (tests measure a first visit with it)."""
    with _lock:
        _kept["tokens"], _kept["items"] = None, {}
