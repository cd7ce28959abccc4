"""Complaint API (P1): the three stages of a complaint (TS…) — accept, clarify, resolve — or a
grumble settled on the spot, and who is responsible. A stage is the case engine's transition
(the same as POST /api/cases/{id}/actions/{action}, with the stage's own fields): a stage out
of order is the engine's 409 with the allowed actions, a stale version 409, a stage's refusal
422 naming the field (steps missing or out of order, causes out of order, no basis…)."""

from __future__ import annotations

from django.utils.translation import get_language
from ninja import Field, Router, Schema

from servicehall.cases import selectors
from servicehall.cases import services as cases
from servicehall.complaints import services

from .cases import ERRORS, CaseOut
from .fields import IsoDateTime

router = Router(tags=["complaints 投诉"])
TEXT = cases.MAX_TEXT


class ComplaintAcceptIn(Schema):
    version: int
    steps: list[str] = Field(
        ...,
        max_length=8,
        description="the four steps as taken, in order: listen (倾听), ask (询问), calm (安抚), "
        "confirm (确认); an item 'listen@2026-12-01T09:25:10+08:00' carries when it was done, "
        "and then the times decide the order",
    )
    words: str = Field(..., max_length=TEXT, description="the customer's own words")
    request: str = Field(..., max_length=TEXT, description="what the customer asks for")


class ComplaintClarifyIn(Schema):
    version: int
    causes: list[str] = Field(
        ...,
        max_length=4,
        description="the causes found, in the handbook's order, each that applies: customer "
        "(客户方原因), objective (客观原因), both (双方原因), company (公司原因)",
    )
    explanation: str = Field(..., max_length=TEXT, description="the policy explained")
    article: int | None = Field(None, description="the published knowledge-base article")
    policy: str | None = Field(None, max_length=200, description="or the policy, by name")


class ComplaintResolveIn(Schema):
    version: int
    holds: bool = Field(..., description="the complaint holds (成立) or not (不成立)")
    reason: str = Field(..., max_length=TEXT)
    remedy: str = Field(..., max_length=TEXT)
    basis: str = Field(..., max_length=TEXT, description="the policy basis (有根有据)")
    reply_at: IsoDateTime = Field(..., description="the reply time told to the customer")


class ComplaintGrumbleIn(Schema):
    version: int
    resolution: str = Field(..., max_length=TEXT, description="what was explained on the spot")


class ComplaintResponsibilityIn(Schema):
    version: int
    responsible: str = Field(..., max_length=12, description="hall, department or partner")
    name: str = Field("", max_length=100, description="the department or partner, named")


def _lang() -> str:
    return get_language() or "zh-hans"


def _stage(request, case_id: int, action: str, payload: Schema) -> dict:
    body = payload.dict(exclude={"version"})
    case, _ = cases.act(request.user, case_id, action, version=payload.version, **body)
    return selectors.detail(selectors.get_case(case.pk), request.user, _lang())


@router.post("/{case_id}/accept", response={200: CaseOut, **ERRORS})
def accept(request, case_id: int, payload: ComplaintAcceptIn):
    """受理: the four steps in order, the customer's own words and what they ask for."""
    return _stage(request, case_id, "accept", payload)


@router.post("/{case_id}/clarify", response={200: CaseOut, **ERRORS})
def clarify(request, case_id: int, payload: ComplaintClarifyIn):
    """理解澄清: the causes in the handbook's order, the policy explained, the basis (a
    published article or a named policy)."""
    return _stage(request, case_id, "clarify", payload)


@router.post("/{case_id}/resolve", response={200: CaseOut, **ERRORS})
def resolve(request, case_id: int, payload: ComplaintResolveIn):
    """解决处理: holds or not with the reason, the remedy, the basis, the reply time (a future
    time, the case's promised reply). The survey text follows as for any case."""
    return _stage(request, case_id, "resolve", payload)


@router.post("/{case_id}/grumble", response={200: CaseOut, **ERRORS})
def grumble(request, case_id: int, payload: ComplaintGrumbleIn):
    """当场解释，按抱怨记录: closes the complaint as a grumble, not counted as a complaint."""
    return _stage(request, case_id, "settle_grumble", payload)


@router.post("/{case_id}/responsibility", response={200: CaseOut, **ERRORS})
def responsibility(request, case_id: int, payload: ComplaintResponsibilityIn):
    """Who is responsible, while the complaint is open; the case keeps its owner (C4)."""
    case = services.set_responsibility(
        request.user,
        case_id,
        version=payload.version,
        responsible=payload.responsible,
        name=payload.name,
    )
    return selectors.detail(selectors.get_case(case.pk), request.user, _lang())
