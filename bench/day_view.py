"""Benchmark: the front desk's day view for 8 therapists and 80 appointments, against /healthz.

Run from the project root:

    .venv/bin/python bench/day_view.py [--seconds 8] [--clients 2]

It builds its own database (``clinic_bench`` on DATABASE_URL's server, created afresh and
dropped at the end, as bench/availability.py does): 8 therapists working 8:00-19:00 with a
room each, an hour of time off each, and 10 sessions each (80 in all) on one weekday, plus a
signed-in front-desk session past the second factor. It serves the site with gunicorn as
production does (``gunicorn.conf.py``, DEBUG off), warms it, then runs `clients` keep-alive
loops that take turns between ``/staff/day/<date>/`` and ``/healthz`` for `seconds`, so both
meet the same machine load, and prints one JSON line per path: requests, median and p95 in
ms, and the day view's ratio to /healthz.
"""

import argparse
import json
import os
import statistics
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

from availability import bench_url, setup_django
from load import recreate_database, serve, stop, take_turns

THERAPISTS = 8
PER_THERAPIST = 10


def build_day(day: date) -> str:
    """Fill `day` with the clinic; return the session key of a signed-in front desk."""
    import django_otp
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from bookings import roles
    from bookings.clock import clinic_tz
    from bookings.models import Appointment, Client, Room, Therapist, TimeOff, WeeklyHours
    from services.models import Service, ServiceLength

    tz = clinic_tz()
    service = Service.objects.create(title="Sports massage", slug="sports", summary="-")
    length = ServiceLength.objects.create(service=service, minutes=30, price=60, buffer_after=15)
    sessions = []
    for n in range(THERAPISTS):
        therapist = Therapist.objects.create(name=f"Therapist {n}", slug=f"t{n}", ordering=n)
        therapist.services.add(service)
        WeeklyHours.objects.create(
            therapist=therapist, weekday=day.weekday(), start="08:00", end="19:00"
        )
        room = Room.objects.create(name=f"Room {n}")
        room.services.add(service)
        start = datetime.combine(day, datetime.min.time(), tzinfo=tz) + timedelta(hours=8)
        TimeOff.objects.create(
            therapist=therapist, start=start + timedelta(hours=10), end=start + timedelta(hours=11)
        )
        for k in range(PER_THERAPIST):
            client = Client.objects.create(
                first_name=f"Runner {n}-{k}", last_name="Bench", phone="(404) 555-0100"
            )
            session = Appointment(
                client=client,
                therapist=therapist,
                room=room,
                service_length=length,
                start=start + k * timedelta(minutes=45),
            )
            session.fill_times()
            sessions.append(session)
    Appointment.objects.bulk_create(sessions)
    roles.sync_roles()
    user = User.objects.create_user(username="bench-desk", is_staff=True)
    roles.assign_role(user, roles.FRONT_DESK)
    device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[django_otp.DEVICE_ID_SESSION_KEY] = device.persistent_id
    store.create()
    return store.session_key


def full(path: str, body: str) -> None:
    """Check that the day view shows every session of the day."""
    if path.startswith("/staff/"):
        assert body.count('class="appt ') == THERAPISTS * PER_THERAPIST


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    url = bench_url()
    recreate_database(url)
    try:
        setup_django(url)
        day = date.today() + timedelta(days=7)
        key = build_day(day)
        log = Path(tempfile.mkstemp(prefix="bench-day-view-", suffix=".log")[1])
        # The session was signed in this process: the server must hold the same key.
        process, base = serve(
            url, log, WEB_CONCURRENCY=str(args.workers), GUNICORN_THREADS=str(args.threads),
            LOG_LEVEL="WARNING", DJANGO_SECRET_KEY=os.environ["DJANGO_SECRET_KEY"],
        )  # fmt: skip
        paths = [f"/staff/day/{day}/", "/healthz"]
        turns = {"clients": args.clients, "cookies": {"__Host-sessionid": key}, "check": full}
        try:
            take_turns(base, paths, seconds=2, **turns)  # warm every worker
            latencies = take_turns(base, paths, seconds=args.seconds, **turns)
        finally:
            stop(process)
    finally:
        from django.db import connections

        connections.close_all()
        recreate_database(url, create=False)
    healthz = statistics.median(latencies["/healthz"])
    for path, values in latencies.items():
        median = statistics.median(values)
        print(json.dumps({
            "path": path,
            "requests": len(values),
            "median_ms": round(median * 1000, 2),
            "p95_ms": round(statistics.quantiles(values, n=20)[-1] * 1000, 2),
            "x_healthz_median": round(median / healthz, 1),
        }))  # fmt: skip


if __name__ == "__main__":
    main()
