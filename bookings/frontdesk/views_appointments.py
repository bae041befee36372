"""Staff pages, part 2: book for a caller or walk-in, and change an appointment.

Every write goes through booking.py, so staff changes keep the online guarantees (no
overlap, history, emails through the queue). Changes to an existing appointment lock its
row first and check the version the form was shown with: of two people changing the same
appointment, the second is told what happened instead of silently undoing the first.
"""

import re
from collections.abc import Callable
from datetime import date, datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from bookings import attendance, booking, checkout, clock, links, race, roles, series
from bookings.attendance import DeskAction
from bookings.frontdesk import queries as desk_queries
from bookings.frontdesk.forms import (
    BlockTimeForm,
    BookForm,
    CancelForm,
    MoveForm,
    StatusForm,
    client_search,
    is_client_search,
)
from bookings.frontdesk.forms_records import FeePaymentForm
from bookings.http import see_other
from bookings.models import Appointment, BookingPolicy, Client, Therapist
from bookings.rules import staff_policy

GET_POST = ["GET", "HEAD", "POST"]


def offers_of(error: booking.BookingError) -> list[dict]:
    """Return a lost booking's alternatives with therapist names, for the page."""
    names = Therapist.objects.in_bulk([offer.therapist_id for offer in error.alternatives])
    return [
        {"start": offer.start, "therapist": names.get(offer.therapist_id)}
        for offer in error.alternatives
    ]


def client_pick(request: HttpRequest, chosen: Client | None, *keep: str) -> dict:
    """Return the context of the client block (staff/includes/client_pick.html): the client
    `chosen` by id, or what the posted search found, and the `keep` parameters of the page's
    query string (therapist, start: never anything personal) for its links."""
    search, query = client_search(request)
    return {
        "chosen": chosen,
        "search": search,
        "query": query,
        "results": desk_queries.search_clients(query) if query and not chosen else [],
        "keep": urlencode({name: request.GET[name] for name in keep if request.GET.get(name)}),
    }


def _book_initial(request: HttpRequest) -> dict:
    """Return the booking form's initial values from a calendar link's query string."""
    initial = {}
    if (therapist := request.GET.get("therapist", "")).isdigit():
        initial["therapist"] = int(therapist)
    if (length := request.GET.get("length", "")).isdigit():
        initial["service_length"] = int(length)
    try:
        start = datetime.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        start = None
    if start is not None:
        initial["day"], initial["time"] = start.date(), start.time()
    return initial


def _on_the_calendar(appointment: Appointment, mode: str = "day") -> str:
    """Return the calendar page showing `appointment`, highlighted (the week view's or the
    day view's)."""
    local = clock.local(appointment.start).date().isoformat()
    if mode == "week":
        url = reverse("staff:week_for", args=[appointment.therapist_id, local])
    else:
        url = reverse("staff:day_for", kwargs={"day": local})
    return f"{url}?highlight={appointment.pk}#appt-{appointment.pk}"


def _wants_json(request: HttpRequest) -> bool:
    """Return whether the calendar's script sent this, asking for a refusal as JSON."""
    return "application/json" in request.headers.get("Accept", "")


def _refusal(form, offers: list[dict], status: int) -> JsonResponse:
    """Return a refused change as JSON for the calendar: what went wrong and what is free."""
    errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
    fields = form.fields
    by_field = [f"{fields[name].label}: {e[0]}" for name, e in errors.items() if name in fields]
    first = (errors.get("__all__") or by_field or ["That change could not be made."])[0]
    return JsonResponse(
        {
            "message": first,
            "errors": errors,
            "offers": [
                {
                    "start": clock.moment(offer["start"], year=False),
                    "therapist": offer["therapist"].name if offer["therapist"] else "",
                }
                for offer in offers
            ],
        },
        status=status,
    )


