"""Run gunicorn and the task worker side by side; Ctrl-C (or either exiting) stops both."""

import os
import signal
import subprocess
import sys
import time

PYTHON = sys.executable


def main() -> int:
    # The children read PORT too: in debug, settings build SITE_URL (links in emails) from it.
    port = os.environ.setdefault("PORT", "8000")
    commands = {
        "web": [
            PYTHON,
            "-m",
            "gunicorn",
            "clinic.wsgi",
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        "worker": [PYTHON, "manage.py", "db_worker"],
    }
    # A worker that died mid-send left its message pending: queue it again first.
    subprocess.run([PYTHON, "manage.py", "requeue_messages"], check=True)
    children = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}
    print(f"serving http://127.0.0.1:{port} (web and task worker); Ctrl-C stops both", flush=True)

    def stop(*_: object) -> None:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while all(child.poll() is None for child in children.values()):
            time.sleep(0.5)
    finally:
        stop()
        deadline = time.monotonic() + 10
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
    return max((child.returncode or 0) for child in children.values())


if __name__ == "__main__":
    sys.exit(main())
