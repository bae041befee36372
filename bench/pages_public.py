"""Throughput of the home and a service page against a trivial view, in one gunicorn run.

Run from the project root against a migrated database with the demo clinic loaded:

    DATABASE_URL=postgresql:///clinic .venv/bin/python bench/pages_public.py [--seconds 5]

It serves the site with gunicorn as production does (``gunicorn.conf.py``, DEBUG off, a
throwaway secret key) on a free loopback port, warms each page once, then for each path runs
a closed loop of keep-alive clients (no think time) cycling through the paths, and prints
one JSON line per path: mean and p95 latency in ms, the requests/s that latency gives a
closed loop, and the throughput ratio to ``/robots.txt`` (the trivial view: no template, no
database) measured in the same run, interleaved so both see the same machine load. Public
pages come from the page cache while the content is unchanged (clinic/page_cache.py), so
the figure is the cost of a cached page: the middleware above the page cache, one
content-version query on the thread's own connection, and sending the page.
Client and server share the machine.
"""

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATHS = ["/robots.txt", "/", "/services/sports-massage-for-runners/"]


def serve(port: int, workers: int, threads: int) -> subprocess.Popen:
    """Start gunicorn with production-like settings; return once /healthz answers."""
    env = os.environ | {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
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


def load(port: int, clients: int, seconds: float) -> dict[str, list[float]]:
    """Return each path's latencies from `clients` keep-alive loops cycling through PATHS.

    Interleaving the paths makes every path see the same machine load, so their ratio holds
    even when other work shares the cores.
    """
    latencies: dict[str, list[float]] = {path: [] for path in PATHS}
    lock, stop = threading.Lock(), time.monotonic() + seconds

    def client(offset: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine: dict[str, list[float]] = {path: [] for path in PATHS}
        n = offset
        while time.monotonic() < stop:
            path = PATHS[n % len(PATHS)]
            n += 1
            start = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            assert response.status == 200, (path, response.status)
            mine[path].append(time.perf_counter() - start)
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
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--port", type=int, default=8797)
    args = parser.parse_args()
    process = serve(args.port, args.workers, args.threads)
    try:
        load(args.port, args.clients, 1)  # warm every process's cache
        latencies = load(args.port, args.clients, args.seconds)
    finally:
        process.terminate()
        process.wait(timeout=15)
    # In a closed loop a path's throughput is inversely proportional to its mean latency.
    trivial = statistics.fmean(latencies[PATHS[0]])
    for path, values in latencies.items():
        mean = statistics.fmean(values)
        print(json.dumps({
            "path": path,
            "rps_if_alone": round(args.clients / mean, 1),
            "mean_ms": round(mean * 1000, 2),
            "p95_ms": round(statistics.quantiles(values, n=20)[-1] * 1000, 1),
            "ratio_to_trivial": round(trivial / mean, 3),
        }))  # fmt: skip


if __name__ == "__main__":
    main()
