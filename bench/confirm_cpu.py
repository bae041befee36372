"""Benchmark: what one booking (the confirm POST) costs gunicorn and PostgreSQL in CPU.

Run from the project root:

    .venv/bin/python bench/confirm_cpu.py [--bookings 180] [--passes 3]

It builds the calendar of ``bench/pages.py`` (8 therapists, a 60-day horizon, the next 8
weeks two thirds booked) in its own database, ``clinic_bench_confirm`` (dropped at the
end), and serves it with one gunicorn worker and one thread, so the worker's CPU is one
process's. It fetches `bookings` booking forms untimed (weeks 3 to 8, as the pages bench),
posts a few to warm the worker, then posts the rest one at a time, `passes` times (between
passes the bench's own bookings are deleted, so the same forms book again), and reads the
CPU time of the worker and of the pool's PostgreSQL backends from ``/proc`` before and
after. It prints one JSON line: per booking, the wall time, the p50, gunicorn's user and
system CPU and PostgreSQL's CPU, in ms. Linux only.
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
        workers, database = children(process.pid), backends(DB_NAME)
        before = {pid: cpu_ticks(pid) for pid in workers + database}
        latencies, started = [], time.perf_counter()
        for n in range(args.passes):
            if n:
                forget_bench_bookings(url)
            for target, ip, cookies, data in forms[WARM:]:
                latencies.append(
                    pages._timed(http, "POST", target, ip, 303, cookies=cookies, body=data)
                )
        wall = time.perf_counter() - started
        after = {pid: cpu_ticks(pid) for pid in before}
        per = 1000 / os.sysconf("SC_CLK_TCK") / len(latencies)  # ms per tick per booking

        def used(pids: list[str], part: int) -> float:
            return round(sum(after[p][part] - before[p][part] for p in pids) * per, 2)

        print(json.dumps({
            "bookings": len(latencies),
            "wall_ms": round(wall * 1000 / len(latencies), 2),
            "p50_ms": round(statistics.median(latencies) * 1000, 2),
            "gunicorn_user_ms": used(workers, 0),
            "gunicorn_system_ms": used(workers, 1),
            "postgres_ms": round(used(database, 0) + used(database, 1), 2),
        }))  # fmt: skip
    finally:
        tear_down(process, url)


if __name__ == "__main__":
    sys.exit(main())
