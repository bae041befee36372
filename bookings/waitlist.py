"""The waitlist's writes: join, leave, offer a freed time, claim it, and tidy up.

When a session is cancelled or moved, the booking write queues ``offer_freed_time`` in its
own transaction (bookings/tasks.py), so the offer runs after the change commits. It holds the
freed time as a row of time off on the therapist, which every door (the picker, the desk,
the re-check before any booking) already treats as taken, and which the availability
triggers of migration 0010 count: the hold's insert and its removal each replace that date's
version, so the picker hides the time while it is held and offers it again once released.

The runners whose wishes match are offered it in the order they joined (``OFFERS_PER_HOLD``
at most), each by email with their own claim link; a hold nobody claims in time goes to the
next runners in line, and time off removed is offered the same way (``offer_freed_span``).
A claim locks the hold row, so of two runners claiming at once one books and the other
finds it gone; the booking itself goes through ``booking.book_appointment`` with the
offer's idempotency key, so the exclusion constraints still decide and a claim sent twice
books once.
"""

import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bookings import availability_cache, booking, clock, outbox, tokens
from bookings.errors import BookingError, SlotTaken
from bookings.models import (
    BookingPolicy,
    ClientMessage,
    Therapist,
    TimeOff,
    WaitlistEntry,
    WaitlistHold,
    WaitlistOffer,
)
from bookings.models.waitlist import PartOfDay
from bookings.recheck import confirm_offer
from services.models import ServiceLength

HOLD = timedelta(minutes=15)
OFFERS_PER_HOLD = 3  # runners offered one freed time at once, the earliest to join first
Kind = ClientMessage.Kind
Entry = WaitlistEntry.Status
Hold = WaitlistHold.Status
OfferStatus = WaitlistOffer.Status


class WaitlistError(BookingError):
    """A waitlist request that cannot be met; ``reason`` names which ("gone", "expired"...)."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Claimed:
    """A claimed offer: the booking, and a manage token when this claim made it."""

    offer: WaitlistOffer
    booked: booking.Booked


def part_of_day(start: datetime) -> str:
    """Return the part of the clinic's day `start` falls in, as the picker groups times."""
    hour = timezone.localtime(start, clock.clinic_tz()).hour
    if hour < 12:
        return PartOfDay.MORNING
    return PartOfDay.AFTERNOON if hour < 17 else PartOfDay.EVENING


def suits(entry: WaitlistEntry, start: datetime) -> bool:
    """Return whether a session at `start` is on one of the entry's days and times, in time."""
    local = timezone.localtime(start, clock.clinic_tz())
    return (
        local.weekday() in entry.days
        and part_of_day(start) in entry.parts
        and local.date() <= entry.until
    )


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(24)  # 192 random bits; only the digest is stored
    return token, tokens.digest(token)


def _queue(kind: str, email: str, **link) -> None:
    message = ClientMessage.objects.create(kind=kind, email=email, **link)
    outbox.enqueue_saved([message])


# --- the runner's side ------------------------------------------------------------------


def join(
    *,
    details: booking.ClientDetails,
    service_length: ServiceLength,
    therapist: Therapist | None,
    days: list[int],
    parts: list[str],
    until: date,
    now: datetime,
    policy: BookingPolicy | None = None,
) -> WaitlistEntry:
    """Put a runner on the waitlist and email them a link to leave it."""
    policy = policy or BookingPolicy.load()
    today = timezone.localdate(now, clock.clinic_tz())
    if until < today:
        raise WaitlistError("The last day you can come must be today or later.", reason="until")
    if until > today + timedelta(days=policy.horizon_days):
        last = clock.day(today + timedelta(days=policy.horizon_days))
        raise WaitlistError(f"We take bookings up to {last}.", reason="until")
    if not days or not parts:
        raise WaitlistError("Choose at least one day and one time of day.", reason="days")
    with transaction.atomic():
        client = booking.find_or_create_client(
            first_name=details.first_name,
            last_name=details.last_name,
            email=details.email,
            phone=details.phone,
        )
        entry = WaitlistEntry.objects.create(
            client=client,
            service_length=service_length,
            therapist=therapist,
            days=sorted(set(days)),
            parts=[p for p in PartOfDay.values if p in parts],
            until=until,
            created_at=now,
        )
        _queue(Kind.WAITLIST_JOINED, details.email, waitlist_entry=entry)
    return entry