@roles.staff_required(roles.MANAGE_BOOKINGS)
@require_http_methods(GET_POST)
def book(request: HttpRequest) -> HttpResponse:
    chosen = None
    if (client_id := request.GET.get("client", "")).isdigit():
        chosen = Client.objects.filter(pk=client_id).first()
    initial = {**_book_initial(request), "client": chosen}
    therapist = None
    if "therapist" in initial:
        therapist = Therapist.objects.active().filter(pk=initial["therapist"]).first()
    booking_post = request.method == "POST" and not is_client_search(request)
    form = BookForm(request.POST if booking_post else None, initial=initial, therapist=therapist)
    offers, lost_race = [], False
    if booking_post and form.is_valid() and form.cleaned_data["repeat"]:
        if (done := _book_block(request, form)) is not None:
            return done
    elif booking_post and form.is_valid():
        data = form.cleaned_data
        try:
            booked = booking.book_at_desk(
                client=data["client"],
                details=form.new_client(),
                service_length=data["service_length"],
                start=data["start"],
                now=timezone.now(),
                therapist=data["therapist"],
                key=data["key"],
                by=request.user,
                notify=data["notify"],
                # The clinic's timing advice for the client's race: staff book with a reason.
                **race.at_the_desk(data["client"], data["timing_reason"], now=timezone.now()),
            )
        except race.TimingAdvice as advice:
            form.add_error("timing_reason", advice.message)
        except booking.SlotTaken as error:
            form.add_error(None, error.message)
            offers, lost_race = offers_of(error), True
        except booking.BookingError as error:
            form.add_error(None, error.message)
            offers = offers_of(error)
        else:
            appointment = booked.appointment
            if booked.created:
                messages.success(
                    request,
                    f"Booked {appointment.client} with {appointment.therapist.name} "
                    f"on {clock.moment(appointment.start)}.",
                )
            else:
                # The same form sent twice (double click, back button): show the first one.
                messages.info(request, "That booking was already made; here it is.")
            return see_other(_on_the_calendar(appointment))
    panel = request.GET.get("panel") == "1" or request.POST.get("panel") == "1"
    picked = form.cleaned_data.get("client") if form.is_bound else None
    context = {
        "picked": picked,
        "picked_list": [picked] if picked else [],
        "form": form,
        **client_pick(request, chosen, "therapist", "start"),
        "offers": offers,
        "panel": panel,
        "for_therapist": therapist,
    }
    status = 409 if lost_race else 422 if form.errors else 200
    template = "staff/book.html#booking" if panel else "staff/book.html"
    return render(request, template, context, status=status)


def _book_block(request: HttpRequest, form: BookForm) -> HttpResponse | None:
    """Book the form's training block and go to its first session; or put on the form what
    stops it (the weeks that cannot be booked, until the desk chooses to skip them) and
    return None."""
    data, now = form.cleaned_data, timezone.now()
    if (earlier := series.series_with(data["key"])) is not None:  # the same form sent twice
        return _block_booked(request, earlier)
    policy = staff_policy(BookingPolicy.load())
    try:
        plan = series.plan_series(
            service_length=data["service_length"],
            start=data["start"],
            therapist=data["therapist"],
            every_weeks=data["repeat"],
            count=data["sessions"],
            now=now,
            policy=policy,
        )
    except series.SeriesRefused as refused:
        form.add_error("sessions", refused.message)
        return None
    form.taken = [week for week in plan if not week.free]
    free = [week.start for week in plan if week.free]
    if not free:
        form.add_error("sessions", "None of those weeks can be booked. Choose another time.")
        return None
    if form.taken and not data["skip_taken"]:
        weeks = "week" if len(form.taken) == 1 else "weeks"
        form.add_error(
            "skip_taken",
            f"{len(form.taken)} {weeks} of the {len(plan)} cannot be booked (listed above). "
            "Choose another time, or book the free ones without them.",
        )
        return None
    if data["skip_taken"] and data["skip_weeks"] != form.taken_weeks:
        # Skipping what the desk did not see: another week was taken (or freed) since.
        form.add_error(
            "skip_taken", "The weeks that cannot be booked have changed. Look at them again."
        )
        return None
    try:
        booked = series.book_series(
            client=data["client"] or form.new_client(),
            service_length=data["service_length"],
            therapist=data["therapist"],
            every_weeks=data["repeat"],
            starts=free,
            now=now,
            key=data["key"],
            policy=policy,
            by=request.user,
            source=Appointment.Source.DESK,
            notify=data["notify"],
            **race.at_the_desk(data["client"], data["timing_reason"], now=now),
        )
    except race.TimingAdvice as advice:
        form.add_error("timing_reason", advice.message)
        return None
    except series.SeriesRefused as refused:  # a week taken since the plan was checked
        form.add_error(None, refused.message)
        return None
    return _block_booked(request, booked)


