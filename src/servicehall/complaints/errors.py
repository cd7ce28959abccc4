"""The complaint desk's own error codes (the shared ones are core.errors.Code)."""

from enum import StrEnum


class Code(StrEnum):
    # --- subscription disputes (P4)
    NOT_A_COMPLAINT = "not_a_complaint"  # a subscription is verified on a complaint only
    UNKNOWN_SUBSCRIPTION = "unknown_subscription"  # no evidence of this service on the lines
