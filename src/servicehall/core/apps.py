from django.apps import AppConfig
from django.db.backends.signals import connection_created

_wal_set = False


def _sqlite_wal(sender, connection, **kwargs) -> None:
    """Put a SQLite database in WAL mode once per process (readers never wait for the writer)."""
    global _wal_set
    if connection.vendor == "sqlite" and not _wal_set:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL")
        _wal_set = True


class CoreConfig(AppConfig):
    name = "servicehall.core"
    label = "core"
    verbose_name = "核心 Core"

    def ready(self) -> None:
        from .tokens import connect_signals

        connection_created.connect(_sqlite_wal)
        connect_signals()
