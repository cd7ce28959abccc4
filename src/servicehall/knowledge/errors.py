"""The error codes of the knowledge base and the assistant's chat: one code for one mistake. Shared mistakes (a required
field, a text too long, a stale version, …) use `core.errors.Code`; a code lives in exactly one
enum (tests/test_architecture.py checks it)."""

from enum import StrEnum


class Code(StrEnum):
    ARCHIVED = "archived"
    AUDIENCE_CONFLICT = "audience_conflict"  # an import's title is another audience's article
    DUPLICATE_TITLE = "duplicate_title"  # a file to import names one title twice
    NO_CHANGE = "no_change"
    OWN_VERSION = "own_version"
    UNKNOWN_ACTION = "unknown_action"
    UNKNOWN_ARTICLE = "unknown_article"
    UNKNOWN_CONVERSATION = "unknown_conversation"
    UNKNOWN_VERSION = "unknown_version"
