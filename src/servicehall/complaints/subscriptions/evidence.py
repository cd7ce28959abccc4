"""Subscription evidence files (P4, L4): one CSV or Excel table with a `type` column, the format
of docs/formats/subscription-evidence.md. Every row is checked before anything is written; any
bad cell refuses the whole file, every bad row named by line and column (at most MAX_ERRORS
listed, all counted). Rows are stored by their fingerprint (`key`), so a file imported twice
stores each row once.

Stored in bulk: PostgreSQL COPY into a temporary table, then one INSERT … ON CONFLICT DO NOTHING;
SQLite executemany of INSERT … ON CONFLICT DO NOTHING. Call `store` inside a write transaction."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.utils import timezone

from servicehall.core import tables, validate
from servicehall.core.errors import Code as CoreCode
from servicehall.core.errors import ServiceError

from ..models import EvidenceKind, SubscriptionEvidence

Progress = Callable[[str, int, int], None]
PROGRESS_EVERY = 2000
MAX_ERRORS = 200

HEADERS = {  # column: the header names accepted (any case), Chinese or English
    "type": {"type", "类型", "记录类型"},
    "line": {"line", "phone", "号码", "用户号码", "手机号码"},
    "sp_code": {"sp_code", "sp", "sp代码", "企业代码"},
    "service_code": {"service_code", "业务代码"},
    "time": {"time", "时间", "发送接收时间", "发生时间"},
    "from": {"from", "发送方", "发送号码"},
    "to": {"to", "接收方", "接收号码"},
}
OPTIONAL_HEADERS = {
    "service_name": {"service_name", "业务名称"},
    "amount": {"amount", "金额", "扣费金额"},
    "period": {"period", "计费周期", "账期"},
}
COLUMN_NAMES = {  # a column in words (Chinese, English), for the error report
    "type": ("类型", "Type"),
    "line": ("号码", "Line"),
    "sp_code": ("SP代码", "SP code"),
    "service_code": ("业务代码", "Service code"),
    "service_name": ("业务名称", "Service name"),
    "time": ("时间", "Time"),
    "from": ("发送方", "From"),
    "to": ("接收方", "To"),
    "amount": ("金额", "Amount"),
    "period": ("计费周期", "Billing period"),
}
TYPES = {  # what the `type` cell may say → the kind
    "order": EvidenceKind.ORDER,
    "订购": EvidenceKind.ORDER,
    "定制": EvidenceKind.ORDER,
    "request": EvidenceKind.REQUEST,
    "确认请求": EvidenceKind.REQUEST,
    "二次确认请求": EvidenceKind.REQUEST,
    "confirm": EvidenceKind.CONFIRM,
    "确认": EvidenceKind.CONFIRM,
    "用户确认": EvidenceKind.CONFIRM,
    "charge": EvidenceKind.CHARGE,
    "扣费": EvidenceKind.CHARGE,
    "delivery": EvidenceKind.DELIVERY,
    "下发": EvidenceKind.DELIVERY,
    "内容下发": EvidenceKind.DELIVERY,
}
HINTS = {  # what a bad cell should look like (Chinese, English)
    "type": (
        "类型应为 订购、确认请求、确认、扣费、下发 之一",
        "one of order, request, confirm, charge, delivery",
    ),
    "line": ("应为11位手机号码", "an 11-digit mobile number"),
    "sp_code": ("应为1至20位字母或数字", "1 to 20 letters or digits"),
    "service_code": ("应为1至40位字母、数字、- 或 _", "1 to 40 letters, digits, - or _"),
    "service_name": ("业务名称最多100个字", "at most 100 characters"),
    "time": (
        "应为 2026-10-03 09:12:05 这样的时间（1970至2199年）",
        "a time like 2026-10-03 09:12:05 (1970–2199)",
    ),
    "from": ("应为号码或接入码（3至21位数字）", "a number or access code (3 to 21 digits)"),
    "to": ("应为号码或接入码（3至21位数字）", "a number or access code (3 to 21 digits)"),
    "amount": (
        "扣费记录应有金额：大于0、最多2位小数",
        "a charge needs its amount: above 0, at most 2 decimals",
    ),
    "period": ("计费周期应为 2026-10 这样的月份", "a billing month like 2026-10"),
}
ONLY_CHARGES = ("只有扣费记录填写此列", "only charges have this column filled in")
DUPLICATE = ("与第{line}行完全相同", "the same record as line {line}")
OTHER_NAME = (
    "同一业务在第{line}行的名称是“{name}”",
    "the same service is called '{name}' on line {line}",
)

_MOBILE = re.compile(r"1[3-9]\d{9}")
_SP = re.compile(r"[0-9A-Za-z]{1,20}")
_SERVICE = re.compile(r"[0-9A-Za-z_\-]{1,40}")
_ADDR = re.compile(r"[0-9]{3,21}")
_TIME = re.compile(
    r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
)
_SPACES = re.compile(r"[\s\-]")


class Row(NamedTuple):
    """A checked row: what is stored (key first)."""

    key: str
    line: str
    sp_code: str
    service_code: str
    service_name: str
    kind: str
    at: datetime
    from_addr: str
    to_addr: str
    amount: Decimal | None
    period: str


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def parse_time(text: str, tz: ZoneInfo | None = None) -> datetime | None:
    """A send/receive time in the hall's zone (2026-10-03 09:12:05, 2026/10/3 9:12, ISO with T;
    Excel writes its own datetimes the first way); None when malformed or outside 1970–2199."""
    m = _TIME.fullmatch(text.strip())
    if m is None:
        return None
    y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    if not validate.MIN_YEAR <= y <= validate.MAX_YEAR or y < 1970:
        return None
    try:
        return datetime(y, mo, d, h, mi, s, tzinfo=tz or _zone())
    except ValueError:
        return None


def _mobile(text: str) -> str | None:
    if len(text) == 11 and text.isascii() and text.isdigit():  # the usual cell, at once
        return text if text[0] == "1" and text[1] in "3456789" else None
    number = _SPACES.sub("", text)
    return number if _MOBILE.fullmatch(number) else None


def _times(tz: ZoneInfo):
    """parse_time, and the time written canonically (2026-10-03 09:12:05: the fingerprint's),
    with the usual cell, already canonical, read by datetime itself; (None, "") when bad."""

    def at_of(text: str) -> tuple[datetime | None, str]:
        if (
            len(text) == 19
            and text[10] == " "
            and text[13] == ":"
            and text[16] == ":"
            and text.isascii()
        ):
            try:
                value = datetime.fromisoformat(text)
            except ValueError:
                return None, ""
            if 1970 <= value.year <= validate.MAX_YEAR:
                return value.replace(tzinfo=tz), text
            return None, ""
        value = parse_time(text, tz)
        return (value, value.strftime("%Y-%m-%d %H:%M:%S")) if value else (None, "")

    return at_of


_PLAIN_AMOUNT = re.compile(r"[0-9]{1,8}(?:\.[0-9]{1,2})?")


def _amounts():
    """A charge's amount: above 0, at most 2 decimals; None when not (the same texts share one
    Decimal)."""
    cache: dict[str, Decimal | None] = {}

    def amount_of(text: str) -> Decimal | None:
        if text in cache:
            return cache[text]
        if _PLAIN_AMOUNT.fullmatch(text):
            value = Decimal(text).quantize(Decimal("0.01"))
        else:
            try:
                value = validate.decimal_number(text, "amount", places=2, max_digits=10, unit="元")
            except ServiceError:
                value = None
        value = value if value is not None and value > 0 else None
        if len(cache) < 10_000:
            cache[text] = value
        return value

    return amount_of


def _periods():
    cache: dict[str, str | None] = {}

    def period_of(text: str) -> str | None:
        if text not in cache:
            try:
                month = validate.month(text, "period")
            except ServiceError:
                month = None
            cache[text] = f"{month:%Y-%m}" if month else None
        return cache[text]

    return period_of


def _address(text: str) -> str | None:
    if 3 <= len(text) <= 21 and text.isascii() and text.isdigit():
        return text
    number = _SPACES.sub("", text)
    if number.startswith("+86"):
        number = number[3:]
    return number if _ADDR.fullmatch(number) else None


def fingerprint(
    line: str, sp: str, service: str, kind: str, at: str, frm: str, to: str, amount, period
) -> str:
    """The row's identity: the same record imported again has the same key. `at` is the time
    as the hall's clock reads it, written 2026-10-03 09:12:05 (however the file wrote it)."""
    text = f"{line}|{sp}|{service}|{kind}|{at}|{frm}|{to}|{amount or ''}|{period}"
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _columns(header: list[str], header_line: int) -> dict[str, int]:
    return tables.columns(
        header,
        header_line,
        {**HEADERS, **OPTIONAL_HEADERS},
        COLUMN_NAMES,
        required=set(HEADERS),
    )


