"""New rows of several models written in one statement: one round trip, not one per row.

Each row's INSERT takes its values as Django's compiler prepares them (defaults, field
conversions and ``auto_now_add`` as ``bulk_create`` applies them; a plain value skips the
compiler itself, which cost more than the statement's round trip), and the INSERTs are
chained as data-modifying CTEs, which PostgreSQL runs as a single statement: every row goes
in or none does. A row may point at another row of the same call that comes before it: a
foreign key to it (an appointment and its history), or ``IdOf(row)`` inside a value (a
delivery job's arguments naming its message); each reads the id that row's INSERT returns.
As with ``bulk_create``, no ``save()`` and no signals run, so use it only for models
without either, or do their work first (``Appointment.fill_times``).
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import count

import psycopg
from django.db import connections, models
from django.db.models.expressions import DatabaseDefault, Expression
from django.db.models.sql import InsertQuery


class IdOf(Expression):
    """The id of `row`, inserted before this value's row in the same ``insert_together``."""

    def __init__(self, row: models.Model) -> None:
        pk = row._meta.pk
        automatic = isinstance(pk, models.AutoField)
        super().__init__(output_field=models.BigIntegerField() if automatic else type(pk)())
        self.row, self.name = row, None

    def as_sql(self, compiler, connection):
        if self.name is None:
            raise ValueError(f"{self.row!r} is not inserted before the row that names it")
        pk = connection.ops.quote_name(self.row._meta.pk.column)
        return f"(SELECT {pk} FROM {self.name})", []  # noqa: S608 - a name and "r<n>"


def insert_together(rows: Sequence[models.Model], *, using: str = "default") -> None:
    """Insert the unsaved `rows` (of any models) in one statement and set their ids."""
    if not rows:
        return
    connection = connections[using]
    parts, selects, params, names = [], [], [], {}
    tables = [_table(type(row), connection.alias) for row in rows]
    for n, (row, table) in enumerate(zip(rows, tables, strict=True)):
        if not row._state.adding or (table.automatic and row.pk is not None):
            raise ValueError(f"{row!r} must be unsaved, with an automatic or a preset key")
        placeholders = _values(row, table, connection, names, params)
        names[id(row)] = f"r{n}"
        parts.append(f"r{n} AS ({table.insert} ({placeholders}) RETURNING {table.pk})")
        # As text: the ids of different models (integers, UUIDs) meet in one column.
        selects.append(f"SELECT {n}, {table.pk}::text FROM r{n}")  # noqa: S608 - numbers, names
    with connection.cursor() as django_cursor:
        # Django's wrapper (its logging, its errors) around a cursor of the same connection.
        numbered = _NumberedCursor(django_cursor.cursor.connection)
        with type(django_cursor)(numbered, connection) as cursor:
            cursor.execute(f"WITH {', '.join(parts)} {' UNION ALL '.join(selects)}", params)
            found = cursor.fetchall()
    for n, pk in found:
        row = rows[n]
        row.pk, row._state.adding, row._state.db = row._meta.pk.to_python(pk), False, using
    for row, table in zip(rows, tables, strict=True):  # foreign keys to rows of this call
        for field in table.links:
            target = field.get_cached_value(row) if field.is_cached(row) else None
            if target is not None and id(target) in names:
                row.__dict__[field.attname] = target.pk  # keeps the related row cached


class _NumberedCursor(psycopg.RawCursor):
    """Sends a statement written with Django's ``%s`` placeholders in PostgreSQL's own
    (``$1``, ``$2``...), converted once per statement shape.

    psycopg converts them itself on every run of a statement longer than 4 KB or with
    more than 50 parameters, as a booking's is; that cost more than compiling it.
    """

    def execute(self, query, params=None, **kwargs):
        return super().execute(_numbered(query), params, **kwargs)


@lru_cache(maxsize=64)
def _numbered(sql: str) -> str:
    """Return `sql` with ``$1``, ``$2``... for its ``%s`` and ``%`` for its ``%%``."""
    n = count(1)
    return re.sub("%([s%])", lambda found: f"${next(n)}" if found[1] == "s" else "%", sql)


@dataclass(frozen=True)
class _Table:
    """What every INSERT into one model's table shares, worked out once per process."""

    insert: str  # INSERT INTO "table" ("column", ...) VALUES
    fields: tuple[models.Field, ...]  # in the columns' order
    custom: tuple  # per field: its get_placeholder_sql, if it has one
    links: tuple[models.Field, ...]  # the foreign keys
    pk: str  # the quoted primary key column
    automatic: bool  # whether the database numbers the rows


@cache
def _table(model: type[models.Model], alias: str) -> _Table:
    opts, quote = model._meta, connections[alias].ops.quote_name
    automatic = isinstance(opts.pk, models.AutoField)
    fields = [f for f in opts.concrete_fields if not f.generated and f is not opts.pk]
    if not automatic:
        fields.insert(0, opts.pk)
    columns = ", ".join(quote(f.column) for f in fields)
    return _Table(
        insert=f"INSERT INTO {quote(opts.db_table)} ({columns}) VALUES",
        fields=tuple(fields),
        custom=tuple(getattr(f, "get_placeholder_sql", None) for f in fields),
        links=tuple(f for f in fields if f.is_relation),
        pk=quote(opts.pk.column),
        automatic=automatic,
    )


def _values(
    row: models.Model, table: _Table, connection, names: dict[int, str], params: list
) -> str:
    """Return the placeholders of `row`'s values, one per column, and add the values to
    `params`: each as Django's INSERT compiler prepares it (``pre_save``, then
    ``get_db_prep_save``; an expression resolved and compiled), a plain value without the
    compiler's machinery around it. A foreign key to an unsaved row, earlier in the call,
    reads that row's id (``IdOf``)."""
    sqls, compiler = [], None
    for field, custom in zip(table.fields, table.custom, strict=True):
        value = field.pre_save(row, add=True)
        if value is None and field.is_relation and field.is_cached(row):
            target = field.get_cached_value(row)
            if target is not None and target.pk is None:
                value = IdOf(target)
        if custom is None and not hasattr(value, "resolve_expression"):
            sqls.append("%s")
            params.append(field.get_db_prep_save(value, connection=connection))
            continue
        if compiler is None:
            compiler = InsertQuery(type(row)).get_compiler(connection=connection)
        if isinstance(value, DatabaseDefault):
            sql, more = compiler.compile(value)
        else:
            if hasattr(value, "resolve_expression"):
                _named(value, names)
            prepared = compiler.prepare_value(field, value)
            sql, more = compiler.field_as_sql(field, custom, prepared)
        sqls.append(sql)
        params.extend(more)
    return ", ".join(sqls)


def _named(value, names: dict[int, str]):
    """Give every ``IdOf`` in expression `value` the name of its row's INSERT."""
    if isinstance(value, IdOf):
        value.name = names.get(id(value.row))
        if value.name is None:
            raise ValueError(f"{value.row!r} is not inserted before the row that names it")
    for source in value.get_source_expressions():
        if source is not None:
            _named(source, names)
    return value
