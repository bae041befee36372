"""What the runner's pages show about their next race: the one-line question, or the
suggested sessions with their free times.

Whose race it is follows the pages' privacy rule (bookings/online.py): the browser that
booked may have typed someone else's email, so the confirmation page (and the manage page
opened from it) knows only the race this browser told us; the emailed links, which only the
mailbox's owner holds, read the race on file. The race known is kept in the session (date
and client), so the booking flow in this browser can give the timing advice.
"""

from datetime import date
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from bookings import race
from bookings.models import Appointment, BookingPolicy, Client, RunnerIntake
from bookings.public import picker
from bookings.public.forms import ANY
from bookings.public.race_forms import RaceForm, SuggestedTimeForm, TimingForm

# Beside the go-ahead box when a booking inside a timing rule was sent without it.
ADVICE_UNREAD = "Tick this box to book it anyway, or choose the suggested session instead."
RACE = "bookings.race"  # {"client": id, "date": "YYYY-MM-DD"}: the race this browser knows


def remember_race(request: HttpRequest, client: Client, race_date: date) -> None:
    """Keep the runner's race in this browser's session."""
    request.session[RACE] = {"client": client.pk, "date": race_date.isoformat()}


def session_race_date(request: HttpRequest) -> date | None:
    """Return the race date this browser last gave or was shown, if still ahead."""
    kept = request.session.get(RACE) or {}
    try:
        race_date = date.fromisoformat(kept.get("date", ""))
    except (TypeError, ValueError):
        return None
    return race_date if race_date >= timezone.localdate() else None


def known_race(request: HttpRequest, client: Client, *, booker: bool) -> date | None:
    """Return the client's next race as this page may know it (see the module docstring)."""
    kept = request.session.get(RACE) or {}
    if kept.get("client") == client.pk and (found := session_race_date(request)):
        return found
    if booker:
        return None
    on_file = (
        RunnerIntake.objects.filter(client=client).values_list("next_race_date", flat=True).first()
    )
    if on_file is None or on_file < timezone.localdate():
        return None
    remember_race(request, client, on_file)
    return on_file


def race_context(
    request: HttpRequest,
    appointment: Appointment | None,
    token: str | None,
    more: dict | None = None,
    *,
    booker: bool,
    client: Client | None = None,
) -> dict:
    """Return the race part of a page's context: the question, or the suggestions."""
    client = client or appointment.client
    now = timezone.now()
    race_date = known_race(request, client, booker=booker)
    context: dict = {"race_date": race_date, "suggest_token": token}
    if race_date is None:
        context["race_form"] = RaceForm(today=timezone.localdate(now))
    else:
        policy = BookingPolicy.load()
        found = race.suggestions(client=client, race_date=race_date, now=now, policy=policy)
        context["suggestions"] = shown(found)
    return context | (more or {})


def shown(found: list[race.Suggestion]) -> list[dict]:
    """Return the suggestions as the page shows them: each with its tap's key and its times
    as form values (clinic wall time, as the booking pages send them)."""
    return [
        {
            "suggestion": each,
            "key": SuggestedTimeForm.new_key(),
            "times": [picker.slot(start) for start in each.times],
        }
        for each in found
    ]


def timing_advice(request: HttpRequest, choice) -> dict:
    """Return the booking step's timing advice for the chosen session, if this browser's
    race makes any rule apply: the rules, the alternatives' links and the go-ahead form.

    Reads nothing unless the browser has a race; then the service's rules, kept with the
    reference data (``reference.Reference.timing_rules``).
    """
    race_date = session_race_date(request)
    if race_date is None or choice.length is None or choice.start is None:
        return {}
    rules = request.reference.timing_rules(choice.length.service_id)
    return _advice(request, race_date, choice.length, choice.start, rules)


def move_advice(
    request: HttpRequest, appointment: Appointment, length, start, *, booker: bool
) -> dict:
    """Return the timing advice for moving `appointment` to `start` (see ``timing_advice``),
    from the race this page may know (``known_race``)."""
    race_date = known_race(request, appointment.client, booker=booker)
    if race_date is None:
        return {}
    rules = race.active_timing_rules(length.service_id)
    # A move keeps the service, so the alternative (another service) is a new booking's.
    return _advice(request, race_date, length, start, rules) | {"alternatives": []}


def _advice(request: HttpRequest, race_date: date, length, start, rules) -> dict:
    hits = race.timing_hits(rules, service_length=length, start=start, race_date=race_date)
    if not hits:
        return {}
    form = TimingForm(request.POST if request.method == "POST" else None)
    ticked = form.is_valid() and form.cleaned_data["timing_ok"]
    day = timezone.localdate(start).isoformat()
    alternatives = [
        (rule.alternative, _time_url(rule.alternative.pk, day))
        for rule in hits
        if rule.alternative is not None
    ]
    return {
        "race_date": race_date,
        "advice": hits,
        "alternatives": alternatives,
        "timing_form": form,
        "go_ahead": race.GoAhead(shown=tuple(rules)) if ticked else None,
    }


def _time_url(length_id: int, day: str) -> str:
    query = urlencode({"length": length_id, "therapist": ANY, "day": day})
    return f"{reverse('bookings:time')}?{query}"
