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
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import date, datetime, timedelta

from availability import bench_url, setup_django
from load import ROOT, recreate_database

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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(url: str, port: int, workers: int, threads: int) -> subprocess.Popen:
    env = os.environ | {
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECRET_KEY": os.environ["DJANGO_SECRET_KEY"],
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "clinic.wsgi", "--config", "gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def load(port: int, paths: list[str], cookie: str, clients: int, seconds: float) -> dict:
    """Return each path's latencies from `clients` keep-alive loops taking turns over `paths`."""
    latencies: dict[str, list[float]] = {path: [] for path in paths}
    lock, stop = threading.Lock(), time.monotonic() + seconds

    def client(offset: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: dict[str, list[float]] = {path: [] for path in paths}
        n = offset
        while time.monotonic() < stop:
            path = paths[n % len(paths)]
            n += 1
            start = time.perf_counter()
            connection.request("GET", path, headers={"Cookie": cookie})
            response = connection.getresponse()
            body = response.read()
            assert response.status == 200, (path, response.status)
            mine[path].append(time.perf_counter() - start)
            if path.startswith("/staff/"):
                assert body.count(b'class="appt ') == THERAPISTS * PER_THERAPIST
        with lock:
            for path, values in mine.items():
                latencies[path].extend(values)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


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
        port = free_port()
        process = serve(url, port, args.workers, args.threads)
        paths = [f"/staff/day/{day}/", "/healthz"]
        cookie = f"__Host-sessionid={key}"
        try:
            load(port, paths, cookie, args.clients, 2)  # warm every worker
            latencies = load(port, paths, cookie, args.clients, args.seconds)
        finally:
            process.terminate()
            process.wait(timeout=15)
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