def parse(
    data: tables.Source,
    filename: str,
    *,
    limited: bool = True,
    progress: Progress | None = None,
) -> list[Row]:
    """Every row checked and every bad cell named (line, column, value, what it should be); any
    bad cell refuses the whole file and nothing is written. Limited by settings
    IMPORT_LIMITS["evidence"] unless `limited` is False (the command line's bulk loads)."""
    limits = settings.IMPORT_LIMITS["evidence"] if limited else {}
    max_rows = limits.get("rows")
    header_line, header, rows, total = tables.open_table(
        data, filename, limits.get("bytes"), progress
    )
    cols = _columns(header, header_line)
    tz = _zone()
    out: list[Row] = []
    errors: list[dict] = []
    bad_cells, bad_lines = 0, set()
    seen: dict[str, int] = {}  # key → first line
    names: dict[tuple[str, str], tuple[str, int]] = {}  # (sp, service) → (name, first line)
    fields = list(cols)
    width = max(cols.values()) + 1
    pad = [""] * width
    at_of = _times(tz)
    amount_of, period_of = _amounts(), _periods()
    done = 0
    for done, (line, r) in enumerate(rows, start=1):
        if max_rows is not None and done > max_rows:
            raise tables.too_many_rows(max_rows, line)
        if progress and done % PROGRESS_EVERY == 1:
            progress("checking", done - 1, max(total, done - 1))
        if len(r) < width:
            r = r + pad[len(r) :]
        cell = dict(zip(fields, [r[cols[f]] for f in fields], strict=True))
        bad: list[tuple[str, tuple[str, str]]] = []
        text = cell["type"]
        kind = TYPES.get(text) or TYPES.get(text.lower())
        if kind is None:
            bad.append(("type", HINTS["type"]))
        number = _mobile(cell["line"])
        if number is None:
            bad.append(("line", HINTS["line"]))
        sp = cell["sp_code"]
        if not _SP.fullmatch(sp):
            bad.append(("sp_code", HINTS["sp_code"]))
        service = cell["service_code"]
        if not _SERVICE.fullmatch(service):
            bad.append(("service_code", HINTS["service_code"]))
        name = cell.get("service_name", "")
        if len(name) > 100:
            bad.append(("service_name", HINTS["service_name"]))
        at, at_text = at_of(cell["time"])
        if at is None:
            bad.append(("time", HINTS["time"]))
        frm = _address(cell["from"])
        if frm is None:
            bad.append(("from", HINTS["from"]))
        to = _address(cell["to"])
        if to is None:
            bad.append(("to", HINTS["to"]))
        amount, period = None, ""
        amount_text, period_text = cell.get("amount", ""), cell.get("period", "")
        if kind == EvidenceKind.CHARGE:
            amount = amount_of(amount_text)
            if amount is None:
                bad.append(("amount", HINTS["amount"]))
            if period_text:
                period = period_of(period_text)
                if period is None:
                    bad.append(("period", HINTS["period"]))
        elif kind is not None:
            if amount_text:
                bad.append(("amount", ONLY_CHARGES))
            if period_text:
                bad.append(("period", ONLY_CHARGES))
        if not bad and name:
            first_name, first_line = names.setdefault((sp, service), (name, line))
            if first_name != name:
                zh, en = OTHER_NAME
                hint = (
                    zh.format(line=first_line, name=first_name[:30]),
                    en.format(line=first_line, name=first_name[:30]),
                )
                bad.append(("service_name", hint))
        if not bad:
            key = fingerprint(
                number,
                sp,
                service,
                kind,
                at_text,
                frm,
                to,
                amount,
                period or "",
            )
            first = seen.setdefault(key, line)
            if first != line:
                zh, en = DUPLICATE
                bad.append(("time", (zh.format(line=first), en.format(line=first))))
            else:
                out.append(
                    Row(key, number, sp, service, name, kind, at, frm, to, amount, period or "")
                )
        if bad:
            bad_lines.add(line)
            for field, (zh, en) in bad:
                bad_cells += 1
                if len(errors) < MAX_ERRORS:
                    errors.append(
                        {
                            "line": line,
                            "field": field,
                            "value": str(cell.get(field, ""))[:100],
                            "message": zh,
                            "message_en": en,
                        }
                    )
    if progress:
        progress("checking", done, done)
    if errors:
        first = errors[0]
        column = COLUMN_NAMES[first["field"]]
        raise ServiceError(
            CoreCode.BAD_ROWS,
            f"第{first['line']}行“{column[0]}”列有误（{first['value'][:30]}）：{first['message']}；"
            f"共{len(bad_lines)}行、{bad_cells}处有误，未导入任何数据",
            f"Line {first['line']}, column {column[1]} ({first['value'][:30]!r}): "
            f"{first['message_en']}; {bad_cells} bad cells on {len(bad_lines)} lines; "
            "nothing was imported",
            field="file",
            status=422,
            extra={"errors": errors, "error_count": bad_cells},
        )
    # complete the names: a row without one takes its service's name from another row
    return [
        r._replace(service_name=names[(r.sp_code, r.service_code)][0])
        if not r.service_name and (r.sp_code, r.service_code) in names
        else r
        for r in out
    ]


