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
    NUMBER_TAKEN = "number_taken"  # a line that is another customer's (过户 is its own business)
    HAS_MEMBERS = "has_members"  # a family or enterprise with members cannot become individual
    WEAK_PASSWORD = "weak_password"  # a service password anyone would guess
    PRIVILEGE_NOT_GIVEN = "privilege_not_given"  # the tier does not give it (V1)
    PRIVILEGE_USED_UP = "privilege_used_up"  # this year's allowance is used
