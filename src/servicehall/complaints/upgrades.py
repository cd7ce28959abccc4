"""Upgraded complaints (升级投诉, P1): the same customer about the same matter again after our
reply — an earlier complaint of theirs, resolved or closed, in the same category, which the
case page offers ("this looks like an upgrade of TS…") and staff confirm — or a complaint that
came through a higher channel (the group's express line, the provincial centre). Linked to the
first complaint, shown on both, counted apart in the monthly report."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from servicehall.cases.models import Case
from servicehall.cases.services import record_event
from servicehall.cases.services.common import check_open
from servicehall.core import validate
from servicehall.core.db import write_transaction
from servicehall.core.errors import Code as CoreCode
from servicehall.core.errors import Conflict, ServiceError, require_perm

from .compensation import complaint_for
from .errors import Code
from .models import ComplaintUpgrade, UpgradeSource

# an earlier complaint that has had our reply: resolved, or closed (not a grumble)
REPLIED = Q(resolved_at__isnull=False) | Q(status="closed")


def _earlier(case: Case):
    """The customer's earlier complaints on the same matter (same category) that had our
    reply; none without a customer or a contact number."""
    if case.kind != "complaint" or not (case.customer_id or case.contact_phone):
        return Case.objects.none()
    same_person = (
        Q(customer_id=case.customer_id) if case.customer_id else Q(contact_phone=case.contact_phone)
    )
    return (
        Case.objects.filter(same_person, REPLIED, kind="complaint", category_id=case.category_id)
        .exclude(pk=case.pk)
        .filter(created_at__lt=case.created_at)
        .order_by("-created_at")
    )


def candidates(case: Case) -> list[Case]:
    """What the case page offers as "this looks like an upgrade of TS…"."""
    return list(_earlier(case)[:5])


def mark_upgraded(user, case_id, *, source: str, first: str = "") -> ComplaintUpgrade:
    """Staff confirm a complaint is an upgrade: `source` says how it came back; `first` is the
    earlier complaint's number (required for a repeat, where it is the point)."""
    require_perm(user, "complaints.offer_compensation", "标记升级投诉", "mark an upgrade")
    if source not in UpgradeSource.values:
        raise ServiceError(
            CoreCode.INVALID_CHOICE,
            f"升级来源取值无效：{source}（可选：{'、'.join(UpgradeSource.values)}）",
            f"Invalid source {source!r}; one of {', '.join(UpgradeSource.values)}",
            field="source",
            status=422,
        )
    first = validate.text(
        first,
        "first",
        "首次投诉单号",
        "the first complaint's number",
        limit=20,
        required=source == UpgradeSource.REPEAT,
    )
    with write_transaction():
        case = complaint_for(user, case_id, for_update=True)
        check_open(case)
        if ComplaintUpgrade.objects.filter(case=case).exists():
            raise Conflict(
                Code.ALREADY_UPGRADED,
                f"{case.number} 已标记为升级投诉",
                f"{case.number} is already marked upgraded",
                field="source",
            )
        earlier = None
        if first:
            earlier = _earlier(case).filter(number=first.upper()).first()
            if earlier is None:
                raise ServiceError(
                    Code.NOT_AN_EARLIER_COMPLAINT,
                    f"{first} 不是该客户此前已答复的同类投诉",
                    f"{first} is not an earlier, replied complaint of this customer in the "
                    "same category",
                    field="first",
                    status=422,
                )
        row = ComplaintUpgrade.objects.create(
            case=case, first=earlier, source=source, marked_by=user, at=timezone.now()
        )
        record_event(
            case, "upgraded", user, source=source, first=earlier.number if earlier else None
        )
        if earlier is not None:
            record_event(earlier, "upgraded_again", user, upgrade=case.number)
    return row


def upgrade_view(case: Case) -> dict:
    """What the case page shows: this complaint's upgrade (and of what), the later complaints
    that upgraded it, and the earlier ones it may be an upgrade of."""
    mine = ComplaintUpgrade.objects.filter(case=case).select_related("first").first()
    later = list(ComplaintUpgrade.objects.filter(first=case).select_related("case").order_by("at"))
    return {
        "upgrade": mine,
        "later": later,
        "candidates": [] if mine else candidates(case),
        "sources": UpgradeSource.choices,
    }
