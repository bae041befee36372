"""Staff pages, part 1: sign-in, the clinic's day, a therapist's week, "My schedule", feeds.

Every view sits behind ``roles.staff_required`` (anonymous: sign-in; no permission: 403),
except sign-in/out and the calendar feed, which a phone fetches with the secret in its URL.
The request log records route patterns only, so neither that secret nor anything a
client told us reaches a log line.
"""

from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps

from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from bookings import calendar, roles, tokens
from bookings.frontdesk import queries as desk_queries
from bookings.frontdesk.forms import DayForm, StaffAuthenticationForm, version_of
from bookings.frontdesk.forms_records import TimeOffForm
from bookings.frontdesk.grid import Calendar, build_calendar
from bookings.frontdesk.queries import Hours, TherapistDay
from bookings.models import Appointment, Therapist
from services import colours
from services.models import Service

SCHEDULE_DAYS = 8  # today and the next seven


def parse_day(value: str | None) -> date | None:
    """Return the date in a ``YYYY-MM-DD`` URL segment; raise 404 if it is not a real date."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Http404("No such date.") from None


# Throttled per username and IP inside the form, not per IP alone: the whole clinic may
# sign in from one address, and one person must not be able to lock everyone out.
sign_in = auth_views.LoginView.as_view(
    template_name="staff/login.html", authentication_form=StaffAuthenticationForm
)
sign_out = auth_views.LogoutView.as_view(next_page="staff:login")


def therapist_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorate a therapist's own page: pass the signed-in user's therapist profile in."""

    @roles.staff_required(roles.VIEW_OWN_SCHEDULE)
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        therapist = roles.therapist_of(request.user)
        if therapist is None:
            return roles.forbidden(request, "Your account is not linked to a therapist profile.")
        return view(request, therapist, *args, **kwargs)

    return wrapped


@roles.staff_required(roles.VIEW_CALENDAR, roles.VIEW_OWN_SCHEDULE, any_of=True)
def day(request: HttpRequest, day: str | None = None) -> HttpResponse:
    if request.user.has_perm(roles.VIEW_CALENDAR):
        return _day(request, parse_day(day))
    if day is None and request.method == "GET" and not request.GET:
        # /staff/ is where sign-in lands; a therapist's home is their own schedule.
        return redirect("staff:my_schedule")
    return roles.forbidden(request)


def _calendar(
    request: HttpRequest, columns: list[TherapistDay], opening: Hours, *, show_faded: bool
) -> Calendar:
    """Return the grid of `columns`, the blocks the desk may drag marked with their version."""
    now = timezone.now()
    calendar = build_calendar(columns, opening=opening, now=now, show_faded=show_faded)
    if request.user.has_perm(roles.MANAGE_BOOKINGS):
        for block in calendar.blocks:
            a = block.appointment
            if a is not None and a.status == Appointment.Status.BOOKED and a.start > now:
                block.version = version_of(a)
    return calendar


def _calendar_context(request: HttpRequest, calendar: Calendar) -> dict:
    """Return what the day and week pages share: legend, toggles, the booking just made."""
    show_faded = request.GET.get("hide") != "inactive"
    highlight = request.GET.get("highlight", "")
    return {
        "calendar": calendar,
        "services": list(Service.objects.order_by("ordering", "title")),
        "show_faded": show_faded,
        "highlight": int(highlight) if highlight.isdigit() else None,
        "can_book": request.user.has_perm(roles.MANAGE_BOOKINGS),
        "printed_at": timezone.now(),
    }


@require_safe
def _day(request: HttpRequest, chosen: date | None) -> HttpResponse:
    today = timezone.localdate()
    asked = request.GET if "date" in request.GET else None  # ?hide= and ?highlight= are not dates
    picker = DayForm(asked, initial={"date": chosen or today})
    if picker.is_bound and picker.is_valid():
        return redirect("staff:day_for", day=picker.cleaned_data["date"].isoformat())
    chosen = chosen or today
    clinic_day = desk_queries.clinic_day(chosen)
    show_faded = request.GET.get("hide") != "inactive"
    calendar = _calendar(request, clinic_day.columns, clinic_day.opening, show_faded=show_faded)
    context = {
        "day": chosen,
        "today": today,
        "previous": chosen - timedelta(days=1),
        "next": chosen + timedelta(days=1),
        "picker": picker,
        "clinic_day": clinic_day,
        "sheet": [
            (column, [a for a in column.appointments if a.is_active])
            for column in clinic_day.columns
        ],
        **_calendar_context(request, calendar),
    }
    status = 422 if picker.errors else 200
    return render(request, "staff/day.html", context, status=status)


