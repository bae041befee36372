"""Public booking pages: therapists, and the journey from a service to a confirmed booking.

The journey is service and length → day and time → details → review → confirmation, with
"any therapist" until the runner picks one (the therapist step is one tap away from the
time step's summary). A link from a service or therapist page opens straight on the next
real choice: ``/book/?service=…&length=…&therapist=…`` is the time step, ``?service=…`` alone
the lengths of that service; the list of every service shows only when nothing was chosen
(or the runner asks to change it, ``step=service``). Each step is a GET page whose query
string carries the choices so far (``length``, ``therapist``, ``week``, ``day``, ``all``,
``start``), so Back, reloads and pages without JavaScript keep them. Input that cannot be
used (unknown ids, a length the therapist does not offer, malformed or nonexistent times,
past or beyond the horizon) sends the runner to the earliest step that needs redoing, with
the reason on the page: 400 for a GET, 422 for a POST. Health answers travel only in POST
bodies, never in a URL.
"""

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from urllib.parse import urlencode
from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from bookings import booking, consent, online, race, reference, waitlist
from bookings.http import see_other
from bookings.models import Appointment, BookingPolicy, Therapist
from bookings.public import kept, picker
from bookings.public.forms import Choice, ChoiceForm, DetailsForm
from bookings.public.forms_series import RepeatForm
from bookings.public.race_forms import TimingForm
from bookings.public.race_pages import ADVICE_UNREAD, race_context, timing_advice
from clinic import page_cache
from clinic.models import ClinicProfile
from clinic.ratelimit import limit_posts
from services.models import Service

# The idempotency keys of the details forms this browser was given, and the raw manage
# tokens of its bookings by key: the confirmation page's URL carries only the key, so only
# the browser that booked (or was given the form) sees the booking there.
ISSUED_KEYS = "bookings.keys"
BOOKED = "bookings.booked"
EMAILED = "bookings.emailed"
KEEP = 10
BOOK_POSTS_PER_IP = 30  # a booking takes two POSTs (review, confirm); allow for mistakes
WINDOW = timedelta(minutes=10)


def _url(name: str, params: dict[str, str]) -> str:
    query = urlencode(params)
    return _path(name, get_script_prefix()) + (f"?{query}" if query else "")


@lru_cache(maxsize=64)
def _path(name: str, _prefix: str) -> str:
    """Return the path of step `name`: the same for every request under one script prefix
    (a page builds up to seven of them, and reversing costs more than the rest of a link)."""
    return reverse(f"bookings:{name}")


def _links(choice: Choice) -> dict[str, str]:
    """Return the "change" link of each step, keeping every other choice."""
    service = {"service": choice.service.slug} if choice.service else {}
    time = choice.params(upto="time")
    if choice.day:
        time["day"] = choice.day.isoformat()
    return {
        "service": _url("start", service | {"step": "service"}),
        "therapist": _url("therapist", choice.params(upto="time")),
        "time": _url("time", time),
    }


def _read(request: HttpRequest) -> tuple[Choice, datetime, BookingPolicy]:
    """Return the choices in the query string, the time now and the booking policy."""
    # One query: are the kept copies good, and the availability versions of the week the
    # page will most likely show (the picker reads its own if it needs other days). The
    # kept-answer middleware may have read it already, finding its answer out of date.
    lookup = getattr(request, "kept_lookup", None)
    if lookup is None:
        now = timezone.now()
        lookup = reference.Reference(days=kept.likely_days(request, now), now=now)
    now = lookup.now
    # Read with the same query; the pages that keep their rendering need it.
    request.content_token = lookup.content_token
    request.reference = lookup  # the timing advice reads its rules with the same lookup
    request.availability_versions = lookup.versions
    policy = lookup.policy()
    choice = ChoiceForm(request.GET, now=now, policy=policy, lookup=lookup).choice()
    if choice.length is not None and not choice.has_therapist and "therapist" not in choice.errors:
        choice.anyone = True  # the most free times; the summary offers to pick someone
    return choice, now, policy


def _wanted(
    request: HttpRequest,
    choice: Choice,
    policy: BookingPolicy,
    now: datetime,
    *,
    keep: bool = False,
) -> picker.Request:
    """Return the picker's request for `choice`, with the versions read by ``_read``; with
    `keep`, the page built from it is kept for the next visitor (bookings/public/kept.py)."""
    versions = getattr(request, "availability_versions", None)
    steady = kept.steady(request) if keep else None
    return picker.Request(
        choice.length, choice.therapist, policy, now, versions=versions, steady=steady
    )


