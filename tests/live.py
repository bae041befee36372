"""Run the real site (gunicorn, production-like settings) against the test database."""

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def test_database_url() -> str:
    """Return a DATABASE_URL for the database the test run is using."""
    db = settings.DATABASES["default"]
    user = f"{db['USER']}@" if db["USER"] else ""
    host = db["HOST"] if db["HOST"] and not db["HOST"].startswith("/") else ""
    port = f":{db['PORT']}" if db["PORT"] else ""
    query = f"?host={db['HOST']}" if db["HOST"].startswith("/") else ""
    return f"postgresql://{user}{host}{port}/{db['NAME']}{query}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(**extra: str) -> dict[str, str]:
    """Return the environment of a production-like server on plain HTTP (loopback only)."""
    return {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        **extra,
    }


@contextmanager
def gunicorn(
    *, workers: int = 1, threads: int = 4, stderr: IO[str] | None = None, **extra_env: str
) -> Iterator[str]:
    """Serve the site with gunicorn on a free loopback port; yield its base URL.

    The server's log (its stderr) goes to `stderr` if given, for a test to read, else to a
    temporary file: never to a pipe nobody reads, whose buffer fills after some thousand
    request lines and then stops the server mid-write.
    """
    with contextlib.ExitStack() as stack:
        log = stderr or stack.enter_context(tempfile.TemporaryFile(mode="w+"))
        yield from _serve(log, workers, threads, extra_env)


def _serve(log: IO[str], workers: int, threads: int, extra_env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "tests.live_wsgi", "--config", "gunicorn.conf.py",
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
        ],
        cwd=ROOT,
        env=server_env(**extra_env),
        stdout=subprocess.DEVNULL,
        stderr=log,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError("gunicorn did not start: " + log.read()[-2000:]) from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
