"""Reading retention cases: the case page's panel, a customer's retention cases (for the
customer page), the words of the taxonomy."""

from __future__ import annotations

from django.utils.translation import get_language, pgettext_lazy

from servicehall.cases.models import Case
from servicehall.cases.selectors import may_handle, visible
from servicehall.catalog.explain import summary
from servicehall.core.masking import mask_phone
from servicehall.customers.models import Identification
from servicehall.org.models import staff_name

from .models import Competitor, Offer, Outcome, Reason, Request, RetentionRecord, Route
from .services import KIND, recommendation_for
from .workflows import RETENTION, SECOND_LEVEL_PERM


def _zh() -> bool:
    return (get_language() or "zh-hans").startswith("zh")


def _outcome(case: Case) -> str:
    return RETENTION.state_label(case.status, "zh" if _zh() else "en")


def panel(case: Case, user) -> dict | None:
    """What the case page's retention panel shows and which of its forms the user may use;
    None for another case type."""
    if case.kind != KIND:
        return None
    rec = RetentionRecord.objects.filter(case=case).select_related("identification").first()
    attempts = list(rec.attempts.select_related("by__staff")) if rec else []
    handles = may_handle(user, case) and user.has_perm("cases.handle_case")
    open_ = case.closed_at is None
    recorded = rec is not None and bool(rec.reason)
    second = case.status == "second_level" and user.has_perm(SECOND_LEVEL_PERM)
    rec_summary = None
    if open_ and handles:
        found = recommendation_for(case)
        rec_summary = summary(found) if found is not None and found.recommended else None
    return {
        "record": rec,
        "recorded": recorded,
        "reason": Reason(rec.reason).label if recorded else "",
        "competitor": Competitor(rec.competitor).label if rec and rec.competitor else "",
        "request": Request(rec.request).label if rec else Request(Request.CLOSE).label,
        "second_phone": mask_phone(rec.second_phone) if rec and rec.second_phone else "",
        "verified": rec.identification if rec else None,
        "verified_how": METHODS.get(rec.identification.method, "")
        if rec and rec.identification
        else "",
        "routed_to": Route(rec.routed_to).label if rec and rec.routed_to else "",
        "attempts": [
            {
                "a": a,
                "by": staff_name(a.by),
                "offer": a.offer_name or Offer(a.offer).label,
                "outcome": Outcome(a.outcome).label,
                "route": Route(a.route).label if a.route else "",
            }
            for a in attempts
        ],
        "left": rec is not None and rec.left_at is not None,
        "left_by": staff_name(rec.left_by) if rec and rec.left_by_id else "",
        "may_record": open_ and handles and case.status == "first_level" and not recorded,
        "may_first": open_ and handles and case.status == "first_level" and recorded,
        "may_second": open_ and handles and second,
        "may_insist": open_ and handles,
        "plan": rec_summary,
        "reasons": Reason.choices,
        "competitors": Competitor.choices,
        "requests": Request.choices,
        "methods": verification_methods(),
    }


# How a customer who wants to leave is verified at the counter (R1, C3): the ID card or the
# service password (a texted code proves a line, not its owner's identity).
METHODS = {
    Identification.Method.ID_CARD: pgettext_lazy("retention", "ID card"),
    Identification.Method.SERVICE_PASSWORD: pgettext_lazy("retention", "Service password"),
}


def verification_methods() -> list[tuple[str, str]]:
    return list(METHODS.items())


def for_customer(user, customer) -> list[dict]:
    """The customer's retention cases the user may see, newest first, with their outcome and
    each level's attempts (for the customer page)."""
    cases = (
        visible(user)
        .filter(kind=KIND, customer=customer)
        .select_related("retention")
        .order_by("-created_at")
    )
    out = []
    for case in cases:
        rec = getattr(case, "retention", None)
        attempts = list(rec.attempts.all()) if rec else []
        out.append(
            {
                "case_id": case.pk,
                "number": case.number,
                "opened": case.created_at,
                "status": case.status,
                "outcome": _outcome(case),
                "closed": case.closed_at,
                "reason": Reason(rec.reason).label if rec and rec.reason else "",
                "levels": [
                    {"level": a.level, "offer": a.offer_name or "", "outcome": a.outcome}
                    for a in attempts
                ],
                "left_at_insistence": bool(rec and rec.left_at),
            }
        )
    return out