def _page(
    request: HttpRequest, template: str, choice: Choice, context: dict, status: int
) -> HttpResponse:
    context = {"choice": choice, "links": _links(choice)} | context
    return render(request, template, context, status=status)


def _service_step(
    request: HttpRequest, choice: Choice, message: str, status: int, *, every: bool = True
) -> HttpResponse:
    """Return the list of services, or only the lengths of the chosen one (`every=False`)."""
    services = list(Service.objects.published().prefetch_related("lengths"))
    # The service the runner came from goes first.
    services.sort(key=lambda service: service != choice.service)
    if not every and choice.service is not None:
        services = services[:1]
    context = {"services": services, "message": message, "every": every or not choice.service}
    return _page(request, "bookings/book_service.html", choice, context, status)


def _therapist_step(
    request: HttpRequest, choice: Choice, message: str, status: int
) -> HttpResponse:
    therapists = Therapist.objects.active().offering(choice.length.service_id)
    context = {"therapists": therapists, "message": message}
    return _page(request, "bookings/book_therapist.html", choice, context, status)


def _time_step(
    request: HttpRequest,
    choice: Choice,
    now: datetime,
    policy: BookingPolicy,
    message: str,
    status: int,
) -> HttpResponse:
    wanted = _wanted(request, choice, policy, now, keep=True)
    chosen = picker.build(wanted, day=choice.day, week=choice.week, all_times=choice.all_times)
    if choice.day_passed and choice.day is None:
        message = f"{message} {picker.next_free_day(chosen)}"
    context = {"picker": chosen, "message": message} | _picker_urls(choice)
    # The page follows from its query string, the content and what the picker holds, so
    # its rendering is kept for the next visitor with the same week and times.
    context |= {"choice": choice, "links": _links(choice)}
    template, vary = "bookings/book_time.html", f"{chosen!r}:{message}"
    token = getattr(request, "content_token", None)
    return page_cache.render_cached(
        request, template, context, status=status, vary=vary, token=token
    )


def _picker_urls(choice: Choice) -> dict[str, str]:
    """Return the picker's link prefixes: a week, a day, its times fragment, a time's form."""
    time = choice.params(upto="time")
    return {
        "week_href": _url("time", time) + "&week=",
        "day_href": _url("time", time) + "&day=",
        "times_url": _url("times", time),
        "time_href": _url("details", time) + "&start=",
        # Beside the day's times, so a day loaded in place carries its own date along.
        "waitlist_href": _url("waitlist", time) + "&day=",
    }


def _earlier_step(
    request: HttpRequest,
    choice: Choice,
    now: datetime,
    policy: BookingPolicy,
    *,
    before: str,
    bad: int,
) -> HttpResponse | None:
    """Return the page of the first step before `before` that needs redoing, if any."""
    error = choice.first_error()
    step, message = error if error else ("", "")
    if step == "service" or choice.length is None:
        return _service_step(request, choice, message, bad if message else 200)
    if before == "therapist":
        return None
    if step == "therapist" or not choice.has_therapist:
        return _therapist_step(request, choice, message, bad if message else 200)
    if before == "time":
        return None
    if step == "time" or choice.start is None:
        return _time_step(request, choice, now, policy, message or "Please choose a time.", bad)
    return None


@require_safe
def start(request: HttpRequest) -> HttpResponse:
    """Return the next real choice: every service, one service's lengths, or the times."""
    choice, now, policy = _read(request)
    message = choice.errors.get("service", "")
    if message or request.GET.get("step") == "service":
        return _service_step(request, choice, message, 400 if message else 200)
    if choice.length is None and choice.service is not None:
        lengths = list(choice.service.lengths.all())
        if len(lengths) != 1:
            return _service_step(request, choice, "", 200, every=False)
        choice.length, choice.anyone = lengths[0], True
    if choice.length is None:
        return _service_step(request, choice, "", 200)
    return _time_page(request, choice, now, policy)


@require_safe
def therapist(request: HttpRequest) -> HttpResponse:
    choice, now, policy = _read(request)
    if earlier := _earlier_step(request, choice, now, policy, before="therapist", bad=400):
        return earlier
    message = choice.errors.get("therapist", "")
    return _therapist_step(request, choice, message, 400 if message else 200)