@roles.staff_required(roles.VIEW_CALENDAR)
@require_safe
def week_start(request: HttpRequest) -> HttpResponse:
    """Send the desk to a week: the signed-in therapist's own, else the first therapist's."""
    person = roles.therapist_of(request.user) or Therapist.objects.active().first()
    if person is None:
        raise Http404("No therapists yet.")
    return redirect("staff:week", therapist=person.pk)


@roles.staff_required(roles.VIEW_CALENDAR)
@require_safe
def week(request: HttpRequest, therapist: int | str, day: str | None = None) -> HttpResponse:
    person = get_object_or_404(Therapist, pk=int(therapist))  # re_path passes text
    chosen = parse_day(day) or timezone.localdate()
    monday = chosen - timedelta(days=chosen.weekday())
    days = desk_queries.therapist_days(person, monday, 7)
    opening = desk_queries.opening_hours([column.day for column in days])
    all_opening = [interval for hours in opening.values() for interval in hours]
    show_faded = request.GET.get("hide") != "inactive"
    calendar = _calendar(request, days, all_opening, show_faded=show_faded)
    context = {
        "therapist": person,
        "therapists": list(Therapist.objects.active()),
        "monday": monday,
        "sunday": monday + timedelta(days=6),
        "previous": monday - timedelta(days=7),
        "next": monday + timedelta(days=7),
        "days": days,
        **_calendar_context(request, calendar),
    }
    return render(request, "staff/week.html", context)


@roles.staff_required(roles.VIEW_CALENDAR)
@require_safe
def calendar_css(request: HttpRequest) -> HttpResponse:
    """Return each service's calendar colours as CSS custom properties (no inline styles)."""
    rules = []
    for pk, colour in Service.objects.values_list("pk", "colour"):
        if not colours.HEX.match(colour):
            continue
        soft = colours.mix(colour, "#ffffff", 0.45)
        rules.append(
            f".svc-{pk}{{--svc:{colour};--svc-ink:{colours.ink_for(colour)};"
            f"--svc-soft:{soft};--svc-soft-ink:{colours.ink_for(soft)};"
            f"--svc-edge:{colours.mix(colour, '#000000', 0.55)}}}"
        )
    response = HttpResponse("\n".join(rules) + "\n", content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "private, no-cache"
    return response


@therapist_required
@require_safe
def my_schedule(request: HttpRequest, therapist: Therapist) -> HttpResponse:
    return schedule_page(request, therapist)


def schedule_page(
    request: HttpRequest, therapist: Therapist, *, time_off_form=None, status: int = 200
) -> HttpResponse:
    """Render a therapist's schedule, with the form to enter their own time off."""
    today, now = timezone.localdate(), timezone.now()
    context = {
        "therapist": therapist,
        "days": desk_queries.therapist_days(therapist, today, SCHEDULE_DAYS),
        "today": today,
        "now": now,
        "time_off_ahead": desk_queries.time_off_ahead(therapist, now=now),
        "time_off_form": time_off_form
        or TimeOffForm(initial={"start_day": today, "end_day": today}),
    }
    return render(request, "staff/my_schedule.html", context, status=status)


@therapist_required
@require_http_methods(["GET", "HEAD", "POST"])
def my_calendar(request: HttpRequest, therapist: Therapist) -> HttpResponse:
    """Show whether a calendar feed exists; POST issues a new secret URL, revoking the old."""
    feed_url = None
    if request.method == "POST":
        token = tokens.issue_feed_token(therapist)
        # Shown once, in this response only: it is not stored and cannot be shown again.
        feed_url = request.build_absolute_uri(reverse("staff:feed", args=[token]))
    context = {
        "therapist": therapist,
        "has_feed": bool(therapist.feed_token_digest),
        "feed_url": feed_url,
        "webcal_url": feed_url and "webcal://" + feed_url.split("://", 1)[1],
    }
    return render(request, "staff/my_calendar.html", context)


@never_cache
@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """Return a therapist's calendar (.ics): times, services, client first names only."""
    therapist = desk_queries.therapist_for_feed_digest(tokens.digest(token))
    if therapist is None:
        raise Http404("No such calendar.")
    appointments = desk_queries.feed_appointments(therapist, now=timezone.now())
    response = HttpResponse(
        calendar.therapist_feed(therapist.name, appointments),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'inline; filename="clinic-schedule.ics"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
