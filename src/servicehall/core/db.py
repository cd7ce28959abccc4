"""Write transactions (DESIGN.md: concurrency on shared queues uses the database).

PostgreSQL: a plain transaction; rows are locked FOR UPDATE (SKIP LOCKED) where it matters.
SQLite: one writer at a time. The database takes its write lock at BEGIN IMMEDIATE; in front of
it a process-wide lock queues this process's writers, so they wait their turn in order instead
of falling into SQLite's busy handler, whose sleeps (up to 100 ms each) would otherwise dominate
the latency under load. One web process per SQLite database is therefore the recommended
deployment; several still work, meeting at the database's own lock.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from django.db import connection, transaction

_sqlite_writer = threading.RLock()


@contextlib.contextmanager
def write_transaction() -> Iterator[None]:
    if connection.vendor == "sqlite":
        with _sqlite_writer, transaction.atomic():
            yield
    else:
        with transaction.atomic():
            yield
