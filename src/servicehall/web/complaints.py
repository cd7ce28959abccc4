"""The complaint's part of the case page (P1): the stage forms — accept, understand and
clarify, resolve, or a grumble settled on the spot —, who is responsible, and the service script
panel. The forms post here; each view parses the form and calls one service (a stage is the
case engine's transition, `cases.services.act`, its checks in complaints/stages.py). A refusal
shows the case page again with what was typed, the error beside its form (422)."""

from __future__ import annotations

from django.http import Http404
from django.views.decorators.http import require_POST

from servicehall.cases import services as case_services
from servicehall.complaints import services

from .access import page
from .cases import attempt_on_case as _attempt
from .forms import words

HANDLE = "cases.handle_case"
STAGES = ("accept", "clarify", "resolve", "settle_grumble")


def _stage_payload(stage: str, p) -> dict:
    """What each stage's form sends, as the engine's payload. The steps and the causes in
    the order the user ticked them (the page's script keeps the order in a hidden field);
    without the script, in the order the boxes were sent."""
    if stage == "accept":
        order = p.get("steps_order", "").strip()
        steps = order.split(",") if order else p.getlist("step")
        return {"steps": steps, "words": p.get("words", ""), "request": p.get("request", "")}
    if stage == "clarify":
        order = p.get("causes_order", "").strip()
        return {
            "causes": order.split(",") if order else p.getlist("cause"),
            "explanation": p.get("explanation", ""),
            "article": p.get("article", ""),
            "policy": p.get("policy", ""),
        }
    if stage == "resolve":
        return {k: p.get(k, "") for k in ("holds", "reason", "remedy", "basis", "reply_at")}
    return {"resolution": p.get("resolution", "")}


@page(HANDLE)
@require_POST
def stage(request, case_id, stage):
    if stage not in STAGES:
        raise Http404
    p = request.POST
    payload = _stage_payload(stage, p)
    return _attempt(
        request,
        case_id,
        lambda: case_services.act(
            request.user, case_id, stage, version=p.get("version"), **payload
        ),
        stage,
        "complaint",
    )


@page(HANDLE)
@require_POST
def responsibility(request, case_id):
    p = request.POST
    return _attempt(
        request,
        case_id,
        lambda: services.set_responsibility(
            request.user,
            case_id,
            version=p.get("version"),
            responsible=p.get("responsible", ""),
            name=p.get("responsible_name", ""),
        ),
        "responsibility",
        "responsibility",
        words("已记录责任方", "Responsibility recorded"),
    )
