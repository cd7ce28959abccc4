"""Reads of the early warning and the incidents, for the pages, the board, the halls' screens and
the assistant. Who sees what: a user the districts of their halls (services.visible_alerts,
visible_incidents); a hall's screens their hall's district."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from servicehall.cases.workflows import workflow_of
from servicehall.core.errors import require_perm
from servicehall.core.masking import mask_free_text, mask_name, mask_phone
from servicehall.org import regions
from servicehall.org.models import Region

from . import problems, services
from .models import Affected, Alert, Incident, IncidentCase, Service

EVENT_LABELS = {
    "declared": ("宣布故障事件", "Declared"),
    "linked": ("关联工单", "Cases linked"),
    "updated": ("更新事件信息", "Updated"),
    "closed": ("恢复并关闭", "Restored and closed"),
}
ACTIVE_FOR = timedelta(hours=24)  # an unhandled alert stays on the board this long


def problem_label(term: str, en: bool = False) -> str:
    zh, en_label, _forms = problems.PROBLEMS.get(term, (term, term, ()))
    return en_label if en else zh


def one_in(score: float) -> str:
    """How unusual, in words a manager reads: "1 in 4,000,000" from −log10 p; past a billion,
    the power of ten ("10^14"), never a hundred digits of a float's noise."""
    if score >= 9:
        return f"10^{score:.0f}"
    n = 10**score
    digits = max(len(str(int(n))) - 2, 0)
    return f"{round(n, -digits):,.0f}"


def alert_row(a: Alert, en: bool) -> dict:
    return {
        "id": a.pk,
        "version": a.version,
        "region": a.region.name,
        "region_path": regions.path(a.region_id),
        "problem": problem_label(a.term, en),
        "term": a.term,
        "service": services.TERM_SERVICE.get(a.term, ""),
        "words": a.words,
        "started_at": a.started_at,
        "last_at": a.last_at,
        "raised_at": a.raised_at,
        "window": a.window_minutes,
        "contacts": a.contacts,
        "customers": a.customers,
        "baseline": a.baseline,
        "score": a.score,
        "one_in": one_in(a.score),
        "status": a.status,
        "status_label": a.get_status_display(),
        "reason": a.reason,
        "incident": a.incident,
        "handled_at": a.handled_at,
    }


def alerts(user, *, state: str = "open", en: bool = False, limit: int = 100) -> list[dict]:
    require_perm(user, services.VIEW, "查看预警", "see alerts")
    qs = services.visible_alerts(user, Alert.objects.select_related("region", "incident"))
    if state == "open":
        qs = qs.filter(status__in=(Alert.Status.NEW, Alert.Status.ACKNOWLEDGED))
    return [alert_row(a, en) for a in qs.order_by("-raised_at")[:limit]]


def by_number(user, number: str) -> Incident | None:
    return services.visible_incidents(user).filter(number=number).first()


def waiting(user) -> int:
    return (
        services.visible_alerts(user)
        .filter(status__in=(Alert.Status.NEW, Alert.Status.ACKNOWLEDGED))
        .count()
    )


def alert_cases(alert: Alert) -> list[dict]:
    return [
        {"id": c.pk, "number": c.number, "subject": mask_free_text(c.subject), "at": c.created_at}
        for c in alert.cases.order_by("created_at")[:50]
    ]


def incidents(user, *, state: str = "open") -> list[Incident]:
    require_perm(user, services.VIEW, "查看故障事件", "see incidents")
    qs = services.visible_incidents(user).prefetch_related("regions")
    if state in (Incident.Status.OPEN, Incident.Status.CLOSED):
        qs = qs.filter(status=state)
    return list(qs.order_by("-started_at")[:100])


