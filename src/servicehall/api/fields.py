"""Input types of the API that are stricter than pydantic's lax defaults. A date is written
YYYY-MM-DD and a time ISO 8601: pydantic would also take a number (or a string of digits) as
seconds since 1970, so `?on=0` meant 1 January 1970 instead of a 422 naming the field. Years
lie in 1970–2199: before 1901 Asia/Shanghai has local mean time (+08:05:43, an offset no
RFC 3339 time can carry), and year 9999 overflows when converted to UTC."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import BeforeValidator

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", re.ASCII)
YEARS = range(1970, 2200)


def _written_as(pattern: re.Pattern, what: str):
    def check(value):
        if isinstance(value, date):
            return value
        if isinstance(value, str) and pattern.match(value.strip()):
            if int(value.strip()[:4]) in YEARS:
                return value
            raise ValueError(f"the year must be between {YEARS.start} and {YEARS.stop - 1}")
        raise ValueError(f"write it as {what}")

    return check


IsoDate = Annotated[date, BeforeValidator(_written_as(_DATE, "YYYY-MM-DD"))]
IsoDateTime = Annotated[
    datetime, BeforeValidator(_written_as(_DATETIME, "YYYY-MM-DDTHH:MM[:SS][+08:00]"))
]

# A page's offset beyond this is an empty page; beyond 2**63 the database refuses the number.
MAX_OFFSET = 10**9


def page_offset(offset: int) -> int:
    return min(max(offset, 0), MAX_OFFSET)