@require_safe
def time(request: HttpRequest) -> HttpResponse:
    return _time_page(request, *_read(request))


def _time_page(
    request: HttpRequest, choice: Choice, now: datetime, policy: BookingPolicy
) -> HttpResponse:
    if earlier := _earlier_step(request, choice, now, policy, before="time", bad=400):
        return earlier
    # A hold whose worker is late still returns its time before the picker is read (the
    # reference query said whether one is due, so most views pay nothing for it). The
    # versions that query read are older than the release: the picker reads its own.
    if request.reference.holds_due and waitlist.release_due_holds(now=now):
        request.availability_versions = None
    message = choice.errors.get("time", "")
    return _time_step(request, choice, now, policy, message, 400 if message else 200)


@require_safe
def times(request: HttpRequest) -> HttpResponse:
    """Return the times of one day: the fragment that a tap on a day loads in place."""
    choice, now, policy = _read(request)
    context = {"picker": picker.Picker()} | _picker_urls(choice)
    if choice.errors or choice.length is None or not choice.has_therapist or not choice.day:
        context["picker_message"] = "Please choose a day from the list."
        return render(request, "bookings/_picker.html#times", context, status=400)
    wanted = _wanted(request, choice, policy, now, keep=True)
    chosen = context["picker"] = picker.day_times(wanted, choice.day, all_times=choice.all_times)
    # Like the time page: the same day's times render once for every visitor who asks.
    return page_cache.render_cached(
        request,
        "bookings/_picker.html#times",
        context,
        status=200,
        vary=repr(chosen),
        token=request.content_token,
    )


@limit_posts("book", limit=BOOK_POSTS_PER_IP, window=WINDOW)
@require_http_methods(["GET", "POST"])
def details(request: HttpRequest) -> HttpResponse:
    """Show the details form (GET); review it (POST); book it (POST with "confirm")."""
    choice, now, policy = _read(request)
    bad = 422 if request.method == "POST" else 400
    if earlier := _earlier_step(request, choice, now, policy, before="details", bad=bad):
        return earlier
    wanted = _wanted(request, choice, policy, now)
    today = timezone.localdate(now)
    context = {"policy": policy, "treatment_text": consent.TREATMENT_TEXT}
    context |= timing_advice(request, choice)
    if request.method == "GET":
        if not picker.is_free(wanted, choice.start):
            message = "Sorry, that time is no longer free. Please choose another."
            return _time_step(request, choice, now, policy, message, 409)
        form = context["form"] = DetailsForm(today=today)
        context["repeat"] = RepeatForm()
        _issue(request, form.key_value)
        return _page(request, "bookings/book_details.html", choice, context, 200)
    form = context["form"] = DetailsForm(request.POST, today=today)
    repeat = context["repeat"] = RepeatForm(request.POST)
    if "key" in form.errors:  # the form is sent back with a new key
        _issue(request, form.key_value)
    if not form.is_valid() or not repeat.is_valid():
        return _page(request, "bookings/book_details.html", choice, context, 422)
    if repeat.every_weeks and "edit" not in request.POST:
        # "Repeat this": every date is reviewed before anything is booked.
        from bookings.public import views_series  # it builds on this module's steps

        return views_series.review(request, choice, form, repeat, now, policy)
    if "confirm" not in request.POST:
        template = "book_details" if "edit" in request.POST else "book_review"
        return _page(request, f"bookings/{template}.html", choice, context, 200)
    return _book(request, choice, form, now, policy, context)


def _issue(request: HttpRequest, key: UUID) -> None:
    """Remember that this browser was given the form with idempotency key `key`."""
    issued = request.session.get(ISSUED_KEYS, [])
    if str(key) not in issued:
        request.session[ISSUED_KEYS] = [*issued, str(key)][-KEEP:]


