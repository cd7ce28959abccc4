"""The retention desk's own error codes (the shared ones are core.errors.Code)."""

from enum import StrEnum


class Code(StrEnum):
    NOT_A_RETENTION = "not_a_retention"  # a retention operation on another case type
    NO_CUSTOMER = "no_customer"  # retention needs the customer: none on the case or the form
    SECOND_NUMBER_IS_OWN_LINE = "second_number_is_own_line"  # R1: another number, not the line
    DETAILS_MISSING = "details_missing"  # an attempt before the reason and needs are recorded
    NO_RETENTION_DESK = "no_retention_desk"  # level 1 failed and no desk to send it to