def _block_booked(request: HttpRequest, booked: series.SeriesBooked) -> HttpResponse:
    first = booked.appointments[0]
    if booked.created:
        messages.success(
            request,
            f"Booked {len(booked.appointments)} sessions of a training block for "
            f"{first.client}, {series.describe(booked.series)}, the first on "
            f"{clock.moment(first.start)}.",
        )
    else:
        messages.info(request, "That block was already booked; here is its first session.")
    return see_other(_on_the_calendar(first))


@roles.staff_required(roles.MANAGE_BOOKINGS)
@require_POST
def live_client_search(request: HttpRequest) -> HttpResponse:
    """Return the clients matching the posted ``q`` as choices for the booking panel (a
    fragment). POST, so the term typed stays out of every URL."""
    _search, query = client_search(request)
    results = desk_queries.search_clients(query, limit=8) if len(query) >= 2 else []
    context = {"query": query, "results": results}
    return render(request, "staff/includes/client_choices.html", context)


def _appointment_or_404(request: HttpRequest, pk: int) -> Appointment:
    """Return the appointment for its page; a therapist may open only their own."""
    appointment = desk_queries.appointment_with_history(pk)
    others = not request.user.has_perm(roles.VIEW_CALENDAR)
    if appointment is None or (others and appointment.therapist.user_id != request.user.pk):
        raise Http404("No such appointment.")
    return appointment


# History rows written before bookings.clock kept local times as "2026-12-02 14:00".
LEGACY_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")


def _shown(value: object) -> str:
    """Return a history value as the page writes it (a legacy local time in US style)."""
    text = str(value)
    if LEGACY_MOMENT.fullmatch(text):
        return clock.moment(datetime.fromisoformat(text))
    return text


def _change_lines(change) -> list[str]:
    """Return a history row's changed fields as "field: old → new" lines."""
    lines = []
    for field, values in change.details.items():
        if isinstance(values, list) and len(values) == 2:
            old, new = (_shown(value) for value in values)
            lines.append(f"{field.replace('_', ' ').capitalize()}: {old} → {new}")
        elif field == "start":
            lines.append(f"For {_shown(values)}")
    return lines


def _appointment_page(
    request: HttpRequest, appointment: Appointment, *, status: int = 200, **extra
) -> HttpResponse:
    for change in appointment.history:
        change.lines = _change_lines(change)
    now, policy = timezone.now(), BookingPolicy.load()
    context = {
        "actions": attendance.allowed_actions(appointment, now=now, policy=policy),
        "waiting_for": attendance.waiting_for(appointment, now=now, policy=policy),
        "appointment": appointment,
        "history": appointment.history,
        "can_manage": request.user.has_perm(roles.MANAGE_BOOKINGS),
        "can_see_client": request.user.has_perm(roles.MANAGE_CLIENTS),
        "show_intake": roles.can_see_intake(request.user, appointment, now=timezone.now()),
        "status_form": StatusForm(appointment=appointment),
        "is_changeable": booking.changeable(appointment, now=now, policy=staff_policy(policy)),
        "block_sessions": series.sessions(appointment.series) if appointment.series_id else [],
        "can_resend_link": (
            appointment.status == Appointment.Status.BOOKED
            and appointment.start > now
            and bool(appointment.client.email)
        ),
        **_fee_owed(request, appointment),
        **extra,
    }
    return render(request, "staff/appointment_detail.html", context, status=status)


def _fee_owed(request: HttpRequest, appointment: Appointment) -> dict:
    """Return the fee a missed or late-cancelled session still owes, with the form that
    marks it paid, for the desk (a session that took place owes none: no query)."""
    missed = appointment.status in (Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW)
    if not missed or not request.user.has_perm(roles.MANAGE_BOOKINGS):
        return {}
    return {"owed_fee": checkout.owed_fee(appointment), "fee_pay_form": FeePaymentForm()}


@roles.staff_required(roles.VIEW_CALENDAR, roles.VIEW_OWN_SCHEDULE, any_of=True)
@require_safe
def appointment(request: HttpRequest, pk: int) -> HttpResponse:
    return _appointment_page(request, _appointment_or_404(request, pk))


Apply = Callable[[HttpRequest, Appointment, dict], str]
Then = Callable[[Appointment, dict], str]


def _appointment_url(appointment: Appointment, data: dict) -> str:
    return reverse("staff:appointment", args=[appointment.pk])


