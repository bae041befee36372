"""The one way dates and times are written: bookings.clock and its template filters."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from django.template import Context, Template

from bookings import clock

NEW_YORK = ZoneInfo("America/New_York")


def test_a_day_is_short_weekday_month_and_day():
    assert clock.day(date(2026, 12, 2)) == "Wed, Dec 2"
    assert clock.day(date(2026, 12, 2), year=True) == "Wed, Dec 2, 2026"
    assert clock.long_day(date(2026, 12, 2)) == "Wednesday, December 2"
    assert clock.long_day(date(2026, 12, 12), year=True) == "Saturday, December 12, 2026"


def test_times_have_no_leading_zero_and_say_noon_and_midnight_right():
    assert clock.time_of_day(time(9, 0)) == "9:00 AM"
    assert clock.time_of_day(time(12, 0)) == "12:00 PM"
    assert clock.time_of_day(time(0, 0)) == "12:00 AM"
    assert clock.time_of_day(time(0, 30)) == "12:30 AM"
    assert clock.time_of_day(time(23, 45)) == "11:45 PM"
    assert clock.time_of_day(time(13, 5)) == "1:05 PM"


def test_a_moment_is_written_in_clinic_time_whatever_zone_it_comes_in():
    # 19:00 UTC is 2:00 PM in New York in December (EST, UTC-5).
    assert clock.moment(datetime(2026, 12, 2, 19, 0, tzinfo=UTC)) == "Wed, Dec 2, 2026, 2:00 PM"
    assert clock.moment(datetime(2026, 12, 2, 19, 0, tzinfo=UTC), year=False) == (
        "Wed, Dec 2, 2:00 PM"
    )


def test_a_utc_time_on_another_date_is_shown_on_the_clinic_date():
    # 03:30 UTC on Dec 3 is still the evening of Dec 2 in New York.
    late = datetime(2026, 12, 3, 3, 30, tzinfo=UTC)
    assert clock.day(late) == "Wed, Dec 2"
    assert clock.time_of_day(late) == "10:30 PM"


def test_dst_days_keep_the_wall_clock_and_the_zone_name():
    # March 14, 2027: clocks go from 2:00 to 3:00 AM; 7:00 UTC is 3:00 AM EDT.
    spring = datetime(2027, 3, 14, 7, 0, tzinfo=UTC)
    assert clock.moment(spring) == "Sun, Mar 14, 2027, 3:00 AM"
    assert clock.zone(spring) == "EDT"
    # November 7, 2027: 1:30 AM happens twice; the second is EST.
    assert clock.time_of_day(datetime(2027, 11, 7, 6, 30, tzinfo=UTC)) == "1:30 AM"
    assert clock.zone(datetime(2027, 11, 7, 6, 30, tzinfo=UTC)) == "EST"
    assert clock.zone(datetime(2027, 11, 7, 5, 30, tzinfo=UTC)) == "EDT"


def test_a_range_names_the_half_of_the_day_once_unless_it_crosses_noon():
    assert clock.time_range(time(9), time(10)) == "9:00\N{EN DASH}10:00 AM"
    assert clock.time_range(time(11, 30), time(12, 30)) == "11:30 AM\N{EN DASH}12:30 PM"
    start = datetime(2026, 12, 2, 14, tzinfo=NEW_YORK)
    assert clock.time_range(start, datetime(2026, 12, 2, 15, tzinfo=NEW_YORK)) == (
        "2:00\N{EN DASH}3:00 PM"
    )


def test_the_template_filters_write_the_same_and_leave_empty_values_empty():
    template = Template(
        "{% load clinic_time %}{{ d|day }} | {{ d|day:'year' }} | {{ d|long_day }} | "
        "{{ t|clock }} | {{ dt|moment }} | {{ dt|moment:'short' }} | {{ t|clock_range:u }} | "
        "{{ d|weekday }} {{ d|month_day }} | {{ dt|zone }} | {{ missing|moment }}."
    )
    text = template.render(
        Context(
            {
                "d": date(2026, 12, 2),
                "t": time(12),
                "u": time(13),
                "dt": datetime(2026, 12, 2, 19, tzinfo=UTC),
                "missing": None,
            }
        )
    )
    assert text == (
        "Wed, Dec 2 | Wed, Dec 2, 2026 | Wednesday, December 2 | 12:00 PM | "
        "Wed, Dec 2, 2026, 2:00 PM | Wed, Dec 2, 2:00 PM | 12:00\N{EN DASH}1:00 PM | "
        "Wed Dec 2 | EST | ."
    )


def test_a_wall_time_the_clocks_skip_has_no_instant_and_a_repeated_one_is_the_first():
    assert clock.instant_at(datetime(2027, 3, 14, 2, 30)) is None  # spring forward
    assert clock.instant_at(datetime(2027, 3, 14, 3, 0)) == datetime(2027, 3, 14, 7, tzinfo=UTC)
    # 1:30 AM on Nov 7, 2027 happens twice: the first, still EDT, is 5:30 UTC.
    assert clock.instant_at(datetime(2027, 11, 7, 1, 30)) == datetime(
        2027, 11, 7, 5, 30, tzinfo=UTC
    )
