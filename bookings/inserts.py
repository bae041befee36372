"""New rows of several models written in one statement: one round trip, not one per row.

Django compiles each row's INSERT (defaults, field conversions and ``auto_now_add`` as
``bulk_create`` applies them) and the INSERTs are chained as data-modifying CTEs, which
PostgreSQL runs as a single statement: every row goes in or none does. A row may point at
another row of the same call that comes before it: a foreign key to it (an appointment and
its history), or ``IdOf(row)`` inside a value (a delivery job's arguments naming its
message); each reads the id that row's INSERT returns. As with ``bulk_create``, no
``save()`` and no signals run, so use it only for models without either, or do their work
first (``Appointment.fill_times``).
"""

from collections.abc import Sequence

from django.db import connections, models
from django.db.models.expressions import Expression
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
    for n, row in enumerate(rows):
        opts = row._meta
        automatic = isinstance(opts.pk, models.AutoField)
        if not row._state.adding or (automatic and row.pk is not None):
            raise ValueError(f"{row!r} must be unsaved, with an automatic or a preset key")
        fields = [f for f in opts.concrete_fields if not f.generated and f is not opts.pk]
        if not automatic:
            fields.insert(0, opts.pk)
        linked = _link(row, fields, names)
        query = InsertQuery(type(row))
        query.insert_values(fields, [row])
        compiler = query.get_compiler(using=using)
        compiler.returning_fields = [opts.pk]
        try:
            [(sql, row_params)] = compiler.as_sql()
        finally:
            row.__dict__.update(linked)
        names[id(row)] = f"r{n}"
        parts.append(f"r{n} AS ({sql})")
        # As text: the ids of different models (integers, UUIDs) meet in one column.
        pk = connection.ops.quote_name(opts.pk.column)
        selects.append(f"SELECT {n}, {pk}::text FROM r{n}")  # noqa: S608 - numbers and a name
        params.extend(row_params)
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(parts)} {' UNION ALL '.join(selects)}", params)
        found = cursor.fetchall()
    for n, pk in found:
        row = rows[n]
        row.pk, row._state.adding, row._state.db = row._meta.pk.to_python(pk), False, using
    for row in rows:  # the foreign keys to rows of this call, now that they have ids
        for field in row._meta.concrete_fields:
            if field.is_relation and field.is_cached(row):
                target = field.get_cached_value(row)
                if target is not None and id(target) in names:
                    row.__dict__[field.attname] = target.pk  # keeps the related row cached


def _link(row: models.Model, fields: list, names: dict[int, str]) -> list[tuple[str, object]]:
    """Point `row`'s values at the earlier rows of the call they refer to; return the
    (attribute, value) pairs to put back once the INSERT is compiled.

    A foreign key's id is set in the instance's ``__dict__``: through its descriptor, a new
    value would drop the related row it caches (the one it points at).
    """
    linked = []
    for field in fields:
        value = getattr(row, field.attname)
        if field.is_relation and value is None and field.is_cached(row):
            target = field.get_cached_value(row)
            if target is not None and target.pk is None:
                linked.append((field.attname, value))
                row.__dict__[field.attname] = _named(IdOf(target), names)
        elif hasattr(value, "resolve_expression"):
            _named(value, names)
    return linked


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
