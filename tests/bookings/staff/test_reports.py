"""The clinic's reports: every figure against a small clinic counted by hand.

Two therapists work 9:00-12:30 and 13:30-17:00 (420 minutes) every day; the clinic is closed
on Friday Jun 12; Ana is off Tue Jun 9 9:00-11:00 (120 minutes) and Thu Jun 11 12:00-14:00
(60 minutes, as the break is not working time); Ben works only 10:00-12:00 on Wed Jun 10.
The clock stands at Mon Jun 15, 7:30 AM: the first week is past, the second ahead.

                      Ana                         Ben
available, week 1     6 days x 420 - 180 = 2340   5 x 420 + 120 = 2220
available, week 2     7 x 420 = 2940              2940
rooms A and B         week 1: 6 open days x 420 = 2520 (someone works all of each day),
                      week 2: 2940; Room C suits a service nobody offers: no time.
"""

import csv
import io
import re
import uuid
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings import booking, clock, online
from bookings.booking import ClientDetails
from bookings.frontdesk.reports import Grouping, build_report, periods, preset_range
from bookings.models import Appointment, AppointmentChange, ClinicClosure
from tests.bookings.staff.conftest import NOW, NY, at, book
from tests.factories import (
    make_client,
    make_date_hours,
    make_room,
    make_service,
    make_therapist,
    make_time_off,
    make_weekly_hours,
)

pytestmark = pytest.mark.usefixtures("clock")

Status, Source = Appointment.Status, Appointment.Source
WEEK_1, WEEK_2 = date(2026, 6, 8), date(2026, 6, 15)
PERIOD = {"by": "week", "start": "2026-06-08", "end": "2026-06-21"}


def cancelled_at(appointment: Appointment, moment: datetime) -> None:
    appointment.status = Status.CANCELLED
    appointment.save()
    AppointmentChange.objects.create(
        appointment=appointment, action=AppointmentChange.Action.CANCELLED, at=moment
    )


@pytest.fixture
def fixture(clinic):
    """The hand-counted clinic of the module docstring, with its sessions."""
    ana, ben = clinic.ana, clinic.ben
    room_a, room_b = clinic.rooms
    make_room(services=[make_service()], name="Room C")
    cal = make_therapist(services=[clinic.service], name="Cal Inactive", active=False)
    make_weekly_hours(cal, start="09:00", end="17:00")  # inactive, no sessions: not listed
    ClinicClosure.objects.create(date=date(2026, 6, 12), name="Summer day")
    make_time_off(ana, start=at("09:00", date(2026, 6, 9)), end=at("11:00", date(2026, 6, 9)))
    make_time_off(ana, start=at("12:00", date(2026, 6, 11)), end=at("14:00", date(2026, 6, 11)))
    make_date_hours(ben, day=date(2026, 6, 10), start="10:00", end="12:00")

    c1, c2, c3, c4, c5, c6 = (make_client(first_name=f"C{n}") for n in range(1, 7))
    # C3 came in May, before the report starts: a returning runner.
    book(clinic, at("09:00", date(2026, 5, 20)), client=c3, status=Status.COMPLETED)

    def session(day, hhmm, therapist, room, client, status, source):
        return book(
            clinic,
            at(hhmm, day),
            therapist=therapist,
            room=room,
            client=client,
            status=status,
            source=source,
        )

    # Week 1, Jun 8-14.
    session(date(2026, 6, 8), "09:00", ana, room_a, c1, Status.COMPLETED, Source.ONLINE)
    session(date(2026, 6, 8), "10:15", ana, room_a, c2, Status.NO_SHOW, Source.DESK)
    session(date(2026, 6, 9), "11:00", ben, room_b, c3, Status.COMPLETED, Source.DESK)
    late = session(date(2026, 6, 10), "10:00", ben, room_a, c4, Status.BOOKED, Source.ONLINE)
    cancelled_at(late, at("20:00", date(2026, 6, 9)))  # 14 hours before: late
    early = session(date(2026, 6, 11), "09:00", ana, room_b, c5, Status.BOOKED, Source.ONLINE)
    cancelled_at(early, at("09:00", date(2026, 6, 1)))
    session(date(2026, 6, 13), "14:00", ana, room_a, c1, Status.BOOKED, Source.ONLINE)
    # Week 2, Jun 15-21: nothing has started yet.
    session(date(2026, 6, 15), "09:00", ana, room_a, c2, Status.BOOKED, Source.ONLINE)
    session(date(2026, 6, 16), "09:00", ben, room_b, c1, Status.BOOKED, Source.DESK)
    third = session(date(2026, 6, 17), "14:00", ben, room_b, c6, Status.BOOKED, Source.DESK)
    cancelled_at(third, at("08:00", date(2026, 6, 14)))  # 30 hours before: not late
    # After the report's range.
    session(date(2026, 6, 22), "09:00", ana, room_a, c4, Status.BOOKED, Source.ONLINE)
    return clinic