def issue_leave_token(entry: WaitlistEntry) -> str:
    """Return a new raw leave-the-list token for `entry` (its digest replaces the last one)."""
    token, entry.leave_digest = _new_token()
    entry.save(update_fields=["leave_digest"])
    return token


def entry_for_leave_token(token: str) -> WaitlistEntry | None:
    """Return the entry a leave link stands for, or None if the link is not ours."""
    if not tokens.well_formed(token):
        return None
    found = WaitlistEntry.objects.filter(leave_digest=tokens.digest(token))
    return found.select_related("service_length__service", "therapist").first()


def leave(*, entry: WaitlistEntry, now: datetime, status: str = Entry.LEFT) -> bool:
    """Take `entry` off the list; return False if it had already left it."""
    with transaction.atomic():
        ended = WaitlistEntry.objects.filter(pk=entry.pk, status=Entry.WAITING).update(
            status=status, ended_at=now
        )
        # Offers still open for it go with it; the hold stays for the others offered it.
        WaitlistOffer.objects.filter(entry=entry, status=OfferStatus.OPEN).update(
            status=OfferStatus.EXPIRED
        )
    return bool(ended)


def remove_entry(*, entry: WaitlistEntry, now: datetime) -> bool:
    """Take `entry` off the list at the desk's request."""
    return leave(entry=entry, now=now, status=Entry.REMOVED)


def issue_claim_token(offer: WaitlistOffer) -> str:
    """Return a new raw claim token for `offer` (only its digest is stored)."""
    token, offer.claim_digest = _new_token()
    offer.save(update_fields=["claim_digest"])
    return token


def offer_for_token(token: str) -> WaitlistOffer | None:
    """Return the offer a claim link stands for, or None if the link is not ours."""
    if not tokens.well_formed(token):
        return None
    return (
        WaitlistOffer.objects.filter(claim_digest=tokens.digest(token))
        .select_related(
            "hold__therapist",
            "entry__client",
            "entry__service_length__service",
        )
        .first()
    )


def claim(*, offer: WaitlistOffer, now: datetime) -> Claimed:
    """Book the held time for `offer`'s runner, or raise WaitlistError saying why not."""
    policy = BookingPolicy.load()
    try:
        with transaction.atomic():
            # Two runners claiming one time queue here: the second finds it claimed.
            hold = WaitlistHold.objects.select_for_update().get(pk=offer.hold_id)
            current = WaitlistOffer.objects.select_related(
                "entry__client", "entry__service_length__service"
            ).get(pk=offer.pk)
            if current.status == OfferStatus.CLAIMED:
                done = booking.Booked(hold.appointment, None, created=False)
                return Claimed(current, done)
            if hold.status == Hold.CLAIMED:
                raise WaitlistError("Sorry, someone else booked this time first.", reason="gone")
            expired = hold.status == Hold.EXPIRED or hold.expires_at <= now
            if expired:
                _release(hold, now=now)  # committed: the refusal is raised after the block
            else:
                booked = _book_held(hold, current, now=now, policy=policy)
    except SlotTaken as taken:
        raise WaitlistError("Sorry, this time is no longer free.", reason="gone") from taken
    if expired:
        raise WaitlistError("Sorry, the hold on this time has run out.", reason="expired")
    return Claimed(current, booked)


