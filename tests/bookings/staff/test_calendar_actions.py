"""What the calendar's script sends: drops that move a session, the booking panel, live client
search and the services' colours. Each refusal changes nothing and says why; none is a 500."""

import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings import booking
from bookings.frontdesk.forms import version_of
from bookings.models import Appointment, ClientMessage
from scripts import calendar_grid_css
from services.colours import AA, contrast, ink_for
from services.models import validate_calendar_colour
from tests.bookings.staff.conftest import MONDAY, NOW, at, book
from tests.factories import make_client, make_length

pytestmark = pytest.mark.usefixtures("clock")
JSON = {"HTTP_ACCEPT": "application/json"}


def booked(clinic, start, **kwargs) -> Appointment:
    kwargs.setdefault("therapist", clinic.ana)
    return booking.book_appointment(
        client=kwargs.pop("client", None) or make_client(),
        service_length=clinic.length,
        start=start,
        now=NOW - timedelta(days=1),
        **kwargs,
    ).appointment


def drop(appointment: Appointment, **fields) -> dict:
    """Return what the script posts when a block is dropped (the day view's)."""
    return {
        "version": version_of(appointment),
        "day": MONDAY.isoformat(),
        "time": "14:00",
        "therapist": appointment.therapist_id,
        "calendar": "day",
        **fields,
    }


def unchanged(appointment: Appointment) -> bool:
    fresh = Appointment.objects.get(pk=appointment.pk)
    return (fresh.start, fresh.therapist_id, fresh.changes.count()) == (
        appointment.start,
        appointment.therapist_id,
        appointment.changes.count(),
    )


def test_a_drop_moves_the_session_and_shows_the_day_with_it_highlighted(desk, clinic):
    appointment = booked(clinic, at("10:00"))
    url = reverse("staff:move", args=[appointment.pk])

    response = desk.post(url, drop(appointment, therapist=clinic.ben.pk), **JSON)

    assert response.status_code == 303
    assert response["Location"] == (
        f"/staff/day/{MONDAY}/?highlight={appointment.pk}#appt-{appointment.pk}"
    )
    appointment.refresh_from_db()
    assert (appointment.therapist, appointment.start) == (clinic.ben, at("14:00"))
    assert appointment.changes.filter(action="moved").count() == 1
    # No "notify" in the drop: the desk answered "Move without email".
    kinds = appointment.messages.values_list("kind", flat=True)
    assert ClientMessage.Kind.MOVED not in kinds
    page = desk.get(response["Location"]).text
    assert f'id="appt-{appointment.pk}"' in page
    assert re.search(rf'class="appt [^"]*appt-new[^"]*" id="appt-{appointment.pk}"', page)


def test_a_drop_answered_email_yes_queues_the_email(desk, clinic):
    appointment = booked(clinic, at("10:00"))
    url = reverse("staff:move", args=[appointment.pk])

    desk.post(url, drop(appointment, notify="on"), **JSON)

    assert appointment.messages.filter(kind=ClientMessage.Kind.MOVED).count() == 1


@pytest.mark.parametrize(
    ("fields", "status", "says"),
    [
        ({"therapist": "987654"}, 422, "That therapist is not on the calendar"),
        ({"therapist": "Ben"}, 422, "That therapist is not on the calendar"),
        ({"version": "0" * 20}, 422, "Someone changed this appointment"),
        ({"time": "03:00"}, 409, ""),  # off the grid: outside everyone's hours
        ({"day": "2026-13-45"}, 422, "Date: Enter a valid date."),
        ({"time": "25:99"}, 422, "Time: Enter a valid time."),
    ],
)
def test_a_bad_drop_changes_nothing_and_says_why(desk, clinic, fields, status, says):
    appointment = booked(clinic, at("10:00"))
    url = reverse("staff:move", args=[appointment.pk])

    response = desk.post(url, drop(appointment, **fields), **JSON)

    assert response.status_code == status
    answer = json.loads(response.content)
    assert answer["message"]
    assert says in answer["message"]
    assert unchanged(appointment)


def test_a_drop_on_a_past_time_changes_nothing(desk, desk_user, clinic, clock):
    appointment = booked(clinic, at("15:00"))
    clock.move_to(at("12:00"))
    desk.force_login(desk_user)  # hours later: the idle session has expired
    url = reverse("staff:move", args=[appointment.pk])

    response = desk.post(url, drop(appointment, time="10:00"), **JSON)

    assert response.status_code == 409
    assert json.loads(response.content)["message"] == (
        "That time has already passed. Please choose another."
    )
    assert unchanged(appointment)


def test_a_drop_on_a_taken_time_is_409_with_the_nearest_free_times(desk, clinic):
    appointment = booked(clinic, at("10:00"))
    booked(clinic, at("14:00"), therapist=clinic.ben)
    url = reverse("staff:move", args=[appointment.pk])

    response = desk.post(url, drop(appointment, therapist=clinic.ben.pk), **JSON)

    assert response.status_code == 409
    answer = json.loads(response.content)
    assert answer["offers"]
    assert all(set(offer) == {"start", "therapist"} for offer in answer["offers"])
    assert re.match(r"Mon, Jun 15, \d+:\d\d [AP]M$", answer["offers"][0]["start"])
    assert unchanged(appointment)


