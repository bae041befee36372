"""Print a DATABASE_URL for local use, provisioning PostgreSQL when needed.

Order (DESIGN.md's contract): DATABASE_URL from the environment; else the local
server on the default socket or port as the current OS user, with the `clinic`
database created if missing; else a project-local cluster in `.pgdata/` on a Unix
socket, when PostgreSQL's server programs are installed; else one clear error line.
Diagnostics go to stderr so that the URL alone is on stdout.
"""

import getpass
import glob
import os
import pwd
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

ROOT = Path(__file__).resolve().parent.parent
PGDATA = ROOT / ".pgdata"
DBNAME = "clinic"


def say(message: str) -> None:
    print(message, file=sys.stderr)


def try_connect(conninfo: str) -> psycopg.Connection | None:
    """Return an autocommit connection for `conninfo`, or None when nothing answers."""
    try:
        return psycopg.connect(conninfo, connect_timeout=3, autocommit=True)
    except psycopg.OperationalError:
        return None


def ensure_database(conn: psycopg.Connection, name: str) -> None:
    """Create database `name` on the server behind `conn` unless it exists."""
    exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if not exists:
        say(f"creating database {name}")
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def local_server_url() -> str | None:
    """Return a URL for the local server (socket first, then 127.0.0.1), or None."""
    for host, url in (
        ("", f"postgresql:///{DBNAME}"),
        ("127.0.0.1", f"postgresql://127.0.0.1/{DBNAME}"),
    ):
        for maintenance_db in ("postgres", getpass.getuser(), "template1"):
            conn = try_connect(
                f"host={host} dbname={maintenance_db}" if host else f"dbname={maintenance_db}"
            )
            if conn is not None:
                with conn:
                    ensure_database(conn, DBNAME)
                return url
    return None


def server_bindir() -> Path | None:
    """Return the folder holding initdb and pg_ctl, newest version first, or None."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    return Path(versions[-1]).parent if versions else None


def as_cluster_owner(args: list[str]) -> list[str]:
    """Return `args` wrapped to run as user `postgres` when we are root (initdb refuses root)."""
    if os.geteuid() != 0:
        return args
    pwd.getpwnam("postgres")  # KeyError below if missing: reported as one line
    return ["runuser", "-u", "postgres", "--", *args]


def project_cluster_url(bindir: Path) -> str:
    """Start (initialising if needed) the cluster in .pgdata/ and return its URL."""
    data, sock = PGDATA / "data", PGDATA / "run"
    sock.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(PGDATA, "postgres")
        shutil.chown(sock, "postgres")
    if not (data / "PG_VERSION").exists():
        say(f"initialising a project-local PostgreSQL cluster in {data}")
        subprocess.run(
            as_cluster_owner(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "clinic",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
    url = f"postgresql://clinic@/{DBNAME}?host={sock}"
    if try_connect(f"host={sock} user=clinic dbname=postgres") is None:
        say("starting the project-local PostgreSQL cluster")
        subprocess.run(
            as_cluster_owner(
                [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(PGDATA / "server.log"),
                    "-w",
                    "-o",
                    f"-k {sock} -c listen_addresses=''",
                    "start",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
    conn = try_connect(f"host={sock} user=clinic dbname=postgres")
    if conn is None:
        raise RuntimeError(f"the cluster in {data} did not answer; see {PGDATA / 'server.log'}")
    with conn:
        ensure_database(conn, DBNAME)
    return url


def ensure_database_of(url: str) -> None:
    """Create the database `url` names if its server answers and it is missing."""
    params = conninfo_to_dict(url)
    name = params.pop("dbname", None)
    if not name:
        return
    for maintenance_db in ("postgres", "template1"):
        conn = try_connect(make_conninfo(**params, dbname=maintenance_db))
        if conn is not None:
            with conn:
                try:
                    ensure_database(conn, name)
                except psycopg.Error as error:  # e.g. no CREATEDB right: use the URL as given
                    say(f"note: could not create database {name}: {error}".strip())
            return


def main() -> int:
    if url := os.environ.get("DATABASE_URL"):
        ensure_database_of(url)
        print(url)
        return 0
    if url := local_server_url():
        print(url)
        return 0
    bindir = server_bindir()
    if bindir is None:
        say(
            "error: no PostgreSQL answers and none is installed: "
            "set DATABASE_URL, or install PostgreSQL 15+ (apt-get install postgresql)"
        )
        return 1
    try:
        print(project_cluster_url(bindir))
    except (OSError, KeyError, RuntimeError, subprocess.CalledProcessError) as error:
        say(f"error: could not start a project-local PostgreSQL in .pgdata/: {error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