def _change(
    request: HttpRequest,
    pk: int,
    form_class: type,
    apply: Apply,
    *,
    page: dict | None = None,
    then: Then = _appointment_url,
) -> HttpResponse:
    """Show a change form (GET, or with `page` None only POST) or apply it (POST), then
    go on to `then`'s address.

    The appointment's row stays locked from reading its version to writing the change.
    """
    appointment = _appointment_or_404(request, pk)
    source = request.POST if request.method == "POST" else request.GET
    panel = source.get("panel") == "1"
    calendar = source.get("calendar") if source.get("calendar") in ("day", "week") else ""
    template = "staff/appointment_form.html#change" if panel else "staff/appointment_form.html"
    shown = {"panel": panel, "calendar": calendar, "action": request.path}
    if request.method != "POST":
        form = form_class(appointment=appointment)
        context = {**page, **shown, "form": form, "appointment": appointment}
        return render(request, template, context)
    offers, status = [], 422
    try:
        with transaction.atomic():
            locked = (
                Appointment.objects.select_for_update(of=("self",))
                .with_details()
                .filter(pk=pk)
                .first()
            )
            if locked is None:  # deleted in the admin since the page was read
                raise Http404("No such appointment.")
            form = form_class(request.POST, appointment=locked)
            if form.is_valid():
                messages.success(request, apply(request, locked, form.cleaned_data))
                if calendar:
                    locked.refresh_from_db(fields=["start", "therapist"])
                    return see_other(_on_the_calendar(locked, calendar))
                return see_other(then(locked, form.cleaned_data))
    except race.TimingAdvice as advice:  # only a move meets it: its form asks for a reason
        form.advise(advice.message)
    except booking.BookingError as error:
        form.add_error(None, error.message)
        offers = offers_of(error)
        if isinstance(error, booking.SlotTaken):
            status = 409  # a lost race, as the public pages answer it
    if _wants_json(request):
        return _refusal(form, offers, status)
    appointment = _appointment_or_404(request, pk)
    if page is None:
        return _appointment_page(request, appointment, status=status, status_form=form)
    context = {**page, **shown, "form": form, "appointment": appointment, "offers": offers}
    return render(request, template, context, status=status)


def _move(request: HttpRequest, appointment: Appointment, data: dict) -> str:
    now = timezone.now()
    # The clinic's timing advice for the client's race, as for a desk booking: a move into
    # it needs a reason, kept in the history.
    timing = race.at_the_desk(appointment.client, data["timing_reason"], now=now)
    if data.get("rest"):
        block = series.move_rest(
            appointment=appointment,
            start=data["start"],
            now=now,
            by=request.user,
            reason=data["reason"],
            notify=data.get("notify", False),
            **timing,
        )
        first = clock.moment(block[0].start)
        return f"Moved {len(block)} sessions of the block, the first to {first}."
    moved = booking.reschedule_appointment(
        appointment=appointment,
        start=data["start"],
        now=now,
        therapist=data["therapist"],
        room=data["room"],
        by=request.user,
        reason=data["reason"],
        notify=data.get("notify", False),
        **timing,
    )
    return f"Moved to {clock.moment(moved.start)} with {moved.therapist.name} in {moved.room.name}."


def _cancel(request: HttpRequest, appointment: Appointment, data: dict) -> str:
    if data.get("rest"):
        block = series.cancel_rest(
            appointment=appointment,
            now=timezone.now(),
            reason=data["reason"],
            by=request.user,
            notify=data.get("notify", False),
        )
        return f"Cancelled {len(block)} sessions of the block. Their times are free again."
    booking.cancel_appointment(
        appointment=appointment,
        now=timezone.now(),
        reason=data["reason"],
        by=request.user,
        notify=data.get("notify", False),
    )
    return "Cancelled. The time is free again."


def _act(request: HttpRequest, appointment: Appointment, data: dict) -> str:
    action, now = DeskAction(data["action"]), timezone.now()
    if action == DeskAction.UNDO:
        changed = booking.undo_status(appointment=appointment, by=request.user, now=now)
        return f"Undone: {changed.client} is {changed.get_status_display().lower()} again."
    changed = booking.set_status(
        appointment=appointment, status=attendance.TARGET[action], by=request.user, now=now
    )
    return f"{changed.client}: {changed.get_status_display().lower()}."


