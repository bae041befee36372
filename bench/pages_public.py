"""Throughput of the home and a service page against a trivial view, in one gunicorn run.

Run from the project root against a migrated database with the demo clinic loaded:

    DATABASE_URL=postgresql:///clinic .venv/bin/python bench/pages_public.py [--seconds 5]

It serves the site with gunicorn as production does (``gunicorn.conf.py``, DEBUG off, a
throwaway secret key) on a free loopback port, warms each page once, then for each path runs
a closed loop of keep-alive clients (no think time) and prints one JSON line per path:
requests/s, p95 latency in ms, and the ratio to ``/robots.txt`` (the trivial view: no
template, no database) measured in the same run. Public pages come from the page cache
while the content is unchanged (clinic/page_cache.py), so the figure is the cost of a cached
page: one content-version query plus the middleware. Client and server share the machine.
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


def load(port: int, path: str, clients: int, seconds: float) -> dict:
    """Return requests/s and p95 (ms) of `clients` keep-alive loops on `path`."""
    latencies: list[float] = []
    lock, stop = threading.Lock(), time.monotonic() + seconds

    def client() -> None:
        connection, mine = http.client.HTTPConnection("127.0.0.1", port, timeout=10), []
        while time.monotonic() < stop:
            start = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            assert response.status == 200, (path, response.status)
            mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    p95 = statistics.quantiles(latencies, n=20)[-1] * 1000
    return {"path": path, "rps": round(len(latencies) / seconds, 1), "p95_ms": round(p95, 1)}


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
        for path in PATHS:
            load(args.port, path, args.clients, 0.5)  # warm every process's cache
        results = [load(args.port, path, args.clients, args.seconds) for path in PATHS]
    finally:
        process.terminate()
        process.wait(timeout=15)
    trivial = results[0]["rps"]
    for result in results:
        print(json.dumps(result | {"ratio_to_trivial": round(result["rps"] / trivial, 3)}))


if __name__ == "__main__":
    main()
