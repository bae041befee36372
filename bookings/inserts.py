"""New rows of several models written in one statement: one round trip, not one per row.

Django compiles each row's INSERT (defaults, field conversions and ``auto_now_add`` as
``bulk_create`` applies them) and the INSERTs are chained as data-modifying CTEs, which
PostgreSQL runs as a single statement: every row goes in or none does. As with
``bulk_create``, no ``save()`` and no signals run, so use it only for models without either.
"""

from collections.abc import Sequence

from django.db import connections, models
from django.db.models.sql import InsertQuery


def insert_together(rows: Sequence[models.Model], *, using: str = "default") -> None:
    """Insert the unsaved `rows` (of any models) in one statement and set their ids."""
    if not rows:
        return
    connection = connections[using]
    parts, selects, params = [], [], []
    for n, row in enumerate(rows):
        opts = row._meta
        if row.pk is not None or not isinstance(opts.pk, models.AutoField):
            raise ValueError(f"{row!r} must be unsaved, with an automatic primary key")
        fields = [f for f in opts.concrete_fields if not f.generated and f is not opts.pk]
        query = InsertQuery(type(row))
        query.insert_values(fields, [row])
        compiler = query.get_compiler(using=using)
        compiler.returning_fields = [opts.pk]
        [(sql, row_params)] = compiler.as_sql()
        parts.append(f"r{n} AS ({sql})")
        selects.append(f"SELECT {n}, * FROM r{n}")  # noqa: S608 - numbers only
        params.extend(row_params)
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(parts)} {' UNION ALL '.join(selects)}", params)
        for n, pk in cursor.fetchall():
            row = rows[n]
            row.pk, row._state.adding, row._state.db = pk, False, using
