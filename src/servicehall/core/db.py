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
import os
import threading
from collections.abc import Iterator

from django.db import connection, transaction
from django.db.models import CharField, ForeignKey, IntegerField, Lookup, Q

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
def write_transaction(*, by_keys: bool = False) -> Iterator[None]:
    """`by_keys`: a transaction that reads rows by their keys only — a chunk of a bulk import,
    looking up its 5,000 CRM numbers, numbers or ids at once. On PostgreSQL sequential scans
    are off for it, so that each lookup comes from its index: the planner, costing 5,000 index
    probes as 5,000 reads from disk, scanned the whole table for each chunk instead once it
    held a few hundred thousand rows — an import's time growing with the square of its size.
    (Its commit still waits for the disk: `synchronous_commit = off` saved 1 s of 45 for
    400,000 customers, not worth an import reported done and then lost.)"""
    global _depth
    if connection.vendor != "sqlite":
        with transaction.atomic():
            if by_keys and connection.vendor == "postgresql":
                with connection.cursor() as cur:
                    cur.execute("SET LOCAL enable_seqscan TO OFF")
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


def insert_rows(model, columns: list[str], rows: list[tuple], *, with_ids: bool = False):
    """Insert many new rows of `model` at once (an import's new rows): `columns` are attribute
    names (a foreign key's `_id`), each row a tuple of Python values in that order. PostgreSQL:
    one binary COPY, the ids taken from the table's sequence first when `with_ids` (returned in
    row order) — ten times the speed of the ORM's INSERT for a million rows, which builds a
    model and adapts each value through its field. Binary, not text: psycopg's C code writes
    each value by the column's own type (str, int, Decimal, bool, date, datetime with its zone,
    None, a dict or list as JSON), five times faster than building COPY text in Python, and
    nothing in a value (a tab, a backslash, a line end) needs escaping. SQLite: the ORM's
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
    names = [fields[c].column for c in columns] + [f.column for f in rest]
    defaults = tuple(f.get_default() for f in rest)
    ids = None
    with connection.cursor() as cur:
        if with_ids:
            cur.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(rows)],
            )
            ids = [r[0] for r in cur.fetchall()]
            names = [meta.pk.column, *names]
        types = _column_types(cur, meta.db_table)
        quoted = ", ".join(connection.ops.quote_name(n) for n in names)
        table = connection.ops.quote_name(meta.db_table)
        with cur.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types([types[n] for n in names])
            if ids:
                for pk, row in zip(ids, rows, strict=True):
                    copy.write_row((pk, *row, *defaults))
            else:
                for row in rows:
                    copy.write_row((*row, *defaults))
    return ids


def _column_types(cur, table: str) -> dict[str, int]:
    """The type (oid) of each column of `table`, which binary COPY must be told."""
    cur.execute(
        "SELECT attname, atttypid FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
        [table],
    )
    return dict(cur.fetchall())


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
ForeignKey.register_lookup(_AnyOf)  # by the ids it holds


def among(field: str, values) -> Q:
    """Rows whose `field` (a text, integer or foreign key column) is one of `values`: one array parameter on
    PostgreSQL, `IN` elsewhere."""
    values = list(values)
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__any_of": values})
    return Q(**{f"{field}__in": values})
