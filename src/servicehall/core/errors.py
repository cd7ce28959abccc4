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
    TOO_SHORT = "too_short"  # fewer meaningful characters than the field needs
    INVALID_CHOICE = "invalid_choice"  # a value not among the field's choices
    INVALID_INPUT = "invalid_input"  # the request does not parse (API schema validation)
    UNKNOWN_CATEGORY = "unknown_category"
    UNKNOWN_REGION = "unknown_region"  # no region of that id, code or name (org.regions)
    INVALID_NUMBER = "invalid_number"  # not plain digits, or beyond the column (validate.py)
    INVALID_DATE = "invalid_date"  # not a date, or outside the years a bill can have
    INVALID_CHARACTER = "invalid_character"  # a NUL character in text (validate.no_nul)
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
    # one-time codes texted to the customer (a chat's number, a case's closing, identifying)
    CODE_EXPIRED = "code_expired"
    CODE_TOO_SOON = "code_too_soon"
    WRONG_CODE = "wrong_code"
    # floods (core/ratelimit.py)
    RATE_LIMITED = "rate_limited"  # too many attempts: wait `retry_after` seconds
    # outages
    DATABASE_UNAVAILABLE = "database_unavailable"  # the database did not answer in time


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


def check_version(given, current, zh: str, en: str, *, required: bool = True) -> None:
    """The one stale-version refusal of every edited object (a case, an article, an alert, an
    incident): 409 `stale_version` with the current version, when what the form or the client
    read is not what is there now. `required=False`: a caller that sent no version is not
    checked (a service called from code, not from a form)."""
    if given is None and not required:
        return
    if given is None or str(given) != str(current):
        raise Conflict(
            Code.STALE_VERSION, zh, en, field="version", extra={"current_version": current}
        )


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


class RateLimited(ServiceError):
    """Too many attempts (429): the caller may try again after `retry_after` seconds, which the
    body carries and the API also sends as the `Retry-After` header."""

    status = 429

    def __init__(self, code: StrEnum, zh: str, en: str, *, retry_after: int, field=None):
        self.retry_after = max(1, int(retry_after))
        super().__init__(code, zh, en, field=field, extra={"retry_after": self.retry_after})


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


def database_unavailable() -> ServiceError:
    """The database locked, away or out of connections (an outage, a restart, a long write
    elsewhere): a 503 the client may retry, never a 500 — nothing was written, the transaction
    died with the connection. Answered by web.views.server_error (pages, and anything outside
    the API's views) and the API's handler alike."""
    return ServiceError(
        Code.DATABASE_UNAVAILABLE,
        "系统暂时无法访问数据库，请稍后再试",
        "The system cannot reach its database right now; try again in a moment",
        status=503,
    )


def unreadable_request(field: str = "body") -> ServiceError:
    """A body that cannot be parsed at all (a broken multipart frame, too many fields): 400,
    from the request guard and the API's handler alike."""
    return ServiceError(
        Code.INVALID_INPUT,
        "请求内容无法读取（格式错误或字段过多）",
        "The request's content cannot be read (malformed, or too many fields)",
        field=field,
        status=400,
    )
