"""The case page's "核查定制关系" panel (web/cases/_subscription.html): on a complaint, the
services with evidence on the customer's lines, the verifications made, and the latest one as
the complaint's remedy. Read here so the case page's own view does not change."""

from django import template

from servicehall.complaints.subscriptions import services
from servicehall.core.masking import mask_phone
from servicehall.org.models import staff_name

from ..cases import case_of

register = template.Library()


@register.simple_tag(takes_context=True)
def subscription_panel(context, case_id):
    """None where the panel has no place (not a complaint); else what it shows."""
    case = case_of(context, case_id)
    if case.kind != "complaint":
        return None
    user = context["request"].user
    lines = services.lines_of(case)
    choices = [{**s, "line_masked": mask_phone(s["line"])} for s in services.services_of(lines)]
    done = list(case.subscription_verifications.select_related("verified_by__staff")[:10])
    remedy = services.remedy_for(case)
    return {
        "may_verify": user.has_perm("complaints.verify_subscription") and not case.closed_at,
        "lines": [mask_phone(n) for n in lines],
        "choices": choices,
        "verifications": [
            {"v": v, "line": mask_phone(v.line), "by": staff_name(v.verified_by)} for v in done
        ],
        "remedy_text": remedy[0] if remedy else "",
        "remedy_amount": remedy[1] if remedy else None,
    }
