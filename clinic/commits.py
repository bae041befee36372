"""Statements whose commit need not wait for the disk: for rows that may be lost in a
database crash without harm.

PostgreSQL makes every commit wait until its WAL is flushed (``synchronous_commit``). For a
single autocommit statement, ``FROM`` this relation turns that off for its own transaction
only: the row is written, visible at once and crash-safe (no corruption), but a crash of
the database server within about half a second may forget it. Used for the rate limit's
counts and the refresh of an existing session, never for bookings, clients, emails or
anything else the clinic relies on (those commit as usual). Outside an atomic block only:
inside one it would relax the whole enclosing transaction.
"""

from django.db import connection

RELAXED = "(SELECT set_config('synchronous_commit', 'off', true)) AS relaxed"


def relaxed(using=connection) -> bool:
    """Return whether a statement run now on `using` is its own transaction."""
    return not using.in_atomic_block
