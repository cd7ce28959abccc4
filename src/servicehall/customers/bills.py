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
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

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
MAX_ROWS = 200_000
# 2026-10, 2026-10-01, 2026/10, 202610, 2026年10月 (what billing exports write)
MONTH_RE = re.compile(r"^(\d{4})(?:(?:[-/.]|年)(\d{1,2})|(\d{2}))(?:[-/.]0?1|月)?$")
MAX_ERRORS = 200  # named one by one; beyond, only counted
# progress(stage, done, total): stage "checking" (rows checked) or "writing" (rows stored);
# called every PROGRESS_EVERY rows and at the end of each stage (core.imports shows it).
Progress = Callable[[str, int, int], None]
PROGRESS_EVERY = 500
FIELD_HINTS = {  # what a bad cell should look like (Chinese, English)
    "phone": ("应为11位手机号码", "an 11-digit mobile number"),
    "month": ("月份应为 2026-10 或 202610", "a month like 2026-10 or 202610"),
    "amount": ("应为不小于0的金额（最多2位小数）", "an amount ≥ 0 with at most 2 decimals"),
}
WHOLE_HINT = ("应为不小于0的整数", "a whole number ≥ 0")
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


# An .xlsx is a zip: refused before it is opened when it would expand past this (a zip bomb).
MAX_UNZIPPED = 100 * 1024 * 1024


def _bad_file(zh: str, en: str) -> ServiceError:
    return ServiceError(CoreCode.BAD_FILE, zh, en, field="file", status=422)


def _check_xlsx(data: bytes) -> None:
    """Refuse what is not a zip, or would expand to more than MAX_UNZIPPED (the sizes the zip
    declares bound what zipfile — and so openpyxl — will ever inflate)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise _bad_file(
            "无法读取Excel文件：文件已损坏，或不是 .xlsx 格式（请另存为 .xlsx 或 CSV）",
            "Cannot read the Excel file: it is damaged or not in .xlsx format "
            "(save it as .xlsx or CSV)",
        ) from exc
    if len(infos) > 10_000 or sum(i.file_size for i in infos) > MAX_UNZIPPED:
        raise _bad_file(
            "Excel文件解压后过大（超过100MB），不是正常的账单或目录文件",
            "The Excel file expands to more than 100 MB: not a normal bill or catalogue file",
        )


def read_rows(data: bytes, filename: str) -> list[tuple[int, list[str]]]:
    if filename.lower().endswith((".xlsx", ".xlsm")):
        import openpyxl

        _check_xlsx(data)
        try:
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sheet = wb.worksheets[0]
            return [
                (i, ["" if v is None else str(v).strip() for v in row])
                for i, row in enumerate(sheet.iter_rows(values_only=True), start=1)
            ]
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise _bad_file(
                "无法读取Excel文件：文件已损坏，或不是 .xlsx 格式（请另存为 .xlsx 或 CSV）",
                "Cannot read the Excel file: it is damaged or not in .xlsx format "
                "(save it as .xlsx or CSV)",
            ) from exc
    if b"\x00" in data:
        raise _bad_file(
            "文件不是CSV文本（含有二进制内容），请上传CSV或Excel（.xlsx）文件",
            "The file is not CSV text (it has binary content): upload a CSV or Excel (.xlsx) file",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030", errors="replace")  # Excel's CSV on Chinese Windows
    try:
        return [
            (i, [c.strip() for c in row]) for i, row in enumerate(csv.reader(io.StringIO(text)), 1)
        ]
    except csv.Error as exc:  # a cell over the csv module's limit (128 KB), a stray NUL
        raise _bad_file(
            "无法读取CSV文件：内容不是正常的表格（单元格过长或格式错误）",
            "Cannot read the CSV file: not a normal table (a cell too long or malformed)",
        ) from exc


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
    progress: Progress | None = None,
) -> list[BillRow]:
    """Every row checked, every bad cell named (line, column, what it should be); any bad cell
    refuses the whole file, and `nothing_done` says what was therefore not done."""
    if progress:
        progress("checking", 0, 0)  # reading the file: the number of rows is not known yet
    rows = [(i, r) for i, r in read_rows(data, filename) if any(r)]
    if not rows:
        raise ServiceError(
            CoreCode.EMPTY_FILE, "文件为空", "The file is empty", field="file", status=422
        )
    header_line, header = rows[0]
    cols = {}
    for key, names in HEADERS.items():
        found = [j for j, h in enumerate(header) if h.lower() in names]
        if not found:
            raise ServiceError(
                CoreCode.MISSING_COLUMN,
                f"第{header_line}行（表头）缺少“{sorted(names)[-1]}”列",
                f"Line {header_line} (header): no {key} column",
                field="file",
                status=422,
                extra={
                    "errors": [
                        {
                            "line": header_line,
                            "field": key,
                        }
                    ]
                },
            )
        cols[key] = found[0]
    cols.update(header_columns(header, USAGE_HEADERS))
    cols.update(header_columns(header, PLAN_HEADERS))
    if max_rows is not None and len(rows) - 1 > max_rows:
        raise ServiceError(
            CoreCode.TOO_MANY_ROWS,
            f"一次最多导入{max_rows}行",
            f"At most {max_rows} rows per import",
            field="file",
            status=422,
        )
    out, errors = [], []
    bad_cells, bad_lines = 0, set()
    total = len(rows) - 1
    for done, (line, r) in enumerate(rows[1:]):
        if progress and done % PROGRESS_EVERY == 0:
            progress("checking", done, total)
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
    if progress:
        progress("checking", total, total)
    if errors:
        first = errors[0]
        lines = len(bad_lines)
        raise ServiceError(
            CoreCode.BAD_ROWS,
            f"第{first['line']}行“{first['field']}”有误（{first['value']}）：{first['message']}；"
            f"共{lines}行、{bad_cells}处有误，{nothing_done[0]}",
            f"Line {first['line']}: bad {first['field']} ({first['value']!r}): "
            f"{first['message_en']}; {bad_cells} bad cells on {lines} lines; {nothing_done[1]}",
            field="file",
            status=422,
            extra={"errors": errors, "error_count": bad_cells},
        )
    return out


def store(rows: list[BillRow], progress: Progress | None = None) -> list[Bill]:
    """Insert or replace the bills of the rows (call inside a write transaction). Usage columns
    the rows do not carry keep what is stored. A line and month twice in the file: the later
    row wins. Rows are written in (number, month) order, so two imports of overlapping files
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
