"""Benchmark: the booking pages against a trivial view, warm and cold, and how they scale.

Run from the project root:

    .venv/bin/python bench/pages.py [--rounds 150] [--no-scale]

It builds its own database on the server of DATABASE_URL (default: the local server), named
``clinic_bench_pages``: dropped and created again at the start, dropped at the end (the name
holds "bench", which ``load.recreate_database`` insists on). It migrates, loads the demo
clinic's content (``seed_demo``), then shapes the schedule itself: therapists working
9:00-17:00 Monday to Saturday, a room each, all offering the 60-minute sports massage.

One gunicorn (``gunicorn.conf.py``, DEBUG off, 2 workers x 2 threads, as the other benches)
serves it on loopback. Requests come in interleaved rounds, so every kind meets the same
load on a machine others share: ``/robots.txt`` (the trivial view: no template, no query),
the time page for one therapist and for "any therapist" (``/book/time/``), the day's times
fragment (``/book/times/``), the details step (``GET /book/details/``, the form) and the
confirm POST (the complete booking; its form fetched untimed before the rounds).

* ``pages`` (8 therapists, a 60-day horizon, the next 8 weeks two thirds booked): warm
  figures from rounds in which each kind in turn runs as a burst from 4 keep-alive clients
  at once (order rotated each round); throughput is a kind's requests over its bursts' wall
  time, with p50 and p95 in ms and the throughput ratio to ``/robots.txt``. Bookings go to
  weeks 3 to 8, so they never change the week the time page shows; when the forms fetched
  for them run out, the bench's bookings are deleted between bursts (untimed) and the
  forms book again, so the confirm POST's bursts are as long as the others'. Cold figures: one
  client; before each request a write replaces the version of every day (an hours row
  saved unchanged), so each is the first view after a change.
* ``scale`` (unless ``--no-scale``): therapists 4/8/20 x horizon 60/120/365 days x
  1k/10k/100k appointments over a year (15-minute sessions around the clock in each
  therapist's own room, keeping 10:00 to noon free so every day has times), fewer rounds per
  cell: the time page ("any therapist") warm and cold, and ``rows_in_week``, the
  appointments the schedule query reads for the visible week. Warm should stay flat; cold
  should follow the rows in range, not the horizon.

It prints one JSON object per line. The client shares the machine with the server and the
database, so compare figures from one machine only.
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

from load import (
    ROOT,
    Http,
    booking_fields,
    cookies_of,
    forget_bench_bookings,
    recreate_database,
    serve,
    setup_django,
    tear_down,
    with_database,
)

sys.path.insert(0, str(ROOT))

DB_NAME = "clinic_bench_pages"
SERVICE = "sports-massage-for-runners"
CLIENTS = 4
# Booking forms fetched for the confirm POST, each for its own free time in weeks 3 to 8
# (about 210 are free): used in turn, then booked again after the bench's bookings go.
FORMS = 192
SERVER = {"WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "2", "LOG_LEVEL": "WARNING"}
KINDS = ["trivial", "time, one therapist", "time, any", "fragment", "details", "confirm POST"]
GOALS = {"time, one therapist": 0.3, "time, any": 0.3, "fragment": 0.5, "confirm POST": 0.15}
FREE_FROM, FREE_UNTIL = 56, 68  # UTC quarter-hours of the day the scale filler leaves free


def shape(therapists: int, horizon: int) -> dict:
    """Make `therapists` therapists (9:00-17:00 Mon-Sat, a room each) offer the service alone."""
    from datetime import time as clock

    from bookings.models import BookingPolicy, Room, Therapist, WeeklyHours
    from services.models import ServiceLength

    length = ServiceLength.objects.get(service__slug=SERVICE, minutes=60)
    service = length.service
    for n in range(Therapist.objects.count(), 20):
        Therapist.objects.create(name=f"Bench Therapist {n}", slug=f"bench-{n}", bio="Bench.")
    everyone = list(Therapist.objects.order_by("pk"))
    for n, therapist in enumerate(everyone):
        therapist.active = n < therapists
        therapist.max_sessions_per_day = None
        therapist.save()
        therapist.services.set([service])
    WeeklyHours.objects.all().delete()
    WeeklyHours.objects.bulk_create(
        WeeklyHours(therapist=t, weekday=d, start=clock(9), end=clock(17))
        for t in everyone
        for d in range(6)
    )
    for n in range(Room.objects.count(), 20):
        Room.objects.create(name=f"Bench room {n}")
    rooms = list(Room.objects.order_by("pk"))
    for room in rooms:
        room.active = True
        room.save()
        room.services.set([service])
    policy = BookingPolicy.load()
    policy.horizon_days, policy.max_sessions_per_day, policy.min_notice_hours = horizon, None, 12
    policy.save()
    return {
        "length": length,
        "therapists": everyone[:therapists],
        "pairs": list(zip(everyone[:therapists], rooms, strict=False)),
    }


def copy_appointments(rows: list[tuple]) -> None:
    """Replace every appointment with `rows` (therapist, room, start, minutes, buffer after)."""
    from django.db import connection

    from services.models import ServiceLength

    length = ServiceLength.objects.get(service__slug=SERVICE, minutes=60)
    client = _bench_client()
    columns = (
        'client_id, therapist_id, room_id, service_length_id, start, "end", buffer_before, '
        "buffer_after, occupied_from, occupied_until, status, cancel_reason, sequence, "
        "created_at, updated_at, source"
    )
    now = datetime.now(UTC)
    with connection.cursor() as cursor:
        # Bulk loading: the triggers would replace one day's version per row; one
        # replacement of every version afterwards does the same.
        cursor.execute("ALTER TABLE bookings_appointment DISABLE TRIGGER USER")
        cursor.execute("TRUNCATE bookings_appointment CASCADE")
        with cursor.cursor.copy(f"COPY bookings_appointment ({columns}) FROM STDIN") as copy:
            for therapist, room, start, minutes, after in rows:
                end = start + timedelta(minutes=minutes)
                copy.write_row((
                    client, therapist, room, length.pk, start, end, 0, after, start,
                    end + timedelta(minutes=after), "booked", "", 0, now, now, "online",
                ))  # fmt: skip
        cursor.execute("ALTER TABLE bookings_appointment ENABLE TRIGGER USER")
        cursor.execute("UPDATE bookings_availabilityversion SET token = gen_random_uuid()")
        cursor.execute("ANALYZE bookings_appointment")


def _bench_client() -> int:
    from bookings.models import Client

    client, _ = Client.objects.get_or_create(
        email="filler@example.com", defaults={"first_name": "Bench", "last_name": "Filler"}
    )
    return client.pk


def two_thirds_booked(plan: dict, weeks: int = 8) -> list[tuple]:
    """Return 60-minute sessions (15 minutes' turnover) filling two thirds of the next weeks."""
    from django.utils import timezone

    tz, today, rows = timezone.get_current_timezone(), timezone.localdate(), []
    rng = random.Random(15)
    for n in range(1, weeks * 7 + 1):
        day = today + timedelta(days=n)
        if day.weekday() == 6:
            continue
        for therapist, room in plan["pairs"]:
            for k in range(6):  # 9:00, 10:15, ... 15:15: six sessions fit in 9:00-17:00
                if rng.random() < 2 / 3:
                    start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
                    start += timedelta(hours=9, minutes=75 * k)
                    rows.append((therapist.pk, room.pk, start.astimezone(UTC), 60, 15))
    return rows


def filler(plan: dict, count: int) -> list[tuple]:
    """Return `count` 15-minute sessions over a year, around the clock, none overlapping.

    On a UTC grid (so DST days neither repeat nor skip a slot), leaving 14:00-17:00 UTC free:
    10:00 to noon in the clinic, summer or winter, so every day keeps some times.
    """
    from django.utils import timezone

    first = datetime.combine(timezone.localdate() - timedelta(days=100), datetime.min.time())
    first = first.replace(tzinfo=UTC)
    pairs, slots = plan["pairs"], [q for q in range(96) if not FREE_FROM <= q < FREE_UNTIL]
    total = 365 * len(slots) * len(pairs)
    if count > total:
        raise SystemExit(f"{count} sessions do not fit {len(pairs)} therapists' year")
    rows = []
    for position in random.Random(count).sample(range(total), count):
        day, rest = divmod(position, len(slots) * len(pairs))
        quarter, who = divmod(rest, len(pairs))
        start = first + timedelta(days=day, minutes=15 * slots[quarter])
        therapist, room = pairs[who]
        rows.append((therapist.pk, room.pk, start, 15, 0))
    return rows


def change_everything(url: str) -> None:
    """Save an hours row unchanged: its trigger replaces the version every day depends on."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "UPDATE bookings_weeklyhours SET start = start "
            "WHERE id = (SELECT min(id) FROM bookings_weeklyhours)"
        )


def targets(plan: dict) -> dict[str, str]:
    """Return the GET targets of each kind: the first week's pages, a day in it."""
    from django.utils import timezone

    from bookings import availability_cache
    from bookings.models import BookingPolicy

    length, therapist = plan["length"], plan["therapists"][0]
    day = timezone.localdate() + timedelta(days=2)
    if day.weekday() == 6:  # nobody works on Sundays
        day += timedelta(days=1)
    found = availability_cache.offered(
        service_length=length, policy=BookingPolicy.load(), now=timezone.now(),
        start_date=day, end_date=day + timedelta(days=1), therapist=therapist,
    )  # fmt: skip
    start = timezone.localtime(found[0].start).strftime("%Y-%m-%dT%H:%M")
    base = f"length={length.pk}"
    return {
        "trivial": "/robots.txt",
        "time, one therapist": f"/book/time/?{base}&therapist={therapist.slug}",
        "time, any": f"/book/time/?{base}",
        "fragment": f"/book/times/?{base}&therapist=any&day={day.isoformat()}",
        "details": f"/book/details/?{base}&therapist={therapist.slug}&start={start}",
    }


def confirm_forms(base: str, plan: dict, count: int) -> list[tuple]:
    """Fetch `count` booking forms (untimed) for free times in weeks 3 to 8, one per time."""
    from django.utils import timezone

    from bookings import availability_cache
    from bookings.models import BookingPolicy

    today = timezone.localdate()
    found = availability_cache.offered(
        service_length=plan["length"], policy=BookingPolicy.load(), now=timezone.now(),
        start_date=today + timedelta(days=15), end_date=today + timedelta(days=57),
    )  # fmt: skip
    last: dict[int, datetime] = {}
    starts = []
    for slot in found:  # 75 minutes apart per therapist (60 and the turnover): none clash
        if slot.start >= last.get(slot.therapist_id, slot.start - timedelta(days=1)):
            last[slot.therapist_id] = slot.start + timedelta(minutes=75)
            starts.append(slot)
    if len(starts) < count:
        raise SystemExit(f"only {len(starts)} free times to book; {count} wanted")
    slugs = {t.pk: t.slug for t in plan["therapists"]}
    http, forms = Http(base), []
    for n, slot in enumerate(random.Random(1).sample(starts, count)):
        local = timezone.localtime(slot.start).strftime("%Y-%m-%dT%H:%M")
        target = (
            f"/book/details/?length={plan['length'].pk}&therapist={slugs[slot.therapist_id]}"
            f"&start={local}"
        )
        ip = f"2001:db8::{n:x}"
        response, page = http.send("GET", target, ip=ip)
        assert response.status == 200, (response.status, target)
        data = booking_fields(page, n, uuid4().hex[:8]) | {"confirm": "1"}
        forms.append((target, ip, cookies_of(response), data))
    return forms


def _timed(http: Http, method: str, target: str, ip: str, expect: int, **kw) -> float:
    started = time.perf_counter()
    response, _ = http.send(method, target, ip=ip, **kw)
    elapsed = time.perf_counter() - started
    assert response.status == expect, (target, response.status)
    return elapsed


def warm(
    base: str,
    gets: dict[str, str],
    forms: list[tuple],
    rounds: int,
    burst: int = 8,
    url: str = "",
) -> dict[str, dict]:
    """Run `rounds` rounds; in each, every kind in turn (rotated) as a burst of `burst`
    requests per client from CLIENTS keep-alive clients at once. Return each kind's
    latencies and the wall time its bursts took (throughput: requests / that time).

    The confirm POST's bursts are as long as the others' (a short burst is mostly its
    slowest client): when fewer `forms` are left than a burst takes, the bench's bookings
    are deleted (untimed, on the database at `url`) and the same forms book again.
    """
    kinds = [*gets, *(["confirm POST"] if forms else [])]
    out = {kind: {"latencies": [], "seconds": 0.0} for kind in kinds}
    unused, local = list(forms), threading.local()

    def client(kind: str, mine: list[tuple]) -> list[float]:
        if not hasattr(local, "http"):
            local.http = Http(base)
        ip = f"2001:db8:1::{threading.get_ident() % 65536:x}"
        if kind == "confirm POST":
            return [
                _timed(local.http, "POST", target, form_ip, 303, cookies=cookies, body=data)
                for target, form_ip, cookies, data in mine
            ]
        return [_timed(local.http, "GET", gets[kind], ip, 200) for _ in range(burst)]

    with ThreadPoolExecutor(CLIENTS) as pool:
        for n in range(rounds):
            for kind in kinds[n % len(kinds) :] + kinds[: n % len(kinds)]:
                shares = [[] for _ in range(CLIENTS)]
                if kind == "confirm POST":
                    if len(unused) < burst * CLIENTS:
                        forget_bench_bookings(url)
                        unused = list(forms)
                    shares = [[unused.pop() for _ in range(burst)] for _ in range(CLIENTS)]
                started = time.perf_counter()
                done = list(pool.map(client, [kind] * CLIENTS, shares))
                out[kind]["seconds"] += time.perf_counter() - started
                out[kind]["latencies"].extend(x for each in done for x in each)
    return out


def cold(base: str, url: str, gets: dict[str, str], kinds: list[str], rounds: int) -> dict:
    """Time each kind as the first request after a change, `rounds` times, one client."""
    http, out = Http(base), {kind: {"latencies": [], "seconds": 0.0} for kind in kinds}
    for n in range(rounds):
        for kind in kinds[n % len(kinds) :] + kinds[: n % len(kinds)]:
            change_everything(url)
            elapsed = _timed(http, "GET", gets[kind], "2001:db8:2::1", 200)
            out[kind]["latencies"].append(elapsed)
            out[kind]["seconds"] += elapsed
    return out


def figures(measured: dict[str, dict]) -> list[dict]:
    """Return throughput, p50, p95 and the throughput ratio to the trivial view per kind."""
    rate = {k: len(m["latencies"]) / m["seconds"] for k, m in measured.items() if m["seconds"]}
    rows = []
    for kind, m in measured.items():
        values = m["latencies"]
        if not values:
            continue
        row = {
            "kind": kind,
            "requests": len(values),
            "rps": round(rate[kind], 1),
            "p50_ms": round(statistics.median(values) * 1000, 2),
            "p95_ms": round(statistics.quantiles(values, n=20)[-1] * 1000, 2),
        }
        if "trivial" in rate:
            row["ratio"] = round(rate[kind] / rate["trivial"], 3)
            if kind in GOALS:
                row["goal"] = GOALS[kind]
        rows.append(row)
    return rows


def schedule_rows(plan: dict) -> int:
    """Return the appointment rows the schedule query reads for the visible week."""
    from django.utils import timezone

    from bookings import queries

    today = timezone.localdate()
    schedule = queries.load_schedule(
        service_id=plan["length"].service_id, start_date=today, end_date=today + timedelta(7)
    )
    return len(schedule.busy)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--cold-rounds", type=int, default=30)
    parser.add_argument("--scale-rounds", type=int, default=6)
    parser.add_argument("--no-scale", action="store_true")
    args = parser.parse_args()
    url = with_database(os.environ.get("DATABASE_URL", "postgresql:///"), DB_NAME)
    recreate_database(url)
    log = Path(tempfile.mkstemp(prefix="bench-pages-", suffix=".log")[1])
    process = None
    try:
        setup_django(url, **SERVER)
        plan = shape(8, 60)
        copy_appointments(two_thirds_booked(plan))
        process, base = serve(url, log, **SERVER)
        gets = targets(plan)
        forms = confirm_forms(base, plan, FORMS)
        warm(base, gets, [], 3)  # every worker past its first request
        latencies = warm(base, gets, forms, args.rounds, url=url)
        print(json.dumps({"run": "pages", "state": "warm", "figures": figures(latencies)}))
        kinds = [k for k in KINDS if k != "confirm POST"]
        latencies = cold(base, url, gets, kinds, args.cold_rounds)
        print(json.dumps({"run": "pages", "state": "cold", "figures": figures(latencies)}))
        if args.no_scale:
            return
        for count in (1_000, 10_000, 100_000):
            for therapists in (4, 8, 20):
                for horizon in (60, 120, 365):
                    plan = shape(therapists, horizon)
                    if horizon == 60:
                        copy_appointments(filler(plan, count))
                    else:
                        change_everything(url)
                    gets = targets(plan)
                    pages = {k: gets[k] for k in ("trivial", "time, any")}
                    warm(base, pages, [], 2)
                    hot = warm(base, pages, [], args.scale_rounds)
                    first = cold(base, url, gets, ["time, any"], args.scale_rounds)
                    print(json.dumps({
                        "run": "scale", "therapists": therapists, "horizon_days": horizon,
                        "appointments": count, "rows_in_week": schedule_rows(plan),
                        "warm": figures(hot), "cold": figures(first),
                    }))  # fmt: skip
    finally:
        tear_down(process, url)


if __name__ == "__main__":
    main()