def _book(
    request: HttpRequest,
    choice: Choice,
    form: DetailsForm,
    now: datetime,
    policy: BookingPolicy,
    context: dict,
) -> HttpResponse:
    """Book the reviewed details; show the confirmation, or the nearest free times."""
    key: UUID = form.cleaned_data["key"]
    try:
        booked = online.book_online(
            details=form.answers(),
            service_length=choice.length,
            start=choice.start,
            now=now,
            therapist=choice.therapist,
            key=key,
            policy=policy,
            # Only a session the advice covers is checked again (its rules read afresh).
            race_date=context.get("race_date"),
            go_ahead=context.get("go_ahead"),
            versions=getattr(request, "availability_versions", None),
        )
    except race.TimingAdvice as advice:
        # The rules may have changed since the page was read: show the ones that applied.
        context.setdefault("advice", advice.rules)
        context.setdefault("timing_form", TimingForm()).add_error("timing_ok", ADVICE_UNREAD)
        return _page(request, "bookings/book_details.html", choice, context, 422)
    except booking.BookingError as taken:
        offers = [picker.slot(offer.start) for offer in taken.alternatives]
        params = choice.params(upto="time")
        context = {
            "form": form,
            # A lost race says so in the heading; other refusals (the clock moved past the
            # notice, a block) give their own reason.
            "detail": "" if taken.message.startswith("Sorry, that time was") else taken.message,
            "offers": offers,
            "offer_href": _url("details", params) + "&start=",
        }
        return _page(request, "bookings/book_taken.html", choice, context, 409)
    remembered = request.session.get(BOOKED, {})
    token = booked.token or remembered.get(str(key))
    if token is None and str(key) in request.session.get(ISSUED_KEYS, []):
        # A repeat from the browser that was given this form, such as a double click whose
        # first request has not saved the session yet: it may see its booking.
        token = booking.issue_manage_token(booked.appointment)
    if token is None:
        # A repeat of a submission made elsewhere: say it is booked, show nothing of it.
        return render(request, "bookings/book_already.html")
    remembered[str(key)] = token
    request.session[BOOKED] = dict(list(remembered.items())[-KEEP:])
    # The confirmation names the address as typed: the stored one may differ in case, and
    # pages after booking never show the stored client.
    emailed = request.session.get(EMAILED, {}) | {str(key): form.cleaned_data["email"]}
    request.session[EMAILED] = dict(list(emailed.items())[-KEEP:])
    return see_other(reverse("bookings:booked", args=[key]))


@require_safe
def booked(request: HttpRequest, key: UUID) -> HttpResponse:
    """Show the confirmation of a booking made in this browser session."""
    return confirmation(request, key)


def confirmation(
    request: HttpRequest, key: UUID, more: dict | None = None, status: int = 200
) -> HttpResponse:
    """Return the confirmation page of booking `key`, with `more` context (the race form)."""
    token = request.session.get(BOOKED, {}).get(str(key))
    appointment = token and booking.appointment_for_token(token, now=timezone.now())
    if not appointment:
        # "Already booked" only for a booking that exists; a key nobody booked with is not
        # a page of ours.
        if not Appointment.objects.filter(idempotency_key=key).exists():
            raise Http404("No booking was made with this key.")
        return render(request, "bookings/book_already.html")
    context = {
        "appointment": appointment,
        "token": token,
        "policy": BookingPolicy.load(),
        "links": outside_links(appointment, ClinicProfile.load()),
        "emailed": request.session.get(EMAILED, {}).get(str(key), ""),
        "key": key,
    }
    context |= race_context(request, appointment, token, more, booker=True)
    return render(request, "bookings/book_confirmed.html", context, status=status)


def outside_links(appointment: Appointment, clinic: ClinicProfile) -> dict[str, str]:
    """Return the map and add-to-calendar links of a booking: plain links, no script.

    They go to third parties, so they carry only what the .ics file's summary would: the
    service, the time and the clinic's address; never the manage link or anything personal.
    """
    address = f"{clinic.name}, {clinic.street_address}, {clinic.locality}, {clinic.region}"
    address = f"{address} {clinic.postal_code}"
    title = f"{appointment.service_length.service.title} at {clinic.name}"
    stamp = "%Y%m%dT%H%M%SZ"
    start, end = appointment.start.astimezone(UTC), appointment.end.astimezone(UTC)
    google = {
        "action": "TEMPLATE",
        "text": title,
        "dates": f"{start:{stamp}}/{end:{stamp}}",
        "location": address,
    }
    outlook = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": title,
        "startdt": start.isoformat(),
        "enddt": end.isoformat(),
        "location": address,
    }
    return {
        "map": "https://www.google.com/maps/search/?" + urlencode({"api": 1, "query": address}),
        "google": "https://calendar.google.com/calendar/render?" + urlencode(google),
        "outlook": "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode(outlook),
    }
