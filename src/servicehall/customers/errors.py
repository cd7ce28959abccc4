"""The error codes of customers and bills: one code for one mistake. Shared mistakes (a required
field, a text too long, a stale version, …) use `core.errors.Code`; a code lives in exactly one
enum (tests/test_architecture.py checks it)."""

from enum import StrEnum


class Code(StrEnum):
    INVALID_PHONE = "invalid_phone"
    UNKNOWN_CUSTOMER = "unknown_customer"
    TOO_MANY_REVEALS = "too_many_reveals"  # the per-person limit of unmasked views (V2)
    WRONG_PROOF = "wrong_proof"  # the ID number or service password does not match (C3)
    NO_SERVICE_PASSWORD = "no_service_password"  # identifying by a password never set