def incident_detail(incident: Incident, *, lang_en: bool = False) -> dict:
    links = (
        IncidentCase.objects.filter(incident=incident)
        .select_related("case", "case__region")
        .order_by("case__created_at")
    )
    cases = [
        {
            "id": link.case_id,
            "number": link.case.number,
            "subject": mask_free_text(link.case.subject),
            "region": link.case.region.name if link.case.region_id else "",
            "status": workflow_of(link.case.kind).state_label(
                link.case.status, "en" if lang_en else "zh"
            ),
            "at": link.case.created_at,
            "by_hand": link.by_hand,
        }
        for link in links
    ]
    affected = [
        {
            "customer": mask_name(a.customer.name) if a.customer_id else "",
            "phone": mask_phone(a.phone),
            "region": regions.path(a.region_id),
            "first_contact_at": a.first_contact_at,
            "told_at": a.told_at,
            "deadline_hours": a.deadline_hours,
            "outage_hours": a.outage_hours,
            "waive_rental": a.waive_rental,
        }
        for a in Affected.objects.filter(incident=incident)
        .select_related("customer")
        .order_by("first_contact_at")
    ]
    now = timezone.now()
    deadline = max((a["deadline_hours"] for a in affected), default=0) or services.deadline_hours(
        incident.service, any(regions.is_rural(r.pk) for r in incident.regions.all())
    )
    return {
        "regions": [regions.path(r.pk) for r in incident.regions.all()],
        "region_codes": [r.code for r in incident.regions.all()],
        "cases": cases,
        "affected": affected,
        "events": [
            {
                "at": e.at,
                "label": EVENT_LABELS.get(e.kind, (e.kind, e.kind))[1 if lang_en else 0],
                "note": e.note,
                "count": e.data.get("count"),
            }
            for e in incident.events.all()
        ],
        "deadline_hours": deadline,
        "repair_due": incident.started_at + timedelta(hours=deadline) if deadline else None,
        "overdue": bool(deadline)
        and incident.status == Incident.Status.OPEN
        and now > incident.started_at + timedelta(hours=deadline),
        "summary": incident.summary,
    }


def waiver_rows(incident: Incident) -> list[Affected]:
    return list(
        Affected.objects.filter(incident=incident, waive_rental=True)
        .select_related("customer")
        .order_by("first_contact_at")
    )


def region_choices(user) -> list[Region]:
    """The districts and grids a user may declare an incident for."""
    districts = services.districts_of(user)
    qs = Region.objects.filter(level__gte=Region.Level.DISTRICT)
    if districts is not None:
        qs = qs.filter(pk__in=regions.under(districts))
    return sorted(qs, key=lambda r: regions.path(r.pk))


def for_hall(hall) -> dict:
    """What the hall's board shows, and its kiosk and display (incidents with `show_in_halls`):
    the district's unhandled alerts of the last day and its open incidents."""
    district = regions.district_of(hall.region_id)
    if district is None:
        return {"alerts": [], "incidents": []}
    inside = regions.under([district.pk])
    recent = timezone.now() - ACTIVE_FOR
    alerts_ = Alert.objects.filter(
        region_id=district.pk,
        status__in=(Alert.Status.NEW, Alert.Status.ACKNOWLEDGED),
        last_at__gte=recent,
    ).select_related("region")
    open_ = (
        Incident.objects.filter(status=Incident.Status.OPEN, regions__in=inside)
        .distinct()
        .order_by("started_at")
    )
    return {"alerts": list(alerts_), "incidents": list(open_)}


def hall_notices(hall) -> list[str]:
    """The notices of open incidents around a hall that its kiosk and display show (E1)."""
    return [i.notice for i in for_hall(hall)["incidents"] if i.show_in_halls]


def notice_for(text: str, customer_region_id: int | None = None) -> Incident | None:
    """The open incident a customer's words are about, where they are (the place they name, or
    their address): what the assistant answers instead of self-help."""
    said = regions.named_in(text)
    region_id = said.pk if said is not None else customer_region_id
    found = set(problems.terms(text))
    if region_id is None or not found:
        return None
    for incident in Incident.objects.filter(status=Incident.Status.OPEN).prefetch_related(
        "regions"
    ):
        if not found & set(services.SERVICE_TERMS[incident.service]):
            continue
        if region_id in regions.under(r.pk for r in incident.regions.all()):
            return incident
    return None


SERVICE_CHOICES = Service.choices


def assistant_notice(text: str, phone: str | None) -> tuple[str, str] | None:
    """For the assistant (knowledge.assistant.NOTICES): a customer reporting the problem of an
    open incident where they are — the place they name, or their verified line's address —
    gets the incident's notice instead of self-help steps."""
    from servicehall.customers.services import find_by_phone

    if not problems.terms(text):
        return None  # most questions: no database read
    customer = find_by_phone(phone) if phone else None
    incident = notice_for(text, customer.region_id if customer else None)
    if incident is None:
        return None
    en_when = (
        f"; expected back by {timezone.localtime(incident.expected_recovery):%m-%d %H:%M}"
        if incident.expected_recovery
        else ""
    )
    return (
        f"{incident.notice}（事件编号 {incident.number}）无需重复报障，恢复后我们会短信通知您。",
        f"There is a known outage in your area ({incident.number}){en_when}. No need to report "
        "it again: we will text you when it is back.",
    )
