"""Reading appeals (P2, P3): the list with its deadlines, an appeal as its case page shows it,
the appeals linked to a complaint, and the monthly report's figures (`appeal_figures`)."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from servicehall.cases.models import Case
from servicehall.cases.selectors import visible
from servicehall.cases.workflows import workflow_of
from servicehall.core.errors import ServiceError
from servicehall.core.masking import mask_free_text
from servicehall.customers.services import find_by_phone, normalize_phone

from .appeals import linkable_complaints, warning_text
from .models import Appeal, AppealSource, CompanyFault, Liability, Withdrawal


def _zh(lang: str) -> bool:
    return lang.startswith("zh")


def sources() -> QuerySet:
    return AppealSource.objects.filter(is_active=True)


def countdown(due: datetime | None, now: datetime) -> dict | None:
    """Whole days left to a deadline (negative: days late) and its state for the colours."""
    if due is None:
        return None
    days = (timezone.localtime(due).date() - timezone.localtime(now).date()).days
    state = "breached" if due < now else ("at_risk" if days <= 2 else "ok")
    return {"at": due, "days": days, "late": -days, "state": state}


def complaint_choices(user, phone: str, chosen=()) -> tuple[bool, list[dict]]:
    """For the registration form: whether a customer has the number typed, and their
    complaints the appeal may link (appeals.linkable_complaints), newest first, ticked ones
    marked; subjects masked (V2)."""
    try:
        customer = find_by_phone(normalize_phone(phone)) if (phone or "").strip() else None
    except ServiceError:  # not a number yet: nothing to offer
        customer = None
    ticked = {str(c) for c in chosen}
    return customer is not None, [
        {
            "id": c.pk,
            "number": c.number,
            "subject": mask_free_text(c.subject),
            "at": c.created_at,
            "checked": str(c.pk) in ticked,
        }
        for c in linkable_complaints(user, customer)[:50]
    ]


def appeals_for(user) -> QuerySet:
    """The appeals whose case the user may see (cases.selectors.visible: another hall's is
    not there)."""
    return Appeal.objects.filter(case__in=visible(user).filter(kind="appeal"))


def appeal_list(
    user, *, source: str | None = None, state: str | None = None, lang: str = "zh", limit=200
) -> list[dict]:
    """The appeals list: open ones first, the nearest hard deadline (reply_due) first.
    `state`: "open", "closed", "any" or a state of the APPEAL workflow."""
    qs = appeals_for(user).select_related("case", "source")
    if source:
        qs = qs.filter(source__code=source)
    if state == "open":
        qs = qs.filter(case__closed_at__isnull=True)
    elif state == "closed":
        qs = qs.filter(case__closed_at__isnull=False)
    elif state and state != "any":
        qs = qs.filter(case__status=state)
    qs = qs.order_by(F("case__closed_at").asc(nulls_first=True), "reply_due", "id")[:limit]
    now = timezone.now()
    return [_row(a, now, lang) for a in qs]


def _row(a: Appeal, now: datetime, lang: str) -> dict:
    wf = workflow_of("appeal")
    open_ = a.case.closed_at is None
    return {
        "case_id": a.case_id,
        "number": a.case.number,
        "status": a.case.status,
        "status_name": wf.state_label(a.case.status, lang),
        "source": a.source.name_zh if _zh(lang) else a.source.name_en,
        "reference": a.reference,
        "received_on": a.received_on,
        "subject": mask_free_text(a.case.subject),
        "accept_due": countdown(a.accept_due, now) if open_ else None,
        "answer_due": a.answer_due,
        "materials_due": a.materials_due,
        "reply": countdown(a.reply_due, now) if open_ else None,
        "reply_due": a.reply_due,
        "hard_is_materials": bool(a.materials_due) and a.reply_due < a.answer_due,
        "liability": a.get_liability_display() if a.liability else "",
        "major": a.major,
        "replied_late": a.replied_late,
        "warnings": len(a.warnings or []),
    }


def appeal_view(case: Case, user, lang: str = "zh") -> dict | None:
    """What the case page shows of appeals: for an appeal, its source, reference, deadlines
    with their countdowns, warnings, linked complaints and the liability decided; for any
    case, the appeals it is linked to (those the user may see). None when neither."""
    now = timezone.now()
    out: dict = {"linked_appeals": []}
    appeal = Appeal.objects.select_related("source", "decided_by__staff").filter(case=case).first()
    if appeal is not None:
        out.update(_row(appeal, now, lang))
        out.update(
            {
                "warning_texts": [warning_text(w, lang) for w in appeal.warnings or []],
                "matter_on": appeal.matter_on,
                "billing_dispute": appeal.billing_dispute,
                "accept": countdown(appeal.accept_due, now),
                "answer": countdown(appeal.answer_due, now),
                "materials": countdown(appeal.reply_due, now)
                if appeal.materials_due and appeal.reply_due < appeal.answer_due
                else None,
                "complaints": [
                    {
                        "id": c.pk,
                        "number": c.number,
                        "subject": mask_free_text(c.subject),
                        "at": c.created_at,
                    }
                    for c in appeal.complaints.order_by("-created_at", "-id")
                ],
                "decided": appeal.decided_at is not None,
                "liability_code": appeal.liability,
                "company_fault": appeal.get_company_fault_display() if appeal.company_fault else "",
                "withdrawal": appeal.get_withdrawal_display() if appeal.withdrawal else "",
                # typed text: numbers in it masked, as on every case page (V2)
                "reason": mask_free_text(appeal.liability_reason),
                "evidence": mask_free_text(appeal.evidence),
                "major_reason": mask_free_text(appeal.major_reason),
                "decided_at": appeal.decided_at,
                "decided_by": _name(appeal.decided_by),
                "decided_in_time": appeal.decided_in_time,
                "replied_at": appeal.replied_at,
            }
        )
        out["is_appeal"] = True
    linked = appeals_for(user).filter(complaints=case).select_related("case", "source")
    out["linked_appeals"] = [_row(a, now, lang) for a in linked.order_by("-received_on", "-id")]
    if appeal is None and not out["linked_appeals"]:
        return None
    return out


def _name(user) -> str:
    if user is None:
        return ""
    staff = getattr(user, "staff", None)
    return staff.full_name if staff else user.get_username()


def choices() -> dict:
    return {
        "liabilities": Liability.choices,
        "company_faults": CompanyFault.choices,
        "withdrawals": Withdrawal.choices,
    }


def _month_bounds(month: date) -> tuple[date, date]:
    start = month.replace(day=1)
    end = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return start, end


def appeal_figures(halls, month: date) -> dict:
    """The month's appeal figures for the monthly report (P3, L6), counted in SQL.

    `halls`: Hall objects or ids (None: every hall); an appeal counts for the hall of its newest
    linked complaint, else the hall of the staff member who registered it (`Appeal.hall`).
    `month`: any date in the month; an appeal counts in the month it was received
    (`received_on`).

    Returns::

        {
          "month": date,                      # the month's first day
          "total": int,                       # appeals received in the month
          "by_source": [{"code", "name_zh", "name_en", "count"}],  # every active source, 0s too
          "major": int,                       # flagged 重大申诉
          "decided": int,                     # liability decided
          "by_liability": {"company": n, "handled_properly": n, "withdrawn": n, "customer": n},
          "company_liability": int,           # 企业责任 events
          "company_by_reason": {"violation": n, … every CompanyFault value},
          "replied_late": int,                # answered to the centre after the hard deadline
          "open_past_deadline": int,          # not answered yet and the deadline has passed
          "past_deadline": int,               # the two above together
        }
    """
    start, end = _month_bounds(month)
    qs = Appeal.objects.filter(received_on__gte=start, received_on__lt=end)
    if halls is not None:
        ids = [getattr(h, "pk", h) for h in halls]
        qs = qs.filter(hall__in=ids)
    now = timezone.now()
    agg = qs.aggregate(
        total=Count("id"),
        major=Count("id", filter=Q(major=True)),
        decided=Count("id", filter=Q(decided_at__isnull=False)),
        replied_late=Count("id", filter=Q(replied_late=True)),
        open_past=Count("id", filter=Q(replied_at__isnull=True, reply_due__lt=now)),
    )
    per_source = dict(
        qs.values("source").annotate(n=Count("id")).order_by().values_list("source", "n")
    )
    by_liability = dict.fromkeys(Liability.values, 0)
    by_liability |= dict(
        qs.exclude(liability="")
        .values("liability")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("liability", "n")
    )
    by_reason = dict.fromkeys(CompanyFault.values, 0)
    by_reason |= dict(
        qs.filter(liability=Liability.COMPANY)
        .values("company_fault")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("company_fault", "n")
    )
    return {
        "month": start,
        "total": agg["total"],
        "by_source": [
            {
                "code": s.code,
                "name_zh": s.name_zh,
                "name_en": s.name_en,
                "count": per_source.get(s.pk, 0),
            }
            for s in AppealSource.objects.all()
            if s.is_active or per_source.get(s.pk)
        ],
        "major": agg["major"],
        "decided": agg["decided"],
        "by_liability": by_liability,
        "company_liability": by_liability[Liability.COMPANY],
        "company_by_reason": by_reason,
        "replied_late": agg["replied_late"],
        "open_past_deadline": agg["open_past"],
        "past_deadline": agg["replied_late"] + agg["open_past"],
    }
