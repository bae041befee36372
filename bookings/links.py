"""Revoking the links that act as keys: re-send one booking's manage link, revoke a client's.

Manage links and "find my bookings" links are stored hashed (bookings/tokens.py), so each
can be revoked. A find link, once opened, lives on in that browser's session (the email,
never in a URL): the session is revoked by date, with the client's ``links_revoked_at`` (a
link issued at or before it is refused). Every revocation is a line in the history of each
appointment it touches, naming the staff member; never a token.
"""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.db.models import Count

from bookings import outbox
from bookings.models import (
    Appointment,
    AppointmentChange,
    Client,
    ClientMessage,
    LookupToken,
    ManageToken,
)
from bookings.tokens import FindLinkRefused, expire_lookup_tokens, revoke_manage_tokens

Action = AppointmentChange.Action
# The session key an opened "find my bookings" link leaves its email under.
FIND_SESSION_KEY = "find_my_bookings"


class LinkRefused(Exception):
    """A link cannot be re-sent; ``message`` says why, for the page."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def resend_manage_link(
    *, appointment: Appointment, by: AbstractBaseUser, now: datetime
) -> ClientMessage:
    """Revoke `appointment`'s manage links and queue an email carrying a new one.

    Return the queued message. The email mints its link when it is composed (emails.py),
    so the new link exists only in the email. A message already waiting to go out is
    returned instead of a second one.
    """
    with transaction.atomic():
        # The row lock serialises two clicks on "Re-send": the second one waits, then
        # finds the first one's pending message, so the client gets one email.
        locked = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("client")
            .filter(pk=appointment.pk)
            .first()
        )
        if locked is None:
            raise LinkRefused("This appointment no longer exists.")
        if locked.status != Appointment.Status.BOOKED or locked.start <= now:
            raise LinkRefused("Only a booked appointment still to come has a manage link.")
        if not locked.client.email:
            raise LinkRefused("This client has no email address on file to send a link to.")
        revoked = revoke_manage_tokens(locked, now=now)
        waiting = locked.messages.pending().filter(kind=ClientMessage.Kind.MANAGE_LINK).first()
        if waiting is not None:
            return waiting
        AppointmentChange.objects.create(
            appointment=locked,
            at=now,
            by=by,
            action=Action.LINK_RESENT,
            details={"links revoked": revoked},
        )
        return outbox.queue(locked, ClientMessage.Kind.MANAGE_LINK)


def revoke_client_links(*, client: Client, by: AbstractBaseUser, now: datetime) -> int:
    """Revoke every manage link of `client`'s appointments and their find-my-bookings links.

    Return how many manage links were live. Each appointment that had one gets a history
    line; the find-my-bookings cut-off is the client's ``links_revoked_at``.
    """
    with transaction.atomic():
        # Locked against a concurrent erasure or revocation of the same client.
        locked = Client.objects.select_for_update().get(pk=client.pk)
        tokens = ManageToken.objects.filter(appointment__client=locked, revoked_at__isnull=True)
        live = dict(
            tokens.values("appointment")
            .annotate(count=Count("pk"))
            .values_list("appointment", "count")
        )
        tokens.update(revoked_at=now)
        AppointmentChange.objects.bulk_create(
            AppointmentChange(
                appointment_id=appointment_id,
                at=now,
                by=by,
                action=Action.LINKS_REVOKED,
                details={"links revoked": count},
            )
            for appointment_id, count in sorted(live.items())
        )
        if locked.email:
            expire_lookup_tokens(locked.email, now=now)
        locked.links_revoked_at = now
        locked.save(update_fields=["links_revoked_at"])
    return sum(live.values())


def remember_find_link(session: SessionBase, lookup: LookupToken) -> None:
    """Keep an opened "find my bookings" link's email in `session` until the link expires."""
    session[FIND_SESSION_KEY] = {
        "email": lookup.email,
        "issued_at": lookup.created_at.timestamp(),
        "expires_at": lookup.expires_at.timestamp(),
    }


def email_in_session(session: SessionBase, *, now: datetime) -> str | None:
    """Return the email an opened find link left in `session`, or None if it holds none.

    Raise FindLinkRefused("expired") for one that has expired or was issued at or before
    the front desk revoked the client's links; it is forgotten.
    """
    found = session.get(FIND_SESSION_KEY)
    if not isinstance(found, dict):
        return None
    email, issued_at = found.get("email"), found.get("issued_at")
    expires_at = found.get("expires_at")
    valid = (
        isinstance(email, str)
        and isinstance(issued_at, float)
        and isinstance(expires_at, float)
        and now.timestamp() < expires_at
    )
    if not valid or _revoked_since(email, issued_at):
        del session[FIND_SESSION_KEY]
        raise FindLinkRefused("expired")
    return email


def _revoked_since(email: str, issued_at: float) -> bool:
    revoked = Client.objects.with_email(email).filter(links_revoked_at__isnull=False)
    return any(
        issued_at <= at.timestamp() for at in revoked.values_list("links_revoked_at", flat=True)
    )
