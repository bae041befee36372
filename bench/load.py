"""Load: public pages, the day-times fragment and real bookings at rising concurrency.

Install the bench tools once (locust, pinned with hashes), then run from the project root:

    .venv/bin/pip install --require-hashes -r requirements/bench.txt
    .venv/bin/python bench/load.py                       # gunicorn.conf.py's defaults
    .venv/bin/python bench/load.py --workers 2 --threads 4 --levels 1,4,16,32
    .venv/bin/python bench/load.py --cache-public 60     # experiment: cache public pages

It builds its own database, ``clinic_bench_load`` on DATABASE_URL's server (default: the
local server), dropped and recreated at the start and dropped at the end; it migrates, loads
the demo clinic and serves it with gunicorn exactly as production does (``gunicorn.conf.py``,
DEBUG off, a secret key, allowed host 127.0.0.1, request log on), on a free 127.0.0.1 port.
Two settings differ, because nothing sits in front of gunicorn here:
``DJANGO_SECURE_SSL_REDIRECT=0`` (no TLS proxy) and ``TRUSTED_PROXY_COUNT=1`` with a
made-up ``X-Forwarded-For`` per booking (documentation addresses, 2001:db8::/32, never
contacted), as a proxy would send for that many runners: without it every booking would come
from 127.0.0.1 and the per-address limit (30 booking POSTs per 10 minutes) would answer 429
after the 15th booking instead of measuring the site.

Each level of simulated users (closed loop, no think time; locust's FastHttpUser on
loopback only) runs five short phases: ``healthz`` alone (one ``SELECT 1``: the floor of a
request through the whole stack), ``pages`` alone (/, /services/, each /services/<slug>/,
/therapists/), ``fragment`` alone (/book/times/ for each therapist and "anyone", over the
next fortnight), ``booking`` alone (a new browser each time: GET the details form for its
CSRF cookie, token and idempotency key, POST the details, POST confirm → 303, GET the
confirmation page) and a ``mix`` of them all (weights 6:3:1:1 pages:fragment:booking:healthz).
Bookings take pre-computed, pairwise compatible free times (therapist and room), shuffled, so
few are refused (a 409 is counted apart: the site's answer to a lost race, not a failure);
between levels the bench cancels them, which frees those times for the next level.
Every phase is bounded (seconds and a request cap), so a run takes about two minutes.

Output: one JSON line per level, then one summary line. Per kind: requests/s, p95 (ms), and
ratios to /healthz at the same concurrency (throughput ratio from the phases alone, p95
ratio from the phases alone and within the mix), the booking figure being the confirm POST.
The summary names the knee, for the mix and for each kind alone: the fewest users that get
85% of the best throughput; past it, p95 grows with the users and throughput does not.
Client, gunicorn and PostgreSQL share two cores, so compare runs on one machine (the first
line gives the load average before the run), and repeat a run before trusting a difference.
Exit status 1 if any request failed (5xx, timeouts, wrong status other than a 409).
"""

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICE = "sports-massage-for-runners"
LEVELS = (1, 2, 4, 8, 16, 32)
MIX = {"pages": 6, "fragment": 3, "booking": 1, "healthz": 1}
CAP = 20_000  # requests per phase, whatever the duration
SECRET = "bench-only-secret-key-not-for-production-" + "x" * 30
DB_NAME = "clinic_bench_load"


# --- database and server (no locust here: gunicorn and faults.py import this module) --------


def with_database(url: str, name: str) -> str:
    """Return `url` naming database `name` (urlunsplit would drop an empty host's "//")."""
    parts = urllib.parse.urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme}://{parts.netloc}/{name}{query}"


def recreate_database(url: str, *, create: bool = True) -> None:
    """Drop the bench database named in `url`, then create it again if `create`."""
    import psycopg
    from psycopg import sql

    name = urllib.parse.urlsplit(url).path.lstrip("/")
    assert "bench" in name, f"refusing to drop {name!r}: bench databases have 'bench' in the name"
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        if create:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def server_env(url: str, **extra: str) -> dict[str, str]:
    """Return the environment of a production-like site on plain HTTP, behind a 'proxy'."""
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": SECRET,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "TRUSTED_PROXY_COUNT": "1",
        **extra,
    }


