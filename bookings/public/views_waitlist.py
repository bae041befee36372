"""The waitlist, the runner's side: join it from the time page, leave it, claim an offer.

The leave and claim links carry a random token whose digest alone is stored, like manage
links; the request log shows their route, never the token (clinic/logs.py).
"""

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from bookings import booking, clock, waitlist
from bookings.http import see_other
from bookings.models import BookingPolicy, WaitlistEntry, WaitlistOffer
from bookings.public.forms import ChoiceForm
from bookings.public.forms_waitlist import WaitlistForm
from bookings.public.views import BOOKED, KEEP
from clinic.ratelimit import limit_posts

JOIN_POSTS_PER_IP = 20
WINDOW = timedelta(minutes=10)


@limit_posts("waitlist", limit=JOIN_POSTS_PER_IP, window=WINDOW)
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    """Show the waitlist form for the session chosen so far (GET); join the list (POST)."""
    now, policy = timezone.now(), BookingPolicy.load()
    choice = ChoiceForm(request.GET, now=now, policy=policy).choice()
    if choice.length is None:
        context = {"message": "Please choose a session first, then join its waitlist."}
        return render(request, "bookings/waitlist_invalid.html", context, status=400)
    today = timezone.localdate(now, clock.clinic_tz())
    horizon = today + timedelta(days=policy.horizon_days)
    day = choice.day if choice.day and today <= choice.day <= horizon else None
    form = WaitlistForm(request.POST or None, today=today, horizon=horizon, day=day)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            waitlist.join(
                details=form.answers(),
                service_length=choice.length,
                therapist=choice.therapist,
                days=data["days"],
                parts=data["parts"],
                until=data["until"],
                now=now,
                policy=policy,
            )
        except waitlist.WaitlistError as refused:
            form.add_error("until" if refused.reason == "until" else None, refused.message)
        else:
            return see_other(reverse("bookings:waitlist_joined"))
    context = {"form": form, "choice": choice, "back": _time_url(request)}
    status = 422 if form.errors else 200
    return render(request, "bookings/waitlist_form.html", context, status=status)


def _time_url(request: HttpRequest) -> str:
    query = request.GET.urlencode()
    return reverse("bookings:time") + (f"?{query}" if query else "")


@require_safe
def joined(request: HttpRequest) -> HttpResponse:
    return render(request, "bookings/waitlist_joined.html")


@require_http_methods(["GET", "POST"])
def leave(request: HttpRequest, token: str) -> HttpResponse:
    """Show what the runner is waiting for (GET) and take them off the list (POST)."""
    entry = waitlist.entry_for_leave_token(token)
    if entry is None:
        return _invalid(request)
    if request.method == "POST":
        waitlist.leave(entry=entry, now=timezone.now())
        return see_other(reverse("bookings:waitlist_left"))
    waiting = entry.status == WaitlistEntry.Status.WAITING
    return render(request, "bookings/waitlist_leave.html", {"entry": entry, "waiting": waiting})


@require_safe
def left(request: HttpRequest) -> HttpResponse:
    return render(request, "bookings/waitlist_left.html")


@require_http_methods(["GET", "POST"])
def claim(request: HttpRequest, token: str) -> HttpResponse:
    """Show an offered time and how long it is held (GET); book it (POST)."""
    now = timezone.now()
    waitlist.release_due_holds(now=now)
    offer = waitlist.offer_for_token(token)
    if offer is None:
        return _invalid(request)
    if request.method == "POST":
        try:
            claimed = waitlist.claim(offer=offer, now=now)
        except waitlist.WaitlistError as refused:
            offer.refresh_from_db()
            return _offer_page(request, offer, refused.message, status=409)
        return _booked(request, claimed)
    offer.hold.refresh_from_db()
    return _offer_page(request, offer, "", status=200)


def _offer_page(request: HttpRequest, offer: WaitlistOffer, message: str, *, status: int):
    offer.hold.refresh_from_db()
    context = {
        "offer": offer,
        "hold": offer.hold,
        "entry": offer.entry,
        "message": message,
        "open": offer.status == WaitlistOffer.Status.OPEN and offer.hold.status == "open",
        "book_url": reverse("bookings:time") + f"?length={offer.entry.service_length_id}"
        f"&therapist={offer.hold.therapist.slug}"
        f"&day={timezone.localdate(offer.hold.start, clock.clinic_tz()).isoformat()}",
    }
    return render(request, "bookings/waitlist_offer.html", context, status=status)


def _booked(request: HttpRequest, claimed: waitlist.Claimed) -> HttpResponse:
    """Show the booking a claim made, as the booking flow does, in this browser only."""
    key = str(claimed.offer.key)
    remembered = request.session.get(BOOKED, {})
    token = claimed.booked.token or remembered.get(key)
    if token is None:
        token = booking.issue_manage_token(claimed.booked.appointment)
    remembered[key] = token
    request.session[BOOKED] = dict(list(remembered.items())[-KEEP:])
    return see_other(reverse("bookings:booked", args=[claimed.offer.key]))


def _invalid(request: HttpRequest) -> HttpResponse:
    message = (
        "This waitlist link doesn't work. Please check you copied the whole link from "
        "the email, or join the waitlist again from the booking page."
    )
    return render(request, "bookings/waitlist_invalid.html", {"message": message}, status=404)