def figures(report):
    def ratio(r):
        return (r.count, r.out_of, r.percent)

    def usage(usages):
        return {u.name: [ratio(r) for r in [*u.by_period, u.total]] for u in usages}

    return {
        "therapists": usage(report.therapists),
        "rooms": usage(report.rooms),
        "sources": [(f.online, f.desk) for f in [*report.figures, report.total]],
        "no_shows": [ratio(f.no_show_rate) for f in [*report.figures, report.total]],
        "late": [ratio(f.late_cancellation_rate) for f in [*report.figures, report.total]],
        "runners": [(f.new_runners, f.returning_runners) for f in [*report.figures, report.total]],
    }


def test_every_figure_matches_the_hand_count(fixture):
    report = build_report(first=WEEK_1, last=date(2026, 6, 21), by=Grouping.WEEK, now=NOW)

    assert [(p.first, p.last, p.label) for p in report.periods] == [
        (WEEK_1, date(2026, 6, 14), "Jun 8"),
        (WEEK_2, date(2026, 6, 21), "Jun 15"),
    ]
    assert figures(report) == {
        "therapists": {
            "Ana Ortiz": [(120, 2340, 5.1), (60, 2940, 2.0), (180, 5280, 3.4)],
            "Ben Cole": [(60, 2220, 2.7), (60, 2940, 2.0), (120, 5160, 2.3)],
        },
        "rooms": {
            "Room A": [(120, 2520, 4.8), (60, 2940, 2.0), (180, 5460, 3.3)],
            "Room B": [(60, 2520, 2.4), (60, 2940, 2.0), (120, 5460, 2.2)],
            "Room C": [(0, 0, None), (0, 0, None), (0, 0, None)],
        },
        "sources": [(4, 2), (1, 2), (5, 4)],
        "no_shows": [(1, 4, 25.0), (0, 0, None), (1, 4, 25.0)],
        "late": [(1, 6, 16.7), (0, 3, 0.0), (1, 9, 11.1)],
        # C2's only session in week 1 was a no-show: their first visit is in week 2.
        "runners": [(1, 1), (1, 1), (2, 1)],
    }


def test_months_cut_to_the_range_count_the_same_sessions(fixture):
    report = build_report(first=WEEK_1, last=date(2026, 7, 3), by=Grouping.MONTH, now=NOW)

    assert [(p.first, p.last, p.label) for p in report.periods] == [
        (WEEK_1, date(2026, 6, 30), "Jun 2026"),
        (date(2026, 7, 1), date(2026, 7, 3), "Jul 2026"),
    ]
    june, july = report.figures
    assert (june.online, june.desk, july.online, july.desk) == (6, 4, 0, 0)
    # Ana: Jun 8-30 is 23 days, less the closure and 180 minutes off; Jul 1-3 three days.
    ana = report.therapists[0]
    assert [(r.count, r.out_of) for r in ana.by_period] == [
        (240, 22 * 420 - 180),
        (0, 3 * 420),
    ]


def test_a_date_off_and_a_dst_day_count_their_real_minutes(clinic):
    # Nov 1 2026 is 25 hours long in New York; working 9:00-12:30 and 13:30-17:00 is not.
    make_date_hours(clinic.ana, day=date(2026, 11, 2))  # a day off
    report = build_report(
        first=date(2026, 11, 1), last=date(2026, 11, 2), by=Grouping.WEEK, now=NOW
    )

    ana, ben = report.therapists
    assert (ana.total.out_of, ben.total.out_of) == (420, 840)


def test_presets_are_whole_weeks_and_months_ending_with_the_current_one():
    wednesday = date(2026, 12, 2)
    assert preset_range(Grouping.WEEK, wednesday) == (date(2026, 10, 12), date(2026, 12, 6))
    assert preset_range(Grouping.MONTH, wednesday) == (date(2026, 7, 1), date(2026, 12, 31))
    assert len(periods(*preset_range(Grouping.WEEK, wednesday), Grouping.WEEK)) == 8
    assert [p.label for p in periods(date(2026, 11, 1), date(2027, 1, 5), Grouping.MONTH)] == [
        "Nov 2026",
        "Dec 2026",
        "Jan 2027",
    ]
    assert clock.month(date(2026, 12, 2)) == "Dec 2026"


def page_text(html: str) -> str:
    text = re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())


