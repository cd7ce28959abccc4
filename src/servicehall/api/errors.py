"""The error body of every refusal, and the vocabulary of its `code`: the members of every app's
`errors.Code` (docs/ARCHITECTURE.md, "One error vocabulary"). The schema lists them, so a client
can switch on a code and a schema check fails on a code outside the vocabulary."""

from __future__ import annotations

from enum import StrEnum

from ninja import Field, Schema

from servicehall.cases.errors import Code as CasesCode
from servicehall.catalog.errors import Code as CatalogCode
from servicehall.complaints.errors import Code as ComplaintsCode
from servicehall.core.errors import Code as CoreCode
from servicehall.core.errors import Forbidden, NotFound, ServiceError
from servicehall.customers.errors import Code as CustomersCode
from servicehall.incidents.errors import Code as IncidentsCode
from servicehall.knowledge.errors import Code as KnowledgeCode
from servicehall.org.errors import Code as OrgCode
from servicehall.quality.errors import Code as QualityCode
from servicehall.queueing.errors import Code as QueueingCode
from servicehall.records.errors import Code as RecordsCode
from servicehall.retention.errors import Code as RetentionCode
from servicehall.surveys.errors import Code as SurveysCode

VOCABULARY: tuple[type[StrEnum], ...] = (
    CoreCode,
    OrgCode,
    CustomersCode,
    CatalogCode,
    QueueingCode,
    KnowledgeCode,
    CasesCode,
    SurveysCode,
    ComplaintsCode,
    IncidentsCode,
    RecordsCode,
    RetentionCode,
    QualityCode,
)
ERROR_CODES: list[str] = sorted(c.value for enum in VOCABULARY for c in enum)


class AllowedOut(Schema):
    action: str
    label: str
    label_en: str


class ErrorOut(Schema):
    """Every refusal: the code, the message in Chinese and English, the field at fault; a 409
    for an action the state does not allow (`invalid_transition`) also says the current
    `status` and the actions `allowed` now."""

    code: str = Field(json_schema_extra={"enum": ERROR_CODES})
    message: str
    message_en: str
    field: str | None = None
    status: str | None = None
    allowed: list[AllowedOut] | None = None


def framework_error(status: int, method: str = "", path: str = "") -> ServiceError:
    """The refusal for an answer made before or around our code — an address or method the API
    does not have, a body the framework cannot read, a server fault — in the same shape as
    every other: a code of the vocabulary, both languages. Never the exception's text."""
    if status == 404:
        return NotFound(
            CoreCode.NOT_FOUND,
            f"接口不存在：{path}",
            f"No such API address: {path}",
            field="path",
        )
    if status == 405:
        return ServiceError(
            CoreCode.METHOD_NOT_ALLOWED,
            f"该接口不支持 {method} 请求",
            f"This API address does not take {method} requests",
            field="method",
            status=405,
        )
    if status == 401:
        return ServiceError(
            CoreCode.UNAUTHENTICATED, "请先登录", "Authentication required", status=401
        )
    if status == 403:
        return Forbidden(CoreCode.FORBIDDEN, "无权访问", "Access denied")
    if status == 413:
        return ServiceError(
            CoreCode.TOO_LARGE, "请求内容过大", "The request is too large", field="body", status=413
        )
    if status >= 500:
        return ServiceError(
            CoreCode.INTERNAL_ERROR,
            "服务器内部错误，请稍后再试；一直出现时请联系系统管理员",
            "Internal server error: try again later, and tell an administrator if it persists",
            status=status,
        )
    return ServiceError(
        CoreCode.INVALID_INPUT, "请求无法处理", "The request could not be processed", status=status
    )


def csrf_failed() -> ServiceError:
    return Forbidden(
        CoreCode.CSRF_FAILED,
        "请求未通过 CSRF 校验：以登录会话调用接口时请带上 X-CSRFToken 请求头，或改用 API 令牌",
        "CSRF check failed: with a signed-in session send the X-CSRFToken header, "
        "or use an API token",
    )


def unreadable_body() -> ServiceError:
    return ServiceError(
        CoreCode.INVALID_INPUT,
        "请求内容不是有效的 JSON",
        "The request body is not valid JSON",
        field="body",
        status=400,
    )


def body_not_an_object() -> ServiceError:
    return ServiceError(
        CoreCode.INVALID_INPUT,
        "请求内容必须是 JSON 对象（{…}）",
        "The request body must be a JSON object ({…})",
        field="body",
        status=422,
    )