def test_the_move_form_offers_no_email_when_the_client_has_none(desk, clinic):
    appointment = booked(clinic, at("10:00"), client=make_client(email=""))

    page = desk.get(reverse("staff:move", args=[appointment.pk])).text

    assert "Email the client" not in page
    assert "No email on file" in page


def test_the_booking_panel_offers_the_therapists_most_booked_service_first(desk, clinic):
    short = make_length(clinic.service, minutes=30, after=15)
    for hour in ("09:00", "11:00", "14:00"):
        book(clinic, at(hour), length=short)

    response = desk.get(
        reverse("staff:book"), {"therapist": clinic.ana.pk, "start": "2026-06-15T15:30", "panel": 1}
    )

    assert response.status_code == 200
    assert "<html" not in response.text  # a fragment for the dialog
    assert 'id="panel-title"' in response.text
    radios = re.findall(r'name="service_length" value="(\d+)"', response.text)
    assert radios == [str(short.pk), str(clinic.length.pk)]
    assert re.search(rf'value="{short.pk}" [^>]*checked>', response.text)
    assert 'value="15:30"' in response.text


def test_a_panel_booking_lands_on_the_day_highlighted_and_errors_stay_in_the_panel(desk, clinic):
    client = make_client(first_name="Lee")
    form = {
        "panel": "1",
        "client": client.pk,
        "service_length": clinic.length.pk,
        "therapist": clinic.ana.pk,
        "day": MONDAY.isoformat(),
        "time": "15:00",
        "key": "6f1c7a4e-8f2b-4c9e-9a57-0d4b1f5e2a10",
    }

    refused = desk.post(reverse("staff:book"), {**form, "time": "", "client": ""})
    response = desk.post(reverse("staff:book"), form)

    assert refused.status_code == 422
    assert "<html" not in refused.text and "This field is required." in refused.text
    appointment = Appointment.objects.get()
    assert appointment.client == client
    assert response.status_code == 303
    assert response["Location"].startswith(f"/staff/day/{MONDAY}/?highlight={appointment.pk}")


def test_a_panel_refusal_comes_back_as_the_same_panel(desk, clinic):
    """The panel's form posts with its therapist, so an error shows the same title and the
    therapist's services as radios again, not the general form."""
    opened = desk.get(reverse("staff:book"), {"therapist": clinic.ana.pk, "panel": 1}).text
    action = re.search(r'<form method="post" action="([^"]+)"', opened)[1].replace("&amp;", "&")
    assert action == f"/staff/book/?therapist={clinic.ana.pk}"

    refused = desk.post(action, {"panel": "1", "client": "", "therapist": clinic.ana.pk})

    assert refused.status_code == 422
    assert "New booking with Ana Ortiz" in refused.text
    assert re.findall(r'name="service_length" value="(\d+)"', refused.text) == [
        str(clinic.length.pk)
    ]
    assert f'action="{action}"' in refused.text


def test_live_client_search_finds_by_name_email_or_phone_in_fixed_queries(desk, clinic):
    make_client(
        first_name="Morgan", last_name="Lane", email="mo@example.com", phone="(404) 555-0101"
    )
    url = reverse("staff:client_search")

    def queries(q: str) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            response = desk.post(url, {"q": q})
        assert response.status_code == 200
        return len(captured), response.text

    few, by_name = queries("morg")
    for n in range(30):
        make_client(first_name="Morgan", last_name=f"Other {n}")
    many, _ = queries("morg")

    assert few == many
    assert 'name="client"' in by_name and "Morgan Lane" in by_name
    assert "Morgan Lane" in queries("mo@exa")[1]
    assert "Morgan Lane" in queries("555-0101")[1]
    assert "No client matches" in queries("<script>zz")[1]
    assert "<script>zz" not in queries("<script>zz")[1]


def test_service_colours_come_as_css_with_readable_text(desk, clinic):
    clinic.service.colour = "#0f4c5c"  # dark: white text
    clinic.service.save()

    response = desk.get(reverse("staff:calendar_css"))

    assert response["Content-Type"].startswith("text/css")
    rule = re.search(rf"\.svc-{clinic.service.pk}\{{([^}}]*)\}}", response.text).group(1)
    assert "--svc:#0f4c5c;--svc-ink:#ffffff;" in rule


@pytest.mark.parametrize("colour", ["#a9d8e0", "#0f4c5c", "#ffffff", "#000000", "#f6c89f"])
def test_calendar_colours_that_keep_text_readable_are_accepted(colour):
    validate_calendar_colour(colour)
    assert contrast(colour, ink_for(colour)) >= AA


@pytest.mark.parametrize("colour", ["teal", "#12345", "#gggggg", "#6b7b80", "#7a7a7a"])
def test_calendar_colours_without_readable_text_or_not_colours_are_refused(colour):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_calendar_colour(colour)


def test_the_grid_stylesheet_is_current():
    assert calendar_grid_css.TARGET.read_text() == calendar_grid_css.css()
