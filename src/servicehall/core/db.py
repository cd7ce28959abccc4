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
