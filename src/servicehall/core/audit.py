"""Writing audit rows: the one helper every unmasked view or export goes through (V2), and the
record of privileged actions (opening and closing ticketing, role changes, purges, retention
changes, legal holds, a customer's data erased).

The log is a hash chain (L5): every row carries the hash of the row before it (`prev_hash`, in
id order) and its own, the SHA-256 of that previous hash and the row's canonical content
(`chain_hash`). Appending is serialised — PostgreSQL: a transaction-scoped advisory lock;
SQLite: the write lock of `write_transaction` — so two writers never take the same previous
hash and fork the chain. `verify` walks the chain and names the first row deleted, altered or
slipped in. Old rows purged past their retention (records.services.purge) leave the chain
verifiable: the purge's own audit row names the last purged row and its hash (`ANCHOR_*`),
where the remaining chain starts.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from dataclasses import dataclass
from datetime import UTC

from django.db import connection
from django.utils import timezone

from .db import write_transaction
from .models import AuditLog

# any constant the other advisory locks of the project do not use: "SHAUDIT" in ASCII
_CHAIN_LOCK = 0x5348415544495400 >> 8
# the `fields` of a purge row of the audit log itself: where the remaining chain starts
ANCHOR_ID = "through_id="
ANCHOR_HASH = "last_hash="


def canonical(row: AuditLog) -> str:
    """The content the hash covers, the same text whatever the database returns it as."""
    at = row.at.astimezone(UTC) if timezone.is_aware(row.at) else row.at
    return json.dumps(
        [
            at.strftime("%Y-%m-%dT%H:%M:%S.%f"),
            row.actor_id,
            str(row.action),
            row.object_type,
            row.object_id,
            row.fields,
            row.reason,
            row.remote_addr or "",
        ],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )


def chain_hash(prev_hash: str, row: AuditLog) -> str:
    return hashlib.sha256(f"{prev_hash}\n{canonical(row)}".encode()).hexdigest()


def _ip(ip) -> str | None:
    """The address as the column stores it (Django's IPv6 spelling, which PostgreSQL's inet
    gives back too): a hash over another spelling would not verify."""
    if not ip:
        return None
    try:
        ipaddress.ip_address(str(ip))
    except ValueError:
        return None
    return AuditLog._meta.get_field("remote_addr").get_prep_value(str(ip))


def _append(**values) -> AuditLog:
    with write_transaction():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
        prev = AuditLog.objects.order_by("-id").values_list("hash", flat=True).first() or ""
        row = AuditLog(at=timezone.now(), prev_hash=prev, **values)
        row.reason = (row.reason or "")[:200]
        row.remote_addr = _ip(row.remote_addr)
        row.hash = chain_hash(prev, row)
        row.save(force_insert=True)
    return row


def log_pii_access(
    actor, obj_type: str, obj_id, fields: list[str], reason: str, *, export: bool = False, ip=None
) -> AuditLog:
    return _append(
        actor=actor,
        action=AuditLog.Action.PII_EXPORT if export else AuditLog.Action.PII_VIEW,
        object_type=obj_type,
        object_id=str(obj_id),
        fields=list(fields),
        reason=reason,
        remote_addr=ip,
    )


def log_action(
    actor, action: str, obj_type: str, obj_id, reason: str = "", *, ip=None, fields=None
) -> AuditLog:
    return _append(
        actor=actor,
        action=action,
        object_type=obj_type,
        object_id=str(obj_id),
        fields=list(fields or []),
        reason=reason,
        remote_addr=ip,
    )


def system_actor(name: str):
    """The account that stands for an automatic job in the audit log ("schedule": the opening
    hours sweep). Inactive, without a password or permissions: nobody can sign in as it."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    user = User.objects.filter(username=name).first()
    if user is None:
        user, created = User.objects.get_or_create(username=name, defaults={"is_active": False})
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
    return user


@dataclass
class Verdict:
    ok: bool
    count: int
    problem: str = ""  # "altered", "deleted", "inserted", "anchor"
    row_id: int | None = None
    zh: str = ""
    en: str = ""


def _anchor() -> tuple[int, str] | None:
    """The latest purge of the audit log: (the last purged id, its hash)."""
    purges = AuditLog.objects.filter(
        action=AuditLog.Action.RECORDS_PURGE, object_type="audit_log"
    ).order_by("-id")
    for row in purges.only("fields")[:1]:
        vals = {f.split("=", 1)[0] + "=": f.split("=", 1)[1] for f in row.fields if "=" in str(f)}
        if ANCHOR_ID in vals and ANCHOR_HASH in vals:
            return int(vals[ANCHOR_ID]), vals[ANCHOR_HASH]
    return None


def verify(progress=None) -> Verdict:
    """Walk the chain in id order. A row whose content does not give its hash was altered; a
    row whose previous hash is not the hash of the row before it follows a deleted row — or
    the row before it was slipped in, when it links past that row to the one before."""
    anchor = _anchor()
    start_id, expected = anchor if anchor is not None else (0, "")
    rows = AuditLog.objects.filter(id__gt=start_id).order_by("id").iterator(chunk_size=2000)
    count = 0
    last = None
    for row in rows:
        if row.hash != chain_hash(row.prev_hash, row):
            return _broken("altered", row.pk, count)
        if row.prev_hash != expected:
            if last is not None and row.prev_hash == last.prev_hash:
                return _broken("inserted", last.pk, count)
            if last is None and anchor is None:
                return _broken("anchor", row.pk, count)
            return _broken("deleted", row.pk, count)
        count += 1
        last = row
        expected = row.hash
        if progress is not None and count % 100000 == 0:
            progress(count)
    return Verdict(
        True,
        count,
        zh=f"审计日志完整：{count} 条，哈希链无断点",
        en=f"Audit log intact: {count} rows, the hash chain unbroken",
    )


def _broken(problem: str, row_id: int, count: int) -> Verdict:
    zh, en = {
        "altered": (
            f"审计日志第 {row_id} 条被改动（内容与哈希不符）",
            f"Audit row #{row_id} was altered (its content does not match its hash)",
        ),
        "deleted": (
            f"审计日志第 {row_id} 条之前有记录被删除（链接断开）",
            f"A row before audit row #{row_id} was deleted (the chain breaks there)",
        ),
        "inserted": (
            f"审计日志第 {row_id} 条是插入的（前后记录的链接越过了它）",
            f"Audit row #{row_id} was slipped in (the rows around it link past it)",
        ),
        "anchor": (
            f"审计日志第 {row_id} 条之前的记录被删除，且没有清理记录说明",
            f"Rows before audit row #{row_id} were deleted and no purge accounts for them",
        ),
    }[problem]
    return Verdict(False, count, problem, row_id, zh, en)
