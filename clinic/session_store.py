"""Database sessions, saved in one statement instead of three or four, and read in one
plain statement rather than through the ORM.

Django's database backend wraps every save in a transaction (BEGIN, the INSERT or UPDATE,
COMMIT) and asks whether a new key is taken before inserting it. Outside a transaction
both are needless: a single statement is atomic on its own, and a taken key makes the
INSERT fail, which ``create()`` already answers by drawing another. Every page a visitor
with a session sees saves it (``SESSION_SAVE_EVERY_REQUEST``), so this is two or three
round trips off each of them. Inside a transaction (a test's, say) Django's own way runs.
Outside one, saving an existing session does not wait for the disk (``clinic.commits``).
"""

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError, UpdateError
from django.db import DatabaseError, IntegrityError, connections, router
from django.utils import timezone
from django.utils.crypto import get_random_string

from clinic.commits import RELAXED


class SessionStore(db.SessionStore):
    def load(self) -> dict:
        """Return the session's data, read in one plain statement (building the ORM's query
        cost more than the read); {} for a key that is unknown or expired, forgotten."""
        key = self.session_key
        row = None
        if key is not None:
            conn = connections[router.db_for_read(self.model)]
            table = conn.ops.quote_name(self.model._meta.db_table)
            with conn.cursor() as cursor:
                cursor.execute(
                    f"SELECT session_data FROM {table} "  # noqa: S608 - the table name only
                    "WHERE session_key = %s AND expire_date > %s",
                    [key, timezone.now()],
                )
                row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return {}
        return self.decode(row[0])

    def _get_new_session_key(self) -> str:
        # 32 characters of 36: a clash is as good as impossible, and the INSERT refuses one.
        return get_random_string(32, VALID_KEY_CHARS)

    def save(self, must_create: bool = False) -> None:
        using = router.db_for_write(self.model)
        if self.session_key is None or connections[using].in_atomic_block:
            super().save(must_create=must_create)
            return
        obj = self.create_model_instance(self._get_session(no_load=must_create))
        if not must_create:
            self._refresh(obj, connections[using])
            return
        try:
            obj.save(force_insert=must_create, force_update=not must_create, using=using)
        except IntegrityError:
            if must_create:
                raise CreateError from None
            raise
        except DatabaseError:
            if not must_create:
                raise UpdateError from None
            raise

    def _refresh(self, obj, conn) -> None:
        """Save an existing session in one UPDATE whose commit does not wait for the disk.

        A database crash may forget the last half second of these (``clinic.commits``):
        the visitor keeps their previous session state, a staff member may sign in again.
        New sessions (a sign-in) are written as usual.
        """
        table = conn.ops.quote_name(self.model._meta.db_table)
        with conn.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET session_data = %s, expire_date = %s "  # noqa: S608
                f"FROM {RELAXED} WHERE session_key = %s",
                [obj.session_data, obj.expire_date, obj.session_key],
            )
            if cursor.rowcount != 1:
                raise UpdateError
