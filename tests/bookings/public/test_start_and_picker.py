"""Starting where the runner is, and the week-at-a-time picker made for thumbs."""

import re
from datetime import datetime

from tests.bookings.public.conftest import NY, path
from tests.factories import make_length, make_time_off


def days_offered(html: str) -> list[str]:
    return re.findall(r'data-day="([\d-]+)"', html)


def starts_listed(html: str) -> list[str]:
    return re.findall(r"start=\d{4}-\d\d-\d\dT(\d\d:\d\d)", html)


def test_nothing_chosen_lists_every_service(client, clinic):
    response = client.get(path("start"))

    assert response.status_code == 200
    assert "Sports massage" in response.text and "Assisted stretching" in response.text
    assert "Choose a day" not in response.text


def test_a_service_with_one_length_opens_straight_on_the_times_with_any_therapist(client, clinic):
    response = client.get(path("start", service="sports-massage"))

    html = response.text
    assert response.status_code == 200
    assert "Choose a day and time" in html
    assert "Any therapist" in html
    assert "Assisted stretching" not in html
    assert f"/book/details/?length={clinic['length'].pk}&amp;therapist=any&amp;start=" in html


def test_a_service_with_several_lengths_shows_only_its_own_lengths(client, clinic):
    make_length(clinic["service"], minutes=90)

    response = client.get(path("start", service="sports-massage"))

    html = response.text
    assert response.status_code == 200
    assert "How long would you like?" in html
    assert "60 minutes" in html and "90 minutes" in html
    assert "Assisted stretching" not in html


def test_service_length_and_therapist_in_the_link_open_on_that_therapists_times(client, clinic):
    length = clinic["length"].pk
    response = client.get(path("start", service="sports-massage", length=length, therapist="tom"))

    html = response.text
    assert response.status_code == 200
    assert "Choose a day and time" in html and "Tom Hadley" in html
    assert f"/book/details/?length={length}&amp;therapist=tom&amp;start=" in html


def test_the_week_strip_shows_seven_days_with_full_days_kept_and_the_first_free_day_chosen(
    client, clinic, django_assert_max_num_queries
):
    with django_assert_max_num_queries(10):
        response = client.get(path("time", length=clinic["length"].pk, therapist="maya"))

    html = response.text
    # Monday's times are inside the 12 hours' notice: shown as full, not hidden.
    assert re.search(r'<span class="day-chip full">.*?Dec 7.*?Full', html)
    assert days_offered(html) == [f"2026-12-{day:02}" for day in range(8, 14)]
    assert re.search(r'data-day="2026-12-08" aria-current="true"', html)
    assert "Times on Tuesday, December 8" in html
    assert (
        "times"
        not in re.sub(r"<[^>]+>", " ", html.split('id="day-heading"')[1])
        .split("Times on")[0]
        .lower()
    )  # no per-day counts


def test_times_default_to_every_half_hour_and_more_times_shows_the_rest(client, clinic):
    params = {"length": clinic["length"].pk, "therapist": "maya", "day": "2026-12-08"}

    short = client.get(path("time", **params)).text
    every = client.get(path("time", **params, all="1")).text

    assert starts_listed(short)[:4] == ["09:00", "09:30", "10:00", "10:30"]
    assert "More times on this day" in short
    assert starts_listed(every)[:4] == ["09:00", "09:15", "09:30", "09:45"]
    assert "More times on this day" not in every
    assert "Morning" in short and "Afternoon" in short


def test_the_arrows_page_a_week_at_a_time_within_the_horizon(client, clinic):
    params = {"length": clinic["length"].pk, "therapist": "maya"}

    first = client.get(path("time", **params)).text
    second = client.get(path("time", **params, week="2026-12-14")).text

    assert "week=2026-12-14" in first and "Earlier week" not in first
    assert days_offered(second)[0] == "2026-12-14" and len(days_offered(second)) == 7
    assert "week=2026-12-07" in second and "week=2026-12-21" in second
    assert "Times on Monday, December 14" in second


def test_a_full_first_week_opens_on_the_week_of_the_next_free_day(client, clinic):
    for therapist in (clinic["maya"], clinic["tom"]):
        make_time_off(
            therapist,
            start=datetime(2026, 12, 7, tzinfo=NY),
            end=datetime(2026, 12, 16, tzinfo=NY),
        )

    html = client.get(path("time", length=clinic["length"].pk, therapist="any")).text

    assert days_offered(html)[0] == "2026-12-16"
    assert "Times on Wednesday, December 16" in html
    assert "Dec 14" in html  # the week of the free day, its full days included


def test_a_week_outside_the_horizon_is_refused_with_the_reason(client, clinic):
    response = client.get(
        path("time", length=clinic["length"].pk, therapist="maya", week="2030-01-01")
    )

    assert response.status_code == 400
    assert "That week is outside the dates we book" in response.text
