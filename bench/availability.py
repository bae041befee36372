"""Benchmark: 14 days of slots for every therapist, against 1k, 10k and 100k appointments.

Run from the project root:

    .venv/bin/python bench/availability.py

It builds its own database: the server and credentials of DATABASE_URL (default: the local
server), with the database named ``clinic_bench`` unless DATABASE_URL already names a database
containing "bench". That database is created afresh on every run and dropped at the end; the
bench refuses any other name, so it never touches ``clinic`` or ``test_clinic``.

The clinic: 8 therapists (weekdays 9:00-12:30 and 13:30-18:00, three also on Saturday), 4
rooms, some time off, date exceptions and closures. To fit 100k appointments into 4 rooms in
one year, the bench books 15-minute sessions around the clock (a slot's room and therapist are
fixed by its position, so nothing overlaps); the smaller sizes are the first rows of the same
shuffled list. For each size it prints one JSON line:

* ``rows_in_range``: active appointments the query reads (the 14 days plus a day each side);
* ``queries``: queries that ``bookings.queries.available_slots`` runs for a 60-minute service
  (one: ``bookings.queries.SCHEDULE_SQL``);
* ``median_ms``: its median time (load, convert, compute) over 51 runs, taking turns with the
  other timings below so that all of them meet the same conditions;
* ``load_ms``: the part spent loading the schedule (the queries and building the engine's data);
  the rest is the pure engine computing slots;
* ``floor_ms``: median time to fetch the same rows with one raw SQL query through a cursor;
* ``ratio``: median_ms / floor_ms, and ``load_ratio``: load_ms / floor_ms;
* ``empty_range_load_ms``: loading 14 days with no appointments, a year later: flat as the
  table grows, because the query reads appointments through the exclusion constraints' GiST
  index (``appointment_indexes``: the indexes its plan reads bookings_appointment with).
"""

import json
import os
import random
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

from load import ROOT, recreate_database, with_database

sys.path.insert(0, str(ROOT))

SIZES = [1_000, 10_000, 100_000]
REPEATS = 51
YEAR_START = date(2027, 1, 4)  # a Monday
WINDOW_START = YEAR_START + timedelta(weeks=26)
WINDOW_DAYS = 14
QUARTER = timedelta(minutes=15)


def bench_url() -> str:
    """Return the URL of the bench database: DATABASE_URL's server, a *bench* database name."""
    url = os.environ.get("DATABASE_URL", "postgresql:///clinic_bench")
    return url if "bench" in urlsplit(url).path else with_database(url, "clinic_bench")


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    os.environ["DJANGO_DEBUG"] = "0"  # no query log slowing the ORM down
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def build_clinic() -> dict:
    """Create services, therapists with hours, rooms and absences; return what the bench needs."""
    from bookings.models import (
        BookingPolicy,
        Client,
        ClinicClosure,
        DateHours,
        Room,
        Therapist,
        TimeOff,
        WeeklyHours,
    )
    from services.models import Service, ServiceLength

    def service(slug: str) -> Service:
        return Service.objects.create(
            title=slug, slug=slug, summary=slug, body=slug, seo_description=slug, published=True
        )

    massage, quick = service("massage"), service("quick-release")
    hour = ServiceLength.objects.create(service=massage, minutes=60, price=95, buffer_after=15)
    short = ServiceLength.objects.create(service=quick, minutes=15, price=30, buffer_after=0)
    therapists = []
    for n in range(8):
        therapist = Therapist.objects.create(name=f"Therapist {n}", slug=f"t{n}", bio="Runs.")
        therapist.services.set([massage, quick])
        therapists.append(therapist)
        days = [*range(5), *([5] if n % 3 == 0 else [])]
        WeeklyHours.objects.bulk_create(
            WeeklyHours(therapist=therapist, weekday=day, start=start, end=end)
            for day in days
            for start, end in [("09:00", "12:30"), ("13:30", "18:00")]
        )
        for week in range(0, 52, 6):  # a day off and a long weekend now and then
            day = YEAR_START + timedelta(weeks=week, days=n % 5)
            DateHours.objects.create(therapist=therapist, date=day)
            start = datetime.combine(day + timedelta(days=3), datetime.min.time(), tzinfo=UTC)
            TimeOff.objects.create(therapist=therapist, start=start, end=start + timedelta(days=2))
    rooms = [Room.objects.create(name=f"Room {n}") for n in range(4)]
    for room in rooms:
        room.services.set([massage, quick])
    for week in (20, 27, 47):
        ClinicClosure.objects.create(date=YEAR_START + timedelta(weeks=week, days=3), name="Closed")
    BookingPolicy().save()
    client = Client.objects.create(first_name="Bench", last_name="Runner")
    return {
        "hour": hour,
        "short": short,
        "therapists": therapists,
        "rooms": rooms,
        "client": client,
    }


