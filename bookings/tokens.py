"""Links that act as keys: a random secret per link, of which only a SHA-256 digest is stored.

Manage links open one appointment until its session is over. "Find my bookings" links
stand for an email address without carrying it: they work for a day, and once.
"""

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from bookings.models import Appointment, Client, LookupToken, ManageToken, NudgeToken, Therapist
from bookings.models.appointments import DETAILS as APPOINTMENT_DETAILS

# What issue_manage_token() hands out: URL-safe base64, of a length we could have issued.
_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,64}")
LOOKUP_LIFETIME = timedelta(days=1)


def digest(token: str) -> str:
    """Return the SHA-256 digest under which a secret link's token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_manage_token(appointment: Appointment) -> str:
    """Return a new raw manage token for `appointment` (only its digest is stored)."""
    token, link = new_manage_token(appointment)
    link.save()
    return token


def new_manage_token(appointment: Appointment) -> tuple[str, ManageToken]:
    """Return a new raw manage token for `appointment` and its unsaved digest row."""
    token = secrets.token_urlsafe(24)  # 192 random bits
    return token, ManageToken(appointment=appointment, digest=digest(token))


def appointment_for_token(token: str, *, now: datetime) -> Appointment | None:
    """Return the appointment a manage token opens, or None if unknown, revoked or past."""
    if not _SHAPE.fullmatch(token):
        return None
    found = (
        ManageToken.objects.filter(digest=digest(token), revoked_at__isnull=True)
        .select_related(*(f"appointment__{name}" for name in APPOINTMENT_DETAILS))
        .first()
    )
    if found is None or found.appointment.end <= now:
        return None
    return found.appointment


def revoke_manage_tokens(appointment: Appointment, *, now: datetime) -> int:
    """Revoke every manage link of `appointment`; return how many were live."""
    return appointment.manage_tokens.filter(revoked_at__isnull=True).update(revoked_at=now)


def was_issued(token: str) -> bool:
    """Return whether `token` is a manage link we issued, whether or not it still works."""
    return (
        bool(_SHAPE.fullmatch(token)) and ManageToken.objects.filter(digest=digest(token)).exists()
    )


class FindLinkRefused(Exception):
    """A "find my bookings" link opens nothing; ``reason`` is "used", "expired" or "invalid"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def issue_lookup_token(email: str, *, now: datetime) -> str:
    """Return a new raw "find my bookings" token for `email`, good for a day (digest stored)."""
    token = secrets.token_urlsafe(24)  # 192 random bits
    LookupToken.objects.create(
        digest=digest(token),
        email=email.strip().lower(),
        created_at=now,
        expires_at=now + LOOKUP_LIFETIME,
    )
    return token


def redeem_lookup_token(token: str, *, now: datetime) -> LookupToken:
    """Mark a "find my bookings" token used and return it; raise FindLinkRefused if it can't be.

    The conditional UPDATE is the single-use guard: of two opens racing, one updates the
    row and the other finds it used.
    """
    if ":" in token:
        # A signed link from before links were stored: it expired within a day anyway.
        raise FindLinkRefused("expired")
    if not _SHAPE.fullmatch(token):
        raise FindLinkRefused("invalid")
    hashed = digest(token)
    live = LookupToken.objects.filter(digest=hashed, used_at__isnull=True, expires_at__gt=now)
    if live.update(used_at=now):
        return LookupToken.objects.get(digest=hashed)
    found = LookupToken.objects.filter(digest=hashed).first()
    if found is None:
        raise FindLinkRefused("invalid")
    raise FindLinkRefused("used" if found.used_at is not None else "expired")


def expire_lookup_tokens(email: str, *, now: datetime) -> int:
    """End every unused "find my bookings" link for `email`; return how many were live."""
    live = LookupToken.objects.filter(email__iexact=email, used_at__isnull=True, expires_at__gt=now)
    return live.update(expires_at=now)


def issue_feed_token(therapist: Therapist) -> str:
    """Return a new raw calendar-feed token for `therapist`, revoking the old one.

    Only its digest is stored, so the feed's URL can be shown once and never again.
    """
    token = secrets.token_urlsafe(32)  # 256 random bits
    therapist.feed_token_digest = digest(token)
    therapist.save(update_fields=["feed_token_digest"])
    return token


def issue_nudge_token(client: Client) -> str:
    """Return a new raw unsubscribe-from-nudges token for `client` (only its digest is stored)."""
    token = secrets.token_urlsafe(24)  # 192 random bits
    NudgeToken.objects.create(client=client, digest=digest(token))
    return token


def client_for_nudge_token(token: str) -> Client | None:
    """Return the client a nudge unsubscribe token stands for, or None if we never issued it."""
    if not well_formed(token):
        return None
    found = NudgeToken.objects.filter(digest=digest(token)).select_related("client").first()
    return None if found is None else found.client


def well_formed(token: str) -> bool:
    """Return whether `token` has the shape of a link we issue (cheap, before any lookup)."""
    return bool(_SHAPE.fullmatch(token))
