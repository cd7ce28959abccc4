"""Shared input checks: one wording for one mistake, whichever app finds it. Each raises a
ServiceError (422) naming the field at fault, in words a user reads — "请填写处理结果", never
"resolution 为必填项"."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from .errors import Code, ServiceError


def too_meagre(value: str, at_least: int) -> bool:
    """Whether a reason or a note says nothing: fewer than `at_least` letters, digits or
    Chinese characters, or one repeated (".", "ok", "aaaa", "1111")."""
    meaningful = [ch for ch in value if ch.isalnum()]
    return len(meaningful) < at_least or len(set(meaningful)) < 2


def text(
    value,
    field: str,
    label_zh: str,
    label_en: str,
    *,
    limit: int,
    required: bool = True,
    meaningful: int = 0,
) -> str:
    """`value` trimmed; refused when required and empty ("请填写…" / "Please fill in …"),
    longer than `limit` characters, or — given `meaningful` — saying nothing (too_meagre)."""
    if value is None:
        out = ""
    elif isinstance(value, str):
        out = value.strip()
    else:
        out = str(value)
    if required and not out:
        raise ServiceError(
            Code.REQUIRED,
            f"请填写{label_zh}",
            f"Please fill in {label_en}",
            field=field,
            status=422,
        )
    if len(out) > limit:
        raise ServiceError(
            Code.TOO_LONG,
            f"{label_zh}不能超过 {limit} 个字（现为 {len(out)} 个字）",
            f"{label_en[:1].upper()}{label_en[1:]} must be at most {limit} characters "
            f"(it has {len(out)})",
            field=field,
            status=422,
        )
    if meaningful and out and too_meagre(out, meaningful):
        raise ServiceError(
            Code.TOO_SHORT,
            f"请如实写明{label_zh}（至少{meaningful}个字）",
            f"Say what {label_en} is (at least {meaningful} letters or characters)",
            field=field,
            status=422,
        )
    return out


# --- numbers, dates and text read from files (imports) ---------------------------------------
# One parser for every importer (bills, the catalogue, the knowledge graph): a cell is read with
# bounded work whatever it holds. Decimal("1e1000000") is a valid number whose int() or quantize
# takes a process for tens of seconds, NaN compares with an exception, and a value beyond the
# column's digits is a database error on PostgreSQL: all are refused here, as words, before any
# arithmetic. A cell is plain digits — no exponent, NaN or Infinity —, at most
# MAX_SIGNIFICANT significant digits, thousands separators and full-width digits accepted.

MAX_SIGNIFICANT = 15  # what a double (Excel's own numbers) carries exactly
MAX_INT = 2_147_483_647  # PositiveIntegerField / IntegerField on PostgreSQL
MIN_YEAR, MAX_YEAR = 1900, 2199  # dates in bills and catalogues; year 0 is not a date
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－＋", "0123456789.,-+")
_NUMBER_RE = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?")
_DATE_RE = re.compile(
    r"([0-9]{4})(?:[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?|([0-9]{2})([0-9]{2}))"
)
_MONTH_RE = re.compile(r"([0-9]{4})(?:(?:[-/.]|年)([0-9]{1,2})|([0-9]{2}))(?:[-/.]0?1|月)?")


def choice(value, choices, field: str, label_zh: str, label_en: str) -> str:
    """`value` one of `choices` (a TextChoices), else refused naming the field and what it may
    be, in both languages."""
    out = value.strip() if isinstance(value, str) else ""
    if out not in choices.values:
        offered_zh = "、".join(f"{c.value}（{c.label}）" for c in choices)
        raise ServiceError(
            Code.INVALID_CHOICE,
            f"{label_zh}取值无效：{str(value)[:40]!s}（可选：{offered_zh}）",
            f"Invalid {label_en} {str(value)[:40]!r}: one of {', '.join(choices.values)}",
            field=field,
            status=422,
        )
    return out


def _bad_number(field: str, zh: str, en: str) -> ServiceError:
    return ServiceError(Code.INVALID_NUMBER, zh, en, field=field, status=422)


def decimal_number(
    value,
    field: str,
    *,
    places: int,
    max_digits: int,
    minimum: Decimal | int | None = 0,
    unit: str = "",
) -> Decimal | None:
    """A cell as a Decimal, None when empty; refused (422 `invalid_number`, `field`) when it is
    not plain digits, has more than `places` decimals or more digits than the column's
    `max_digits` (MAX_SIGNIFICANT at most), or is below `minimum`. `unit` ("元") may follow."""
    text = str(value).strip()
    if not text.isascii():
        text = text.translate(_FULL_WIDTH)
    text = text.replace(",", "")
    if unit:
        text = text.removesuffix(unit).strip()
    if not text:
        return None
    whole_digits = min(max_digits - places, MAX_SIGNIFICANT)

    def too_large() -> ServiceError:
        return _bad_number(
            field,
            f"数字过大：整数部分最多{whole_digits}位",
            f"the number is too large: at most {whole_digits} digits before the point",
        )

    if len(text) > 2 * MAX_SIGNIFICANT + 2:  # no plain number that fits is this long
        raise too_large()
    m = _NUMBER_RE.fullmatch(text)
    if m is None or not (m.group(2) or m.group(3)):
        raise _bad_number(
            field,
            f"“{text[:20]}”不是数字（只接受普通写法的数字，不接受科学计数法、NaN或Infinity）",
            f"'{text[:20]}' is not a number (plain digits only: no exponent, NaN or Infinity)",
        )
    sign, whole, fraction = m.group(1), m.group(2).lstrip("0"), (m.group(3) or "").rstrip("0")
    if len(fraction) > places:
        raise _bad_number(field, f"最多{places}位小数", f"at most {places} decimal places")
    if len(whole) > whole_digits or len(whole) + len(fraction) > MAX_SIGNIFICANT:
        raise too_large()
    # written to the column's places (301 → 301.00), as the database will keep it
    number = Decimal(
        f"{sign}{whole or '0'}.{fraction.ljust(places, '0')}" if places else f"{sign}{whole or '0'}"
    )
    if minimum is not None and number < minimum:
        raise _bad_number(field, f"不能小于{minimum}", f"must not be below {minimum}")
    return number


def whole_number(value, field: str, *, maximum: int = MAX_INT) -> int | None:
    """A cell as a whole number ≥ 0 ("1,024" and "12.0" accepted), None when empty; refused as
    `decimal_number` refuses, and above `maximum` (the column's largest value)."""
    text = str(value).strip()
    if text.isascii() and text.isdigit() and len(text) <= MAX_SIGNIFICANT:  # the usual cell
        number = int(text)
    else:
        parsed = decimal_number(text, field, places=0, max_digits=MAX_SIGNIFICANT)
        if parsed is None:
            return None
        number = int(parsed)
    if number > maximum:
        raise _bad_number(field, f"不能大于{maximum}", f"must not be above {maximum}")
    return number


def _bad_date(field: str, text: str) -> ServiceError:
    return ServiceError(
        Code.INVALID_DATE,
        f"“{text[:20]}”不是{MIN_YEAR}至{MAX_YEAR}年之间的日期（应为 2026-01-01）",
        f"'{text[:20]}' is not a date between {MIN_YEAR} and {MAX_YEAR} (like 2026-01-01)",
        field=field,
        status=422,
    )


def _checked_date(field: str, text: str, year: str, month: str, day: str) -> date:
    y = int(year)
    if not MIN_YEAR <= y <= MAX_YEAR:
        raise _bad_date(field, text)
    try:
        return date(y, int(month), int(day))
    except ValueError:  # 2026-02-30, month 13
        raise _bad_date(field, text) from None


def calendar_date(value, field: str) -> date | None:
    """A cell as a date, None when empty: 2026-01-01, 2026/1/1, 2026.01.01, 2026年1月1日 or
    20260101, optionally followed by a time (Excel's "2026-01-01 00:00:00"); refused
    (422 `invalid_date`, `field`) when malformed, impossible or outside MIN_YEAR–MAX_YEAR."""
    text = str(value).strip().translate(_FULL_WIDTH).split(" ")[0].split("T")[0]
    if not text:
        return None
    m = _DATE_RE.fullmatch(text) if len(text) <= 12 else None
    if m is None:
        raise _bad_date(field, text)
    return _checked_date(
        field, text, m.group(1), m.group(2) or m.group(4), m.group(3) or m.group(5)
    )


def month(value, field: str) -> date | None:
    """A billing month as its first day, None when empty: 2026-10, 2026-10-01, 2026/10, 202610
    or 2026年10月 (what billing exports write); refused as `calendar_date` refuses."""
    text = str(value).strip().translate(_FULL_WIDTH).split(" ")[0]
    if not text:
        return None
    m = _MONTH_RE.fullmatch(text) if len(text) <= 12 else None
    if m is None:
        raise _bad_date(field, text)
    return _checked_date(field, text, m.group(1), m.group(2) or m.group(3), "1")


NUL = "\x00"


def no_nul(value: str, field: str | None) -> str:
    """Text with a NUL character (\\x00) is refused (422 `invalid_character`, `field`): no
    person types one, PostgreSQL cannot store one, and a query with one fails there. The web
    layer applies it to every request once (web.middleware.RequestGuardMiddleware); importers
    to every cell."""
    if NUL in value:
        raise ServiceError(
            Code.INVALID_CHARACTER,
            "输入中含有不允许的控制字符（NUL），请删除后重试",
            "The input contains a character that is not allowed (NUL): remove it and try again",
            field=field,
            status=422,
        )
    return value


def storable(value: str, field: str | None) -> str:
    """Text a file brings that no database stores and no page shows: a NUL, a lone surrogate
    (half of a UTF-16 pair, as "\\ud800" in JSON), another control character than a tab or a
    line end — refused (422 `invalid_character`, `field`)."""
    no_nul(value, field)
    bad = next(
        (
            ch
            for ch in value
            if "\ud800" <= ch <= "\udfff" or (ch < " " and ch not in "\t\n\r") or ch == "\x7f"
        ),
        None,
    )
    if bad is not None:
        code = f"U+{ord(bad):04X}"
        raise ServiceError(
            Code.INVALID_CHARACTER,
            f"输入中含有不允许的字符（{code}），请删除后重试",
            f"The input contains a character that is not allowed ({code}): remove it and try again",
            field=field,
            status=422,
        )
    return value


def object_id(value) -> int | None:
    """`value` as a database id when it is written in ASCII digits (12, "12"), else None, so a
    caller answers "unknown" (404) for anything else. `str.isdigit()` is no guard: it is true
    for "²" and "①", which `int()` — and the database — refuse."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 2**63 else None
    text = str(value).strip() if value is not None else ""
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number < 2**63 else None
