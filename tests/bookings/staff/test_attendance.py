"""Check-in, completion, no-shows and their undo from the appointment page: the page offers
only what the rules allow at that moment, and the write refuses the rest in the clinic's words."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings import booking
from bookings.frontdesk.forms import version_of
from bookings.models import Appointment, AppointmentChange, BookingPolicy
from tests.bookings.public.test_fuzz import MARKER, params
from tests.bookings.staff.conftest import MONDAY, NOW, at, book
from tests.factories import make_client

SUNDAY, TUESDAY = MONDAY - timedelta(days=1), MONDAY + timedelta(days=1)
BUTTON = re.compile(r'<button type="submit" name="action" value="(\w+)"[^>]*>([^<]+)</button>')
ALERT = re.compile(r'<div class="alert alert-danger[^"]*" role="alert">(.*?)</div>', re.S)
RAW_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}(:\d{2})?(?! [AP]M)|[+-]\d{2}:\d{2}")


pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def session(clinic) -> Appointment:
    """Sam's 10:00-11:00 session with Ana on Monday, booked online the day before."""
    return booking.book_appointment(
        client=make_client(first_name="Sam", last_name="Rivera"),
        service_length=clinic.length,
        start=at("10:00"),
        now=NOW - timedelta(days=1),
        therapist=clinic.ana,
    ).appointment


@pytest.fixture
def at_desk(clock, desk, desk_user):
    """Return a function that sets the clock to a moment and keeps the desk signed in."""

    def move_to(moment) -> None:
        clock.move_to(moment)
        desk.force_login(desk_user)  # the idle staff session would have ended meanwhile

    return move_to


def offered(desk, appointment: Appointment) -> list[str]:
    """Return the labels of the status buttons the appointment's page shows."""
    page = desk.get(reverse("staff:appointment", args=[appointment.pk]))
    assert page.status_code == 200
    return [label for _value, label in BUTTON.findall(page.text)]


def act(desk, appointment: Appointment, action: str, **fields):
    appointment.refresh_from_db()
    form = {"action": action, "version": version_of(appointment), **fields}
    return desk.post(reverse("staff:status", args=[appointment.pk]), form)


def refusal(response) -> str:
    """Return the refusal shown on the page, one line of plain text."""
    return " ".join(re.sub(r"<[^>]+>", "", ALERT.search(response.text).group(1)).split())


def actions_of(appointment: Appointment) -> list[str]:
    return list(appointment.changes.values_list("action", flat=True))


def test_check_in_is_refused_the_day_before_and_too_early_and_allowed_within_the_hour(
    desk, desk_user, session, at_desk
):
    at_desk(at("10:00", SUNDAY))
    day_before = act(desk, session, "check_in")
    buttons_day_before = offered(desk, session)
    at_desk(at("08:59"))
    too_early = act(desk, session, "check_in")
    buttons_too_early = offered(desk, session)
    at_desk(at("09:00"))
    buttons_in_the_window = offered(desk, session)
    checked_in = act(desk, session, "check_in")

    assert day_before.status_code == too_early.status_code == 422
    assert refusal(day_before) == (
        "This session is on Mon, Jun 15, at 10:00 AM; check-in opens that day at 9:00 AM."
    )
    assert refusal(too_early) == "This session starts at 10:00 AM; check-in opens at 9:00 AM."
    assert buttons_day_before == buttons_too_early == []
    assert buttons_in_the_window == ["Check in"]
    assert checked_in.status_code == 303
    assert checked_in["Location"] == reverse("staff:appointment", args=[session.pk])
    session.refresh_from_db()
    assert session.status == "checked_in"
    change = session.changes.get(action="checked_in")
    assert (change.by, change.at) == (desk_user, at("09:00"))


def test_the_check_in_window_is_the_booking_policys(desk, session, at_desk):
    BookingPolicy.objects.create(check_in_opens_minutes=20)

    at_desk(at("09:39"))
    early = act(desk, session, "check_in")
    at_desk(at("09:40"))
    in_time = act(desk, session, "check_in")

    assert early.status_code == 422
    assert "check-in opens at 9:40 AM" in refusal(early)
    assert in_time.status_code == 303


def test_a_session_of_an_earlier_day_can_no_longer_be_checked_in(desk, session, at_desk):
    at_desk(at("08:00", TUESDAY))

    response = act(desk, session, "check_in")

    assert response.status_code == 422
    assert refusal(response) == "This session was on Mon, Jun 15; it can no longer be checked in."
    assert offered(desk, session) == ["Complete", "No-show"]


