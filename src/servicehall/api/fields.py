"""Input types of the API that are stricter than pydantic's lax defaults. A date is written
YYYY-MM-DD and a time ISO 8601: pydantic would also take a number (or a string of digits) as
seconds since 1970, so `?on=0` meant 1 January 1970 instead of a 422 naming the field."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import BeforeValidator

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", re.ASCII)


def _written_as(pattern: re.Pattern, what: str):
    def check(value):
        if isinstance(value, date) or (isinstance(value, str) and pattern.match(value.strip())):
            return value
        raise ValueError(f"write it as {what}")

    return check


IsoDate = Annotated[date, BeforeValidator(_written_as(_DATE, "YYYY-MM-DD"))]
IsoDateTime = Annotated[
    datetime, BeforeValidator(_written_as(_DATETIME, "YYYY-MM-DDTHH:MM[:SS][+08:00]"))
]
