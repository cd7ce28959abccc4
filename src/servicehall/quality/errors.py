"""Quality supervision's own error codes (the shared ones are core.errors.Code)."""

from enum import StrEnum


class Code(StrEnum):
    UNKNOWN_CHECK = "unknown_check"  # no such quality check, or one of another hall
    SCORE_OUT_OF_RANGE = "score_out_of_range"  # an item scored below 0 or above its maximum
    CHECK_NOT_SCORED = "check_not_scored"  # a rectification from a check not scored yet
