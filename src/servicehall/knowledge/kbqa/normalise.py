"""Text normalisation: full-width → half-width, lower case, no spaces, Chinese numerals before a
unit as digits, one spelling per unit (g = GB, m = MB, 元 = 块/块钱).

Questions and the catalogue's names are both read through `normalize`, so they meet in one
spelling."""

from __future__ import annotations

import re
import unicodedata

_CN_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
# "一个G" is 1 GB, "哪一个" is "which one"
_CN_NUM_RE = re.compile(r"(?<![哪这那每])[零一二两三四五六七八九十百千]+(?=[元块个g分兆m])")


def _cn_to_int(s: str) -> int | None:
    total, digit = 0, None
    for ch in s:
        if ch in _CN_DIGITS:
            if digit is not None:  # "一二" is not a number we read
                return None
            digit = _CN_DIGITS[ch]
        else:
            unit = _CN_UNITS[ch]
            total += (1 if digit is None else digit) * unit
            digit = None
    return total + (digit or 0)


def _cn_numbers(text: str) -> str:
    def repl(m):
        value = _cn_to_int(m.group(0))
        return str(value) if value is not None else m.group(0)

    return _CN_NUM_RE.sub(repl, text)


_UNIT_RULES = [
    (re.compile(r"(\d)\s*(?:个)?\s*(?:gb|g|吉)"), r"\1g"),
    (re.compile(r"(\d)\s*(?:个)?\s*(?:mb|兆|m)(?![a-z])"), r"\1m"),
    (re.compile(r"(\d)\s*(?:块钱|块|元钱|圆)"), r"\1元"),
]


def normalize(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).lower()
    t = re.sub(r"\s+", "", t)
    t = t.replace("[", "").replace("]", "")
    t = _cn_numbers(t)
    for pattern, repl in _UNIT_RULES:
        t = pattern.sub(repl, t)
    return t
