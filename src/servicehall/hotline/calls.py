"""Importing the hotline's call records (S2, L6): the file read by queueing.calls_file (the one
reader of the ACD's format), each call keyed, the new ones inserted (core.db.insert_rows), and
the half-hour rollups of every day the import touched recomputed from the calls.

- Queue: the call's `type` (业务类型) — the bank data's PS, NE, IN, NW, PE, TT —, DEFAULT_QUEUE
  where the file has none; `queue=` (the command's --queue) puts every call of the file in one.
- VIP: a call whose priority is VIP_PRIORITY or more. The bank data's priorities are 0 and 1
  (ordinary customers) and 2 (its high-priority customers): 2 is VIP. A file without
  priorities has no VIP calls.
- Idempotent: a call's `key` is a digest of the queue, arrival, outcome, wait, service start
  and time, priority and agent — what the call is, not where it stands in the file (the bank's
  call_id repeats within a day; these fields do not across its 10,960 queued calls of week 1).
  A call already stored, or repeated in the file, is counted and not added again.
- One transaction: a bad cell refuses the whole file (line and column named, in Chinese and
  English) before anything is written. Imports run one at a time (an advisory lock on
  PostgreSQL, the write lock on SQLite): each recomputes its days' rollups from every call."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import date

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, Sum
from django.utils import timezone

from servicehall.core import tables, validate
from servicehall.core.db import among, insert_rows, write_transaction
from servicehall.core.errors import Code, ServiceError, require_perm
from servicehall.queueing import calls_file

from .models import Call, Interval

IMPORT_PERM = "hotline.import_calls"  # the imports page (the command needs none: the server's)
DEFAULT_QUEUE = "热线"
NO_SERVER = "NO_SERVER"  # the bank data's "no agent": stored blank (86 answered calls of week 1)
VIP_PRIORITY = 2
SLOT_MINUTES = 30
CHUNK = 5000
# PostgreSQL advisory lock ("HOTL" in ASCII): one import at a time, so two imports touching the
# same day cannot each recompute its rollups without the other's calls
IMPORT_LOCK = 0x484F_544C
Progress = Callable[[str, int, int], None]
COLUMNS = [
    "key",
    "queue",
    "priority",
    "vip",
    "arrival",
    "day",
    "slot",
    "answered",
    "queued",
    "wait",
    "service",
    "service_start",
    "agent",
    "imported_at",
]
SUMS = {
    "offered": Count("id"),
    "answered_n": Count("id", filter=Q(answered=True)),
    "answered_15": Count("id", filter=Q(answered=True, wait__lte=15)),
    "answered_20": Count("id", filter=Q(answered=True, wait__lte=20)),
    "abandoned": Count("id", filter=Q(answered=False)),
    "abandoned_15": Count("id", filter=Q(answered=False, wait__gt=15)),
    "abandoned_20": Count("id", filter=Q(answered=False, wait__gt=20)),
    "answer_wait": Sum("wait", filter=Q(answered=True)),
    "handle": Sum("service"),
}
GROUP = ("day", "slot", "queue", "priority", "vip", "agent")


def is_vip(priority: str) -> bool:
    return priority.isdigit() and int(priority) >= VIP_PRIORITY


def _key(queue: str, c: calls_file.Call) -> str:
    text = "|".join(
        str(x)
        for x in (
            queue,
            c.arrival.isoformat(),
            c.served,
            int(c.wait),
            int(c.service),
            c.service_start.isoformat() if c.service_start else "",
            c.priority,
            c.server,
        )
    )
    return hashlib.sha1(text.encode()).hexdigest()


def _queue_name(queue: str | None) -> str | None:
    if queue is None:
        return None
    return validate.text(
        queue, "queue", "队列名称（--queue）", "the queue name (--queue)", limit=40
    )


def import_calls(
    source,
    filename: str,
    *,
    queue: str | None = None,
    progress: Progress | None = None,
    max_rows: int | None = None,
) -> dict:
    """Import a call-record file; the summary: `read` (data rows), `calls` (that reached the
    queue), `added`, `already` (stored before), `repeated` (twice in the file), `skipped` {why:
    rows} (calls_file.SKIPPED), `days` (the days touched, ISO). `max_rows`: more data rows
    refuse the file (the imports page's limit; the command has none)."""
    queue = _queue_name(queue)
    skipped: dict[str, int] = {}
    calls = calls_file.read_calls(source, filename, skipped)
    if max_rows is not None and len(calls) + sum(skipped.values()) > max_rows:
        raise tables.too_many_rows(max_rows, max_rows + 2)  # the header is line 1
    tz = timezone.get_current_timezone()
    now = timezone.now()
    rows: dict[str, tuple] = {}
    repeated = 0
    for c in calls:
        q = queue or c.type or DEFAULT_QUEUE
        if len(q) > 40 or len(c.server) > 60 or len(c.priority) > 8:
            field = "type" if len(q) > 40 else "server" if len(c.server) > 60 else "priority"
            zh, en = calls_file.NAMES[field]
            raise ServiceError(
                Code.BAD_FILE,
                f"第{c.line}行“{zh}”（{en}）列：太长",
                f"Line {c.line}, column {en}: too long",
                field=field,
                status=422,
            )
        key = _key(q, c)
        if key in rows:
            repeated += 1
            continue
        arrival = timezone.make_aware(c.arrival, tz)
        rows[key] = (
            key,
            q,
            c.priority,
            is_vip(c.priority),
            arrival,
            c.arrival.date(),
            (c.arrival.hour * 60 + c.arrival.minute) // SLOT_MINUTES,
            c.served,
            c.queued,
            int(c.wait),
            int(c.service),
            timezone.make_aware(c.service_start, tz) if c.service_start else None,
            c.server if c.served and c.server != NO_SERVER else "",
            now,
        )
    keys = list(rows)
    added = 0
    days: set[date] = set()
    with write_transaction(by_keys=True):
        if connection.vendor == "postgresql":  # SQLite: BEGIN IMMEDIATE serialises already
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])
        for i in range(0, len(keys), CHUNK):
            chunk = keys[i : i + CHUNK]
            known = set(Call.objects.filter(among("key", chunk)).values_list("key", flat=True))
            new = [rows[k] for k in chunk if k not in known]
            insert_rows(Call, COLUMNS, new)
            added += len(new)
            days.update(r[5] for r in new)
            if progress:
                progress("writing", min(i + CHUNK, len(keys)), len(keys))
        recompute(days)
    return {
        "read": len(calls) + sum(skipped.values()),
        "calls": len(calls),
        "added": added,
        "already": len(keys) - added,
        "repeated": repeated,
        "skipped": skipped,
        "days": sorted(d.isoformat() for d in days),
    }


