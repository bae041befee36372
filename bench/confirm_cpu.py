"""Benchmark: what one booking (the confirm POST) costs gunicorn and PostgreSQL in CPU.

Run from the project root:

    .venv/bin/python bench/confirm_cpu.py [--bookings 180] [--passes 3]

It builds the calendar of ``bench/pages.py`` (8 therapists, a 60-day horizon, the next 8
weeks two thirds booked) in its own database, ``clinic_bench_confirm`` (dropped at the
end), and serves it with one gunicorn worker and one thread, so the worker's CPU is one
process's. It fetches `bookings` booking forms untimed (weeks 3 to 8, as the pages bench),
posts a few to warm the worker, then posts the rest one at a time, `passes` times (before
each pass the bench's own bookings are deleted, so the same forms book again), and reads
the CPU time of the worker and of the pool's PostgreSQL backends from ``/proc`` before and
after. It prints two JSON lines, each per booking: the wall time, the p50, gunicorn's user
and system CPU and PostgreSQL's CPU, in ms. Linux only.

* "changed": the forms posted in a row, so the day of most has changed since its form was
  fetched (another booking of the bench's went there): the re-check runs the engine.
* "kept": each form posted right after its details page, on the same connection, as a
  runner books: the worker keeps the day, and the re-check reads it from memory. Measured
  as the page and the post together less the page alone (before each page, in both runs,
  the bench replaces every day's version, so each page is the first view since a change).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pages
from load import (
    Http,
    forget_bench_bookings,
    recreate_database,
    serve,
    setup_django,
    tear_down,
    with_database,
)

DB_NAME = "clinic_bench_confirm"
SERVER = {"WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "1", "LOG_LEVEL": "WARNING"}
WARM = 20


def cpu_ticks(pid: str) -> tuple[int, int]:
    """Return the (user, system) clock ticks process `pid` has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]), int(fields[12])


def children(pid: int) -> list[str]:
    return subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()


def backends(database: str) -> list[str]:
    """Return the pids of the PostgreSQL backends connected to `database` now."""
    found = subprocess.run(
        ["pgrep", "-f", f"postgres: .*{database}"], capture_output=True, text=True
    )
    return found.stdout.split()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bookings", type=int, default=180)
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args()
    url = with_database(os.environ.get("DATABASE_URL", "postgresql:///"), DB_NAME)
    recreate_database(url)
    log = Path(tempfile.mkstemp(prefix="bench-confirm-", suffix=".log")[1])
    process = None
    try:
        setup_django(url, **SERVER)
        plan = pages.shape(8, 60)
        pages.copy_appointments(pages.two_thirds_booked(plan))
        process, base = serve(url, log, **SERVER)
        forms = pages.confirm_forms(base, plan, args.bookings + WARM)
        http = Http(base)
        for target, ip, cookies, data in forms[:WARM]:
            pages._timed(http, "POST", target, ip, 303, cookies=cookies, body=data)
        forms = forms[WARM:]
        pids = children(process.pid), backends(DB_NAME)

        def post(form: tuple) -> float:
            target, ip, cookies, data = form
            return pages._timed(http, "POST", target, ip, 303, cookies=cookies, body=data)

        def form_page(form: tuple) -> float:
            """The details page again, each time the first view since a change."""
            target, ip, cookies, _data = form
            pages.change_everything(url)  # by the bench's own connection, not the pool's
            return pages._timed(http, "GET", target, ip, 200, cookies=cookies)

        def kept(form: tuple) -> float:
            form_page(form)
            return post(form)

        changed, _ = measured(pids, forms, args.passes, url, post)
        page, _ = measured(pids, forms, args.passes, url, form_page)
        both, latencies = measured(pids, forms, args.passes, url, kept)
        changed["day"] = "changed since its form was fetched"
        print(json.dumps(changed))
        print(json.dumps({
            "day": "kept: posted right after its details page",
            "bookings": both["bookings"],
            "p50_ms": round(statistics.median(latencies) * 1000, 2),
            **{k: round(both[k] - page[k], 2) for k in CPU},
        }))  # fmt: skip
    finally:
        tear_down(process, url)


CPU = ["gunicorn_user_ms", "gunicorn_system_ms", "postgres_ms"]


def measured(pids, forms, passes, url, step) -> tuple[dict, list[float]]:
    """Run `step` on each form, `passes` times (the bench's bookings deleted before each
    pass); return the CPU per step of the worker and of the pool's backends, and the times
    `step` returned."""
    workers, database = pids
    before = {pid: cpu_ticks(pid) for pid in workers + database}
    latencies, started = [], time.perf_counter()
    for _ in range(passes):
        forget_bench_bookings(url)
        latencies += [step(form) for form in forms]
    wall = time.perf_counter() - started
    after = {pid: cpu_ticks(pid) for pid in before}
    steps = passes * len(forms)
    per = 1000 / os.sysconf("SC_CLK_TCK") / steps  # ms per tick per step

    def used(pids: list[str], part: int) -> float:
        return sum(after[p][part] - before[p][part] for p in pids) * per

    figures = {
        "bookings": steps,
        "wall_ms": round(wall * 1000 / steps, 2),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "gunicorn_user_ms": used(workers, 0),
        "gunicorn_system_ms": used(workers, 1),
        "postgres_ms": used(database, 0) + used(database, 1),
    }
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in figures.items()}, latencies


if __name__ == "__main__":
    sys.exit(main())
