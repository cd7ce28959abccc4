"""Monthly bill imports (V4, L3): CSV or Excel with one row per line and month.

Columns (a header row, Chinese or English names): 号码/phone, 月份/month (2026-10 or
2026-10-01), 金额/amount (yuan, up to 2 decimals); optionally 套餐/plan (the plan billed, told
to the customer in chat) and the month's usage for the plan recommendation (M2): 通话分钟/voice_minutes, 流量MB/data_mb, 短信条数/sms, 主叫次数/paid_calls
(whole numbers ≥ 0; an empty cell is "not known"). The whole file is checked before anything is
written: any bad row refuses the import with every bad row listed by line number and column.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings

from servicehall.core import tables, validate
from servicehall.core.errors import ServiceError

from ..core.errors import Code as CoreCode
from .models import Bill, PhoneNumber
from .services import MOBILE_RE

HEADERS = {
    "phone": {"phone", "number", "号码", "手机号码", "手机号"},
    "month": {"month", "月份", "账期"},
    "amount": {"amount", "金额", "账单金额", "amount_yuan"},
}
# Optional usage columns: a file without them leaves the usage already stored as it was.
USAGE_HEADERS = {
    "voice_minutes": {"voice_minutes", "minutes", "voice", "通话分钟", "语音分钟", "通话时长"},
    "data_mb": {"data_mb", "data", "流量mb", "流量(mb)", "流量（mb）", "流量"},
    "sms": {"sms", "短信", "短信条数"},
    "paid_calls": {"paid_calls", "主叫次数", "主叫付费通话次数"},
}
USAGE_FIELDS = tuple(USAGE_HEADERS)
# Optional: the plan the month was billed under, as the billing export names it (the assistant
# tells the customer their own plan, K2).
PLAN_HEADERS = {"plan": {"plan", "套餐", "主套餐", "资费套餐", "套餐名称"}}
AMOUNT = {"places": 2, "max_digits": 10}  # Bill.amount
USAGE_MAX = {"data_mb": validate.MAX_INT * 1024}  # BigIntegerField; the others are integers
MAX_ERRORS = 200  # named one by one; beyond, only counted
# progress(stage, done, total): stage "checking" (rows checked) or "writing" (rows stored);
# called every PROGRESS_EVERY rows and at the end of each stage (core.imports shows it).
Progress = Callable[[str, int, int], None]
PROGRESS_EVERY = 500
FIELD_HINTS = {  # what a bad cell should look like (Chinese, English)
    "phone": ("应为11位手机号码", "an 11-digit mobile number"),
    "month": (
        "月份应为 2026-10 或 202610（1900至2199年）",
        "a month like 2026-10 or 202610 (1900–2199)",
    ),
    "amount": (
        "应为0至99999999.99之间的金额（最多2位小数，不用科学计数法）",
        "an amount from 0 to 99999999.99 with at most 2 decimals (no exponent)",
    ),
}
WHOLE_HINT = ("应为不小于0的整数（不用科学计数法）", "a whole number ≥ 0 (no exponent)")
DUPLICATE_HINT = ("与第{line}行的号码和月份重复", "the same number and month as line {line}")
COLUMN_NAMES = {  # a column in words (Chinese, English), for the row-level error report
    "phone": ("号码", "Phone number"),
    "month": ("月份", "Month"),
    "amount": ("金额", "Amount"),
    "plan": ("套餐", "Plan"),
    "voice_minutes": ("通话分钟", "Voice minutes"),
    "data_mb": ("流量MB", "Data (MB)"),
    "sms": ("短信条数", "Text messages"),
    "paid_calls": ("主叫次数", "Calls made"),
}


@dataclass(frozen=True)
class BillRow:
    line: int
    number: str
    month: date
    amount: Decimal
    voice_minutes: int | None = None
    data_mb: int | None = None
    sms: int | None = None
    paid_calls: int | None = None
    plan: str | None = None


def _cell_error(line: int, key: str, value: str, hint: tuple[str, str]) -> dict:
    return {
        "line": line,
        "field": key,
        "value": value[:100],
        "message": hint[0],
        "message_en": hint[1],
    }


def parse(
    data: tables.Source,
    filename: str,
    *,
    max_rows: int | None = None,
    max_bytes: int | None = None,
    limited: bool = True,
    nothing_done: tuple[str, str] = ("未导入任何数据", "nothing was imported"),
    progress: Progress | None = None,
) -> list[BillRow]:
    """Every row checked, every bad cell named (line, column, what it should be); any bad cell
    refuses the whole file, and `nothing_done` says what was therefore not done. The size and
    the rows are limited by settings IMPORT_LIMITS["bills"] unless `limited` is False (the
    batch recommendation reads a whole customer base); the file is read row by row (`data`:
    the bytes, or a binary file). A line and month twice is a bad row naming the first."""
    limits = settings.IMPORT_LIMITS["bills"] if limited else {}
    max_rows = max_rows or limits.get("rows")
    header_line, header, rows, total = tables.open_table(
        data, filename, max_bytes or limits.get("bytes"), progress
    )
    cols = tables.columns(
        header,
        header_line,
        {**HEADERS, **USAGE_HEADERS, **PLAN_HEADERS},
        COLUMN_NAMES,
        required=set(HEADERS),
    )
    out, errors = [], []
    bad_cells, bad_lines = 0, set()
    seen: dict[tuple[str, date], int] = {}  # (number, month) → its first line
    done = 0
    for done, (line, r) in enumerate(rows, start=1):
        if max_rows is not None and done > max_rows:
            raise tables.too_many_rows(max_rows, line)
        if progress and done % PROGRESS_EVERY == 1:
            progress("checking", done - 1, max(total, done - 1))
        cell = {k: (r[j] if j < len(r) else "") for k, j in cols.items()}
        number = re.sub(r"[\s\-]", "", cell["phone"])
        bad: list[tuple[str, tuple[str, str]]] = []
        if not MOBILE_RE.match(number):
            bad.append(("phone", FIELD_HINTS["phone"]))
        value: dict = {}
        for key, read in (
            ("month", lambda t, k: validate.month(t, k)),
            ("amount", lambda t, k: validate.decimal_number(t, k, **AMOUNT)),
            *(
                (
                    k,
                    lambda t, k: validate.whole_number(
                        t, k, maximum=USAGE_MAX.get(k, validate.MAX_INT)
                    ),
                )
                for k in USAGE_FIELDS
                if k in cell
            ),
        ):
            try:
                value[key] = read(cell[key], key)
            except ServiceError:
                bad.append((key, FIELD_HINTS.get(key, WHOLE_HINT)))
                continue
            if value[key] is None and key in ("month", "amount"):
                bad.append((key, FIELD_HINTS[key]))
        if not bad:
            first = seen.setdefault((number, value["month"]), line)
            if first != line:
                zh, en = DUPLICATE_HINT
                bad.append(("month", (zh.format(line=first), en.format(line=first))))
        for key, hint in bad:
            bad_cells += 1
            bad_lines.add(line)
            if len(errors) < MAX_ERRORS:
                errors.append(_cell_error(line, key, cell[key], hint))
        if not bad:
            plan = cell["plan"].strip()[:100] if "plan" in cell else None  # None: not in file
            usage = {k: value[k] for k in USAGE_FIELDS if k in value}
            out.append(BillRow(line, number, value["month"], value["amount"], **usage, plan=plan))
    if progress:
        progress("checking", done, done)
    if errors:
        first = errors[0]
        lines = len(bad_lines)
        column = COLUMN_NAMES.get(first["field"], (first["field"], first["field"]))
        raise ServiceError(
            CoreCode.BAD_ROWS,
            f"第{first['line']}行“{column[0]}”列有误（{first['value'][:30]}）：{first['message']}；"
            f"共{lines}行、{bad_cells}处有误，{nothing_done[0]}",
            f"Line {first['line']}, column {column[1]} ({first['value'][:30]!r}): "
            f"{first['message_en']}; {bad_cells} bad cells on {lines} lines; {nothing_done[1]}",
            field="file",
            status=422,
            extra={"errors": errors, "error_count": bad_cells},
        )
    return out


def store(rows: list[BillRow], progress: Progress | None = None) -> list[Bill]:
    """Insert or replace the bills of the rows (call inside a write transaction). Usage columns
    the rows do not carry keep what is stored. A line and month is once in the rows (`parse`
    refuses a second). Rows are written in (number, month) order, so two imports of overlapping files
    lock the same bills in the same order (PostgreSQL) and never deadlock."""
    rows = sorted(
        {(r.number, r.month): r for r in rows}.values(), key=lambda r: (r.number, r.month)
    )
    owners = dict(
        PhoneNumber.objects.filter(number__in={r.number for r in rows}).values_list(
            "number", "customer_id"
        )
    )
    usage = [k for k in (*USAGE_FIELDS, "plan") if any(getattr(r, k) is not None for r in rows)]
    bills = [
        Bill(
            number=r.number,
            month=r.month,
            amount=r.amount,
            customer_id=owners.get(r.number),
            **{k: getattr(r, k) for k in usage},
        )
        for r in rows
    ]
    batch = 2000
    for start in range(0, len(bills), batch):
        if progress:
            progress("writing", start, len(bills))
        Bill.objects.bulk_create(
            bills[start : start + batch],
            update_conflicts=True,
            unique_fields=["number", "month"],
            update_fields=["amount", "customer", *usage],
        )
    if progress:
        progress("writing", len(bills), len(bills))
    return bills
