"""Each web process keeps availability in its own memory, yet every change shows at once.

Two gunicorn processes serve the site on one database, each warmed up (its days kept);
each change is made through a web process (one of the gunicorns over HTTP, or this test's
own Django serving the front desk's and the admin's pages), and the very next request to
both gunicorns must show it.
"""

import re
import urllib.parse
import urllib.request
from contextlib import ExitStack
from datetime import timedelta
from http.cookies import SimpleCookie

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bookings import booking
from bookings.models import Appointment, BookingPolicy
from tests import live
from tests.bookings.public.conftest import details_data, make_clinic
from tests.helpers import StaffClient

pytestmark = pytest.mark.django_db(transaction=True)
START = re.compile(r"start=(\d{4}-\d\d-\d\dT\d\d:\d\d)")


class Browser:
    """A browser's cookies (kept by hand: the site's are Secure, and this is plain HTTP)."""

    def __init__(self, base: str) -> None:
        self.base, self.cookies = base, SimpleCookie()

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)  # noqa: S310 - loopback
        request.add_header("Cookie", "; ".join(f"{k}={m.value}" for k, m in self.cookies.items()))
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            response = opener.open(request, timeout=10)
        except urllib.error.HTTPError as answer:  # 3xx, 4xx: an answer all the same
            response = answer
        for header in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(header)
        return response.status, response.read().decode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def starts(base: str, query: dict) -> set[str]:
    """Return the start times the day's times fragment offers (every one, not only :00/:30)."""
    _status, html = Browser(base).request("/book/times/?" + urllib.parse.urlencode(query))
    return set(START.findall(html))


def wall(day, hhmm: str) -> str:
    return f"{day.isoformat()}T{hhmm}"


def test_every_change_shows_on_the_next_request_to_every_process(admin_user):
    clinic = make_clinic()
    length, maya = clinic["length"], clinic["maya"]
    day = timezone.localdate() + timedelta(days=3)
    maya_day = {"length": length.pk, "therapist": "maya", "day": day.isoformat(), "all": "1"}
    anyone = maya_day | {"therapist": "any"}
    admin = StaffClient()
    admin.force_login(admin_user)

    with ExitStack() as stack:
        servers = [stack.enter_context(live.gunicorn(workers=1, threads=2)) for _ in range(2)]

        def offered(query: dict) -> list[set[str]]:
            """Return what each server offers, each asked twice (the second from memory)."""
            return [starts(base, query) for base in servers for _ in range(2)][::2]

        assert offered(maya_day) == [offered(maya_day)[0]] * 2
        assert wall(day, "10:00") in offered(maya_day)[0]

        # A booking through the first gunicorn, as a browser makes it.
        browser = Browser(servers[0])
        details = "/book/details/?" + urllib.parse.urlencode(
            {"length": length.pk, "therapist": "maya", "start": wall(day, "10:00")}
        )
        status, form = browser.request(details)
        assert status == 200
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        key = re.search(r'name="key" value="([^"]+)"', form).group(1)
        status, _ = browser.request(
            details, details_data(key=key) | {"csrfmiddlewaretoken": csrf, "confirm": "1"}
        )
        assert status == 303
        for seen in offered(maya_day):
            assert wall(day, "10:00") not in seen
            assert wall(day, "12:00") in seen
        appointment = Appointment.objects.get()

        # A move, then a cancellation, through the runner's manage link.
        token = booking.issue_manage_token(appointment)
        runner = Client()
        move = f"/book/manage/{token}/move/confirm/?start={wall(day, '14:00')}"
        assert runner.post(move).status_code == 303
        for seen in offered(maya_day):
            assert wall(day, "10:00") in seen and wall(day, "14:00") not in seen
        assert runner.post(f"/book/manage/{token}/cancel/", {"reason": ""}).status_code == 303
        for seen in offered(maya_day):
            assert wall(day, "14:00") in seen

        # Time blocked at the front desk.
        block = {
            "therapist": maya.pk,
            "day": day.isoformat(),
            "start_time": "09:00",
            "end_time": "12:00",
        }
        assert admin.post(reverse("staff:block"), block).status_code in {302, 303}
        for seen in offered(maya_day):
            assert wall(day, "09:00") not in seen and wall(day, "13:00") in seen

        # New weekly hours for Tom, saved in the admin: he now starts at noon.
        tom = clinic["tom"]
        before = set.union(*offered(anyone))
        hours = _therapist_form(tom, day.weekday(), "12:00")
        url = reverse("admin:bookings_therapist_change", args=[tom.pk])
        assert admin.post(url, hours).status_code == 302
        for seen in offered(anyone):
            assert wall(day, "09:00") in before and wall(day, "09:00") not in seen

        # The policy: starts every 30 minutes.
        policy = BookingPolicy.load()
        form = {
            "slot_step_minutes": "30",
            "min_notice_hours": policy.min_notice_hours,
            "horizon_days": policy.horizon_days,
            "change_cutoff_hours": policy.change_cutoff_hours,
            "reminder_hours_before": policy.reminder_hours_before,
            "max_sessions_per_day": "",
            "late_cancellation_hours": policy.late_cancellation_hours,
            "late_cancellation_fee": policy.late_cancellation_fee,
            "no_show_fee": policy.no_show_fee,
            "check_in_opens_minutes": policy.check_in_opens_minutes,
        }
        url = reverse("admin:bookings_bookingpolicy_change", args=[1])
        assert admin.post(url, form).status_code == 302
        for seen in offered(anyone):
            assert seen and all(start.endswith((":00", ":30")) for start in seen)

        # A closure: nothing that day.
        url = reverse("admin:bookings_clinicclosure_add")
        assert admin.post(url, {"date": day.isoformat(), "name": "Holiday"}).status_code == 302
        assert offered(anyone) == [set(), set()]
        assert offered(maya_day) == [set(), set()]


def _therapist_form(therapist, weekday: int, start: str) -> dict[str, str]:
    """Return the admin's therapist form with `weekday`'s hours starting at `start`."""
    hours = list(therapist.weekly_hours.all())
    data = {
        "name": therapist.name,
        "slug": therapist.slug,
        "bio": therapist.bio,
        "active": "on",
        "ordering": "0",
        "services": [str(s.pk) for s in therapist.services.all()],
        "weekly_hours-TOTAL_FORMS": str(len(hours)),
        "weekly_hours-INITIAL_FORMS": str(len(hours)),
        "date_hours-TOTAL_FORMS": "0",
        "date_hours-INITIAL_FORMS": "0",
    }
    for n, h in enumerate(hours):
        data |= {
            f"weekly_hours-{n}-id": str(h.pk),
            f"weekly_hours-{n}-therapist": str(therapist.pk),
            f"weekly_hours-{n}-weekday": str(h.weekday),
            f"weekly_hours-{n}-start": start if h.weekday == weekday else f"{h.start:%H:%M}",
            f"weekly_hours-{n}-end": f"{h.end:%H:%M}",
        }
    return data
