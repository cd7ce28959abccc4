"""Write transactions (docs/ARCHITECTURE.md: concurrency on shared queues uses the database).

PostgreSQL: a plain transaction; rows are locked FOR UPDATE (SKIP LOCKED) where it matters.
SQLite: one writer at a time. The database takes its write lock at BEGIN IMMEDIATE; in front of
it the writers queue on locks that wake the next one the moment the lock is free: a thread lock
for the threads of one process, and an exclusive lock on a file beside the database (flock)
for the server processes sharing it. Without them a writer that found the database busy would
fall into SQLite's busy handler, whose sleeps (up to 100 ms each) dominated the latency under
load. Nested write transactions (a service calling another) take the locks once.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
from collections.abc import Iterator
from datetime import date, datetime

from django.db import connection, transaction
from django.db.models import CharField, IntegerField, Lookup, Q

_sqlite_writer = threading.RLock()
_depth = 0  # nesting of write_transaction in the thread holding _sqlite_writer
_lock_files: dict[str, int] = {}


def _lock_file(db_path: str) -> int:
    fd = _lock_files.get(db_path)
    if fd is None:
        fd = os.open(f"{db_path}.writelock", os.O_RDWR | os.O_CREAT, 0o600)
        _lock_files[db_path] = fd
    return fd


@contextlib.contextmanager
def write_transaction() -> Iterator[None]:
    global _depth
    if connection.vendor != "sqlite":
        with transaction.atomic():
            yield
        return
    with _sqlite_writer:
        fd = _lock_file(str(connection.settings_dict["NAME"])) if _depth == 0 else None
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        _depth += 1
        try:
            with transaction.atomic():
                yield
        finally:
            _depth -= 1
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)


_COPY_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value) -> str:
    """One value in COPY's text format (NULL as \\N; a backslash, tab or line end escaped)."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPE)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False).translate(_COPY_ESCAPE)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)  # int, Decimal


def _copy_line(row) -> str:
    return "\t".join(map(_copy_value, row)) + "\n"


def insert_rows(model, columns: list[str], rows: list[tuple], *, with_ids: bool = False):
    """Insert many new rows of `model` at once (an import's new rows): `columns` are attribute
    names (a foreign key's `_id`), each row a tuple of Python values in that order. PostgreSQL:
    one COPY, the ids taken from the table's sequence first when `with_ids` (returned in row
    order) — ten times the speed of the ORM's INSERT for a million rows, which builds a model
    and adapts each value through its field —, the rows written as COPY text (str, int,
    Decimal, bool, date, datetime with its zone, None, a dict or list as JSON). SQLite: the ORM's
    bulk_create."""
    if not rows:
        return [] if with_ids else None
    meta = model._meta
    if connection.vendor != "postgresql":
        objs = [model(**dict(zip(columns, row, strict=True))) for row in rows]
        model.objects.bulk_create(objs, batch_size=1000)
        return [o.pk for o in objs] if with_ids else None
    fields = {f.attname: f for f in meta.concrete_fields}
    # the columns not given take the model's defaults, as the ORM's insert does
    rest = [f for f in meta.concrete_fields if f.attname not in columns and not f.primary_key]
    if rest:
        defaults = tuple(f.get_default() for f in rest)
        columns = [*columns, *(f.attname for f in rest)]
        rows = [(*row, *defaults) for row in rows]
    names = [fields[c].column for c in columns]
    ids = None
    with connection.cursor() as cur:
        if with_ids:
            cur.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(rows)],
            )
            ids = [r[0] for r in cur.fetchall()]
            names = [meta.pk.column, *names]
        quoted = ", ".join(connection.ops.quote_name(n) for n in names)
        table = connection.ops.quote_name(meta.db_table)
        with cur.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
            for start in range(0, len(rows), 5000):
                part = rows[start : start + 5000]
                if ids:
                    part = [(i, *r) for i, r in zip(ids[start : start + 5000], part, strict=True)]
                copy.write("".join(_copy_line(row) for row in part))
    return ids


class _AnyOf(Lookup):
    """`field = ANY(%s)` with the values as one array parameter (PostgreSQL): a lookup of 5,000
    keys is one short query, where `IN (%s, %s, …)` makes the driver parse 5,000 placeholders
    every time (a third of an import's time spent in psycopg's query conversion)."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*lhs_params, list(self.rhs)]


CharField.register_lookup(_AnyOf)
IntegerField.register_lookup(_AnyOf)  # and the ids (AutoField, BigAutoField)


def among(field: str, values) -> Q:
    """Rows whose `field` (a text or integer column) is one of `values`: one array parameter on
    PostgreSQL, `IN` elsewhere."""
    values = list(values)
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__any_of": values})
    return Q(**{f"{field}__in": values})
