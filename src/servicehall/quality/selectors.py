"""Quality supervision's reads: the checks a user may see (hall scoping through
`org.roles.hall_ids_of`, here and never in a view), the list's filters, what the scoring page
shows of the ticket or case (personal data masked), a check's rectification items."""

from __future__ import annotations

from datetime import date

from django.db.models import Case, QuerySet, When

from servicehall.cases.workflows import WORKFLOWS
from servicehall.core import validate
from servicehall.core.errors import NotFound
from servicehall.core.masking import mask_free_text, mask_name, mask_phone
from servicehall.org.roles import in_halls

from .errors import Code
from .models import CheckStatus, QualityCheck, Rectification

PERM = "quality.score_check"


def checks_of(user) -> QuerySet[QualityCheck]:
    """The checks a user may see: quality and administrators those of their halls (every
    hall), a hall manager their hall's; everyone their own."""
    qs = QualityCheck.objects.select_related(
        "form", "staff__staff", "hall", "ticket__service_type", "case", "supervisor__staff"
    )
    if user.has_perm(PERM) or user.has_perm("quality.view_appraisal"):
        return in_halls(qs, user) | qs.filter(staff=user)
    return qs.filter(staff=user)


def unknown_check(check_id) -> NotFound:
    return NotFound(
        Code.UNKNOWN_CHECK,
        f"质检记录 {check_id} 不存在",
        f"Unknown quality check {check_id}",
        field="check",
    )


def get_check(user, check_id, *, for_update: bool = False) -> QualityCheck:
    pk = validate.object_id(check_id)
    qs = checks_of(user)
    if for_update:
        qs = QualityCheck.objects.filter(pk__in=qs.values("pk")).select_for_update(of=("self",))
        qs = qs.select_related("form", "hall", "staff")
    check = qs.filter(pk=pk).first() if pk is not None else None
    if check is None:
        raise unknown_check(check_id)
    return check


def listing(
    user, *, month: date | None, hall: str = "", staff: str = "", status: str = ""
) -> QuerySet[QualityCheck]:
    qs = in_halls(checks_of(user), user)
    if month is not None:
        qs = qs.filter(month=month.replace(day=1))
    if hall:
        qs = qs.filter(hall__code=hall)
    if staff:
        qs = qs.filter(staff__username=staff)
    if status in CheckStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("status", "-month", "pk")


def name_of(user) -> str:
    if user is None:
        return ""
    profile = getattr(user, "staff", None)
    return getattr(profile, "full_name", "") or user.username


def facts(check: QualityCheck) -> dict:
    """What was sampled, as the scoring page shows it: a ticket's times and waits, a case's
    number, type, state and text — the customer's name and numbers masked."""
    if check.ticket_id:
        t = check.ticket
        wait = (t.first_called_at - t.issued_at).total_seconds() / 60 if t.first_called_at else None
        service = (
            (t.finished_at - t.started_at).total_seconds() / 60
            if t.started_at and t.finished_at
            else None
        )
        customer = t.customer
        return {
            "kind": "ticket",
            "number": t.number,
            "day": t.day,
            "service_type_zh": t.service_type.name_zh,
            "service_type_en": t.service_type.name_en,
            "status": t.get_status_display(),
            "issued_at": t.issued_at,
            "called_at": t.first_called_at,
            "finished_at": t.finished_at,
            "wait_minutes": round(wait, 1) if wait is not None else None,
            "service_minutes": round(service, 1) if service is not None else None,
            "customer": mask_name(customer.name) if customer else "",
        }
    c = check.case
    wf = WORKFLOWS.get(c.kind)
    return {
        "kind": "case",
        "case_id": c.pk,
        "number": c.number,
        "type_zh": wf.name_zh if wf else c.kind,
        "type_en": wf.name_en if wf else c.kind,
        "status_zh": wf.state_label(c.status, "zh") if wf else c.status,
        "status_en": wf.state_label(c.status, "en") if wf else c.status,
        "subject": mask_free_text(c.subject),
        "description": mask_free_text(c.description),
        "resolution": mask_free_text(c.resolution),
        "opened_at": c.created_at,
        "due_at": c.due_at,
        "closed_at": c.closed_at,
        "breached": c.breached,
        "phone": mask_phone(c.contact_phone) if c.contact_phone else "",
    }


def rectifications_of(check: QualityCheck) -> list[dict]:
    out = []
    for r in (
        Rectification.objects.filter(quality_check=check)
        .select_related("case__owner__staff", "item")
        .order_by("pk")
    ):
        wf = WORKFLOWS[r.case.kind]
        out.append(
            {
                "case_id": r.case_id,
                "number": r.case.number,
                "item": r.item,
                "finding": r.finding,
                "owner": name_of(r.case.owner),
                "due_at": r.case.due_at,
                "status_zh": wf.state_label(r.case.status, "zh"),
                "status_en": wf.state_label(r.case.status, "en"),
                "closed": r.case.closed_at is not None,
                "breached": r.case.breached,
                "level": r.case.escalation_level,
            }
        )
    return out


def my_rectifications(user) -> QuerySet[Rectification]:
    """The rectification items a staff member owns (/quality/mine): open ones first, then the
    latest closed."""
    closed = list(WORKFLOWS["rectification"].closed)
    return (
        Rectification.objects.filter(case__owner=user)
        .select_related("case", "item", "quality_check")
        .annotate(done=Case(When(case__status__in=closed, then=1), default=0))
        .order_by("done", "case__due_at", "-pk")
    )


def my_checks(user) -> QuerySet[QualityCheck]:
    """A staff member's own scored checks (/quality/mine)."""
    return (
        QualityCheck.objects.filter(staff=user, status=CheckStatus.SCORED)
        .select_related("form", "ticket", "case", "hall")
        .order_by("-month", "-pk")
    )
