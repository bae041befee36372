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
from datetime import date, datetime
from threading import Lock

from django.db import connection

from bookings import availability_cache
from bookings.models import (
    AvailabilityVersion,
    BookingPolicy,
    Therapist,
    TimingRule,
    WaitlistHold,
)
from clinic.models import ClinicProfile
from services.models import Service, ServiceLength

# The availability versions of EVERY_DAY and of the days asked for (none: NULL bounds), the
# content version, and whether a waitlist hold is past its time (only when a moment is given):
# one round trip for all a booking page checks first. The first column says which row is which.
_TOKENS_SQL = f"""
SELECT 'day', day, token::text FROM {AvailabilityVersion._meta.db_table}
 WHERE day = %s OR (day >= %s AND day <= %s)
UNION ALL
SELECT 'content', NULL, token FROM clinic_content_version WHERE id = 1
UNION ALL
SELECT 'hold due', NULL, NULL WHERE EXISTS (
    SELECT 1 FROM {WaitlistHold._meta.db_table}
     WHERE status = %s AND expires_at <= %s::timestamptz
)
"""  # noqa: S608 - only the table names are interpolated
_MISSING = object()
MAX_ITEMS = 2_000

_kept: dict[str, object] = {"tokens": None, "items": {}}
_lock = Lock()


class Reference:
    """The reference data as of now: one query to learn whether the kept copies still hold.

    Given ``days`` (first, end), the same query reads those local days' availability
    versions too (``versions``), so the picker's kept days need no query of their own.
    Given ``now``, it also learns whether an open waitlist hold has run out by then
    (``holds_due``): the time page returns such a time before it reads the picker.
    """

    def __init__(
        self,
        days: tuple[date, date] | None = None,
        now: datetime | None = None,
        *,
        rows: list[tuple] | None = None,
    ) -> None:
        """Read the tokens, or take the `rows` of ``tokens_query`` read elsewhere."""
        if rows is None:
            with connection.cursor() as cursor:
                cursor.execute(*self.tokens_query(days, now))
                rows = cursor.fetchall()
        self.now = now
        by_day = {day: token for kind, day, token in rows if kind == "day"}
        content = next((token for kind, _day, token in rows if kind == "content"), None)
        self.holds_due = any(kind == "hold due" for kind, _day, _token in rows)
        copies_valid_under = (by_day.get(AvailabilityVersion.EVERY_DAY), content)
        # The content version as of this request, for pages that keep their rendering.
        self.content_token: str = content or ""
        # Every token read: what an answer built from this lookup alone depends on.
        self.tokens = (self.content_token, by_day)
        self.versions = availability_cache.Versions(*days, rows=by_day.items()) if days else None
        with _lock:
            if _kept["tokens"] != copies_valid_under:
                _kept["tokens"], _kept["items"] = copies_valid_under, {}
            self._items: dict = _kept["items"]

    @staticmethod
    def tokens_query(days: tuple[date, date] | None, now: datetime | None) -> tuple[str, list]:
        """Return the one query (SQL, parameters) that a lookup reads."""
        first, last = availability_cache.span(*days) if days else (None, None)
        open_hold = WaitlistHold.Status.OPEN
        return _TOKENS_SQL, [AvailabilityVersion.EVERY_DAY, first, last, open_hold, now]

    def _get(self, key: tuple, load):
        found = self._items.get(key, _MISSING)
        if found is _MISSING:
            found = load()
            # Unknown ids and slugs are kept too ("not found"), so cap what a stream of
            # made-up query strings could make a process hold.
            if len(self._items) < MAX_ITEMS:
                self._items[key] = found
        return copy.copy(found)

    def clinic(self) -> ClinicProfile:
        """Return the clinic's profile with its opening hours (the layout's header and
        footer show them): both are content, so the content token covers them."""
        return self._get(("clinic",), _clinic_with_hours)

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
        # The querysets are built only on a miss: building one costs more than a kept read.
        offering = self._get(
            ("offering", slug, service_id),
            lambda: Therapist.objects.active().filter(slug=slug).offering(service_id).first(),
        )
        if offering is not None:
            return offering, offering
        return None, self._get(
            ("therapist", slug), lambda: Therapist.objects.active().filter(slug=slug).first()
        )


def _clinic_with_hours() -> ClinicProfile:
    profile = ClinicProfile.load()
    profile.hours  # noqa: B018 - read now, so the kept copy holds them
    return profile


def clear() -> None:
    """Forget the kept copies of this process (tests measure a first visit with it)."""
    with _lock:
        _kept["tokens"], _kept["items"] = None, {}
