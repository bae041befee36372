"""Many people asking for the same therapist and time (or day, under a cap) at once: exactly
one gets it."""

import html
import re
import urllib.parse
from contextlib import ExitStack
from datetime import timedelta
from http.client import HTTPConnection
from uuid import uuid4

import pytest
import time_machine
from django.utils import timezone

from bookings import booking, queries
from bookings.models import Appointment, AppointmentChange, BookingPolicy, Room, Therapist
from services.models import ServiceLength
from tests import live
from tests.bookings.public.conftest import NOW, RACERS, TUESDAY_10, details_data, make_clinic
from tests.factories import make_appointment, make_client, make_date_hours
from tests.helpers import race

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_threads_on_their_own_connections_book_one_time_once(wide_pool):
    with time_machine.travel(NOW, tick=False):
        clinic = make_clinic()
        clients = [make_client() for _ in range(RACERS)]

        def attempt(i: int) -> booking.Booked:
            return booking.book_appointment(
                client=clients[i],
                service_length=clinic["length"],
                start=TUESDAY_10,
                now=timezone.now(),
                therapist=clinic["maya"],
                key=uuid4(),
            )

        results = race(RACERS, attempt)

    booked = [r for r in results if isinstance(r, booking.Booked)]
    taken = [r for r in results if isinstance(r, booking.SlotTaken)]
    assert len(booked) == 1 and len(taken) == RACERS - 1, results
    assert all(
        t.alternatives and TUESDAY_10 not in [o.start for o in t.alternatives] for t in taken
    )
    assert Appointment.objects.count() == 1


def book_tuesday_10(clinic: dict, client, key) -> booking.Booked:
    """Book `client` with Maya on Tuesday at 10:00 under idempotency `key`."""
    return booking.book_appointment(
        client=client,
        service_length=clinic["length"],
        start=TUESDAY_10,
        now=timezone.now(),
        therapist=clinic["maya"],
        key=key,
    )


def test_one_submission_racing_itself_books_once(wide_pool):
    with time_machine.travel(NOW, tick=False):
        clinic = make_clinic()
        client, key = make_client(), uuid4()

        results = race(8, lambda _: book_tuesday_10(clinic, client, key))

    assert all(isinstance(r, booking.Booked) for r in results), results
    assert sum(r.created for r in results) == 1
    assert len({r.appointment.pk for r in results}) == 1


# --- the daily cap: different times, one therapist, one day ------------------------------

CAPPED_RACERS = 10
SESSION = timedelta(minutes=75)  # the 60' session and its 15' turnover, back to back


def _long_tuesday(clinic: dict) -> list:
    """Cap the clinic at one session a day and give Maya room for eleven on Tuesday."""
    BookingPolicy.objects.update(max_sessions_per_day=1)
    make_date_hours(clinic["maya"], day=TUESDAY_10.date(), start="07:00", end="21:00")
    return [TUESDAY_10.replace(hour=7) + SESSION * n for n in range(11)]


def test_ten_bookings_racing_for_different_times_under_a_cap_of_one_book_exactly_one(
    wide_pool,
):
    with time_machine.travel(NOW, tick=False):
        clinic = make_clinic()
        starts = _long_tuesday(clinic)
        clients = [make_client() for _ in range(CAPPED_RACERS)]

        def attempt(i: int) -> booking.Booked:
            return booking.book_appointment(
                client=clients[i],
                service_length=clinic["length"],
                start=starts[i],
                now=timezone.now(),
                therapist=clinic["maya"],
                key=uuid4(),
            )

        results = race(CAPPED_RACERS, attempt)

    booked = [r for r in results if isinstance(r, booking.Booked)]
    refused = [r for r in results if isinstance(r, booking.SlotTaken)]
    assert len(booked) == 1 and len(refused) == CAPPED_RACERS - 1, results
    assert all(
        r.alternatives
        and TUESDAY_10.date() not in {timezone.localdate(o.start) for o in r.alternatives}
        for r in refused
    )
    assert Appointment.objects.active().filter(therapist=clinic["maya"]).count() == 1


