"""The complaint's panel on the case page (P6, P1): compensation offers — make one, record the
customer's answer, the hall manager's approval or rejection — and the upgraded-complaint link.
Each form posts to one service and goes back to the panel; a refusal is flashed in the
interface language at the top of the case page."""

from __future__ import annotations

from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from servicehall.complaints import compensation, upgrades

from .access import page
from .forms import attempt, words


def _back(case_id: int, anchor: str = "compensation"):
    return redirect(reverse("web:case", kwargs={"case_id": case_id}) + f"#{anchor}")


@page("complaints.offer_compensation")
@require_POST
def offer(request, case_id):
    p = request.POST
    attempt(
        request,
        lambda: compensation.offer(
            request.user,
            case_id,
            amount=p.get("amount", ""),
            basis=p.get("basis", ""),
            remedy=p.get("remedy", ""),
        ),
        words("已登记补偿方案", "Offer recorded"),
        form="compensation",
    )
    return _back(case_id)


@page("complaints.offer_compensation")
@require_POST
def answer(request, case_id, offer_id):
    p = request.POST
    attempt(
        request,
        lambda: compensation.answer(
            request.user, case_id, offer_id, answer=p.get("answer", ""), note=p.get("note", "")
        ),
        words("已登记客户答复", "Customer's answer recorded"),
        form="compensation",
    )
    return _back(case_id)


@page("complaints.approve_compensation")
@require_POST
def decide(request, case_id, offer_id):
    p = request.POST
    approve = p.get("decision") == "approve"
    attempt(
        request,
        lambda: compensation.decide(
            request.user, case_id, offer_id, approve=approve, reason=p.get("reason", "")
        ),
        words("已批准", "Approved") if approve else words("已驳回", "Rejected"),
        form="compensation",
    )
    return _back(case_id)


@page("complaints.offer_compensation")
@require_POST
def upgrade(request, case_id):
    p = request.POST
    attempt(
        request,
        lambda: upgrades.mark_upgraded(
            request.user, case_id, source=p.get("source", ""), first=p.get("first", "")
        ),
        words("已标记为升级投诉", "Marked as an upgraded complaint"),
        form="upgrade",
    )
    return _back(case_id, "upgrade")
