"""The complaint panel of the case page (web/cases/_compensation.html): the case's compensation
offers and its upgrade links, read for the signed-in user."""

from django import template

from servicehall.complaints import compensation, upgrades
from servicehall.complaints.models import Approval, CustomerAnswer
from servicehall.core.masking import mask_free_text
from servicehall.org.models import staff_name
from servicehall.org.roles import hall_ids_of

from ..cases import case_of

register = template.Library()


@register.simple_tag(takes_context=True)
def complaint_panel(context, case: dict):
    """None for a case that is not a complaint."""
    if case.get("kind") != "complaint":
        return None
    user = context["request"].user
    obj = case_of(context, case["id"])
    halls = hall_ids_of(user)
    may_approve = user.has_perm("complaints.approve_compensation") and (
        halls is None or obj.hall_id in halls
    )
    may_offer = (
        bool(case.get("can_edit"))
        and not obj.is_closed
        and user.has_perm("complaints.offer_compensation")
    )
    offers = [
        {
            "id": o.pk,
            "amount": o.amount,
            "remedy": mask_free_text(o.remedy),
            "basis": mask_free_text(o.basis),
            "offered_by": staff_name(o.offered_by),
            "offered_at": o.offered_at,
            "answer": o.answer,
            "answer_name": o.get_answer_display(),
            "approval": o.approval,
            "approval_name": o.get_approval_display(),
            "decided_by": staff_name(o.decided_by),
            "decision_reason": mask_free_text(o.decision_reason),
            "paid": o.paid,
            "may_answer": may_offer and o.answer == CustomerAnswer.THINKING,
            "may_decide": may_approve
            and o.approval == Approval.PENDING
            and o.offered_by_id != user.pk,
        }
        for o in compensation.offers_of(obj)
    ]
    return {
        "offers": offers,
        "may_offer": may_offer,
        "threshold": compensation.approval_threshold(),
        "answers": CustomerAnswer.choices,
        **upgrades.upgrade_view(obj),
    }
