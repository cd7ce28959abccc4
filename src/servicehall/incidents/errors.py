"""The early warning's and the incidents' own error codes (the shared ones are core.errors.Code)."""

from enum import StrEnum


class Code(StrEnum):
    UNKNOWN_ALERT = "unknown_alert"
    UNKNOWN_INCIDENT = "unknown_incident"
    # an open incident of the same service already covers one of the regions since about then
    DUPLICATE_INCIDENT = "duplicate_incident"
    # a case linked by hand that lies outside the incident's regions
    OUTSIDE_INCIDENT = "outside_incident"
    # praise, a suggestion, an appeal: not a contact an outage causes
    NOT_CAUSED = "not_caused"
