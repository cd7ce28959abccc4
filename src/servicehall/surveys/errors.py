"""The error codes of surveys and counter ratings: one code for one mistake. Shared mistakes (a required
field, a text too long, a stale version, …) use `core.errors.Code`; a code lives in exactly one
enum (tests/test_architecture.py checks it)."""

from enum import StrEnum


class Code(StrEnum):
    ALREADY_ANSWERED = "already_answered"
    ALREADY_RATED = "already_rated"
    EXPIRED = "expired"
    INVALID_SCORE = "invalid_score"
    NO_SERVICE_TO_RATE = "no_service_to_rate"
    RATING_CLOSED = "rating_closed"
    STAFF_SESSION = "staff_session"
    UNKNOWN_SURVEY = "unknown_survey"
    NOT_THIS_DEVICES_COUNTER = "not_this_devices_counter"