def _after_act(appointment: Appointment, data: dict) -> str:
    """Return to the calendar's day when the action came from there, else the appointment."""
    if data.get("return_to") == "day":
        day = clock.local(appointment.start).date()
        return reverse("staff:day_for", kwargs={"day": day.isoformat()})
    return _appointment_url(appointment, data)


@roles.staff_required(roles.MANAGE_BOOKINGS)
@require_http_methods(GET_POST)
def move(request: HttpRequest, pk: int) -> HttpResponse:
    page = {"title": "Move appointment", "button": "Move", "button_class": "btn-primary"}
    return _change(request, pk, MoveForm, _move, page=page)


@roles.staff_required(roles.MANAGE_BOOKINGS)
@require_http_methods(GET_POST)
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    page = {
        "title": "Cancel appointment",
        "button": "Cancel appointment",
        "button_class": "btn-danger",
    }
    return _change(request, pk, CancelForm, _cancel, page=page)


@roles.staff_required(roles.MANAGE_BOOKINGS)
@require_POST
def status(request: HttpRequest, pk: int) -> HttpResponse:
    return _change(request, pk, StatusForm, _act, then=_after_act)


@roles.staff_required(roles.MANAGE_BOOKINGS)
@require_POST
def resend_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke the appointment's manage links and email the client a new one."""
    appointment = _appointment_or_404(request, pk)
    try:
        links.resend_manage_link(appointment=appointment, by=request.user, now=timezone.now())
    except links.LinkRefused as refused:
        messages.error(request, f"{refused.message} No link was sent.")
        return _appointment_page(request, _appointment_or_404(request, pk), status=409)
    # No address in the message: flash messages may travel in a cookie.
    messages.success(request, "Old links revoked; a new link is on its way to the client.")
    return see_other(reverse("staff:appointment", args=[pk]))


@roles.staff_required(roles.MANAGE_BOOKINGS)
@require_http_methods(GET_POST)
def block(request: HttpRequest) -> HttpResponse:
    """Block a therapist's time (POST); show the form with their time off that day (GET)."""
    form = BlockTimeForm(request.POST or None, initial=_block_initial(request.GET))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            booking.block_time(
                therapist=data["therapist"],
                start=data["start"],
                end=data["end"],
                by=request.user,
                reason=data["reason"],
            )
        except booking.BookingError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, f"Blocked {data['therapist'].name} from {clock.moment(data['start'])}."
            )
            return see_other(reverse("staff:day_for", kwargs={"day": data["day"].isoformat()}))
    return _block_page(request, form, status=422 if form.errors else 200)


@roles.staff_required(roles.MANAGE_BOOKINGS)
@require_POST
def unblock(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a block or a therapist's time off (any, begun or not), with a history row."""
    try:
        removed = booking.lift_time_off(time_off_id=pk, by=request.user, now=timezone.now())
    except booking.BookingError as error:
        messages.error(request, f"{error.message} Nothing was changed.")
        form = BlockTimeForm(initial=_block_initial(request.POST))
        return _block_page(request, form, status=409)
    messages.success(
        request,
        f"Removed {removed.therapist.name}'s time off from {clock.moment(removed.start)}: "
        "that time can be booked again.",
    )
    day = clock.local(removed.start).date().isoformat()
    return see_other(reverse("staff:day_for", kwargs={"day": day}))


def _block_initial(params) -> dict:
    """Return the block form's first values from `params`: a therapist and a day, if valid."""
    initial = {}
    if (therapist := params.get("therapist", "")).isdigit():
        initial["therapist"] = int(therapist)
    try:
        initial["day"] = date.fromisoformat(params.get("day", ""))
    except ValueError:
        initial["day"] = timezone.localdate()
    return initial


def _block_page(request: HttpRequest, form: BlockTimeForm, *, status: int) -> HttpResponse:
    """Return the block form, with the chosen therapist's time off on the chosen day."""
    therapist_id, day = form.initial.get("therapist"), form.initial["day"]
    if form.is_bound and not form.errors.get("therapist") and not form.errors.get("day"):
        therapist_id = form.cleaned_data["therapist"].pk
        day = form.cleaned_data["day"]
    context = {"form": form, "day": day, "time_off": desk_queries.time_off_on(therapist_id, day)}
    return render(request, "staff/block_time.html", context, status=status)
