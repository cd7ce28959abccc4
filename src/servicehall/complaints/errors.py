"""The complaint desk's own error codes (the shared ones are core.errors.Code)."""

from enum import StrEnum


class Code(StrEnum):
    pass
