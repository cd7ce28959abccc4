"""Reading a file of contacts for `servicehall warn --input FILE.csv` (P5): a CSV (UTF-8, a BOM
allowed) with a header naming at least `text`, `created_at` and `region`, and optionally `id`,
`category` and `customer`. Read row by row, never whole; a missing column, a time that does not
parse or a line that is not UTF-8 refuses the file naming the line. Times: ISO 8601
(2026-12-01 13:30, 2026-12-01T13:30:05, with or without seconds), or as spreadsheets write it
(2026/12/1 8:54). A column named twice in the header refuses the file."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import datetime

from servicehall.core.errors import Code, ServiceError

REQUIRED = ("text", "created_at", "region")
OPTIONAL = ("id", "category", "customer")


def _bad_line(line: int, zh: str, en: str) -> ServiceError:
    return ServiceError(
        Code.BAD_FILE, f"第{line}行：{zh}", f"Line {line}: {en}", field="input", status=422
    )


# what spreadsheets export besides ISO: 2026/11/1 8:54, 2026-11-01 8:54:07
_LOOSE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?")


def parse_time(value: str) -> datetime | None:
    text = value.strip()
    try:
        return datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        pass
    m = _LOOSE.fullmatch(text)
    if m is None:
        return None
    try:
        return datetime(*(int(g) for g in m.groups(default="0")))
    except ValueError:  # 2026/2/30 8:00
        return None


def _lines(raw, where: list[int]) -> Iterator[str]:
    """The file's lines decoded one by one (UTF-8, a BOM allowed), so a byte that is not UTF-8
    is refused naming its own line; `where[0]` is the line last read."""
    for number, data in enumerate(raw, start=1):
        where[0] = number
        try:
            yield data.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            raise _bad_line(
                number,
                "不是UTF-8编码的文本，请另存为UTF-8后重试",
                "not UTF-8 text; save the file as UTF-8 and try again",
            ) from None


def rows(path: str) -> Iterator[tuple[datetime, str, str, str, str]]:
    """(at, region, text, customer, id) for each row, in file order."""
    with open(path, "rb") as raw:
        where = [0]
        reader = csv.reader(_lines(raw, where))
        try:
            header = [h.strip().lower() for h in next(reader, [])]
            twice = sorted({c for c in header if c and header.count(c) > 1})
            if twice:
                raise _bad_line(
                    1,
                    f"表头中列重复：{'、'.join(twice)}",
                    f"the header names a column twice: {', '.join(twice)}",
                )
            missing = [c for c in REQUIRED if c not in header]
            if missing:
                raise _bad_line(
                    1,
                    f"表头缺少列：{'、'.join(missing)}（需要 text、created_at、region）",
                    f"the header lacks {', '.join(missing)} (text, created_at, region are needed)",
                )
            at_col, region_col, text_col = (
                header.index(c) for c in ("created_at", "region", "text")
            )
            customer_col = header.index("customer") if "customer" in header else None
            id_col = header.index("id") if "id" in header else None
            for row in reader:
                line = reader.line_num
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) != len(header):
                    raise _bad_line(
                        line,
                        f"应有{len(header)}列，实有{len(row)}列",
                        f"{len(header)} columns expected, {len(row)} found",
                    )
                at = parse_time(row[at_col])
                if at is None:
                    raise _bad_line(
                        line,
                        f"created_at“{row[at_col][:30]}”不是时间（如 2026-12-01 13:30）",
                        f"created_at '{row[at_col][:30]}' is not a time (e.g. 2026-12-01 13:30)",
                    )
                region = row[region_col].strip()
                if not region:
                    raise _bad_line(line, "region 为空", "region is empty")
                yield (
                    at.replace(tzinfo=None),
                    region,
                    row[text_col],
                    row[customer_col].strip() if customer_col is not None else "",
                    row[id_col].strip() if id_col is not None else str(line),
                )
        except csv.Error as exc:
            raise _bad_line(where[0], f"CSV格式错误（{exc}）", f"malformed CSV ({exc})") from None
