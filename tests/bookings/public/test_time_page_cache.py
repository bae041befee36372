"""The time page and its day's times are rendered once per state, and still change at once."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.models import ClinicProfile, OpeningHours
from tests.bookings.public.conftest import (
    NOW,
    TUESDAY_10,
    confirm,
    details_path,
    local_param,
    path,
)

PAGES = pytest.mark.parametrize("page", ["time", "times"])  # the page, and its fragment


def _view(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx), response.text


def _rendered(client, url: str) -> list[str]:
    """Return the names of the templates a view of `url` rendered (none when kept)."""
    response = client.get(url)
    assert response.status_code == 200
    return [template.name for template in response.templates]


def test_a_repeat_view_skips_the_rendering_and_a_booking_shows_on_the_next(client, clinic):
    cache.clear()
    url = path("time", length=clinic["length"].pk, therapist="maya", day="2026-12-08")
    first, html = _view(client, url)
    again, same = _view(client, url)

    assert same == html
    assert again < first  # no profile, hours or schedule reads: the versions and the token
    assert f"start={local_param(TUESDAY_10)}" in html

    assert confirm(client.__class__(), clinic).status_code == 303
    _, after = _view(client, url)
    assert f"start={local_param(TUESDAY_10)}" not in after


def test_the_days_times_render_once_and_a_booking_shows_on_the_next_view(client, clinic):
    cache.clear()
    url = path("times", length=clinic["length"].pk, therapist="maya", day="2026-12-08")
    assert _rendered(client, url)  # the first visitor's view renders the fragment
    assert _rendered(client, url) == []  # the next gets the kept copy
    _, html = _view(client, url)
    assert f"start={local_param(TUESDAY_10)}" in html

    assert confirm(client.__class__(), clinic).status_code == 303
    _, after = _view(client, url)
    assert f"start={local_param(TUESDAY_10)}" not in after


@PAGES
def test_a_time_fallen_inside_the_notice_leaves_the_kept_page(client, clinic, page):
    cache.clear()
    url = path(page, length=clinic["length"].pk, therapist="maya", day="2026-12-08")
    _, html = _view(client, url)
    assert f"start={local_param(TUESDAY_10)}" in html  # 26 hours ahead, notice 12

    with time_machine.travel(NOW + timedelta(hours=14, minutes=1), tick=False):
        _, later = _view(client, url)

    assert f"start={local_param(TUESDAY_10)}" not in later
    assert f"start={local_param(TUESDAY_10 + timedelta(minutes=30))}" in later


def test_a_profile_or_hours_edit_shows_in_the_booking_steps_footer_at_once(client, clinic):
    """The booking steps keep the clinic's profile and hours with their reference copies;
    an edit replaces the content token, so the next view shows it."""
    details = details_path(clinic)
    assert "(404) 555-0142" in client.get(details).text

    profile = ClinicProfile.objects.get()
    profile.phone = "(404) 555-0199"
    profile.save()
    OpeningHours.objects.create(weekday=OpeningHours.Weekday.SUNDAY, opens="10:00", closes="14:00")
    page = client.get(details).text

    assert "(404) 555-0199" in page and "(404) 555-0142" not in page
    assert "Sun</span> 10:00" in page.replace("\n", " ")
