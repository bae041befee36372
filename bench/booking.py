"""Benchmark: the day-times fragment and a booking, over HTTP to gunicorn, next to /healthz.

Run from the project root:

    .venv/bin/python bench/booking.py

It builds its own database: the server and credentials of DATABASE_URL (default: the local
server), with the database named ``clinic_bench_booking``. That database is dropped and
recreated at the start of every run and dropped at the end; the bench refuses any name
without "bench", so it never touches ``clinic`` or ``test_clinic``. It migrates, loads the
demo clinic (``seed_demo``), collects static files, and serves the site with gunicorn on
127.0.0.1 only, production-like (DEBUG off; 2 workers x 4 threads). Each simulated runner
sends ``X-Forwarded-For`` with its own address and gunicorn runs with
``TRUSTED_PROXY_COUNT=1``, so the per-address limit on booking posts does not throttle it.

The load is bounded: per phase a fixed number of requests from CONCURRENCY threads, each on
its own keep-alive connection, after a short warm-up. The phases:

* ``healthz``: ``GET /healthz`` (one ``SELECT 1``): the floor of a request through the stack;
* ``times``: ``GET /book/times/?length=&therapist=&day=``, the fragment a tap on a day
  loads, cycling over the next fourteen days and over each therapist and "any therapist";
* ``book``: ``POST /book/details/`` with ``confirm``: a complete booking (client, intake,
  appointment, history, manage token, confirmation and reminder queued). Each POST books
  its own free time, at most one session at a time in the clinic, so none is refused; its
  form (session, CSRF token, idempotency key) is fetched before the timed phase.

It prints one JSON object: for each phase the request count, concurrency, median and p95
latency (ms) and throughput (requests/s), and for ``times`` and ``book`` the same three as
ratios to ``healthz`` measured in the same run (latency ratio > 1 means slower; throughput
ratio < 1 means fewer per second). The bench client shares the machine with the server, so
compare figures from one machine only.
"""

import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from uuid import uuid4

from load import (
    ROOT,
    Http,
    booking_fields,
    cookies_of,
    recreate_database,
    serve,
    setup_django,
    tear_down,
    with_database,
)

sys.path.insert(0, str(ROOT))

