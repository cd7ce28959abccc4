"""The error codes of the organisation (halls, desks, staff): one code for one mistake. Shared mistakes (a required
field, a text too long, a stale version, …) use `core.errors.Code`; a code lives in exactly one
enum (tests/test_architecture.py checks it)."""

from enum import StrEnum


class Code(StrEnum):
    UNKNOWN_HALL = "unknown_hall"