def test_the_page_shows_the_figures_and_the_csv_says_the_same(desk, fixture):
    page = desk.get(reverse("staff:reports"), PERIOD)
    download = desk.get(reverse("staff:reports_csv"), PERIOD)

    assert page.status_code == 200 and download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    assert "2026-06-08-to-2026-06-21" in download["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(download.text)))
    text = page_text(page.text)
    assert "Mon, Jun 8, 2026 to Sun, Jun 21, 2026, by week" in text
    assert "Ana Ortiz 5.1% (120 of 2340) 2% (60 of 2940) 3.4% (180 of 5280)" in text
    assert "Room C no data no data no data" in text
    assert "Week of Jun 8 Jun 8\N{EN DASH}Jun 14 4 2 6 66.7%" in text
    assert "Total 25% (1 of 4) 11.1% (1 of 9)" in text
    assert "Whole period 2 1 3" in text
    by_key = {(r["Period"], r["Figure"], r["Of"]): r for r in rows}
    assert by_key["Jun 8", "Therapist utilization", "Ana Ortiz"] | {} == {
        "Period": "Jun 8",
        "From": "2026-06-08",
        "To": "2026-06-14",
        "Figure": "Therapist utilization",
        "Of": "Ana Ortiz",
        "Count": "120",
        "Out of": "2340",
        "Percent": "5.1",
    }
    assert by_key["Total", "Runners", "New"]["Count"] == "2"
    # Every ratio the CSV gives with a percentage is on the page as "p% (count of out of)".
    shown = 0
    for row in rows:
        if row["Percent"] and row["Figure"] not in ("Bookings", "Runners"):
            percent = f"{float(row['Percent']):g}"
            assert f"{percent}% ({row['Count']} of {row['Out of']})" in text, row
            shown += 1
    assert shown == 17  # 4 x 3 utilizations, 2 no-show rates, 3 late ones


def test_the_page_reads_a_fixed_number_of_queries_however_much_data(desk, fixture):
    def count() -> tuple[int, int]:
        """Return the queries of the page and of the CSV download."""
        counts = []
        for name in ("staff:reports", "staff:reports_csv"):
            with CaptureQueriesContext(connection) as queries:
                assert desk.get(reverse(name), PERIOD).status_code == 200
            counts.append(len(queries))
        return tuple(counts)

    before = count()
    therapist = make_therapist(services=[fixture.service], name="Dee New")
    make_weekly_hours(therapist, start="08:00", end="18:00")
    room = make_room(services=[fixture.service], name="Room D")
    for n in range(12):  # twice the sessions, new clients, every status and source
        book(
            fixture,
            at("09:00", WEEK_1 + timedelta(days=n)),
            therapist=therapist,
            room=room,
            status=list(Status)[n % 5],
            source=list(Source)[n % 2],
        )
    assert (
        build_report(first=WEEK_1, last=date(2026, 6, 21), by=Grouping.WEEK, now=NOW).total.bookings
        == 21
    )
    assert count() == before
    # The policy, the counts, runners per period and overall, therapists and rooms with their
    # services, weekly and dated hours, time off and closures.
    with CaptureQueriesContext(connection) as queries:
        build_report(first=WEEK_1, last=date(2026, 6, 21), by=Grouping.WEEK, now=NOW)
    assert len(queries) == 12


def test_the_write_functions_record_where_a_booking_came_from(desk_user, fixture):
    start = at("15:00", WEEK_2 + timedelta(days=3))
    details = ClientDetails("Rae", "Runner", "rae@example.com", "")
    web = online.book_online(
        details=details,
        service_length=fixture.length,
        start=start,
        now=NOW,
        therapist=fixture.ana,
        key=uuid.uuid4(),
    )
    desk = booking.book_at_desk(
        client=None,
        details=ClientDetails("Sam", "Walk-in", "", ""),
        service_length=fixture.length,
        start=start,
        now=NOW,
        therapist=fixture.ben,
        key=uuid.uuid4(),
        by=desk_user,
        notify=False,
    )

    assert web.appointment.source == Source.ONLINE
    assert desk.appointment.source == Source.DESK
    report = build_report(first=WEEK_2, last=date(2026, 6, 21), by=Grouping.WEEK, now=NOW)
    assert (report.total.online, report.total.desk) == (2, 3)


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"start": "2026-06-21", "end": "2026-06-08"}, "end", "on or after the start date"),
        ({"start": "2024-01-01", "end": "2026-06-08"}, "end", "at most 366 days"),
        ({"start": "yesterday", "end": "2026-06-08"}, "start", "Enter a valid date"),
        ({"start": "99999-01-01", "end": "2026-06-08"}, "start", "Enter a valid date"),
        ({"start": "1999-12-31", "end": "2000-01-02"}, "start", "from Sat, Jan 1, 2000 on"),
        ({"start": "2027-06-01", "end": "2027-06-20"}, "end", "up to Wed, Jun 16, 2027"),
        ({"start": "2026-06-08"}, "end", "Give both dates"),
        ({"by": "year"}, "by", "Select a valid choice"),
        ({"by": "week", "end": "\x00<script>"}, "end", "Enter a valid date"),
    ],
)
def test_bad_periods_say_what_to_fix_next_to_the_field(desk, fixture, query, field, message):
    query = {"by": "week"} | query
    for name in ("staff:reports", "staff:reports_csv"):
        response = desk.get(reverse(name), query)

        assert response.status_code == 422, name
        assert response["Content-Type"].startswith("text/html")
        error = re.search(rf'id="error_1_id_{field}"[^>]*>(.*?)</', response.text, re.S)
        assert error and message in error.group(1), response.text
        assert "<script>" not in response.text.split("</head>")[1].replace("<script src", "")
        assert "Utilization per therapist" not in response.text


