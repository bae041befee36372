"""The connection pool's check of a connection as it leaves the pool, without a round trip.

psycopg_pool's own ``check_connection`` sends an empty query on every checkout: one round
trip to PostgreSQL per request, before the request's own first query, which is as much as
a warm booking page's whole database work. A connection that PostgreSQL closed (a restart,
``pg_terminate_backend``, an idle timeout) has something waiting on its socket: the server's
goodbye, or the end of the stream. So the socket is polled first, at no cost; only when
something is waiting is the real check run, which fails and makes the pool replace the
connection. The site still heals itself after a database restart without a 500 for a
connection that died while idle in the pool.
"""

import select

import psycopg
from psycopg_pool import ConnectionPool


def check_connection(how: str = "poll"):
    """Return the pool's check: ``poll`` (this module's), or ``query`` (psycopg_pool's own,
    a round trip every checkout)."""
    if how == "query":
        return ConnectionPool.check_connection
    if how != "poll":
        raise ValueError(f"DB_POOL_CHECK must be poll or query, not {how!r}")
    return poll_then_check


def poll_then_check(conn: psycopg.Connection) -> None:
    """Raise if `conn` is no longer usable (the pool then discards it and opens another)."""
    if conn.closed:
        raise psycopg.OperationalError("the connection is closed")
    waiting, _, _ = select.select([conn.fileno()], [], [], 0)
    if waiting:  # an idle connection has nothing to read unless the server spoke or left
        ConnectionPool.check_connection(conn)
