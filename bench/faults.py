"""Fault drills: run both, or one, and exit non-zero if an expectation fails.

Run from the project root (no extra packages: aiosmtpd is a dev dependency):

    .venv/bin/python bench/faults.py              # both drills, about a minute
    .venv/bin/python bench/faults.py postgres     # bench/faults_postgres.py
    .venv/bin/python bench/faults.py worker       # bench/faults_worker.py

This module also holds what the drills share: a throwaway PostgreSQL cluster (so the shared
server is never restarted), a plain-HTTP "browser" that keeps cookies by hand and sends a
made-up X-Forwarded-For (see bench/load.py), and the booking journey as a runner clicks it,
pressing the button again when a page fails. Every request goes to 127.0.0.1 only, and
every loop is bounded in time and count.
"""

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import booking_fields, forwarded_for, sql

TIMEOUT = 15  # seconds per HTTP request: above the pool's 10 s wait for a connection


class PrivateCluster:
    """A throwaway PostgreSQL cluster under /tmp, on 127.0.0.1 and a private socket dir."""

    def __init__(self) -> None:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        on_path = shutil.which("pg_ctl")
        if not found and not on_path:
            raise SystemExit("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
        self.bin = found[-1].parent if found else Path(on_path).parent
        self.dir = Path(tempfile.mkdtemp(prefix="clinic-pgfault-", dir="/tmp"))
        self.data, self.sock, self.log = self.dir / "data", self.dir / "sock", self.dir / "pg.log"
        self.port = next(p for p in range(55432, 55532) if _port_free(p))
        self.as_postgres = os.geteuid() == 0  # the server refuses to run as root

    def _run(self, program: str, *args: str) -> float:
        command = [str(self.bin / program), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        began = time.monotonic()
        subprocess.run(command, check=True, capture_output=True, timeout=90)
        return time.monotonic() - began

    def start(self) -> None:
        self.sock.mkdir()
        if self.as_postgres:
            shutil.chown(self.dir, "postgres")
            shutil.chown(self.sock, "postgres")
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
                f"unix_socket_directories = '{self.sock}'\nmax_connections = 60\n"
            )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def restart(self, mode: str) -> float:
        """Restart with shutdown mode `mode` (fast, immediate); return seconds until it answers."""
        return self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-m",
            mode,
            "-w",
            "-t",
            "60",
            "restart",
        )

    def outage(self, seconds: float) -> float:
        """Stop the server (fast), keep it down `seconds`, start it; return seconds taken."""
        began = time.monotonic()
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")
        time.sleep(seconds)
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")
        return time.monotonic() - began

    def url(self, name: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.CalledProcessError):
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


class Browser:
    """One runner's browser: a keep-alive connection to 127.0.0.1 and its own cookies."""

    def __init__(self, base: str, ip: str) -> None:
        self.host, port = urllib.parse.urlsplit(base).netloc.split(":")
        self.port, self.ip, self.jar = int(port), ip, {}
        self.conn: HTTPConnection | None = None

    def request(self, method: str, target: str, body: dict | None = None) -> tuple[int, dict, str]:
        """Return (status, headers, text); status 0 when the request failed outright."""
        headers = {"X-Forwarded-For": self.ip}
        if self.jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        data = None
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            data = urllib.parse.urlencode(body, doseq=True)
        try:
            if self.conn is None:
                self.conn = HTTPConnection(self.host, self.port, timeout=TIMEOUT)
            self.conn.request(method, target, body=data, headers=headers)
            response = self.conn.getresponse()
            text = response.read().decode(errors="replace")
        except (OSError, ValueError) as error:  # refused, reset, timed out, bad status line
            self.close()
            return 0, {"error": type(error).__name__}, ""
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.jar[name.strip()] = rest.split(";", 1)[0]
        return response.status, dict(response.headers), text

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


@dataclass
class Attempt:
    """One runner's try at a booking, and what the site told them."""

    n: int
    email: str
    key: str = ""
    confirmed: bool = False  # shown the confirmation (303 to it) or "you're already booked"
    statuses: list[int] = field(default_factory=list)


def book(
    base: str,
    length: int,
    slot: tuple[str, str],
    n: int,
    tag: str,
    *,
    tries: int = 5,
    pause: float = 0.4,
    until: float = float("inf"),
) -> Attempt:
    """Book `slot` as a new runner would, pressing again (same form) after a failed page."""
    therapist, start = slot
    browser = Browser(base, forwarded_for(n))
    target = f"/book/details/?length={length}&therapist={therapist}&start={start}"
    attempt = Attempt(n=n, email=f"bench-{tag}-{n}@example.com")

    def press(method: str, body: dict | None = None) -> tuple[int, dict, str]:
        for _ in range(tries):
            status, headers, text = browser.request(method, target, body)
            attempt.statuses.append(status)
            if status in (200, 303) or time.monotonic() > until:
                return status, headers, text
            time.sleep(pause)
        return status, headers, text

    try:
        status, _, page = press("GET")
        if status != 200:
            return attempt
        data = booking_fields(page, n, tag)
        attempt.key = data.get("key", "")
        status, _, _ = press("POST", data)
        if status != 200:
            return attempt
        status, headers, page = press("POST", data | {"confirm": "1"})
        location = headers.get("Location", "")
        attempt.confirmed = (status == 303 and attempt.key in location) or (
            status == 200 and "already been made" in page
        )
        if status == 303:
            browser.request("GET", location)
        return attempt
    finally:
        browser.close()


def count_bookings(url: str, tag: str) -> dict[str, tuple[int, set[str]]]:
    """Return, per client email of this drill, (appointment count, idempotency keys)."""
    rows = sql(
        url,
        "SELECT c.email, a.idempotency_key::text FROM bookings_client c "
        "JOIN bookings_appointment a ON a.client_id = c.id WHERE c.email LIKE %s",
        (f"bench-{tag}-%",),
    )
    found: dict[str, tuple[int, set[str]]] = {}
    for email, key in rows:
        count, keys = found.get(email, (0, set()))
        found[email] = (count + 1, keys | {key or ""})
    return found


def check(failures: list[str], ok: bool, message: str, *, warn: bool = False) -> None:
    """Record `message` as a failed expectation unless `ok` (only print it if `warn`)."""
    print(("  ok   " if ok else "  WARN " if warn else "  FAIL ") + message, flush=True)
    if not ok and not warn:
        failures.append(message)


def route_of(path: str) -> str:
    return re.sub(r"/services/[^/]+/", "/services/<slug>/", path)


def main() -> int:
    wanted = sys.argv[1:] or ["postgres", "worker"]
    code = 0
    for name in wanted:
        if name not in ("postgres", "worker"):
            raise SystemExit(f"unknown drill {name!r}: postgres or worker")
        done = subprocess.run([sys.executable, str(Path(__file__).with_name(f"faults_{name}.py"))])
        code = code or done.returncode
    return code


if __name__ == "__main__":
    sys.exit(main())