def test_without_dates_the_page_shows_the_last_eight_weeks(desk, fixture):
    response = desk.get(reverse("staff:reports"))

    text = page_text(response.text)
    assert response.status_code == 200
    assert "Mon, Apr 27, 2026 to Sun, Jun 21, 2026, by week" in text
    months = page_text(desk.get(reverse("staff:reports"), {"by": "month"}).text)
    assert "Thu, Jan 1, 2026 to Tue, Jun 30, 2026, by month" in months


def test_charts_are_svg_with_a_title_a_description_and_no_inline_style(desk, fixture):
    html = desk.get(reverse("staff:reports"), PERIOD).text

    svgs = re.findall(r'<svg class="chart".*?</svg>', html, re.S)
    assert len(svgs) == 5
    for svg in svgs:
        assert re.search(r'role="img" aria-labelledby="(\S+)-title \1-desc"', svg)
        assert "<title id=" in svg and "<desc id=" in svg
    assert "style=" not in html
    assert "Ana Ortiz: 3.4%" in svgs[0]  # the bar's own title


def test_therapists_and_the_signed_out_are_refused(ana_web, fixture):
    from tests.helpers import StaffClient

    for name in ("staff:reports", "staff:reports_csv"):
        assert ana_web.get(reverse(name), PERIOD).status_code == 403
        anonymous = StaffClient().get(reverse(name), PERIOD)
        assert anonymous.status_code == 302
        assert anonymous["Location"].startswith("/staff/login/")


def test_the_staff_bar_links_the_reports_for_the_desk_only(desk, ana_web, fixture):
    assert 'href="/staff/reports/">Reports</a>' in desk.get(reverse("staff:day")).text
    assert "/staff/reports/" not in ana_web.get(reverse("staff:my_schedule")).text


def test_clinic_time_is_used_for_the_session_day(clinic):
    # 11:30 PM on Sunday Jun 14 in New York is Monday in UTC: it belongs to week 1.
    late = datetime(2026, 6, 14, 23, 30, tzinfo=NY)
    book(clinic, late, source=Source.ONLINE)
    report = build_report(first=WEEK_1, last=date(2026, 6, 21), by=Grouping.WEEK, now=NOW)

    assert [f.online for f in report.figures] == [1, 0]


MARKER = "<script>fz</script>"
period_text = st.one_of(
    st.sampled_from(
        [
            "",
            "week",
            "month",
            MARKER,
            "2026-06-08",
            "2026-06-21",
            "2027-03-14",
            "0001-01-01",
            "9999-12-31",
            "2026-02-30",
            "\x00",
            "1e309",
            "-1",
        ]
    ),
    st.text(max_size=30),
    st.dates().map(date.isoformat),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(by=period_text, start=period_text, end=period_text)
def test_no_period_makes_a_server_error_or_an_unescaped_echo(desk, clinic, by, start, end):
    for name in ("staff:reports", "staff:reports_csv"):
        response = desk.get(reverse(name), {"by": by, "start": start, "end": end})

        assert response.status_code in (200, 422), (by, start, end)
        assert MARKER not in response.content.decode(errors="replace")


def test_a_name_is_never_a_formula_in_the_csv(desk, clinic):
    clinic.rooms[0].name = "=HYPERLINK(1)"
    clinic.rooms[0].save()

    rows = list(csv.reader(io.StringIO(desk.get(reverse("staff:reports_csv"), PERIOD).text)))

    assert "'=HYPERLINK(1)" in {row[4] for row in rows}
    assert "=HYPERLINK(1)" not in {row[4] for row in rows}