def prepare(url: str, **extra: str) -> dict:
    """Migrate and seed the database at `url`; return the plan (see `_plan`)."""
    command = [sys.executable, __file__, "--prepare"]
    done = subprocess.run(
        command, cwd=ROOT, env=server_env(url, **extra), capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"prepare failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthz(base: str, timeout: float = 2) -> int:
    """Return the status of GET /healthz (0 when nothing answers)."""
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=timeout) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def serve(url: str, log: Path, *, app: str = "clinic.wsgi", **extra: str):
    """Start gunicorn (gunicorn.conf.py) on a free loopback port; return (process, base URL)."""
    port = free_port()
    env = server_env(url, GUNICORN_BIND=f"127.0.0.1:{port}", **extra)
    command = [sys.executable, "-m", "gunicorn", app, "--config", "gunicorn.conf.py"]
    if app != "clinic.wsgi":
        command += ["--pythonpath", str(ROOT / "bench")]
    with log.open("ab") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    base, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 30
    while healthz(base) != 200:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit(f"gunicorn did not start; see {log}")
        time.sleep(0.2)
    return process, base


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    """Stop a process this bench started (by its own handle, never by name)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def tear_down(process: subprocess.Popen | None, url: str) -> None:
    """Stop the bench's gunicorn (if it started), close this process's connections and drop
    the bench's database."""
    if process is not None:
        stop(process)
    from django.db import connections

    connections.close_all()
    recreate_database(url, create=False)


def sql(url: str, query: str, params: tuple = ()) -> list[tuple]:
    """Return the rows of one statement run on the database at `url` (none for writes)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def free_booked_times(url: str) -> int:
    """Cancel every booked appointment so its time can be booked again; return how many."""
    rows = sql(
        url,
        "UPDATE bookings_appointment SET status = 'cancelled' WHERE status = 'booked' RETURNING id",
    )
    return len(rows)


# The bookings the benches' runners made (booking_fields: clients bench-...@example.com; the
# calendar's filler is filler@example.com, kept) and every row that refers to them.
_REFERRING = """
SELECT conrelid::regclass::text, a.attname FROM pg_constraint k
  JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
 WHERE k.confrelid = 'bookings_appointment'::regclass AND k.contype = 'f'
"""
_BENCH_BOOKINGS = """
SELECT a.id FROM bookings_appointment a JOIN bookings_client c ON c.id = a.client_id
 WHERE c.email LIKE 'bench-%%'
"""


def forget_bench_bookings(url: str) -> None:
    """Delete the bench's bookings and what refers to them, so their times are free again."""
    for table, column in sql(url, _REFERRING):
        sql(url, f"DELETE FROM {table} WHERE {column} IN ({_BENCH_BOOKINGS})")  # noqa: S608
    sql(url, f"DELETE FROM bookings_appointment WHERE id IN ({_BENCH_BOOKINGS})")  # noqa: S608


def booking_fields(page: str, n: int, tag: str) -> dict:
    """Return the details a runner types in, plus the form's CSRF token and idempotency key."""
    fields = dict(re.findall(r'name="(csrfmiddlewaretoken|key)" value="([^"]+)"', page))
    return {
        "first_name": "Bench",
        "last_name": f"Runner {n}",
        "email": f"bench-{tag}-{n}@example.com",
        "phone": "(404) 555-0100",
        "weekly_mileage": "30",
        "tight_areas": ["calves", "hamstrings"],
        "consent_policy": "on",
        "consent_treatment": "on",
        "consent": "on",  # the details form's one consent (the two above are older forms')
        **fields,
    }


def forwarded_for(n: int) -> str:
    """Return a made-up client address (IPv6 documentation range: never a real host)."""
    return f"2001:db8::{n:x}"


# --- shared by the benches: Django in this process, an HTTP client, a closed load loop -------


def setup_django(url: str, **extra: str) -> None:
    """Point Django in this process at `url` (the site's environment, `extra` on top),
    migrate it, load the demo clinic (``seed_demo``) and collect static files."""
    os.environ.update(server_env(url, **extra))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_DEBUG": "1"},
        check=True,
    )


