"""A training block from the public booking flow: review every date, then book them all.

The details step's "repeat this" sends a runner here instead of booking: the review lists
every session, checked by the booking engine, with the weeks that cannot be booked marked
and their nearest free times to pick from (or skip). Nothing is written until the runner
books the whole set, in one transaction (bookings/series.py). The review's form carries
the details as hidden fields, like the single booking's review, and works without
JavaScript. A stale review (a week taken meanwhile) shows again with that week marked.
"""

from datetime import datetime
from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from bookings import consent, series
from bookings.clock import start_param
from bookings.http import see_other
from bookings.models import BookingPolicy, Series
from bookings.public import picker
from bookings.public import views as flow
from bookings.public.forms import Choice, DetailsForm
from bookings.public.forms_series import SKIP, Picks, RepeatForm, read_picks
from clinic.ratelimit import limit_posts

BOOKED_SERIES = "bookings.series"  # series key -> {appointment id: raw manage token}


def review(
    request: HttpRequest,
    choice: Choice,
    form: DetailsForm,
    repeat: RepeatForm,
    now: datetime,
    policy: BookingPolicy,
    *,
    picks: Picks | None = None,
    message: str = "",
    status: int = 200,
) -> HttpResponse:
    """Return the review of every session of the block, or the details step if it does not
    fit (too many sessions, past the horizon)."""
    plan = _plan(choice, repeat, now, policy)
    if plan is None:
        return _details_page(request, choice, form, repeat, policy, 422)
    posted = request.POST if picks is not None else {}
    rows = [
        {
            "occurrence": occurrence,
            "name": f"session-{occurrence.number}",
            "param": start_param(occurrence.start),
            "offers": [picker.slot(offer.start) for offer in occurrence.alternatives],
            "picked": posted.get(f"session-{occurrence.number}", ""),
            "error": (picks.errors.get(occurrence.number, "") if picks else ""),
        }
        for occurrence in plan
    ]
    context = {
        "form": form,
        "repeat": repeat,
        "rows": rows,
        "skip": SKIP,
        "conflicts": sum(not row["occurrence"].free for row in rows),
        "every": "every week" if repeat.every_weeks == 1 else "every two weeks",
        "message": message,
        "policy": policy,
        "series_url": flow._url("series", choice.params(upto="time"))
        + f"&start={start_param(choice.start)}",
        "details_url": request.get_full_path(),
    }
    return flow._page(request, "bookings/book_series.html", choice, context, status)


def _plan(
    choice: Choice, repeat: RepeatForm, now: datetime, policy: BookingPolicy
) -> list[series.Occurrence] | None:
    """Return every session of the block as the engine sees it now, or None (the reason
    added to the repeat form) when the block does not fit."""
    try:
        return series.plan_series(
            service_length=choice.length,
            start=choice.start,
            therapist=choice.therapist,
            every_weeks=repeat.every_weeks,
            count=repeat.cleaned_data["sessions"],
            now=now,
            policy=policy,
        )
    except series.SeriesRefused as refused:
        repeat.add_error("sessions", refused.message)
        return None


def _details_page(
    request: HttpRequest,
    choice: Choice,
    form: DetailsForm,
    repeat: RepeatForm,
    policy: BookingPolicy,
    status: int,
) -> HttpResponse:
    context = {
        "form": form,
        "repeat": repeat,
        "policy": policy,
        "treatment_text": consent.TREATMENT_TEXT,
    }
    return flow._page(request, "bookings/book_details.html", choice, context, status)


@limit_posts("book", limit=flow.BOOK_POSTS_PER_IP, window=flow.WINDOW)
@require_POST
def book(request: HttpRequest) -> HttpResponse:
    """Book the reviewed block (all or nothing), or show the review again saying why not."""
    choice, now, policy = flow._read(request)
    if earlier := flow._earlier_step(request, choice, now, policy, before="details", bad=422):
        return earlier
    form = DetailsForm(request.POST, today=timezone.localdate(now))
    repeat = RepeatForm(request.POST)
    if not form.is_valid() or not repeat.is_valid() or not repeat.every_weeks:
        if "key" in form.errors:
            flow._issue(request, form.key_value)
        if repeat.is_valid() and not repeat.every_weeks:
            repeat.add_error("repeat", "Choose weekly or every two weeks to book a block.")
        return _details_page(request, choice, form, repeat, policy, 422)
    key: UUID = form.cleaned_data["key"]
    if Series.objects.filter(key=key).exists():
        # Sent twice (a double click, Back and again): booked once, shown where it was.
        return see_other(reverse("bookings:series_booked", args=[key]))
    plan = _plan(choice, repeat, now, policy)
    if plan is None:
        return _details_page(request, choice, form, repeat, policy, 422)
    picks = read_picks(request.POST, plan)
    if picks.errors:
        return review(
            request,
            choice,
            form,
            repeat,
            now,
            policy,
            picks=picks,
            message="Nothing is booked yet. Please check the sessions marked below.",
            status=409 if picks.stale else 422,
        )
    try:
        booked = series.book_series(
            client=form.answers(),
            service_length=choice.length,
            therapist=choice.therapist,
            every_weeks=repeat.every_weeks,
            starts=picks.starts,
            now=now,
            key=key,
            policy=policy,
            terms=consent.TERMS_VERSION,
        )
    except series.SeriesRefused as refused:
        return review(
            request,
            choice,
            form,
            repeat,
            now,
            policy,
            picks=Picks(),
            message=refused.message,
            status=409,
        )
    remembered = request.session.get(BOOKED_SERIES, {})
    if booked.created:
        tokens = {str(pk): token for pk, token in booked.tokens.items()}
        remembered[str(key)] = {"tokens": tokens, "email": form.cleaned_data["email"]}
        request.session[BOOKED_SERIES] = dict(list(remembered.items())[-flow.KEEP :])
    return see_other(reverse("bookings:series_booked", args=[key]))


@require_safe
def booked(request: HttpRequest, key: UUID) -> HttpResponse:
    """Show the block booked in this browser: every date, each with its own manage link."""
    kept = request.session.get(BOOKED_SERIES, {}).get(str(key))
    found = Series.objects.filter(key=key).first()
    if found is None:
        raise Http404("No training block was booked with this key.")
    if kept is None:
        return render(request, "bookings/book_already.html")
    rows = [
        (appointment, kept["tokens"].get(str(appointment.pk)))
        for appointment in series.sessions(found)
    ]
    context = {
        "series": found,
        "rows": rows,
        "every": series.describe(found),
        "emailed": kept.get("email", ""),
        "policy": BookingPolicy.load(),
    }
    return render(request, "bookings/book_series_booked.html", context)
