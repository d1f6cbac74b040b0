"""Set-based writes for large batches (imports, demo data): PostgreSQL COPY of plain rows or
of unsaved model instances. One way of doing it for every app.

The caller has validated what it writes and runs these inside its own transaction; no model
signals are sent and ``save()`` is not called, so whatever a service does beside the row
(history, timeline, events) is the caller's to write too. Database triggers do fire (the
forecast rollup, ``sales/models/forecast.py``).
"""

from __future__ import annotations

from django.db import connection


def copy_rows(model, columns: list[str], rows) -> None:
    """COPY rows (tuples of Python values, in ``columns`` order) into the model's table."""
    copy_into(connection.ops.quote_name(model._meta.db_table), columns, rows)


def copy_into(table: str, columns: list[str], rows) -> None:
    """COPY rows into ``table`` (already quoted: a model's table or a temporary one)."""
    rows = list(rows)  # built before COPY starts: no other query may run on it meanwhile
    qn = connection.ops.quote_name
    sql = f"COPY {table} ({', '.join(qn(c) for c in columns)}) FROM STDIN"
    # psycopg's own cursor: its errors become Django's (IntegrityError…) here
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(sql) as copy,
    ):
        for row in rows:
            copy.write_row(row)


def new_pks(model, n: int) -> list[int]:
    """n ids from the table's own sequence, for rows written by COPY."""
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, pk, n],
        )
        return [r[0] for r in cursor.fetchall()]


def insert(model, objs: list) -> None:
    """INSERT unsaved instances by COPY; their pks come from the sequence first, and they are
    marked saved afterwards."""
    for obj, pk in zip(objs, new_pks(model, len(objs)), strict=True):
        obj.pk = pk
    fields = model._meta.concrete_fields
    copy_rows(model, [f.column for f in fields],
              (tuple(getattr(o, f.attname) for f in fields) for o in objs))  # fmt: skip
    for obj in objs:
        obj._state.adding, obj._state.db = False, "default"