def test_no_show_and_complete_are_not_offered_before_the_start_and_refused_in_clinic_words(
    desk, session, at_desk
):
    at_desk(at("09:30"))
    page = desk.get(reverse("staff:appointment", args=[session.pk])).text
    early_no_show = act(desk, session, "no_show")
    early_complete = act(desk, session, "complete")
    at_desk(at("10:00"))
    buttons_at_the_start = offered(desk, session)
    no_show = act(desk, session, "no_show")

    assert [label for _value, label in BUTTON.findall(page)] == ["Check in"]
    assert "The session starts at 10:00 AM. Complete and no-show open once it starts." in page
    assert early_no_show.status_code == early_complete.status_code == 422
    assert refusal(early_no_show) == (
        "This session starts at 10:00 AM; it can be marked a no-show once it has started."
    )
    assert refusal(early_complete) == (
        "This session starts at 10:00 AM; it can be marked complete once it has started."
    )
    for response in (early_no_show, early_complete):
        assert not RAW_TIMESTAMP.search(refusal(response)), refusal(response)
    assert buttons_at_the_start == ["Check in", "Complete", "No-show"]
    assert no_show.status_code == 303
    session.refresh_from_db()
    assert session.status == "no_show"
    assert actions_of(session) == ["booked", "no_show"]


def test_a_checked_in_client_can_be_completed_once_the_session_starts(desk, session, at_desk):
    at_desk(at("09:15"))
    act(desk, session, "check_in")
    buttons_before_the_start = offered(desk, session)
    at_desk(at("10:30"))
    buttons_during = offered(desk, session)
    completed = act(desk, session, "complete")

    assert buttons_before_the_start == ["Undo check-in"]
    assert buttons_during == ["Complete", "Undo check-in"]
    assert completed.status_code == 303
    assert offered(desk, session) == ["Undo completion"]


def test_undo_within_the_day_leaves_a_history_row_and_is_refused_the_next_day(
    desk, desk_user, session, at_desk
):
    at_desk(at("10:05"))
    act(desk, session, "no_show")
    undone = act(desk, session, "undo")
    session.refresh_from_db()
    after_undo = session.status
    at_desk(at("10:10"))
    act(desk, session, "check_in")
    at_desk(at("11:00"))
    act(desk, session, "complete")
    at_desk(at("08:00", TUESDAY))
    next_day = act(desk, session, "undo")

    assert undone.status_code == 303
    assert after_undo == "booked"
    change = session.changes.get(action="undone")
    assert (change.by, change.at, change.details) == (
        desk_user,
        at("10:05"),
        {"status": ["No-show", "Booked"]},
    )
    page = desk.get(reverse("staff:appointment", args=[session.pk])).text
    assert "Status undone" in page
    assert "Status: No-show → Booked" in page
    assert next_day.status_code == 422
    assert refusal(next_day) == (
        "A status can be undone only on the day it was set; this one was set on Mon, Jun 15."
    )
    session.refresh_from_db()
    assert session.status == "completed"
    assert actions_of(session) == ["booked", "no_show", "undone", "checked_in", "completed"]


def test_undo_steps_back_one_status_at_a_time(desk, session, at_desk):
    at_desk(at("09:50"))
    act(desk, session, "check_in")
    at_desk(at("11:00"))
    act(desk, session, "complete")

    statuses = []
    for _ in range(2):
        assert act(desk, session, "undo").status_code == 303
        session.refresh_from_db()
        statuses.append(session.status)
    nothing_left = act(desk, session, "undo")

    assert statuses == ["checked_in", "booked"]
    assert nothing_left.status_code == 422
    assert refusal(nothing_left) == (
        "There is no check-in, completion or no-show to undo: this appointment is booked."
    )


def test_a_no_show_whose_time_was_taken_since_cannot_be_undone(desk, clinic, session, at_desk):
    at_desk(at("10:05"))
    act(desk, session, "no_show")
    walk_in = desk.post(
        reverse("staff:walk_in"),
        {
            "first_name": "Drew",
            "last_name": "Walker",
            "phone": "(404) 555-0111",
            "service_length": clinic.length.pk,
            "therapist": clinic.ana.pk,
            "key": "0b0e1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d",
        },
    )

    response = act(desk, session, "undo")

    assert walk_in.status_code == 303
    assert response.status_code == 409
    assert "this time has been booked or blocked, so the no-show stands" in refusal(response)
    session.refresh_from_db()
    assert session.status == "no_show"
    assert not session.changes.filter(action="undone").exists()