def test_one_submission_racing_itself_under_a_cap_of_one_books_once(wide_pool):
    # Each double click waits on the day's lock for its twin, then finds the day full: it
    # must answer with the twin's booking, not "fully booked".
    with time_machine.travel(NOW, tick=False):
        clinic = make_clinic()
        _long_tuesday(clinic)
        client, key = make_client(), uuid4()

        results = race(8, lambda _: book_tuesday_10(clinic, client, key))

    assert all(isinstance(r, booking.Booked) for r in results), results
    assert sum(r.created for r in results) == 1
    assert Appointment.objects.count() == 1


def test_two_moves_racing_into_one_day_under_a_cap_of_one_move_one(wide_pool):
    with time_machine.travel(NOW, tick=False):
        clinic = make_clinic()
        starts = _long_tuesday(clinic)
        room = Room.objects.first()
        wednesday = TUESDAY_10 + timedelta(days=1)
        movers = [
            make_appointment(therapist=clinic["maya"], room=room, start=at, length=clinic["length"])
            for at in (wednesday, wednesday + 2 * SESSION)
        ]

        def attempt(i: int) -> Appointment:
            return booking.reschedule_appointment(
                appointment=movers[i], start=starts[i * 3], now=timezone.now()
            )

        results = race(2, attempt)

    moved = [r for r in results if isinstance(r, Appointment)]
    refused = [r for r in results if isinstance(r, booking.SlotTaken)]
    assert len(moved) == len(refused) == 1, results
    on_tuesday = Appointment.objects.filter(start__date=TUESDAY_10.date())
    assert on_tuesday.count() == 1
    assert AppointmentChange.objects.filter(action=AppointmentChange.Action.MOVED).count() == 1


# --- over HTTP, against two gunicorn processes ------------------------------------------


def _cookies(response) -> dict[str, str]:
    # The cookies are Secure (DEBUG is off) and this is plain HTTP: a browser's cookie jar
    # would hold them back, but to a raw client they are only headers.
    jar = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]
    return jar


def _request(base: str, method: str, target: str, *, ip: str, cookies=None, body=None):
    host, port = urllib.parse.urlsplit(base).netloc.split(":")
    conn = HTTPConnection(host, int(port), timeout=60)
    headers = {"X-Forwarded-For": ip}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        body = urllib.parse.urlencode(body, doseq=True)
    conn.request(method, target, body=body, headers=headers)
    response = conn.getresponse()
    text = response.read().decode()
    conn.close()
    return response, text


def test_racing_over_http_to_two_gunicorn_processes_books_once(demo):
    length = ServiceLength.objects.get(service__slug="sports-massage-for-runners", minutes=60)
    maya = Therapist.objects.get(slug="maya-brooks")
    today = timezone.localdate()
    free = queries.available_slots(
        service_length=length,
        policy=BookingPolicy.load(),
        now=timezone.now(),
        start_date=today + timedelta(days=3),
        end_date=today + timedelta(days=12),
        therapists=[maya],
    ).by_therapist[maya.pk]
    start = timezone.localtime(free[0]).strftime("%Y-%m-%dT%H:%M")
    target = f"/book/details/?length={length.pk}&therapist=maya-brooks&start={start}"

    with ExitStack() as stack:
        # Each request says it comes from its own address (through one trusted proxy), so
        # the per-address limit on booking posts does not interfere.
        servers = [
            stack.enter_context(live.gunicorn(workers=1, threads=8, TRUSTED_PROXY_COUNT="1"))
            for _ in range(2)
        ]
        people = []
        for i in range(RACERS):
            ip = f"198.51.100.{i + 1}"
            response, page = _request(servers[i % 2], "GET", target, ip=ip)
            assert response.status == 200, page[-500:]
            fields = dict(re.findall(r'name="(csrfmiddlewaretoken|key)" value="([^"]+)"', page))
            data = details_data(email=f"racer{i}@example.com", key=fields["key"])
            data |= {"csrfmiddlewaretoken": fields["csrfmiddlewaretoken"], "confirm": "1"}
            people.append((ip, _cookies(response), data))

        def attempt(i: int):
            ip, cookies, data = people[i]
            server = servers[(i + 1) % 2]  # the other process than the form came from
            response, page = _request(server, "POST", target, ip=ip, cookies=cookies, body=data)
            return response.status, html.unescape(page)

        results = race(RACERS, attempt)

    statuses = sorted(status for status, _ in results)
    assert statuses == [303] + [409] * (RACERS - 1), statuses
    assert all(
        "Sorry, that time was just taken" in page for status, page in results if status == 409
    )
    assert Appointment.objects.count() == 1
