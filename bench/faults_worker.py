"""Fault drill: the task worker killed (SIGKILL) in the middle of sending a confirmation.

Run from the project root:

    .venv/bin/python bench/faults_worker.py        # about 40 seconds

It uses its own database, ``clinic_bench_faults_mail`` on DATABASE_URL's server (default: the
local server; dropped and recreated, then dropped at the end), and a local SMTP server
(aiosmtpd, 127.0.0.1, a free port) whose DATA handler stalls for a few seconds before it
answers 250. The site's mail goes there (EMAIL_HOST/EMAIL_PORT). Steps:

1. three runners book through gunicorn (production settings, as in bench/load.py);
2. the worker starts as production starts it (``requeue_messages``, then ``db_worker``);
   as soon as the SMTP server holds the first message's DATA, the worker gets SIGKILL;
3. the worker starts again the same way, and the drill waits until every confirmation is
   marked sent and no delivery task is left.

The SMTP server counts a message as received once its DATA has arrived, whether or not the
sender lived to read the 250: the worst case for duplicates. Expectations (exit status 1 if
any fails): every runner's confirmation is received after the restart or before it, at
most twice for the runner whose send was cut off and exactly once for the others, and every
confirmation is marked sent.
"""

import asyncio
import email
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from faults import book, check
from load import (
    ROOT,
    free_port,
    prepare,
    recreate_database,
    serve,
    server_env,
    sql,
    stop,
    with_database,
)

STALL = 4.0  # seconds the SMTP server sits on each message before answering 250
RUNNERS = 3
TAG = "mailfault"


class StallingHandler:
    """An aiosmtpd handler that records each message, then stalls before accepting it."""

    def __init__(self, stall: float) -> None:
        self.stall, self.received, self.holding = stall, [], threading.Event()

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.original_content or envelope.content)
        self.received.append((time.monotonic(), tuple(envelope.rcpt_tos), message["Subject"]))
        self.holding.set()
        await asyncio.sleep(self.stall)
        return "250 Message accepted for delivery"


def start_worker(env: dict, log: Path) -> tuple[subprocess.Popen, str]:
    """Start the worker as the Procfile does; return it and what requeue_messages said."""
    with log.open("ab") as out:
        requeued = subprocess.run(
            [sys.executable, "manage.py", "requeue_messages"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker"], cwd=ROOT, env=env, stdout=out, stderr=out
        )
    return worker, requeued.stdout.strip()


def confirmations(url: str) -> dict[str, str]:
    """Return the status of each booking's confirmation message, by the client's email."""
    rows = sql(
        url,
        "SELECT c.email, m.status FROM bookings_clientmessage m "
        "JOIN bookings_appointment a ON a.id = m.appointment_id "
        "JOIN bookings_client c ON c.id = a.client_id "
        "WHERE m.kind = 'confirmation'",
    )
    return dict(rows)


def tasks(url: str) -> dict[str, int]:
    """Return how many tasks are in each state (READY split into due now and later)."""
    # django-tasks-db stores "no run_after" as the largest date it can.
    rows = sql(
        url,
        "SELECT CASE WHEN status <> 'READY' THEN status WHEN run_after <= now() "
        "OR run_after >= '9999-01-01+00' THEN 'due' ELSE 'later' END, count(*) "
        "FROM django_tasks_database_dbtaskresult GROUP BY 1",
    )
    return dict(rows)


def main() -> int:
    from aiosmtpd.controller import Controller

    failures: list[str] = []
    url = with_database(
        os.environ.get("DATABASE_URL", "postgresql:///"), "clinic_bench_faults_mail"
    )
    handler = StallingHandler(STALL)
    smtp = Controller(handler, hostname="127.0.0.1", port=free_port())
    log = Path(tempfile.mkdtemp(prefix="clinic-faults-worker-")) / "web-and-worker.log"
    mail_env = {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp.port)}
    env = server_env(url, **mail_env)
    web = worker = None
    recreate_database(url)
    smtp.start()
    try:
        plan = prepare(url, **mail_env)
        web, base = serve(url, log, **mail_env)
        booked = [
            book(base, plan["length"], slot, n, TAG, tries=1)
            for n, slot in enumerate(plan["pool"][:RUNNERS])
        ]
        stop(web)
        web = None
        check(failures, all(a.confirmed for a in booked), f"{RUNNERS} runners booked")
        emails = set(confirmations(url))  # the runners, and prepare()'s own booking

        worker, said = start_worker(env, log)
        print(f"worker {worker.pid} started ({said})")
        if not handler.holding.wait(timeout=30):
            raise SystemExit("the worker sent nothing within 30 s")
        time.sleep(0.5)  # well inside the stall: the 250 has not been sent yet
        cut_at, cut_to = time.monotonic(), handler.received[-1][1]
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        print(
            f"SIGKILL to worker {worker.pid} while the SMTP server held the message to "
            f"{', '.join(cut_to)}; confirmations now {confirmations(url)}, tasks {tasks(url)}"
        )

        worker, said = start_worker(env, log)
        print(f"worker {worker.pid} restarted ({said})")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            state = confirmations(url)
            if set(state.values()) == {"sent"} and not tasks(url).get("due"):
                break
            time.sleep(0.5)
        time.sleep(1)
        print(f"confirmations {confirmations(url)}, tasks {tasks(url)}")

        print("received by the SMTP server, per runner (before the kill + after the restart):")
        for address in sorted(emails):
            times = [t for t, to, _ in handler.received if address in to]
            before = sum(t <= cut_at for t in times)
            after = len(times) - before
            print(f"  {address}: {len(times)} ({before} + {after})")
            cut = address in cut_to
            check(
                failures,
                after >= 1 or (before >= 1 and not cut),
                f"{address}: delivered{' again after the restart' if cut else ''}",
            )
            check(
                failures,
                len(times) <= (2 if cut else 1),
                f"{address}: received {len(times)} time(s), at most {2 if cut else 1}",
            )
        check(
            failures,
            set(confirmations(url).values()) == {"sent"},
            "every confirmation is marked sent",
        )
    finally:
        for process in (web, worker):
            if process is not None:
                stop(process)
        smtp.stop()
        recreate_database(url, create=False)
    print(f"log: {log}")
    print("worker kill drill:", "FAILED" if failures else "passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