def test_tampered_or_stale_status_forms_change_nothing_and_say_why(desk, session, at_desk):
    at_desk(at("10:05"))
    url = reverse("staff:status", args=[session.pk])
    version = version_of(session)

    tampered = desk.post(url, {"action": "cancelled", "version": version})
    missing = desk.post(url, {"version": version})
    nowhere = desk.post(url, {"action": "complete", "version": version, "return_to": "//x.test"})
    stale = desk.post(url, {"action": "complete", "version": "0" * 20})
    gone = desk.post(reverse("staff:status", args=[session.pk + 100]), {"action": "complete"})
    got = desk.get(url)

    assert tampered.status_code == missing.status_code == nowhere.status_code == 422
    assert refusal(tampered) == "This page cannot do that to an appointment. Nothing was changed."
    assert refusal(missing) == "Choose what to do with this appointment. Nothing was changed."
    assert "Select a valid choice." in refusal(nowhere)
    assert stale.status_code == 422
    assert "Someone changed this appointment after you opened this page." in refusal(stale)
    assert gone.status_code == 404
    assert got.status_code == 405
    session.refresh_from_db()
    assert session.status == "booked"
    assert actions_of(session) == ["booked"]


def test_a_status_set_from_the_calendar_returns_to_its_day(desk, session, at_desk):
    at_desk(at("09:30"))

    response = act(desk, session, "check_in", return_to="day")

    assert response.status_code == 303
    assert response["Location"] == reverse("staff:day_for", kwargs={"day": MONDAY.isoformat()})


def test_move_and_cancel_are_offered_only_until_the_session_starts(desk, session, at_desk):
    url = reverse("staff:appointment", args=[session.pk])
    at_desk(at("09:59"))
    before = desk.get(url).text
    at_desk(at("10:00"))
    after = desk.get(url).text

    assert reverse("staff:move", args=[session.pk]) in before
    assert reverse("staff:cancel", args=[session.pk]) in before
    assert reverse("staff:move", args=[session.pk]) not in after
    assert reverse("staff:cancel", args=[session.pk]) not in after


@pytest.mark.parametrize("page", ["move", "cancel"])
def test_the_email_box_is_offered_only_when_the_client_has_an_email(desk, clinic, page):
    with_email = book(clinic, at("10:00"), client=make_client(email="sam@example.com"))
    without = book(clinic, at("14:00"), client=make_client(email=""))

    offered_page = desk.get(reverse(f"staff:{page}", args=[with_email.pk])).text
    no_email_page = desk.get(reverse(f"staff:{page}", args=[without.pk])).text

    assert 'name="notify"' in offered_page
    assert re.search(r'<input[^>]*name="notify"[^>]*checked', offered_page)
    assert "No email on file" not in offered_page
    assert 'name="notify"' not in no_email_page
    assert "Email the client" not in no_email_page
    assert no_email_page.count("No email on file") == 1


def test_a_client_without_email_is_moved_and_cancelled_without_an_email(desk, clinic):
    appointment = book(clinic, at("10:00"), client=make_client(email=""))
    appointment.refresh_from_db()
    moved = desk.post(
        reverse("staff:move", args=[appointment.pk]),
        {
            "day": MONDAY.isoformat(),
            "time": "14:00",
            "therapist": clinic.ana.pk,
            "room": "",
            "reason": "",
            "notify": "on",  # sent anyway, by a tampered form: there is no one to email
            "version": version_of(appointment),
        },
    )
    appointment.refresh_from_db()
    cancelled = desk.post(
        reverse("staff:cancel", args=[appointment.pk]),
        {"reason": "Injured", "version": version_of(appointment)},
    )

    assert moved.status_code == cancelled.status_code == 303
    appointment.refresh_from_db()
    assert (appointment.start, appointment.status) == (at("14:00"), "cancelled")
    assert not appointment.messages.exists()
    assert AppointmentChange.objects.filter(appointment=appointment).count() == 2


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_status_or_walk_in_form_causes_a_server_error_or_an_unescaped_echo(
    desk, clinic, session, at_desk, data
):
    at_desk(at("10:05"))
    session.refresh_from_db()
    known = {
        "action": data.draw(st.sampled_from(["check_in", "complete", "no_show", "undo"])),
        "version": version_of(session),
        "return_to": "day",
        "service_length": str(clinic.length.pk),
        "therapist": str(clinic.ana.pk),
        "client": str(session.client_id),
        "key": "0b0e1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d",
    }
    if data.draw(st.booleans()):
        url = reverse("staff:status", args=[session.pk])
        names = ["action", "version", "return_to", "reason"]
    else:
        url = reverse("staff:walk_in") + data.draw(st.sampled_from(["", "?client=", "?q="]))
        url += data.draw(st.sampled_from(["", known["client"], "x", MARKER]))
        names = ["client", "first_name", "last_name", "phone", "email", "service_length"]
        names += ["therapist", "notify", "key"]

    response = desk.post(url, data.draw(params(names, known)))

    assert response.status_code in (303, 404, 409, 422), (url, response.status_code)
    body = response.content.decode(errors="replace")
    assert MARKER not in body and "<script>fz" not in body
