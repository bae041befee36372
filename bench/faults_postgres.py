"""Fault drill: PostgreSQL restarted under load (fast, then immediate), on a private cluster.

Run from the project root:

    .venv/bin/python bench/faults_postgres.py      # about a minute
    DB_POOL_TIMEOUT=2 .venv/bin/python bench/faults_postgres.py --reconnect-timeout 1

It never touches the machine's shared PostgreSQL server: it initdb's a throwaway cluster in
/tmp (as the postgres user when run as root) on 127.0.0.1 and a free port from 55432, then
migrates it, loads the demo clinic and starts gunicorn (gunicorn.conf.py, production
settings as in bench/load.py) and the task worker against it via DATABASE_URL. The worker
runs under a tiny supervisor that, like a process manager would, starts it again with
``requeue_messages && db_worker`` if it exits. While page viewers and runners booking
(pressing again after an error page, with the same form) keep the site busy, it restarts
the cluster with ``pg_ctl restart -m fast``, waits, then ``-m immediate`` (crash recovery),
then, for information, stops it for 3 s and starts it again. A fresh connection probes the
database and /healthz is polled every 100 ms throughout (3 s timeout, as a load balancer).
``--reconnect-timeout``/``--healthz-wait`` try out settings changes (see experiment_app).

Expectations (exit status 1 if any fails):
* after each restart /healthz answers 200 again within 5 s of the database answering, and
  every failed poll in between was a 503 (not a hang or a 500);
* every booking confirmed to a runner (a 303 to its confirmation page, or "you're already
  booked") exists afterwards exactly once, with its idempotency key; no runner has two;
* the site serves pages and takes a booking once the drills are over.
Printed as warnings only: the same two checks for the 3 s outage, and whether every
confirmation email was sent within 40 s (a delivery task that hits the restart fails for
good and waits for the next worker start).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from faults import PrivateCluster, book, check, count_bookings, route_of
from load import ROOT, healthz, prepare, recreate_database, serve, server_env, sql, stop

VIEWERS, BOOKERS = 3, 3
SETTLE, BETWEEN, AFTER = 4.0, 7.0, 7.0  # seconds of load before, between and after restarts
OUTAGE = 3.0  # seconds the database stays down in the third, informational, step
RECOVERY_LIMIT = 5.0
HEALTH_TIMEOUT = 3.0  # a load balancer's health-check timeout
TAG = "pgfault"


class Supervisor(threading.Thread):
    """Keep one task worker running, restarting it as production does when it exits."""

    def __init__(self, url: str, log: Path) -> None:
        super().__init__(daemon=True)
        self.env, self.log, self.running = server_env(url), log, True
        self.process: subprocess.Popen | None = None
        self.exits: list[int] = []

    def run(self) -> None:
        while self.running:
            with self.log.open("ab") as out:
                if self.process is not None:  # a restart: queue the lost deliveries first
                    subprocess.run(
                        [sys.executable, "manage.py", "requeue_messages"],
                        cwd=ROOT,
                        env=self.env,
                        stdout=out,
                        stderr=out,
                    )
                self.process = subprocess.Popen(
                    [sys.executable, "manage.py", "db_worker"],
                    cwd=ROOT,
                    env=self.env,
                    stdout=out,
                    stderr=out,
                )
            while self.running and self.process.poll() is None:
                time.sleep(0.2)
            if self.running:
                self.exits.append(self.process.returncode)
                time.sleep(1)  # a process manager's restart delay

    def halt(self) -> None:
        self.running = False
        if self.process is not None:
            stop(self.process)


def experiment_app():
    """Return the site with the changes that `--reconnect-timeout`/`--healthz-wait` try out.

    gunicorn loads it as ``faults_postgres:experiment_app()``; nothing in the app changes.
    ``BENCH_RECONNECT_TIMEOUT``: the pool's ``reconnect_timeout`` (psycopg_pool retries a
    failed connection after 1, 2, 4, 8 ... s until then; default 300 s).
    ``BENCH_HEALTHZ_WAIT``: /healthz waits at most this long for a pooled connection.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    import clinic.settings

    pool = clinic.settings.DATABASES["default"]["OPTIONS"]["pool"]
    if os.environ.get("BENCH_RECONNECT_TIMEOUT"):
        pool["reconnect_timeout"] = float(os.environ["BENCH_RECONNECT_TIMEOUT"])
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    if wait := float(os.environ.get("BENCH_HEALTHZ_WAIT") or 0):
        import psycopg
        from django.db import connection
        from django.http import HttpResponse
        from django.urls import get_resolver

        def healthz(request):
            try:
                connection.pool.open()  # a no-op once open (Django opens it lazily)
                with connection.pool.connection(timeout=wait) as conn:
                    conn.execute("SELECT 1")
            except psycopg.Error:  # PoolTimeout included
                return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
            return HttpResponse("ok\n", content_type="text/plain")

        for pattern in get_resolver().url_patterns:
            if getattr(pattern, "name", None) == "healthz":
                pattern.callback = healthz
    return application


