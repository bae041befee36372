"""Pages a runner reaches from an email: manage one booking, and "find my bookings".

A manage link's token (192 random bits, stored hashed) is the only key to its booking: it
stops working once the session is over. The pages show the booking, never the client's
stored details, because whoever booked may have typed someone else's email.
"""

from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from bookings import booking, calendar, clock, links, outbox, race, series, tokens
from bookings.http import see_other
from bookings.models import Appointment, BookingPolicy, Client, Therapist
from bookings.public import manage_series as block
from bookings.public import picker
from bookings.public.forms import ANY, CancelForm, Choice, ChoiceForm, FindForm, StartForm
from bookings.public.race_forms import TimingForm
from bookings.public.race_pages import ADVICE_UNREAD, move_advice, race_context
from bookings.public.views import BOOKED, WINDOW
from bookings.tokens import FindLinkRefused, was_issued
from clinic import ratelimit

FIND_POSTS_PER_IP = 5
FIND_PER_EMAIL = 3  # per FIND_EMAIL_WINDOW: a mailbox gets a few links, not a flood
FIND_EMAIL_WINDOW = timedelta(hours=1)


def _with_appointment(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Resolve the manage token in the URL, or say why the link opens nothing."""

    @wraps(view)
    def wrapped(request: HttpRequest, token: str) -> HttpResponse:
        appointment = booking.appointment_for_token(token, now=timezone.now())
        if appointment is None:
            return _link_refused(request, token)
        return view(request, appointment, token)

    return wrapped


def _link_refused(request: HttpRequest, token: str) -> HttpResponse:
    """Return "expired" (410) for a link we issued that stopped working, else "not valid" (404).

    Only a digest is stored, so a link we issued is told apart by its digest; one we never
    issued (mistyped, cut short) has none. Neither answer says anything about the booking.
    """
    if was_issued(token):
        return render(request, "bookings/manage_gone.html", status=410)
    return render(request, "bookings/manage_invalid.html", status=404)


def _context(appointment: Appointment, token: str) -> dict:
    now, policy = timezone.now(), BookingPolicy.load()
    return {
        "appointment": appointment,
        "token": token,
        "policy": policy,
        "now": now,
        "can_change": booking.changeable(appointment, now=now, policy=policy),
        "cancelled": appointment.status == Appointment.Status.CANCELLED,
    } | block.context_of(appointment)


def _move_request(context: dict) -> picker.Request:
    """Return what a move may choose from: the chosen length and therapist, any free time."""
    return picker.Request(
        context["move_length"],
        context["move_therapist"],
        context["policy"],
        context["now"],
        ignoring=context["appointment"],
    )


def _move_choice(request: HttpRequest, context: dict) -> tuple[Choice, str]:
    """Add the move's length and therapist (same service; default: as booked) to `context`.

    Return the query-string choice and the message for a length or therapist refused.
    """
    appointment = context["appointment"]
    choice = ChoiceForm(request.GET, now=context["now"], policy=context["policy"]).choice()
    message = choice.errors.get("service", "") or choice.errors.get("therapist", "")
    length = choice.length or appointment.service_length
    if length.service_id != appointment.service_length.service_id:
        length, message = appointment.service_length, "Please choose a length of this service."
    therapist = None if choice.anyone else choice.therapist or appointment.therapist
    params = {"length": str(length.pk), "therapist": therapist.slug if therapist else ANY}
    service = appointment.service_length.service
    context |= {
        "move_length": length,
        "move_therapist": therapist,
        "move_params": params,
        "lengths": list(service.lengths.all()),
        "therapists": list(Therapist.objects.active().offering(service.pk)),
    }
    return choice, message


def _move_url(name: str, token: str, params: dict[str, str], **more: str) -> str:
    return reverse(f"bookings:{name}", args=[token]) + "?" + urlencode(params | more)


def _detail(
    request: HttpRequest, context: dict, message: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request, "bookings/manage_detail.html", context | {"message": message}, status=status
    )


def _move_page(
    request: HttpRequest,
    context: dict,
    day: date | None,
    message: str,
    status: int,
    *,
    day_passed: bool = False,
    week: date | None = None,
    all_times: bool = False,
) -> HttpResponse:
    token = context["token"]
    wanted = _move_request(context)
    chosen = picker.build(wanted, day=day, week=week, all_times=all_times)
    if day_passed and day is None:
        message = f"{message} {picker.next_free_day(chosen)}"
    context |= {
        "picker": chosen,
        "message": message,
        "week_href": _move_url("move", token, context["move_params"]) + "&week=",
        "day_href": _move_url("move", token, context["move_params"]) + "&day=",
        "times_url": _move_url("move_times", token, context["move_params"]),
        "time_href": _move_url("move_confirm", token, context["move_params"]) + "&start=",
    }
    return render(request, "bookings/manage_move.html", context, status=status)


@require_safe
@_with_appointment
def manage(request: HttpRequest, appointment: Appointment, token: str) -> HttpResponse:
    context = _context(appointment, token)
    if not context["cancelled"]:
        booker = token in request.session.get(BOOKED, {}).values()
        context |= race_context(request, appointment, token, booker=booker)
    return _detail(request, context)


@require_safe
@_with_appointment
def move(request: HttpRequest, appointment: Appointment, token: str) -> HttpResponse:
    context = _context(appointment, token)
    if not context["can_change"]:
        return _detail(request, context, status=409)
    choice, message = _move_choice(request, context)
    message = message or choice.errors.get("time", "")
    status = 400 if message else 200
    return _move_page(
        request,
        context,
        choice.day,
        message,
        status,
        day_passed=choice.day_passed,
        week=choice.week,
        all_times=choice.all_times,
    )


@require_safe
@_with_appointment
def move_times(request: HttpRequest, appointment: Appointment, token: str) -> HttpResponse:
    """Return one day's free times for the move picker (the fragment a day tap loads)."""
    context = _context(appointment, token)
    choice, message = _move_choice(request, context)
    urls = {
        "day_href": _move_url("move", token, context["move_params"]) + "&day=",
        "time_href": _move_url("move_confirm", token, context["move_params"]) + "&start=",
    }
    if not context["can_change"] or message or choice.errors or choice.day is None:
        return render(
            request,
            "bookings/_picker.html#times",
            urls | {"picker": picker.Picker(), "picker_message": "Please choose a day."},
            status=400,
        )
    wanted = _move_request(context)
    chosen = picker.day_times(wanted, choice.day, all_times=choice.all_times)
    return render(request, "bookings/_picker.html#times", urls | {"picker": chosen})


@require_http_methods(["GET", "POST"])
@_with_appointment
def move_confirm(request: HttpRequest, appointment: Appointment, token: str) -> HttpResponse:
    """Ask to confirm a move to the time in the query string (GET), then make it (POST)."""
    context = _context(appointment, token)
    if not context["can_change"]:
        return _detail(request, context, status=409)
    bad = 422 if request.method == "POST" else 400
    _choice, message = _move_choice(request, context)
    if message:
        return _move_page(request, context, None, message, bad)
    form = StartForm(request.GET, now=context["now"], policy=context["policy"])
    if not form.is_valid():
        message = form.errors["start"][0]
        return _move_page(request, context, form.day, message, bad, all_times=True)
    start = form.cleaned_data["start"]
    context["start"] = start
    booker = token in request.session.get(BOOKED, {}).values()
    context |= move_advice(request, appointment, context["move_length"], start, booker=booker)
    if request.method == "GET":
        wanted = _move_request(context)
        if not picker.is_free(wanted, start):
            message = "Sorry, that time is no longer free. Please choose another."
            return _move_page(request, context, timezone.localdate(start), message, 409)
        return render(request, "bookings/manage_move_confirm.html", context)
    if "rest" in request.POST and block.moves_the_rest(context):
        return block.move_rest(request, context, start)
    try:
        moved = booking.reschedule_appointment(
            appointment=appointment,
            start=start,
            now=context["now"],
            policy=context["policy"],
            therapist=context["move_therapist"],
            any_therapist=context["move_therapist"] is None,
            service_length=context["move_length"],
            race_date=context.get("race_date"),
            go_ahead=context.get("go_ahead"),
        )
    except race.TimingAdvice as advice:
        context.setdefault("advice", advice.rules)
        context.setdefault("timing_form", TimingForm()).add_error("timing_ok", ADVICE_UNREAD)
        return render(request, "bookings/manage_move_confirm.html", context, status=422)
    except booking.ChangeNotAllowed as refused:
        return _detail(request, context, refused.message, 409)
    except booking.BookingError as taken:
        context |= {
            "taken": True,
            "offers": [picker.slot(offer.start) for offer in taken.alternatives],
            "offer_href": _move_url("move_confirm", token, context["move_params"]) + "&start=",
        }
        return render(request, "bookings/manage_move_confirm.html", context, status=409)
    local = timezone.localtime(moved.start)
    messages.success(
        request,
        f"Done: your session is now on {clock.long_day(local)} at {clock.time_of_day(local)}. "
        "We've emailed you the new details.",
    )
    return see_other(reverse("bookings:manage", args=[token]))


@require_http_methods(["GET", "POST"])
@_with_appointment
def cancel(request: HttpRequest, appointment: Appointment, token: str) -> HttpResponse:
    context = _context(appointment, token)
    if not context["can_change"]:
        return _detail(request, context, status=409)
    form = context["form"] = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        rest = "rest" in request.POST and context.get("rest_count", 0) > 1
        try:
            (series.cancel_rest if rest else booking.cancel_appointment)(
                appointment=appointment,
                now=context["now"],
                reason=form.cleaned_data["reason"],
                policy=context["policy"],
            )
        except booking.BookingError as refused:
            form.add_error(None, refused.message)
        else:
            # The page it lands on says "cancelled" itself and adds this note to that line.
            messages.success(request, "We've emailed you to confirm.")
            return see_other(reverse("bookings:manage", args=[token]))
    status = 422 if form.errors else 200
    return render(request, "bookings/manage_cancel.html", context, status=status)


@require_safe
@_with_appointment
def calendar_file(request: HttpRequest, appointment: Appointment, token: str) -> HttpResponse:
    """Return the booking as an .ics file for the runner's calendar."""
    manage_url = settings.SITE_URL + reverse("bookings:manage", args=[token])
    response = HttpResponse(
        calendar.client_ics(appointment, manage_url=manage_url),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="massage-appointment.ics"'
    return response


# --- find my bookings -----------------------------------------------------------------


@ratelimit.limit_posts("find", limit=FIND_POSTS_PER_IP, window=WINDOW)
@require_http_methods(["GET", "POST"])
def find(request: HttpRequest) -> HttpResponse:
    """Email a link to the bookings made with an address; say the same whoever asks."""
    form = FindForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if not ratelimit.hit("find-email", email, limit=FIND_PER_EMAIL, window=FIND_EMAIL_WINDOW):
            return ratelimit.too_many_requests(request)
        with transaction.atomic():
            outbox.queue_lookup(email)
        return see_other(reverse("bookings:find_sent"))
    status = 422 if form.errors else 200
    return render(request, "bookings/lookup_form.html", {"form": form}, status=status)


@require_safe
def find_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "bookings/lookup_sent.html")


def _upcoming(email: str):
    return (
        Appointment.objects.filter(
            client__in=Client.objects.with_email(email),
            status=Appointment.Status.BOOKED,
            end__gt=timezone.now(),
        )
        .with_details()
        .order_by("start")
    )


_REFUSED = {
    "used": ("bookings/lookup_used.html", 410),
    "expired": ("bookings/lookup_expired.html", 410),
    "invalid": ("bookings/lookup_invalid.html", 404),
}


def _find_link_refused(request: HttpRequest, refused: FindLinkRefused) -> HttpResponse:
    template, status = _REFUSED[refused.reason]
    return render(request, template, status=status)


@require_safe
def open_find_link(request: HttpRequest, token: str) -> HttpResponse:
    """Redeem an emailed "find my bookings" link into this browser, then list at a clean URL.

    The token works once: reloading the list reads the session, and the link opens nothing
    on another device.
    """
    try:
        lookup = tokens.redeem_lookup_token(token, now=timezone.now())
    except FindLinkRefused as refused:
        return _find_link_refused(request, refused)
    links.remember_find_link(request.session, lookup)
    return see_other(reverse("bookings:my_bookings"))


def _email_or_refusal(request: HttpRequest) -> str | HttpResponse:
    """Return the email this browser's opened find link stands for, or the page saying why not."""
    try:
        email = links.email_in_session(request.session, now=timezone.now())
    except FindLinkRefused as refused:
        return _find_link_refused(request, refused)
    if email is None:
        return see_other(reverse("bookings:find"))
    return email


@require_safe
def my_bookings(request: HttpRequest) -> HttpResponse:
    """List the upcoming bookings of the email this browser's opened find link stands for."""
    email = _email_or_refusal(request)
    if isinstance(email, HttpResponse):
        return email
    context = {"appointments": _upcoming(email)}
    if client := Client.objects.with_email(email).first():
        context |= race_context(request, None, None, booker=False, client=client)
        context["suggest_action"] = reverse("bookings:mine_suggested")
    return render(request, "bookings/lookup_list.html", context)


@require_POST
def open_booking(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue a fresh manage link for one of the listed bookings and go to it."""
    email = _email_or_refusal(request)
    if isinstance(email, HttpResponse):
        return email
    appointment = _upcoming(email).filter(pk=pk).first()
    if appointment is None:
        # Cancelled or over since the list was shown is "expired"; any other id, never ours.
        mine = Appointment.objects.filter(pk=pk, client__in=Client.objects.with_email(email))
        if mine.exists():
            return render(request, "bookings/manage_gone.html", status=410)
        return render(request, "bookings/manage_invalid.html", status=404)
    token = booking.issue_manage_token(appointment)
    return see_other(reverse("bookings:manage", args=[token]))