class Http:
    """One keep-alive connection to the server, as one runner's phone would hold."""

    def __init__(self, base: str, timeout: float = 30) -> None:
        host, port = urllib.parse.urlsplit(base).netloc.split(":")
        self.conn = HTTPConnection(host, int(port), timeout=timeout)

    def send(self, method: str, target: str, *, ip: str | None = None, cookies=None, body=None):
        """Return (response, body text) of one request; `ip` as the proxy's X-Forwarded-For."""
        headers = {"X-Forwarded-For": ip} if ip else {}
        if cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urllib.parse.urlencode(body, doseq=True)
        self.conn.request(method, target, body=body, headers=headers)
        response = self.conn.getresponse()
        return response, response.read().decode()


def cookies_of(response) -> dict[str, str]:
    """Return the cookies a response sets, by name."""
    # Secure cookies over plain HTTP: a browser would withhold them, a raw client sends them.
    jar = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]
    return jar


def take_turns(
    base: str,
    paths: list[str],
    *,
    clients: int,
    seconds: float,
    cookies: dict | None = None,
    check: Callable[[str, str], None] | None = None,
) -> dict[str, list[float]]:
    """Return each path's latencies (seconds) from `clients` keep-alive loops that take
    turns over `paths` (no think time) for `seconds`; every answer must be a 200 (and pass
    `check(path, body)`, if given).

    Taking turns makes every path meet the same machine load, so their ratios hold even
    when other work shares the cores.
    """
    latencies: dict[str, list[float]] = {path: [] for path in paths}
    lock, until = threading.Lock(), time.monotonic() + seconds

    def client(offset: int) -> None:
        http, mine, n = Http(base), {path: [] for path in paths}, offset
        while time.monotonic() < until:
            path = paths[n % len(paths)]
            n += 1
            started = time.perf_counter()
            response, body = http.send("GET", path, cookies=cookies)
            mine[path].append(time.perf_counter() - started)
            assert response.status == 200, (path, response.status)
            if check is not None:
                check(path, body)
        with lock:
            for path, values in mine.items():
                latencies[path].extend(values)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


# --- run inside Django (a subprocess with the bench environment) ----------------------------