def poll_health(base: str, until: float, polls: list) -> None:
    """Record (time, status) of GET /healthz every 100 ms; 0 means no answer within 3 s."""
    tick = time.monotonic()
    while tick < until:
        polls.append((tick, healthz(base, timeout=HEALTH_TIMEOUT)))
        tick = max(tick + 0.1, time.monotonic())
        time.sleep(max(0.0, tick - time.monotonic()))


def probe_database(url: str, until: float, probes: list) -> None:
    """Record (time, answered) of a fresh connection's SELECT 1 every 100 ms."""
    import psycopg

    while time.monotonic() < until:
        tick = time.monotonic()
        try:
            with psycopg.connect(url, connect_timeout=1) as conn:
                conn.execute("SELECT 1")
            probes.append((tick, True))
        except psycopg.Error:
            probes.append((tick, False))
        time.sleep(max(0.0, tick + 0.1 - time.monotonic()))


def view_pages(base: str, plan: dict, until: float, seen: Counter) -> None:
    from faults import Browser

    browser, n = Browser(base, "2001:db8::1"), 0
    while time.monotonic() < until and n < 20_000:
        path = plan["pages"][n % len(plan["pages"])]
        status, _, _ = browser.request("GET", path)
        seen[(route_of(path), status)] += 1
        n += 1
        time.sleep(0.02)
    browser.close()


