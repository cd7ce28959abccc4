"""The error body of every refusal, and the vocabulary of its `code`: the members of every app's
`errors.Code` (docs/ARCHITECTURE.md, "One error vocabulary"). The schema lists them, so a client
can switch on a code and a schema check fails on a code outside the vocabulary."""

from __future__ import annotations

from enum import StrEnum

from ninja import Field, Schema

from servicehall.cases.errors import Code as CasesCode
from servicehall.catalog.errors import Code as CatalogCode
from servicehall.core.errors import Code as CoreCode
from servicehall.customers.errors import Code as CustomersCode
from servicehall.knowledge.errors import Code as KnowledgeCode
from servicehall.org.errors import Code as OrgCode
from servicehall.queueing.errors import Code as QueueingCode
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