def appointment_rows(clinic: dict) -> list[tuple]:
    """Return 100k non-overlapping 15-minute sessions over the year, shuffled (seeded)."""
    slots = [(k, r) for k in range(365 * 96) for r in range(4)]
    rng = random.Random(2026)
    chosen = rng.sample(slots, SIZES[-1])
    origin = datetime.combine(YEAR_START, datetime.min.time(), tzinfo=UTC)
    now = datetime.now(UTC)
    therapists, rooms = clinic["therapists"], clinic["rooms"]
    rows = []
    for k, r in chosen:
        start = origin + k * QUARTER
        therapist = therapists[(2 * r + k) % 8]  # four rooms, four different therapists
        ends = start + QUARTER
        ids = (clinic["client"].pk, therapist.pk, rooms[r].pk, clinic["short"].pk)
        rows.append((*ids, start, ends, 0, 0, start, ends, "booked", "", 0, now, now))
    return rows


def copy_appointments(rows: list[tuple]) -> None:
    from django.db import connection

    columns = (
        'client_id, therapist_id, room_id, service_length_id, start, "end", buffer_before, '
        "buffer_after, occupied_from, occupied_until, status, cancel_reason, sequence, created_at, "
        "updated_at"
    )
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY bookings_appointment ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute("ANALYZE bookings_appointment")


# The rows available_slots reads, in one statement: kind, ids, timestamps, a date, two times.
FLOOR_SQL = """
WITH t AS (SELECT unnest(%(therapists)s::bigint[]) AS id),
     r AS (SELECT unnest(%(rooms)s::bigint[]) AS id)
SELECT 'appointment', therapist_id, room_id, occupied_from, occupied_until,
       (start AT TIME ZONE 'America/New_York')::date, NULL::time, NULL::time
  FROM bookings_appointment
 WHERE status IN ('booked', 'checked_in', 'completed')
   AND TSTZRANGE(occupied_from, occupied_until) && TSTZRANGE(%(lo)s, %(hi)s)
   AND (therapist_id IN (SELECT id FROM t) OR room_id IN (SELECT id FROM r))
UNION ALL
SELECT 'weekly', therapist_id, weekday, NULL, NULL, NULL, start, "end"
  FROM bookings_weeklyhours WHERE therapist_id IN (SELECT id FROM t)
UNION ALL
SELECT 'date', therapist_id, NULL, NULL, NULL, date, start, "end"
  FROM bookings_datehours
 WHERE therapist_id IN (SELECT id FROM t) AND date >= %(first)s AND date < %(last)s
UNION ALL
SELECT 'time off', therapist_id, NULL, start, "end", NULL, NULL, NULL
  FROM bookings_timeoff
 WHERE therapist_id IN (SELECT id FROM t) AND start < %(hi)s AND "end" > %(lo)s
UNION ALL
SELECT 'closure', NULL, NULL, NULL, NULL, date, NULL, NULL
  FROM bookings_clinicclosure WHERE date >= %(first)s AND date < %(last)s
"""