def outage(polls: list, probes: list, began: float, ended: float) -> dict:
    """Return how long the database and /healthz were down between `began` and `ended`.

    `recovery_s` runs from the first probe that reached the restarted database to the
    first /healthz 200 after the last failed poll (0 when the site never failed).
    """
    down = [t for t, ok in probes if began <= t < ended and not ok]
    db_back = next((t for t, ok in probes if down and t > down[-1] and ok), began)
    window = [(t, s) for t, s in polls if began <= t < ended]
    bad = [(t, s) for t, s in window if s != 200]
    # The first 200 may come just after the window closes, when it failed near its end.
    back = next((t for t, s in polls if bad and t > bad[-1][0] and s == 200), None)
    return {
        "db_down_s": round(db_back - down[0], 2) if down else 0.0,
        "failed_polls": len(bad),
        "statuses": dict(Counter(s for _, s in bad)),
        "outage_s": round((back or ended) - bad[0][0], 2) if bad else 0.0,
        "recovery_s": (round(max(0.0, back - db_back), 2) if back else None) if bad else 0.0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--reconnect-timeout",
        type=float,
        metavar="S",
        help="experiment: the pool's reconnect_timeout (see experiment_app)",
    )
    parser.add_argument(
        "--healthz-wait",
        type=float,
        metavar="S",
        help="experiment: /healthz waits at most S s for a pooled connection",
    )
    args = parser.parse_args()
    app, extra = "clinic.wsgi", {}
    if args.reconnect_timeout or args.healthz_wait:
        app = "faults_postgres:experiment_app()"
        extra = {
            "BENCH_RECONNECT_TIMEOUT": str(args.reconnect_timeout or ""),
            "BENCH_HEALTHZ_WAIT": str(args.healthz_wait or ""),
        }
        print(f"experiment: {extra}")
    failures: list[str] = []
    cluster = PrivateCluster()
    logs = Path(tempfile.mkdtemp(prefix="clinic-faults-pg-"))
    web = supervisor = None
    try:
        cluster.start()
        url = cluster.url("clinic_bench_faults")
        recreate_database(url)
        plan = prepare(url)
        web, base = serve(url, logs / "gunicorn.log", app=app, **extra)
        supervisor = Supervisor(url, logs / "worker.log")
        supervisor.start()
        print(f"private cluster 127.0.0.1:{cluster.port} in {cluster.dir}; site {base}")

        total = SETTLE + 2 * BETWEEN + AFTER + OUTAGE + 8  # plus the restarts themselves
        until = time.monotonic() + total
        polls: list = []
        pages: Counter = Counter()
        attempts: list = []
        slots, lock = iter(enumerate(plan["pool"][: BOOKERS * 200])), threading.Lock()

        def keep_booking() -> None:
            while time.monotonic() < until:
                with lock:
                    n, slot = next(slots, (None, None))
                if slot is None:
                    return
                attempts.append(book(base, plan["length"], slot, n, TAG, until=until + 10))

        probes: list = []
        threads = [
            threading.Thread(target=poll_health, args=(base, until, polls)),
            threading.Thread(target=probe_database, args=(url, until, probes)),
        ]
        threads += [
            threading.Thread(target=view_pages, args=(base, plan, until, pages))
            for _ in range(VIEWERS)
        ]
        threads += [threading.Thread(target=keep_booking) for _ in range(BOOKERS)]
        for thread in threads:
            thread.start()
        restarts = {}
        for mode, wait_before in (("fast", SETTLE), ("immediate", BETWEEN), ("down", BETWEEN)):
            time.sleep(wait_before)
            began = time.monotonic()
            took = cluster.outage(OUTAGE) if mode == "down" else cluster.restart(mode)
            restarts[mode] = (began, began + took)
        for thread in threads:
            thread.join(timeout=total + 60)

        print(
            "restarts (database probed and /healthz polled every 100 ms; status 0 = no "
            f"answer within {HEALTH_TIMEOUT:g} s):"
        )
        ends = [restarts["immediate"][0], restarts["down"][0], until]
        for (mode, (began, db_up)), ended in zip(restarts.items(), ends, strict=True):
            found = outage(polls, probes, began, ended)
            found["pg_ctl_s"] = round(db_up - began, 2)
            label = f"{mode} ({OUTAGE:g} s stop/start)" if mode == "down" else f"restart -m {mode}"
            print(f"  {label}: {json.dumps(found)}")
            recovered = found["recovery_s"]
            # The brief's restarts must pass; the longer outage only informs (DB_POOL_TIMEOUT).
            warn = mode == "down"
            check(
                failures,
                recovered is not None and recovered <= RECOVERY_LIMIT,
                f"{label}: /healthz 200 again {recovered} s after the database answered "
                f"(limit {RECOVERY_LIMIT:g} s)",
                warn=warn,
            )
            odd = {s: c for s, c in found["statuses"].items() if s != 503}
            check(
                failures,
                not odd,
                f"{label}: every failed poll was a prompt 503 (others: {odd})",
                warn=warn,
            )

        statuses = Counter(s for a in attempts for s in a.statuses)
        confirmed = [a for a in attempts if a.confirmed]
        print(
            f"bookings: {len(attempts)} attempted, {len(confirmed)} confirmed to the runner; "
            f"responses {dict(statuses)}"
        )
        for a in attempts:
            if set(a.statuses) - {200, 303}:
                print(f"  runner {a.n}: responses {a.statuses}, confirmed: {a.confirmed}")
        bad_pages = {f"{r} {s}": c for (r, s), c in pages.items() if s != 200}
        print(f"pages: {sum(pages.values())} views, not 200: {bad_pages}")

        found = count_bookings(url, TAG)
        missing = [a.email for a in confirmed if found.get(a.email, (0, set()))[0] == 0]
        wrong_key = [
            a.email for a in confirmed if a.email in found and a.key not in found[a.email][1]
        ]
        twice = {email: n for email, (n, _) in found.items() if n > 1}
        unconfirmed = [a.email for a in attempts if not a.confirmed and a.email in found]
        print(
            f"in the database: {sum(n for n, _ in found.values())} bookings for "
            f"{len(found)} runners; booked but not confirmed to the runner: {len(unconfirmed)}"
        )
        check(failures, not missing, f"every confirmed booking exists (missing: {len(missing)})")
        check(failures, not wrong_key, f"each under its idempotency key (wrong: {len(wrong_key)})")
        check(failures, not twice, f"no runner booked twice (duplicates: {twice})")
        check(failures, len(confirmed) > 0, "bookings were confirmed during the drill")

        deadline, pending = time.monotonic() + 40, None
        while time.monotonic() < deadline:
            pending = sql(
                url,
                "SELECT count(*) FROM bookings_clientmessage m "
                "JOIN bookings_appointment a ON a.id = m.appointment_id "
                "JOIN bookings_client c ON c.id = a.client_id "
                "WHERE m.kind = 'confirmation' AND m.status <> 'sent' AND c.email LIKE %s",
                (f"bench-{TAG}-%",),
            )[0][0]
            if pending == 0:
                break
            time.sleep(0.5)
        if pending:
            stuck = sql(
                url,
                "SELECT m.id, m.status, m.attempts, m.last_error, "
                "(SELECT string_agg(t.status || ' ' || t.exception_class_path, '; ') "
                " FROM django_tasks_database_dbtaskresult t "
                " WHERE t.args_kwargs->'args'->>0 = m.id::text) "
                "FROM bookings_clientmessage m WHERE m.kind = 'confirmation' "
                "AND m.status = 'pending'",
            )
            print(f"  still pending (message, status, attempts, error, its tasks): {stuck}")
        print(
            f"task worker: exited {len(supervisor.exits)} time(s) during the drill "
            f"(exit codes {supervisor.exits}), each time started again by the supervisor"
        )
        # Beyond the brief, so a warning: a delivery task that hit the restart fails for good
        # and its message waits for the next worker start (requeue_messages).
        check(
            failures,
            pending == 0,
            f"every confirmation email sent within 40 s (still pending: {pending})",
            warn=True,
        )

        after = book(base, plan["length"], plan["pool"][-1], 99_999, TAG + "-after", tries=1)
        check(
            failures,
            healthz(base) == 200 and after.confirmed,
            "after the drills /healthz is 200 and a new booking is confirmed",
        )
    finally:
        if supervisor is not None:
            supervisor.halt()
        if web is not None:
            stop(web)
        if cluster.log.exists():
            shutil.copy(cluster.log, logs / "postgresql.log")
        cluster.destroy()
    print(f"logs: {logs}")
    print("postgres restart drill:", "FAILED" if failures else "passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
