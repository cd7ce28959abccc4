"""The error codes of the case engine: one code for one mistake. Shared mistakes (a required
field, a text too long, a stale version, …) use `core.errors.Code`; a code lives in exactly one
enum (tests/test_architecture.py checks it)."""

from enum import StrEnum


class Code(StrEnum):
    ALREADY_REVIEWED = "already_reviewed"
    BEFORE_CASE_OPENED = "before_case_opened"
    CASE_CLOSED = "case_closed"
    CHAT_NOT_CONFIGURED = "chat_not_configured"
    CHAT_NOT_HELD = "chat_not_held"
    CONVERSATION_FULL = "conversation_full"
    CUSTOMER_NOT_IDENTIFIED = "customer_not_identified"
    FILE_NOT_AS_NAMED = "file_not_as_named"  # an attachment whose bytes are not its extension's
    INVALID_TIME = "invalid_time"
    NOT_A_CHAT = "not_a_chat"
    NOT_A_STAFF_CLOSURE = "not_a_staff_closure"
    NO_NUMBER_ON_FILE = "no_number_on_file"
    TIME_IN_FUTURE = "time_in_future"
    TIME_IN_PAST = "time_in_past"
    TOO_MANY_ATTACHMENTS = "too_many_attachments"
    TOP_LEVEL = "top_level"
    UNKNOWN_ATTACHMENT = "unknown_attachment"
    UNKNOWN_CASE = "unknown_case"
    UNKNOWN_CASE_TYPE = "unknown_case_type"
    UNKNOWN_DESK = "unknown_desk"
    UNKNOWN_FIELD = "unknown_field"
    UNKNOWN_HANDLER = "unknown_handler"
