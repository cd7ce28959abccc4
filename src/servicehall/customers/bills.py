"""Monthly bill imports (V4, L3): CSV or Excel with one row per line and month.

Columns (a header row, Chinese or English names): 号码/phone, 月份/month (2026-10 or
2026-10-01), 金额/amount (yuan, up to 2 decimals); optionally 套餐/plan (the plan billed, told
to the customer in chat) and the month's usage for the plan recommendation (M2): 通话分钟/voice_minutes, 流量MB/data_mb, 短信条数/sms, 主叫次数/paid_calls
(whole numbers ≥ 0; an empty cell is "not known"). The whole file is checked before anything is
written: any bad row refuses the import with every bad row listed by line number and column.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from servicehall.core.errors import ServiceError

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
MAX_ROWS = 200_000
# 2026-10, 2026-10-01, 2026/10, 202610, 2026年10月 (what billing exports write)
MONTH_RE = re.compile(r"^(\d{4})(?:(?:[-/.]|年)(\d{1,2})|(\d{2}))(?:[-/.]0?1|月)?$")
MAX_ERRORS = 200  # named one by one; beyond, only counted
FIELD_HINTS = {  # what a bad cell should look like (Chinese, English)
    "phone": ("应为11位手机号码", "an 11-digit mobile number"),
    "month": ("月份应为 2026-10 或 202610", "a month like 2026-10 or 202610"),
    "amount": ("应为不小于0的金额（最多2位小数）", "an amount ≥ 0 with at most 2 decimals"),
}
WHOLE_HINT = ("应为不小于0的整数", "a whole number ≥ 0")


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


def whole_number(value: str) -> int | None | bool:
    """A usage cell: None when empty, the number when a whole number ≥ 0 ("1,024" and "12.0"
    accepted), False when malformed."""
    text = value.replace(",", "").strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return False
    if not number.is_finite() or number < 0 or number != number.to_integral_value():
        return False
    return int(number)


def read_rows(data: bytes, filename: str) -> list[tuple[int, list[str]]]:
    if filename.lower().endswith((".xlsx", ".xlsm")):
        import openpyxl

        try:
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise ServiceError(
                "bad_file",
                f"无法读取Excel文件：{exc}",
                f"Cannot read the Excel file: {exc}",
                field="file",
                status=422,
            ) from exc
        sheet = wb.worksheets[0]
        return [
            (i, ["" if v is None else str(v).strip() for v in row])
            for i, row in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030", errors="replace")  # Excel's CSV on Chinese Windows
    return [(i, [c.strip() for c in row]) for i, row in enumerate(csv.reader(io.StringIO(text)), 1)]


def header_columns(header: list[str], names: dict[str, set[str]]) -> dict[str, int]:
    """The position of each known column in a header row (Chinese or English, any case)."""
    cols = {}
    for key, accepted in names.items():
        found = [j for j, h in enumerate(header) if h.strip().lower() in accepted]
        if found:
            cols[key] = found[0]
    return cols


def parse(
    data: bytes,
    filename: str,
    *,
    max_rows: int | None = MAX_ROWS,
    nothing_done: tuple[str, str] = ("未导入任何数据", "nothing was imported"),
) -> list[BillRow]:
    """Every row checked, every bad cell named (line, column, what it should be); any bad cell
    refuses the whole file, and `nothing_done` says what was therefore not done."""
    rows = [(i, r) for i, r in read_rows(data, filename) if any(r)]
    if not rows:
        raise ServiceError("empty_file", "文件为空", "The file is empty", field="file", status=422)
    header_line, header = rows[0]
    cols = {}
    for key, names in HEADERS.items():
        found = [j for j, h in enumerate(header) if h.lower() in names]
        if not found:
            raise ServiceError(
                "missing_column",
                f"第{header_line}行（表头）缺少“{sorted(names)[-1]}”列",
                f"Line {header_line} (header): no {key} column",
                field="file",
                status=422,
                extra={"errors": [{"line": header_line, "field": key}]},
            )
        cols[key] = found[0]
    cols.update(header_columns(header, USAGE_HEADERS))
    cols.update(header_columns(header, PLAN_HEADERS))
    if max_rows is not None and len(rows) - 1 > max_rows:
        raise ServiceError(
            "too_many_rows",
            f"一次最多导入{max_rows}行",
            f"At most {max_rows} rows per import",
            field="file",
            status=422,
        )
    out, errors = [], []
    bad_cells, bad_lines = 0, set()
    for line, r in rows[1:]:
        cell = {k: (r[j] if j < len(r) else "") for k, j in cols.items()}
        number = re.sub(r"[\s\-]", "", cell["phone"])
        m = MONTH_RE.match(cell["month"].split(" ")[0].strip())
        try:
            amount = Decimal(cell["amount"].replace(",", "").strip())
        except InvalidOperation:
            amount = None
        usage = {k: whole_number(cell[k]) for k in USAGE_FIELDS if k in cell}
        bad = [] if MOBILE_RE.match(number) else ["phone"]
        month_no = int(m.group(2) or m.group(3)) if m else 0
        if not 1 <= month_no <= 12:
            bad.append("month")
        if amount is None or amount < 0 or amount.as_tuple().exponent < -2:
            bad.append("amount")
        bad += [k for k, v in usage.items() if v is False]
        for key in bad:
            zh, en = FIELD_HINTS.get(key, WHOLE_HINT)
            bad_cells += 1
            bad_lines.add(line)
            if len(errors) < MAX_ERRORS:
                errors.append(
                    {
                        "line": line,
                        "field": key,
                        "value": cell[key],
                        "message": zh,
                        "message_en": en,
                    }
                )
        if not bad:
            month = date(int(m.group(1)), month_no, 1)
            plan = cell["plan"].strip()[:100] if "plan" in cell else None  # None: not in file
            out.append(BillRow(line, number, month, amount, **usage, plan=plan))
    if errors:
        first = errors[0]
        lines = len(bad_lines)
        raise ServiceError(
            "bad_rows",
            f"第{first['line']}行“{first['field']}”有误（{first['value']}）：{first['message']}；"
            f"共{lines}行、{bad_cells}处有误，{nothing_done[0]}",
            f"Line {first['line']}: bad {first['field']} ({first['value']!r}): "
            f"{first['message_en']}; {bad_cells} bad cells on {lines} lines; {nothing_done[1]}",
            field="file",
            status=422,
            extra={"errors": errors},
        )
    return out


def store(rows: list[BillRow]) -> list[Bill]:
    """Insert or replace the bills of the rows (call inside a write transaction). Usage columns
    the rows do not carry keep what is stored."""
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
    Bill.objects.bulk_create(
        bills,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["number", "month"],
        update_fields=["amount", "customer", *usage],
    )
    return bills