def _book_held(
    hold: WaitlistHold, offer: WaitlistOffer, *, now: datetime, policy: BookingPolicy
) -> booking.Booked:
    """Book `hold`'s time (locked by the caller) for `offer`'s runner and tell the others."""
    if offer.status != OfferStatus.OPEN or offer.entry.status != Entry.WAITING:
        raise WaitlistError("This offer is no longer open to you.", reason="closed")
    if hold.time_off_id is not None:
        TimeOff.objects.filter(pk=hold.time_off_id).delete()
    booked = booking.book_appointment(
        client=offer.entry.client,
        service_length=offer.entry.service_length,
        start=hold.start,
        therapist=hold.therapist,
        now=now,
        key=offer.key,
        policy=policy,
    )
    hold.status, hold.appointment, hold.time_off = Hold.CLAIMED, booked.appointment, None
    hold.save(update_fields=["status", "appointment", "time_off"])
    offer.status = OfferStatus.CLAIMED
    offer.save(update_fields=["status"])
    WaitlistEntry.objects.filter(pk=offer.entry_id).update(status=Entry.BOOKED, ended_at=now)
    for other in hold.offers.filter(status=OfferStatus.OPEN).select_related("entry__client"):
        other.status = OfferStatus.GONE
        other.save(update_fields=["status"])
        _queue(Kind.WAITLIST_GONE, other.entry.client.email, waitlist_offer=other)
    return booked


# --- offering a freed time ----------------------------------------------------------------


def offer_freed_span(
    *, therapist_id: int, start: datetime, end: datetime, now: datetime
) -> list[WaitlistHold]:
    """Offer the session starts between `start` and `end` that removed time off just freed,
    earliest first, each to the runners waiting for it; a runner is offered one of them at
    most. Return the holds made."""
    therapist = Therapist.objects.filter(pk=therapist_id, active=True).first()
    if therapist is None:
        return []
    waiting = WaitlistEntry.objects.waiting().filter(Q(therapist=None) | Q(therapist=therapist))
    lengths = ServiceLength.objects.filter(
        pk__in=waiting.values("service_length_id"), service__in=therapist.services.all()
    )
    policy, tz = BookingPolicy.load(), clock.clinic_tz()
    starts: set[datetime] = set()
    for length in lengths:
        found = availability_cache.offered(
            service_length=length,
            policy=policy,
            now=now,
            start_date=timezone.localtime(start, tz).date(),
            end_date=timezone.localtime(end, tz).date() + timedelta(days=1),
            therapist=therapist,
        )
        starts.update(slot.start for slot in found if start <= slot.start < end)
    holds: list[WaitlistHold] = []
    offered_to: set[int] = set()
    for moment in sorted(starts):
        hold = offer_freed_time(
            therapist_id=therapist_id, start=moment, now=now, passing_over=offered_to
        )
        if hold is not None:
            holds.append(hold)
            offered_to.update(hold.offers.values_list("entry_id", flat=True))
    return holds