def medians_ms(*runs, repeats: int = REPEATS) -> list[float]:
    """Return each run's median time in ms, the runs taking turns so they share conditions.

    On a shared machine, timing one run after another lets a burst of other work land on
    one of them only; in turns, it spreads over all of them and the ratios hold.
    """
    for run in runs:
        run()  # warm caches and the connection
    times = [[] for _ in runs]
    for _ in range(repeats):
        for run, spent in zip(runs, times, strict=True):
            started = time.perf_counter()
            run()
            spent.append(time.perf_counter() - started)
    return [round(statistics.median(spent) * 1000, 2) for spent in times]


def appointment_indexes(node: dict, reading: bool = False) -> Iterator[str]:
    """Yield the indexes through which a plan reads bookings_appointment.

    An index scan names its table; a bitmap index scan sits under the heap scan that does.
    """
    reading = reading or node.get("Relation Name") == "bookings_appointment"
    if reading and "Index Name" in node:
        yield node["Index Name"]
    for child in node.get("Plans", ()):
        yield from appointment_indexes(child, reading and "Relation Name" not in child)


def measure(clinic: dict, size: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bookings import clock, queries
    from bookings.models import BookingPolicy

    tz = clock.clinic_tz()
    end = WINDOW_START + timedelta(days=WINDOW_DAYS)
    now = datetime.combine(WINDOW_START - timedelta(days=1), datetime.min.time(), tzinfo=tz)
    policy = BookingPolicy.load()
    args = {"service_length": clinic["hour"], "start_date": WINDOW_START, "end_date": end}

    def compute():
        return queries.available_slots(policy=policy, now=now, **args)

    def load(first: date = WINDOW_START):
        service_id = clinic["hour"].service_id
        last = first + timedelta(days=WINDOW_DAYS)
        return queries.load_schedule(service_id=service_id, start_date=first, end_date=last)

    # The same 14 days a year after every appointment: their cost must not grow with the table.
    empty = WINDOW_START + timedelta(weeks=52)

    with CaptureQueriesContext(connection) as captured:
        result = compute()
    assert any(result.by_therapist.values()), "the bench found no slots at all"
    lo = datetime.combine(WINDOW_START, datetime.min.time(), tzinfo=tz) - timedelta(days=1)
    hi = datetime.combine(end, datetime.min.time(), tzinfo=tz) + timedelta(days=1)
    params = {
        "therapists": [t.pk for t in clinic["therapists"]],
        "rooms": [r.pk for r in clinic["rooms"]],
        "lo": lo,
        "hi": hi,
        "first": WINDOW_START,
        "last": end,
    }

    def floor():
        with connection.cursor() as cursor:
            cursor.execute(FLOOR_SQL, params)
            return cursor.fetchall()

    rows_in_range = sum(1 for row in floor() if row[0] == "appointment")
    (schedule_sql,) = [q["sql"] for q in captured.captured_queries]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + schedule_sql)
        indexes = sorted(set(appointment_indexes(cursor.fetchone()[0][0]["Plan"])))
    total, loading, floor_time, empty_load = medians_ms(compute, load, floor, lambda: load(empty))
    return {
        "size": size,
        "rows_in_range": rows_in_range,
        "queries": len(captured),
        "median_ms": total,
        "load_ms": loading,
        "floor_ms": floor_time,
        "ratio": round(total / floor_time, 2),
        "load_ratio": round(loading / floor_time, 2),
        "empty_range_load_ms": empty_load,
        "appointment_indexes": indexes,
    }


def main() -> None:
    url = bench_url()
    started = time.perf_counter()
    recreate_database(url)
    try:
        setup_django(url)
        clinic = build_clinic()
        rows = appointment_rows(clinic)
        done = 0
        for size in SIZES:
            copy_appointments(rows[done:size])
            done = size
            print(json.dumps(measure(clinic, size)), flush=True)
    finally:
        recreate_database(url, create=False)
    elapsed = time.perf_counter() - started
    print(f"# {elapsed:.0f}s, database {urlsplit(url).path.lstrip('/')} dropped", file=sys.stderr)


if __name__ == "__main__":
    main()
