"""The front desk's day view and a therapist's week: what they show, and in how many queries."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import Appointment, ClinicClosure, TimeOff
from tests.bookings.staff.conftest import MONDAY, at, book
from tests.factories import (
    make_client,
    make_date_hours,
    make_length,
    make_room,
    make_therapist,
    make_time_off,
    make_weekly_hours,
)

pytestmark = pytest.mark.usefixtures("clock")


def blocks(html: str, kind: str) -> list[tuple[str, str]]:
    """Return (class attribute, text) of each calendar element whose classes start with `kind`."""
    tag = r"<(?:div|a) class="
    found = re.findall(
        rf'{tag}"({kind}(?=[ "])[^"]*)"[^>]*>(.*?)</(?:div|a)>\s*(?={tag}"|</div>)', html, re.S
    )
    return [
        (classes, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip())
        for classes, text in found
    ]


def test_day_view_shows_each_working_therapist_with_sessions_breaks_and_time_off(desk, clinic):
    off = make_therapist(services=[clinic.service], name="Cara Off")
    make_weekly_hours(off, start="09:00", end="17:00")
    make_date_hours(off, day=MONDAY)  # a day off replaces her weekly hours
    client = make_client(first_name="Jess", last_name="Alvarez")
    book(clinic, at("10:00"), client=client, status=Appointment.Status.CHECKED_IN)
    make_time_off(clinic.ben, start=at("14:00"), end=at("15:00"))

    response = desk.get("/staff/")

    assert response.status_code == 200
    headings = re.findall(r'<span class="cal-heading">(.*?)</span>', response.text)
    assert headings == ["Ana Ortiz", "Ben Cole"]
    # Rows from 9:00 (grid row 2): 10:00 is row 6, and an hour spans four rows, in Ana's column.
    [(classes, text)] = blocks(response.text, "appt")
    assert classes.startswith("appt r-6 s-4 c-2 svc-")
    assert "status-checked_in" in classes
    assert text.startswith(
        "10:00\u201311:00 AM Jess Alvarez Sports massage, 60 min Room A Checked in"
    )
    # Its 15 minutes' turnover is the row after, drawn as a tail of the same colour.
    [(tail, _)] = blocks(response.text, "tail")
    assert tail.startswith("tail r-10 s-1 c-2 svc-")
    breaks = blocks(response.text, "shade shade-break")
    assert [(c.split()[2:5], t) for c, t in breaks] == [
        (["r-16", "s-4", "c-2"], "Break"),
        (["r-16", "s-4", "c-3"], "Break"),
    ]  # 12:30-13:30 for each
    assert ("shade shade-timeoff r-22 s-4 c-3", "Race week") in blocks(
        response.text, "shade shade-timeoff"
    )
    assert 'aria-label="Book Ben Cole at 9:00 AM"' in response.text
    assert "Print day sheet" in response.text
    assert "Nobody is working" not in response.text


def test_day_view_offers_no_booking_in_the_past_and_dims_it(desk, desk_user, clinic, clock):
    clock.move_to(at("13:40"))
    desk.force_login(desk_user)  # hours later: the idle session has expired

    response = desk.get("/staff/")

    assert 'aria-label="Book Ana Ortiz at 1:30 PM"' not in response.text
    assert 'aria-label="Book Ana Ortiz at 1:45 PM"' in response.text
    # 9:00 to 13:30 is past: 18 rows dimmed in each column; the line for now at 1:40 PM.
    assert '<div class="past r-2 s-18 c-2"' in response.text
    assert '<div class="now-line r-20 s-1 c-2 w-2 m-10">' in response.text


def test_day_view_shades_a_closure_and_fades_cancellations_in_place(desk, clinic):
    ClinicClosure.objects.create(date=MONDAY, name="Juneteenth (observed)")
    book(clinic, at("10:00"), status=Appointment.Status.CANCELLED, cancel_reason="Sick")

    response = desk.get("/staff/")

    assert "The clinic is closed: Juneteenth (observed)." in response.text
    closed = blocks(response.text, "shade shade-closed")
    assert [text for _, text in closed] == ["Closed: Juneteenth (observed)"] * 2
    [(classes, text)] = blocks(response.text, "appt")
    assert "appt-faded" in classes and "Cancelled" in text
    assert "data-move-url" not in response.text  # nothing cancelled can be dragged

    hidden = desk.get("/staff/", {"hide": "inactive"})

    assert blocks(hidden.text, "appt") == []
    assert "Show cancelled and no-shows" in hidden.text


def test_day_view_moves_between_days(desk, clinic):
    response = desk.get(f"/staff/day/{MONDAY}/")

    assert "Monday, June 15, 2026" in response.text
    assert 'href="/staff/day/2026-06-14/"' in response.text
    assert 'href="/staff/day/2026-06-16/"' in response.text
    assert desk.get("/staff/", {"date": "2026-06-20"})["Location"] == "/staff/day/2026-06-20/"
    assert desk.get("/staff/day/2026-02-31/").status_code == 404


def test_date_picker_rejects_a_date_that_is_not_one(desk, clinic):
    response = desk.get("/staff/", {"date": "next tuesday"})

    assert response.status_code == 422
    assert "Enter a valid date." in response.text


def test_day_sheet_lists_every_session_with_phone_service_and_room(desk, clinic):
    book(clinic, at("10:00"), client=make_client(first_name="Pat", phone="(404) 555-0190"))
    book(clinic, at("11:00"), therapist=clinic.ben, room=clinic.rooms[1])
    book(clinic, at("14:00"), status=Appointment.Status.CANCELLED)

    sheet = desk.get("/staff/").text.split('class="day-sheet"')[1]

    rows = re.findall(r"<tr><td>(.*?)</td></tr>", sheet, re.S)
    assert len(rows) == 2  # the cancelled session is not on paper
    assert "(404) 555-0190</td><td>Sports massage, 60 min</td><td>Room A" in rows[0]
    assert "Printed Mon, Jun 15, 2026, 7:30 AM" in sheet


def populate(service, length, *, therapists: int, per_therapist: int) -> None:
    """Add `therapists` therapists working all Monday, each with their own room, time off
    and `per_therapist` 30-minute sessions that Monday."""
    sessions, absences = [], []
    for _ in range(therapists):
        therapist = make_therapist(services=[service])
        make_weekly_hours(therapist, weekdays=[0], start="08:00", end="19:00")
        room = make_room(services=[service])
        client = make_client()
        for n in range(per_therapist):
            session = Appointment(
                client=client,
                therapist=therapist,
                room=room,
                service_length=length,
                start=at("08:00") + n * timedelta(minutes=45),
            )
            session.fill_times()
            sessions.append(session)
        absences.append(TimeOff(therapist=therapist, start=at("18:00"), end=at("19:00")))
    Appointment.objects.bulk_create(sessions)
    TimeOff.objects.bulk_create(absences)


def queries_for(web, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert web.get(url).status_code == 200
    return len(captured)


def test_day_view_runs_a_fixed_number_of_queries(desk, clinic, django_assert_max_num_queries):
    short = make_length(clinic.service, minutes=30, after=15)
    populate(clinic.service, short, therapists=8, per_therapist=10)
    # 18 = the page's own queries (the day's takings and the legend's services among them)
    # plus the session's read and its idle-timeout refresh, and django-otp's check that the
    # device the session passed the second factor with remains.
    with django_assert_max_num_queries(18):
        response = desk.get("/staff/")
    assert len(blocks(response.text, "appt")) == 80
    queries = queries_for(desk, "/staff/")

    populate(clinic.service, short, therapists=8, per_therapist=10)  # twice the data

    assert queries_for(desk, "/staff/") == queries
    assert len(blocks(desk.get("/staff/").text, "appt")) == 160


def test_week_view_shows_one_therapist_a_day_per_column(desk, clinic):
    book(clinic, at("10:00"))
    book(clinic, at("15:00", MONDAY + timedelta(days=2)))
    book(clinic, at("11:00"), therapist=clinic.ben, room=clinic.rooms[1])

    response = desk.get(reverse("staff:week_for", args=[clinic.ana.pk, MONDAY + timedelta(days=3)]))

    assert "Ana Ortiz: Mon, Jun 15 \u2013 Sun, Jun 21, 2026" in response.text
    days = re.findall(r'<a class="cal-heading" href="/staff/day/([\d-]+)/">', response.text)
    assert days == [str(MONDAY + timedelta(days=n)) for n in range(7)]
    assert len(blocks(response.text, "appt")) == 2
    assert 'aria-label="Book Ana Ortiz at 9:00 AM on Wednesday, June 17"' in response.text


def test_week_view_runs_a_fixed_number_of_queries(desk, clinic, django_assert_max_num_queries):
    short = make_length(clinic.service, minutes=30, after=15)
    url = reverse("staff:week", args=[clinic.ana.pk])

    def add_sessions(first: str) -> None:
        for offset in range(7):
            for n in range(4):
                start = at(first, MONDAY + timedelta(days=offset)) + n * timedelta(minutes=45)
                book(clinic, start, length=short, room=clinic.rooms[n % 2])

    add_sessions("09:00")
    with django_assert_max_num_queries(17):  # as the day view's, see above
        desk.get(url)
    queries = queries_for(desk, url)

    add_sessions("13:30")

    assert queries_for(desk, url) == queries
    assert len(blocks(desk.get(url).text, "appt")) == 56