def _plan() -> dict:
    """Return the pages, fragment URLs, bookable times and each page's query count."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bookings import clock, queries
    from bookings.clock import start_param
    from bookings.models import BookingPolicy, Room, Therapist
    from services.models import Service, ServiceLength

    length = ServiceLength.objects.get(service__slug=SERVICE, minutes=60)
    therapists = list(Therapist.objects.active().offering(length.service_id))
    rooms = Room.objects.filter(active=True, services=length.service_id).count()
    today, now = timezone.localdate(), timezone.now()
    found = queries.available_slots(
        service_length=length,
        policy=BookingPolicy.load(),
        now=now,
        start_date=today + timedelta(days=1),
        end_date=today + timedelta(days=59),
    )
    # Starts on a grid one session plus its buffer apart never overlap for one therapist;
    # at most one per room at each start keeps the room constraint satisfied too.
    step = timedelta(minutes=length.minutes + length.buffer_before + length.buffer_after)
    free = {tid: set(starts) for tid, starts in found.by_therapist.items()}
    pool = []
    for offset in range(59):
        day = datetime.combine(today + timedelta(days=1 + offset), datetime.min.time())
        moment = timezone.make_aware(day.replace(hour=8), clock.clinic_tz())
        while moment.hour < 19:
            takers = [t for t in therapists if moment in free.get(t.pk, ())][:rooms]
            pool += [(t.slug, start_param(moment)) for t in takers]
            moment += step
    # Shuffled, so that concurrent runners rarely want the same start (see the README: two
    # bookings at one time with different therapists can race for the same room).
    random.Random(7).shuffle(pool)
    slugs = list(Service.objects.published().values_list("slug", flat=True))
    pages = ["/", "/services/", *[f"/services/{slug}/" for slug in slugs], "/therapists/"]
    days = [(today + timedelta(days=n)).isoformat() for n in range(1, 15)]
    who = [t.slug for t in therapists] + ["any"]
    fragments = [
        f"/book/times/?length={length.pk}&therapist={t}&day={d}" for d in days for t in who
    ]
    # Query counts, from the second request of each (the first warms per-process caches).
    client, counts = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for(1)), {}
    therapist, start = pool[-1]
    form = f"/book/details/?length={length.pk}&therapist={therapist}&start={start}"
    for name, target in [
        ("healthz", "/healthz"),
        *[(p, p) for p in pages],
        ("fragment", fragments[0]),
        ("booking form", form),
    ]:
        for _ in range(2):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(target)
        counts[name] = {"status": response.status_code, "queries": len(captured)}
    data = booking_fields(response.content.decode(), 0, "prepare")
    for name, extra in [("booking review", {}), ("booking confirm", {"confirm": "1"})]:
        with CaptureQueriesContext(connection) as captured:
            response = client.post(form, data | extra)
        counts[name] = {"status": response.status_code, "queries": len(captured)}
    return {
        "pages": pages,
        "fragments": fragments,
        "length": length.pk,
        "pool": pool[:-1],
        "queries": counts,
    }


def _prepare_main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_DEBUG": "1"},
        check=True,
    )
    print(json.dumps(_plan()))


def cached_public_app():
    """Return the site with / , /services/, /services/<slug>/ and /therapists/ behind cache_page.

    For the caching experiment only (``--cache-public SECONDS``): gunicorn loads it with
    ``load:cached_public_app()``. Nothing in the app changes; the URL patterns' views are
    wrapped in this process, with Django's default per-process memory cache.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    from django.core.wsgi import get_wsgi_application
    from django.urls import URLPattern, URLResolver, get_resolver
    from django.views.decorators.cache import cache_page

    application = get_wsgi_application()
    seconds = int(os.environ["BENCH_CACHE_SECONDS"])
    wanted = {("", "home"), ("", "therapists"), ("services", "list"), ("services", "detail")}

    def wrap(patterns: list, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                wrap(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and (namespace, pattern.name) in wanted:
                pattern.callback = cache_page(seconds)(pattern.callback)

    wrap(get_resolver().url_patterns, "")
    return application


# --- the load (locust, gevent) ---------------------------------------------------------------


def p95(values: list[float]) -> float:
    return round(statistics.quantiles(values, n=20)[-1], 1) if len(values) > 1 else 0.0


def kind_of(name: str) -> str:
    if name.startswith("page"):
        return "pages"
    return "booking" if name == "booking confirm" else name.split(" ")[0]


def run(args: argparse.Namespace) -> int:
    import logging
    from http.cookiejar import DefaultCookiePolicy

    import gevent  # locust's import below monkey-patches the standard library for gevent
    from locust import FastHttpUser, constant, task
    from locust.env import Environment
    from locust.exception import StopUser

    logging.getLogger("locust").setLevel(logging.ERROR)  # e.g. "spawn rate is very high"

    url = with_database(os.environ.get("DATABASE_URL", "postgresql:///"), DB_NAME)
    extra = {}
    if args.workers:
        extra["WEB_CONCURRENCY"] = str(args.workers)
    if args.threads:
        extra["GUNICORN_THREADS"] = str(args.threads)
    app = "clinic.wsgi"
    if args.cache_public:
        extra["BENCH_CACHE_SECONDS"], app = str(args.cache_public), "load:cached_public_app()"
    recreate_database(url)
    log = Path(tempfile.mkdtemp(prefix="clinic-load-")) / "gunicorn.log"
    process = None
    try:
        plan = prepare(url, **extra)
        process, base = serve(url, log, app=app, **extra)
        gunicorn = subprocess.run(
            [
                sys.executable,
                "-c",
                "import runpy; c = runpy.run_path('gunicorn.conf.py'); "
                "print(c['workers'], c['threads'])",
            ],
            cwd=ROOT,
            env=server_env(url, **extra),
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        config = {
            "workers": int(gunicorn[0]),
            "threads": int(gunicorn[1]),
            "db_pool_max": int(os.environ.get("DB_POOL_MAX", 8)),
            "cache_public": args.cache_public,
        }
        state = {"booking": 0, "made": 0, "pool": plan["pool"]}

        class Runner(FastHttpUser):
            host, wait_time = base, constant(0)
            weights: dict[str, int] = {}

            def on_start(self) -> None:
                # Cookies by hand (`send`): the client's jar does not send the site's
                # __Host- cookies back over plain HTTP, and a browser would not either.
                self.client.cookiejar.set_policy(DefaultCookiePolicy(allowed_domains=[]))
                self.jar: dict[str, str] = {}

            def send(self, method: str, path: str, name: str, ip: str = "2001:db8::1", **kw):
                headers = {"X-Forwarded-For": ip}
                if self.jar:
                    headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
                if "data" in kw:
                    headers["Content-Type"] = "application/x-www-form-urlencoded"
                response = self.client.request(method, path, name=name, headers=headers, **kw)
                cookies = (response.headers or {}).get("set-cookie") or []
                for cookie in [cookies] if isinstance(cookies, str) else cookies:
                    key, _, rest = cookie.partition("=")
                    self.jar[key.strip()] = rest.split(";", 1)[0]
                return response

            @task
            def one(self) -> None:
                if state["requests"] >= CAP:
                    raise StopUser()
                kinds = list(self.weights)
                weights = [self.weights[k] for k in kinds]
                getattr(self, random.choices(kinds, weights)[0])()

            def healthz(self) -> None:
                self.send("GET", "/healthz", "healthz")

            def pages(self) -> None:
                state["page"] = (n := state.get("page", -1) + 1)
                path = plan["pages"][n % len(plan["pages"])]
                self.send(
                    "GET", path, "page " + re.sub(r"/services/.+/", "/services/<slug>/", path)
                )

            def fragment(self) -> None:
                state["fragment"] = (n := state.get("fragment", -1) + 1)
                self.send("GET", plan["fragments"][n % len(plan["fragments"])], "fragment")

            def booking(self) -> None:
                n = state["booking"]
                if n >= len(state["pool"]):
                    raise StopUser()
                state["booking"] += 1
                therapist, start = state["pool"][n]
                ip = forwarded_for(0x10000 + state["made"] + n)
                self.jar = {}  # a new browser for each booking
                began = time.perf_counter()
                target = (
                    f"/book/details/?length={plan['length']}&therapist={therapist}&start={start}"
                )
                form = self.send("GET", target, "booking form", ip)
                if form.status_code != 200:
                    return
                data = booking_fields(form.text, n, f"{state['level']}-{n}")
                body = urllib.parse.urlencode(data, doseq=True)
                review = self.send("POST", target, "booking review", ip, data=body)
                if review.status_code != 200:
                    return
                confirm = self.send(
                    "POST",
                    target,
                    "booking confirm",
                    ip,
                    data=body + "&confirm=1",
                    allow_redirects=False,
                )
                if confirm.status_code == 303:
                    shown = self.send("GET", confirm.headers["Location"], "booking confirmed", ip)
                    if shown.status_code == 200:
                        state["flows"].append((time.perf_counter() - began) * 1000)
                self.jar = {}

        def phase(weights: dict[str, int], users: int, seconds: float) -> dict:
            samples: dict[str, list[float]] = {}
            bad: dict[str, int] = {}
            expected = {"booking confirm": 303}
            state["requests"], state["flows"] = 0, []
            Phase = type("Phase", (Runner,), {"weights": weights})
            env = Environment(user_classes=[Phase])

            def on_request(name, response_time, response, exception, **_kw) -> None:
                state["requests"] += 1
                status = getattr(response, "status_code", 0)
                if exception is None and status == expected.get(name, 200):
                    samples.setdefault(name, []).append(response_time)
                else:
                    bad[f"{name} {status}"] = bad.get(f"{name} {status}", 0) + 1

            env.events.request.add_listener(on_request)
            runner = env.create_local_runner()
            cpu, began = time.process_time(), time.perf_counter()
            runner.start(users, spawn_rate=10_000)
            while time.perf_counter() - began < seconds and state["requests"] < CAP:
                gevent.sleep(0.05)
            runner.quit()
            elapsed = time.perf_counter() - began
            by_kind: dict[str, list[float]] = {}
            for name, values in samples.items():
                by_kind.setdefault(kind_of(name), []).extend(values)
            return {
                "seconds": round(elapsed, 2),
                "client_cpu": round((time.process_time() - cpu) / elapsed, 2),
                "errors": bad,
                "kinds": {
                    k: {"rps": round(len(v) / elapsed, 1), "p95_ms": p95(v), "n": len(v)}
                    for k, v in by_kind.items()
                },
                "flow_p95_ms": p95(state["flows"]),
            }

        phase({"healthz": 1, "pages": 1, "fragment": 1}, 4, 2 * args.seconds)  # warm-up
        state["level"], levels = 0, []
        config["loadavg_1m_before"] = round(os.getloadavg()[0], 2)
        print(
            json.dumps(
                {"config": config, "queries": plan["queries"], "bookable_times": len(plan["pool"])}
            ),
            flush=True,
        )
        for users in args.levels:
            state["level"] = users
            row: dict = {"users": users}
            alone = {
                kind: phase({kind: 1}, users, args.seconds * (1 if kind == "healthz" else 1.5))
                for kind in ("healthz", "pages", "fragment", "booking")
            }
            floor = alone["healthz"]["kinds"]["healthz"]
            mix = phase(MIX, users, args.seconds * 2.5)
            mix_floor = mix["kinds"].get("healthz", {"p95_ms": 0})
            for kind, figures in alone.items():
                got = figures["kinds"].get(kind, {"rps": 0, "p95_ms": 0, "n": 0})
                row[kind] = {"rps": got["rps"], "p95_ms": got["p95_ms"]}
                if kind != "healthz":
                    in_mix = mix["kinds"].get(kind, {"rps": 0, "p95_ms": 0})
                    row[kind] |= {
                        "rps_ratio": round(got["rps"] / floor["rps"], 3),
                        "p95_ratio": round(got["p95_ms"] / max(floor["p95_ms"], 0.1), 1),
                        "mix_rps": in_mix["rps"],
                        "mix_p95_ms": in_mix["p95_ms"],
                        "mix_p95_ratio": round(in_mix["p95_ms"] / max(mix_floor["p95_ms"], 0.1), 1),
                    }
            row["booking"]["flow_p95_ms"] = alone["booking"]["flow_p95_ms"]
            row["mix"] = {
                "rps": round(sum(k["rps"] for k in mix["kinds"].values()), 1),
                "healthz_p95_ms": mix_floor["p95_ms"],
            }
            row["errors"] = {}
            for figures in [*alone.values(), mix]:
                for name, count in figures["errors"].items():
                    row["errors"][name] = row["errors"].get(name, 0) + count
            row["client_cpu"] = max(f["client_cpu"] for f in [*alone.values(), mix])
            row["db_connections"] = (
                sql(url, "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (DB_NAME,))[0][
                    0
                ]
                - 1
            )
            state["made"] += state["booking"]
            state["booking"] = 0
            free_booked_times(url)
            levels.append(row)
            print(json.dumps(row), flush=True)
        print(json.dumps(summary(levels, config, log)), flush=True)
        # A 409 is the site's answer to a lost race for a time, not a failure of the site.
        failed = [k for row in levels for k in row["errors"] if not k.endswith(" 409")]
        return 1 if failed else 0
    finally:
        if process is not None:
            stop(process)
        recreate_database(url, create=False)


def summary(levels: list[dict], config: dict, log: Path) -> dict:
    """Return the knee (of the mix and of each kind alone) and the best figures."""

    def knee(rates: list[float]) -> int:
        # The fewest users that already get 85% of the best throughput: past it, more users
        # only queue (p95 grows with them, throughput does not).
        best = max(rates)
        return next(
            row["users"] for row, rate in zip(levels, rates, strict=True) if rate >= 0.85 * best
        )

    text = log.read_text(errors="replace")
    out = {"summary": True, "config": config, "knee_users": knee([r["mix"]["rps"] for r in levels])}
    for kind in ("healthz", "pages", "fragment", "booking"):
        rates = [r[kind]["rps"] for r in levels]
        best = max(range(len(levels)), key=rates.__getitem__)
        out[kind] = {
            "knee_users": knee(rates),
            "best_rps": rates[best],
            "at_users": levels[best]["users"],
            "p95_ms_there": levels[best][kind]["p95_ms"],
        }
    out["mix_best_rps"] = max(r["mix"]["rps"] for r in levels)
    out["server_500s"] = len(re.findall(r" 500 \d", text))
    out["server_tracebacks"] = text.count("Traceback")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--levels",
        default=",".join(map(str, LEVELS)),
        type=lambda s: [int(x) for x in s.split(",")],
    )
    parser.add_argument("--seconds", type=float, default=2.0, help="base phase length")
    parser.add_argument("--workers", type=int, help="WEB_CONCURRENCY for this run")
    parser.add_argument("--threads", type=int, help="GUNICORN_THREADS for this run")
    parser.add_argument("--cache-public", type=int, default=0, metavar="SECONDS")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        _prepare_main()
        return 0
    if 8 * args.seconds * len(args.levels) > 150:
        parser.error("keep a run short: 8 x seconds x levels <= 150")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
