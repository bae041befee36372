"""The runner's race on the public pages: the one-line question on the confirmation page,
and one tap on a suggested time (from the confirmation page, the manage page or "find my
bookings"), booked through the same guard as any online booking."""

from datetime import date
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from bookings import booking, online, race
from bookings.http import see_other
from bookings.models import Appointment, BookingPolicy, Client
from bookings.public.race_forms import RaceForm, SuggestedTimeForm
from bookings.public.race_pages import known_race, remember_race, shown
from bookings.public.views import BOOK_POSTS_PER_IP, BOOKED, KEEP, WINDOW, confirmation
from bookings.public.views_manage import _email_or_refusal, _with_appointment
from clinic.ratelimit import limit_posts


@limit_posts("book", limit=BOOK_POSTS_PER_IP, window=WINDOW)
@require_POST
def race_date(request: HttpRequest, key: UUID) -> HttpResponse:
    """Save the race date given on the confirmation page, then show its suggestions."""
    token = request.session.get(BOOKED, {}).get(str(key))
    appointment = token and booking.appointment_for_token(token, now=timezone.now())
    if not appointment:
        return confirmation(request, key)  # says why: another browser, or no such booking
    now = timezone.now()
    form = RaceForm(request.POST, today=timezone.localdate(now))
    if not form.is_valid():
        return confirmation(request, key, {"race_form": form}, status=422)
    given = form.cleaned_data["race_date"]
    online.record_race(
        appointment=appointment, race_date=given, distance=form.cleaned_data["distance"], now=now
    )
    remember_race(request, appointment.client, given)
    return see_other(reverse("bookings:booked", args=[key]) + "#race-heading")


@limit_posts("book", limit=BOOK_POSTS_PER_IP, window=WINDOW)
@require_POST
@_with_appointment
def suggested(request: HttpRequest, appointment: Appointment, token: str) -> HttpResponse:
    """Book a suggested time for the race of this booking's runner."""
    booker = token in request.session.get(BOOKED, {}).values()
    return _book_suggested(request, appointment.client, booker=booker)


@limit_posts("book", limit=BOOK_POSTS_PER_IP, window=WINDOW)
@require_POST
def mine_suggested(request: HttpRequest) -> HttpResponse:
    """Book a suggested time from "find my bookings" (the email this browser opened)."""
    email = _email_or_refusal(request)
    if isinstance(email, HttpResponse):
        return email
    client = Client.objects.with_email(email).first()
    if client is None:
        return see_other(reverse("bookings:my_bookings"))
    return _book_suggested(request, client, booker=False)


def _book_suggested(request: HttpRequest, client: Client, *, booker: bool) -> HttpResponse:
    now, policy = timezone.now(), BookingPolicy.load()
    race_on = known_race(request, client, booker=booker)
    form = SuggestedTimeForm(request.POST)
    if race_on is None:
        return _refused(request, client, None, "We don't know your next race yet.", 422)
    if not form.is_valid():
        message = next(iter(form.errors.values()))[0]
        return _refused(request, client, race_on, message, 422)
    data = form.cleaned_data
    try:
        booked = online.book_suggested(
            client=client,
            rule_id=data["rule"],
            start=data["start"],
            race_date=race_on,
            now=now,
            key=data["key"],
            policy=policy,
        )
    except (online.NotSuggested, race.TimingAdvice) as refused:
        # A time we never offered: outside the window, or one the timing advice rules out.
        return _refused(request, client, race_on, refused.message, 422)
    except booking.BookingError as taken:
        # A lost race (or a time gone inside the notice): the nearest of the window's times.
        return _refused(request, client, race_on, taken.message, 409, near=data["start"])
    token = booked.token or booking.issue_manage_token(booked.appointment)
    remembered = request.session.get(BOOKED, {}) | {str(data["key"]): token}
    request.session[BOOKED] = dict(list(remembered.items())[-KEEP:])
    return see_other(reverse("bookings:booked", args=[data["key"]]))


def _refused(
    request: HttpRequest,
    client: Client,
    race_on: date | None,
    message: str,
    status: int,
    *,
    near=None,
) -> HttpResponse:
    """Return the page saying why nothing was booked, with the suggestions as they are now."""
    found = []
    if race_on is not None:
        policy = BookingPolicy.load()
        found = race.suggestions(
            client=client, race_date=race_on, now=timezone.now(), policy=policy
        )
        if near is not None:
            found = [
                race.Suggestion(each.rule, each.since, each.until, race.nearest_first(each, near))
                for each in found
            ]
    context = {
        "refusal": message,
        "taken": status == 409,
        "race_date": race_on,
        "suggestions": shown(found),
        "suggest_action": request.path,
    }
    return render(request, "bookings/race_taken.html", context, status=status)