def import_calls_for(user, data, filename: str, progress: Progress | None = None) -> dict:
    """The imports page's kind "calls" (core.imports): `import_calls` for a user who may,
    within the kind's row limit; `imported` is the calls that reached the queue."""
    require_perm(user, IMPORT_PERM, "导入热线来电记录", "import hotline call records")
    limit = settings.IMPORT_LIMITS["calls"]["rows"]
    result = import_calls(data, filename, progress=progress, max_rows=limit)
    return {"imported": result["calls"], "skipped_rows": sum(result["skipped"].values()), **result}


def recompute(days: Iterable[date]) -> int:
    """The half-hour rollups of `days` rebuilt from their calls (inside the caller's
    transaction); the number of rollup rows written."""
    days = sorted(set(days))
    if not days:
        return 0
    Interval.objects.filter(day__in=days).delete()
    sums = Call.objects.filter(day__in=days).values(*GROUP).annotate(**SUMS).order_by()
    rows = [
        (
            *(r[k] for k in GROUP),
            r["offered"],
            r["answered_n"],
            r["answered_15"],
            r["answered_20"],
            r["abandoned"],
            r["abandoned_15"],
            r["abandoned_20"],
            r["answer_wait"] or 0,
            r["handle"] or 0,
        )
        for r in sums
    ]
    insert_rows(
        Interval,
        [
            *GROUP,
            "offered",
            "answered",
            "answered_15",
            "answered_20",
            "abandoned",
            "abandoned_15",
            "abandoned_20",
            "answer_wait",
            "handle",
        ],
        rows,
    )
    return len(rows)