def offer_freed_time(
    *,
    therapist_id: int,
    start: datetime,
    now: datetime,
    passing_over: Collection[int] = (),
) -> WaitlistHold | None:
    """Hold a freed session start for the runners waiting for it and email them; return the
    hold, or None if nobody waiting suits it or it is no longer bookable.

    A runner who let an offer of this very time lapse is not offered it again; one who lost
    it to another runner's claim is, when it frees once more. Entries in `passing_over` are
    not offered it either (``offer_freed_span``: they have an offer of the same freed time).
    """
    release_expired(now=now)
    therapist = Therapist.objects.filter(pk=therapist_id, active=True).first()
    if therapist is None:
        return None
    local = timezone.localtime(start, clock.clinic_tz())
    waiting = (
        WaitlistEntry.objects.waiting()
        .filter(
            until__gte=local.date(),
            days__contains=[local.weekday()],
            parts__contains=[part_of_day(start)],
            service_length__service__in=therapist.services.all(),
        )
        .filter(Q(therapist=None) | Q(therapist=therapist))
        .exclude(pk__in=_lapsed(therapist_id, start))
        .exclude(pk__in=passing_over)
        .select_related("client", "service_length__service")
        .order_by("created_at", "pk")
    )
    policy = BookingPolicy.load()
    with transaction.atomic():
        # The lock block_time() takes: a booking re-checking this therapist waits for the
        # hold, or the hold's re-check below sees the booking.
        Therapist.objects.select_for_update().get(pk=therapist.pk)
        chosen: list[WaitlistEntry] = []
        span = None
        for entry in waiting:
            if not entry.client.email:
                continue
            length = entry.service_length
            wanted = (
                start - timedelta(minutes=length.buffer_before),
                start + timedelta(minutes=length.minutes + length.buffer_after),
            )
            if span is not None and not (span[0] <= wanted[0] and wanted[1] <= span[1]):
                continue  # a longer session than the one the hold covers
            try:
                confirm_offer(
                    service_length=length, start=start, therapist=therapist, now=now, policy=policy
                )
            except BookingError:
                continue
            span = span or wanted
            chosen.append(entry)
            if len(chosen) == OFFERS_PER_HOLD:
                break
        if not chosen:
            return None
        expires_at = now + HOLD
        held = TimeOff.objects.create(
            therapist=therapist,
            start=span[0],
            end=span[1],
            reason=f"Held for the waitlist until {clock.time_of_day(expires_at)}",
        )
        hold = WaitlistHold.objects.create(
            therapist=therapist,
            start=start,
            time_off=held,
            held_from=span[0],
            held_until=span[1],
            expires_at=expires_at,
            created_at=now,
        )
        for rank, entry in enumerate(chosen, start=1):
            offer = WaitlistOffer.objects.create(hold=hold, entry=entry, rank=rank, created_at=now)
            _queue(Kind.WAITLIST_OFFER, entry.client.email, waitlist_offer=offer)
        from bookings.tasks import expire_waitlist_hold  # the task module imports this one

        expire_waitlist_hold.using(run_after=expires_at).enqueue(hold.pk)
    return hold


def _lapsed(therapist_id: int, start: datetime):
    """Return the ids of the entries whose offer of this therapist's `start` lapsed."""
    lapsed = WaitlistOffer.objects.filter(
        hold__therapist_id=therapist_id, hold__start=start, status=OfferStatus.EXPIRED
    )
    return lapsed.values("entry_id")


def _release(hold: WaitlistHold, *, now: datetime) -> None:
    """End an open `hold` (locked by the caller) unclaimed: its time returns to the picker,
    and the offer to the next runners in line is queued with the release."""
    if hold.status != Hold.OPEN:
        return
    if hold.time_off_id is not None:
        TimeOff.objects.filter(pk=hold.time_off_id).delete()
    hold.status, hold.time_off = Hold.EXPIRED, None
    hold.save(update_fields=["status", "time_off"])
    hold.offers.filter(status=OfferStatus.OPEN).update(status=OfferStatus.EXPIRED)
    from bookings.tasks import offer_freed_time  # the task module imports this one

    offer_freed_time.enqueue(hold.therapist_id, hold.start.isoformat())


def expire_hold(*, hold_id: int, now: datetime) -> bool:
    """Release hold `hold_id` if its time is up and nobody claimed it; return whether it was."""
    with transaction.atomic():
        hold = WaitlistHold.objects.select_for_update().filter(pk=hold_id).first()
        if hold is None or hold.status != Hold.OPEN or hold.expires_at > now:
            return False
        _release(hold, now=now)
    return True


def release_due_holds(*, now: datetime) -> int:
    """Release every open hold past its time (one indexed query when there is none), so a
    worker that is down or late never keeps a time off the picker; return how many."""
    due = WaitlistHold.objects.filter(status=Hold.OPEN, expires_at__lte=now)
    return sum(expire_hold(hold_id=pk, now=now) for pk in due.values_list("pk", flat=True))


def release_expired(*, now: datetime) -> tuple[int, int]:
    """Release every hold past its time and delete entries past their last day; return
    (holds released, entries removed). Run by the worker, the command and on reading."""
    released = release_due_holds(now=now)
    today = timezone.localdate(now, clock.clinic_tz())
    # Past their last day, and no hold can still be claimed for them.
    stale = WaitlistEntry.objects.filter(until__lt=today).exclude(offers__status=OfferStatus.OPEN)
    _total, removed = stale.delete()
    return released, removed.get(WaitlistEntry._meta.label, 0)
