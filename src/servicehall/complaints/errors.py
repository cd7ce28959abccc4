"""The complaint desk's own error codes (the shared ones are core.errors.Code)."""

from enum import StrEnum


class Code(StrEnum):
    pass

    # --- appeals (P2, P3, L1)
    UNKNOWN_APPEAL_SOURCE = "unknown_appeal_source"
    DUPLICATE_APPEAL = "duplicate_appeal"  # the source's reference number is registered already
    FUTURE_DATE = "future_date"  # a date received (or of the matter) after today
    UNCONFIRMED_WARNINGS = "unconfirmed_warnings"  # intake warnings not yet confirmed by staff
