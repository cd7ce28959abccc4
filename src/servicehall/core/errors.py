"""The one error type of the domain (docs/ARCHITECTURE.md): a code, a message in Chinese and English, the
field at fault and the HTTP status the interface layer should answer with. Services raise it
before they change anything, so a refused operation leaves state as it was."""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    """Mistakes any app can find, one code each; an app's own mistakes are in its `errors.Code`.
    A code lives in exactly one enum (tests/core/test_errors.py checks it)."""

    # input
    REQUIRED = "required"  # a field left empty (field names which)
    TOO_LONG = "too_long"
    INVALID_CHOICE = "invalid_choice"  # a value not among the field's choices
    INVALID_INPUT = "invalid_input"  # the request does not parse (API schema validation)
    UNKNOWN_CATEGORY = "unknown_category"
    # access and state
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    CSRF_FAILED = "csrf_failed"  # a session-signed API write without the CSRF token
    OTHER_HALL = "other_hall"  # an object of a hall the user does not work in
    NOT_FOUND = "not_found"  # also an API address that does not exist
    METHOD_NOT_ALLOWED = "method_not_allowed"  # an API address that does not take this method
    INVALID_TRANSITION = "invalid_transition"
    STALE_VERSION = "stale_version"  # someone else changed it since the form was opened
    # files
    EMPTY_FILE = "empty_file"
    BAD_FILE = "bad_file"
    BAD_FILE_TYPE = "bad_file_type"
    TOO_LARGE = "too_large"
    TOO_MANY_ROWS = "too_many_rows"
    MISSING_COLUMN = "missing_column"
    BAD_ROWS = "bad_rows"
    # the server's own fault: the answer says only that; the traceback goes to the log
    INTERNAL_ERROR = "internal_error"
    # live events
    EVENTS_UNAVAILABLE = "events_unavailable"
    TOO_MANY_STREAMS = "too_many_streams"


class ServiceError(Exception):
    status = 400

    def __init__(
        self,
        code: StrEnum,
        zh: str,
        en: str,
        *,
        field: str | None = None,
        status: int | None = None,
        extra: dict | None = None,
    ):
        if not isinstance(code, StrEnum):  # a bare string would be a code outside the vocabulary
            raise TypeError(f"error code {code!r} is not a member of an app's errors.Code")
        super().__init__(f"{code}: {en}")
        self.code = code
        self.zh = zh
        self.en = en
        self.field = field
        if status is not None:
            self.status = status
        self.extra = extra or {}

    def as_dict(self) -> dict:
        body = {
            "code": self.code,
            "message": self.zh,
            "message_en": self.en,
            "field": self.field,
        }
        body.update(self.extra)
        return body


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    """The request is valid but the current state forbids it (409)."""

    status = 409


def invalid_transition(
    zh: str, en: str, *, field: str, status: str, allowed: list[tuple[str, str, str]]
) -> Conflict:
    """The one 409 of every state machine (tickets, cases, articles): what it is now and the
    actions it allows, each `{action, label, label_en}` — never bare codes, never another
    shape. `allowed`: (action, Chinese label, English label)."""
    return Conflict(
        Code.INVALID_TRANSITION,
        zh,
        en,
        field=field,
        extra={
            "status": status,
            "allowed": [{"action": a, "label": z, "label_en": e} for a, z, e in allowed],
        },
    )


class Forbidden(ServiceError):
    status = 403


def forbidden(action_zh: str, action_en: str) -> Forbidden:
    return Forbidden(
        Code.FORBIDDEN,
        f"您的角色无权{action_zh}",
        f"Your role is not allowed to {action_en}",
    )


def require_perm(user, perm: str, action_zh: str, action_en: str) -> None:
    """Permission check at the entry of every service (docs/ARCHITECTURE.md: checked at entry)."""
    if user is None or not user.is_authenticated or not user.has_perm(perm):
        raise forbidden(action_zh, action_en)
