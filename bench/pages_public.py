"""Throughput of the home and a service page against a trivial view, in one gunicorn run.

Run from the project root against a migrated database with the demo clinic loaded:

    DATABASE_URL=postgresql:///clinic .venv/bin/python bench/pages_public.py [--seconds 5]

It serves the site with gunicorn as production does (``load.serve``: ``gunicorn.conf.py``,
DEBUG off, a throwaway secret key) on a free loopback port, warms each page once, then runs
a closed loop of keep-alive clients (no think time) taking turns over the paths
(``load.take_turns``), and prints one JSON line per path: mean and p95 latency in ms, the
requests/s that latency gives a closed loop, and the throughput ratio to ``/robots.txt``
(the trivial view: no template, no database) measured in the same run, interleaved so
both see the same machine load. Public pages come from the page cache while the content
is unchanged (clinic/page_cache.py), so the figure is the cost of a cached page: the
middleware above the page cache, one content-version query on the thread's own
connection, and sending the page.
Client and server share the machine.
"""

import argparse
import json
import os
import statistics
import tempfile
from pathlib import Path

from load import serve, stop, take_turns

PATHS = ["/robots.txt", "/", "/services/sports-massage-for-runners/"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "postgresql:///clinic")
    log = Path(tempfile.mkstemp(prefix="bench-pages-public-", suffix=".log")[1])
    process, base = serve(
        url, log, WEB_CONCURRENCY=str(args.workers), GUNICORN_THREADS=str(args.threads),
        LOG_LEVEL="WARNING",
    )  # fmt: skip
    try:
        take_turns(base, PATHS, clients=args.clients, seconds=1)  # warm every process's cache
        latencies = take_turns(base, PATHS, clients=args.clients, seconds=args.seconds)
    finally:
        stop(process)
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
