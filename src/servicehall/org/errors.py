"""The error codes of the organisation (halls, desks, staff): one code for one mistake. Shared mistakes (a required
field, a text too long, a stale version, …) use `core.errors.Code`; a code lives in exactly one
enum (tests/test_architecture.py checks it)."""

from enum import StrEnum


class Code(StrEnum):
    UNKNOWN_HALL = "unknown_hall"
    OWN_ROLES = "own_roles"  # nobody changes their own roles
    UNMASKING_ROLE = "unmasking_role"  # a role that unmasks is not granted from the admin