# --- storing ---------------------------------------------------------------------------------

COLUMNS = (
    "key",
    "line",
    "sp_code",
    "service_code",
    "service_name",
    "kind",
    "at",
    "from_addr",
    "to_addr",
    "amount",
    "period",
    "imported_at",
)
BATCH = 20_000
ANALYZE_AFTER = 50_000  # rows added by one import after which PostgreSQL re-reads the table


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    text = value if isinstance(value, str) else str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


def store(rows: list[Row], progress: Progress | None = None) -> int:
    """Insert the rows not stored yet (call inside a write transaction); how many were new."""
    table = connection.ops.quote_name(SubscriptionEvidence._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    now = timezone.now()
    added = 0
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "CREATE TEMPORARY TABLE sp_evidence_load (key uuid, line varchar(11), "
                "sp_code varchar(20), service_code varchar(40), service_name varchar(100), "
                "kind varchar(10), at timestamptz, from_addr varchar(21), to_addr varchar(21), "
                "amount numeric(10,2), period varchar(7), imported_at timestamptz) "
                "ON COMMIT DROP"
            )
            stamp = now.isoformat()
            with cur.cursor.copy(f"COPY sp_evidence_load ({names}) FROM STDIN") as copy:
                for start in range(0, len(rows), BATCH):
                    if progress:
                        progress("writing", start, len(rows))
                    copy.write(
                        "".join(
                            "\t".join(
                                (
                                    r.key,
                                    r.line,
                                    r.sp_code,
                                    r.service_code,
                                    _copy_text(r.service_name),
                                    r.kind,
                                    r.at.isoformat(),
                                    r.from_addr,
                                    r.to_addr,
                                    _copy_text(r.amount),
                                    r.period,
                                    stamp,
                                )
                            )
                            + "\n"
                            for r in rows[start : start + BATCH]
                        )
                    )
            cur.execute(
                f"INSERT INTO {table} ({names}) SELECT {names} FROM sp_evidence_load "
                "ON CONFLICT (key) DO NOTHING"
            )
            added = cur.rowcount
            cur.execute("DROP TABLE sp_evidence_load")
            if added > ANALYZE_AFTER:  # fresh statistics, or reads plan for an empty table
                cur.execute(f"ANALYZE {table}")
        else:
            ops = connection.ops
            stamp = ops.adapt_datetimefield_value(now)
            sql = (
                f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(COLUMNS))}) "
                "ON CONFLICT (key) DO NOTHING"
            )
            for start in range(0, len(rows), BATCH):
                if progress:
                    progress("writing", start, len(rows))
                cur.executemany(
                    sql,
                    [
                        (
                            *r[:6],
                            ops.adapt_datetimefield_value(r.at),
                            r.from_addr,
                            r.to_addr,
                            ops.adapt_decimalfield_value(r.amount, 10, 2),
                            r.period,
                            stamp,
                        )
                        for r in rows[start : start + BATCH]
                    ],
                )
                added += max(cur.rowcount, 0)  # rows inserted: a conflict inserts none
    if progress:
        progress("writing", len(rows), len(rows))
    return added


def error_lines(exc: BaseException) -> list[str]:
    """A refused file's bad cells, one line each (the command line prints them)."""
    errors = getattr(exc, "extra", {}).get("errors") or []
    out = []
    for e in errors:
        zh, en = COLUMN_NAMES.get(e.get("field"), (e.get("field"), e.get("field")))
        if e.get("message"):
            out.append(
                f"第{e['line']}行 {zh}：{e.get('value', '')!r} {e['message']} / "
                f"line {e['line']}, {en}: {e['message_en']}"
            )
    count = getattr(exc, "extra", {}).get("error_count", 0)
    if count > len(out) and out:
        out.append(f"……另有{count - len(out)}处 / … {count - len(out)} more")
    return out
