"""Manage links: a random secret per link, of which only a SHA-256 digest is stored."""

import hashlib
import re
import secrets
from datetime import datetime

from bookings.models import Appointment, ManageToken

# What issue_manage_token() hands out: URL-safe base64, of a length we could have issued.
_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,64}")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_manage_token(appointment: Appointment) -> str:
    """Return a new raw manage token for `appointment` (only its digest is stored)."""
    token = secrets.token_urlsafe(24)  # 192 random bits
    ManageToken.objects.create(appointment=appointment, digest=_digest(token))
    return token


def appointment_for_token(token: str, *, now: datetime) -> Appointment | None:
    """Return the appointment a manage token opens, or None if unknown, revoked or past."""
    if not _SHAPE.fullmatch(token):
        return None
    found = (
        ManageToken.objects.filter(digest=_digest(token), revoked_at__isnull=True)
        .select_related(
            "appointment__client",
            "appointment__therapist",
            "appointment__room",
            "appointment__service_length__service",
        )
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
        bool(_SHAPE.fullmatch(token)) and ManageToken.objects.filter(digest=_digest(token)).exists()
    )
