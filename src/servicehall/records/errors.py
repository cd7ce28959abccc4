"""The error codes of records and retention: one code for one mistake. Shared mistakes (a
required field, a choice not offered…) use `core.errors.Code`."""

from enum import StrEnum


class Code(StrEnum):
    BELOW_LEGAL_MINIMUM = "below_legal_minimum"  # a retention period shorter than the law's
    CUSTOMER_IN_SERVICE = "customer_in_service"  # erasure asked while the customer is ours
    ALREADY_HELD = "already_held"  # a second open legal hold on one customer
    HOLD_RELEASED = "hold_released"  # releasing a hold released before