CONCURRENCY = 4
HEALTHZ_REQUESTS = 400
TIMES_REQUESTS = 400
BOOKINGS = 120
WARMUP = 20
SERVICE = "sports-massage-for-runners"
# One booking at a time across the clinic, two hours apart: none can clash with another.
BOOKING_HOURS = (9, 11, 13, 15)
# gunicorn.conf.py reads the first two; one log line per request would be part of what we time.
SERVER = {"WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "4", "LOG_LEVEL": "WARNING"}


def bench_url() -> str:
    """Return the bench database's URL: DATABASE_URL's server, database clinic_bench_booking."""
    return with_database(os.environ.get("DATABASE_URL", "postgresql:///"), "clinic_bench_booking")


def plan() -> dict:
    """Return the service length, therapist choices, days and bookable times to request."""
    from django.utils import timezone

    from bookings import queries
    from bookings.models import BookingPolicy, Therapist
    from services.models import ServiceLength

    length = ServiceLength.objects.get(service__slug=SERVICE, minutes=60)
    therapists = [t.slug for t in Therapist.objects.active().offering(length.service_id)]
    today = timezone.localdate()
    found = queries.available_slots(
        service_length=length,
        policy=BookingPolicy.load(),
        now=timezone.now(),
        start_date=today + timedelta(days=2),
        end_date=today + timedelta(days=58),
    )
    wanted = [
        timezone.localtime(slot.start)
        for slot in found.any_therapist
        if timezone.localtime(slot.start).hour in BOOKING_HOURS
        and timezone.localtime(slot.start).minute == 0
    ]
    if len(wanted) < BOOKINGS:
        raise SystemExit(f"only {len(wanted)} free times to book; the bench needs {BOOKINGS}")
    return {
        "length": length.pk,
        "therapists": [*therapists, "any"],
        "days": [(today + timedelta(days=n)).isoformat() for n in range(1, 15)],
        "starts": [start.strftime("%Y-%m-%dT%H:%M") for start in wanted[:BOOKINGS]],
    }


def booking_forms(base: str, figures: dict) -> list[tuple[str, str, dict, dict]]:
    """Fetch each booking's form first (untimed): its target, address, cookies and fields."""
    http, forms = Http(base), []
    for n, start in enumerate(figures["starts"]):
        ip = f"10.{n // 250}.{n % 250}.1"
        target = f"/book/details/?length={figures['length']}&therapist=any&start={start}"
        response, page = http.send("GET", target, ip=ip)
        assert response.status == 200, (response.status, target)
        data = booking_fields(page, n, uuid4().hex[:8])
        data |= {"health_conditions": "None.", "confirm": "1"}
        forms.append((target, ip, cookies_of(response), data))
    return forms


def measure(base: str, jobs: list[Callable[[Http], int]], expect: int) -> dict:
    """Run `jobs` from CONCURRENCY threads; return latency and throughput figures."""
    latencies: list[float] = []
    failures: list[int] = []
    lock, queue = threading.Lock(), list(reversed(jobs))

    def worker() -> None:
        http = Http(base)
        while True:
            with lock:
                if not queue:
                    return
                job = queue.pop()
            began = time.perf_counter()
            status = job(http)
            took = (time.perf_counter() - began) * 1000
            with lock:
                latencies.append(took)
                if status != expect:
                    failures.append(status)

    threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if failures:
        raise SystemExit(f"{len(failures)} unexpected statuses, e.g. {failures[:5]}")
    return {
        "requests": len(latencies),
        "concurrency": CONCURRENCY,
        "median_ms": round(statistics.median(latencies), 2),
        "p95_ms": round(statistics.quantiles(latencies, n=20)[-1], 2),
        "throughput_rps": round(len(latencies) / elapsed, 1),
    }


def get(target: str) -> Callable[[Http], int]:
    def job(http: Http) -> int:
        response, _ = http.send("GET", target, ip="10.200.0.1")
        return response.status

    return job


def post(target: str, ip: str, cookies: dict, data: dict) -> Callable[[Http], int]:
    def job(http: Http) -> int:
        response, _ = http.send("POST", target, ip=ip, cookies=cookies, body=data)
        return response.status

    return job


def ratios(phase: dict, floor: dict) -> dict:
    return {
        "median_ratio": round(phase["median_ms"] / floor["median_ms"], 2),
        "p95_ratio": round(phase["p95_ms"] / floor["p95_ms"], 2),
        "throughput_ratio": round(phase["throughput_rps"] / floor["throughput_rps"], 3),
    }


def main() -> None:
    url = bench_url()
    recreate_database(url)
    process = None
    try:
        setup_django(url, **SERVER)
        figures = plan()
        log = Path(tempfile.mkdtemp(prefix="bench-booking-")) / "gunicorn.log"
        process, base = serve(url, log, **SERVER)
        times = [
            f"/book/times/?length={figures['length']}&therapist={therapist}&day={day}"
            for day in figures["days"]
            for therapist in figures["therapists"]
        ]
        times_jobs = [get(times[n % len(times)]) for n in range(TIMES_REQUESTS)]
        measure(base, [get("/healthz")] * WARMUP + times_jobs[:WARMUP], 200)  # warm-up
        forms = booking_forms(base, figures)
        healthz = measure(base, [get("/healthz")] * HEALTHZ_REQUESTS, 200)
        fragment = measure(base, times_jobs, 200)
        book = measure(base, [post(*form) for form in forms], 303)
        result = {
            "when": datetime.now().astimezone().isoformat(timespec="seconds"),
            "server": "gunicorn 2 workers x 4 threads, 127.0.0.1, DEBUG off",
            "healthz": healthz,
            "times_fragment": fragment | ratios(fragment, healthz),
            "booking_post": book | ratios(book, healthz),
        }
        print(json.dumps(result, indent=2))
    finally:
        tear_down(process, url)


if __name__ == "__main__":
    main()
