"""Shared input checks: one wording for one mistake, whichever app finds it. Each raises a
ServiceError (422) naming the field at fault, in words a user reads — "请填写处理结果", never
"resolution 为必填项"."""

from __future__ import annotations

from .errors import Code, ServiceError


def text(
    value,
    field: str,
    label_zh: str,
    label_en: str,
    *,
    limit: int,
    required: bool = True,
) -> str:
    """`value` trimmed; refused when required and empty ("请填写…" / "Please fill in …") or
    longer than `limit` characters."""
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
    return out


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
