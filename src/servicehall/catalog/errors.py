"""The error codes of the catalogue: one code for one mistake. Shared mistakes (a required
field, a text too long, a stale version, …) use `core.errors.Code`; a code lives in exactly one
enum (tests/test_architecture.py checks it)."""

from enum import StrEnum


class Code(StrEnum):
    MALFORMED_LINES = "malformed_lines"
    NO_RECOMMENDATION = "no_recommendation"
    NO_TRIPLES = "no_triples"
    RECOMMENDATION_CHANGED = "recommendation_changed"
