"""Early warning and incidents API (P5, E1, L2): the alerts of the caller's districts, handling
them, and incidents — declared by a manager or by the network's own systems through a token —,
linked cases, updates and closing. The same services as the pages (incidents/services.py):
another district's alert or incident is a 404 as a missing one, a duplicate incident a 409, a
bad field a 422 naming it."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Router, Schema, Status

from servicehall.incidents import selectors, services
from servicehall.incidents.models import Incident

from .cases import ERRORS
from .fields import IsoDateTime

router = Router(tags=["incidents 预警与故障事件"])


class AlertOut(Schema):
    id: int
    version: int
    region: str = Field(..., description="the district (city › district)")
    term: str = Field(..., description="the problem, a key of the telecom-problem dictionary")
    problem: str
    words: list[str] = Field(..., description="the words customers used")
    started_at: datetime
    last_at: datetime
    raised_at: datetime
    window_minutes: int
    contacts: int
    customers: int = Field(..., description="different customers")
    baseline: float = Field(..., description="usual in such a window at this hour of the week")
    score: float = Field(..., description="how unusual: −log10 of the chance")
    status: str = Field(..., description="new, acknowledged, dismissed or incident")
    reason: str
    incident: str | None = Field(None, description="the incident's number, once declared")


class IncidentOut(Schema):
    id: int
    version: int
    number: str
    title: str
    service: str
    regions: list[str] = Field(..., description="region codes")
    started_at: datetime
    expected_recovery: datetime | None
    cause: str
    notice: str
    status: str = Field(..., description="open or closed")
    closed_at: datetime | None
    resolution: str
    cases: list[str] = Field(..., description="the linked cases' numbers")
    customers: int = Field(..., description="customers affected")
    told: int = Field(..., description="customers texted the notice")
    waivers: int = Field(..., description="customers flagged for the month's rental waiver")
    summary: dict


class AlertVersionIn(Schema):
    version: int


class AlertDismissIn(Schema):
    version: int
    reason: str = Field(..., max_length=services.MAX_TEXT, description="why it is not a fault")


class IncidentDeclareIn(Schema):
    service: str = Field(..., max_length=12, description="voice, data, broadband, iptv, sms…")
    regions: list[str] = Field(..., max_length=50, description="district or grid codes")
    started_at: IsoDateTime
    cause: str = Field("", max_length=services.MAX_TEXT)
    expected_recovery: IsoDateTime | None = None
    title: str = Field("", max_length=120)
    notice: str = Field("", max_length=300, description="empty: written from the rest")
    words: list[str] = Field([], max_length=20, description="more words that link a case")
    show_in_halls: bool = True
    alert: int | None = Field(None, description="the alert it comes from")
    alert_version: int | None = None


class IncidentLinkIn(Schema):
    version: int | None = None
    case: str = Field(..., max_length=20, description="the case number")


class IncidentUpdateIn(Schema):
    version: int
    expected_recovery: IsoDateTime | None = None
    cause: str = Field("", max_length=services.MAX_TEXT)
    notice: str = Field("", max_length=300)


class IncidentCloseIn(Schema):
    version: int
    resolution: str = Field(..., max_length=services.MAX_TEXT, description="what was done")
    restored_at: IsoDateTime | None = Field(None, description="empty: now")


def _alert(row: dict) -> dict:
    return row | {
        "region": row["region_path"],
        "window_minutes": row["window"],
        "incident": row["incident"].number if row["incident"] else None,
    }


def _incident(i: Incident) -> dict:
    detail = selectors.incident_detail(i)
    return {
        "id": i.pk,
        "version": i.version,
        "number": i.number,
        "title": i.title,
        "service": i.service,
        "regions": detail["region_codes"],
        "started_at": i.started_at,
        "expected_recovery": i.expected_recovery,
        "cause": i.cause,
        "notice": i.notice,
        "status": i.status,
        "closed_at": i.closed_at,
        "resolution": i.resolution,
        "cases": [c["number"] for c in detail["cases"]],
        "customers": len(detail["affected"]),
        "told": sum(1 for a in detail["affected"] if a["told_at"]),
        "waivers": sum(1 for a in detail["affected"] if a["waive_rental"]),
        "summary": i.summary,
    }


@router.get("/alerts", response={200: list[AlertOut], **ERRORS})
def list_alerts(request, state: str = "open"):
    """The alerts of the caller's districts, newest first (state: open — waiting for a
    decision — or all)."""
    return [_alert(r) for r in selectors.alerts(request.user, state=state)]


@router.post("/alerts/{alert_id}/acknowledge", response={200: AlertOut, **ERRORS})
def acknowledge(request, alert_id: int, payload: AlertVersionIn):
    alert = services.acknowledge(request.user, alert_id, version=payload.version)
    return _alert(selectors.alert_row(alert, False))


@router.post("/alerts/{alert_id}/dismiss", response={200: AlertOut, **ERRORS})
def dismiss(request, alert_id: int, payload: AlertDismissIn):
    alert = services.dismiss(request.user, alert_id, reason=payload.reason, version=payload.version)
    return _alert(selectors.alert_row(alert, False))


@router.get("", response={200: list[IncidentOut], **ERRORS})
def list_incidents(request, state: str = "open"):
    """The incidents of the caller's districts (state: open, closed or all), newest first."""
    return [_incident(i) for i in selectors.incidents(request.user, state=state)]


@router.post("", response={201: IncidentOut, **ERRORS})
def declare(request, payload: IncidentDeclareIn):
    """Declare an incident (E1): the matching open cases are linked and their customers texted."""
    incident = services.declare(
        request.user,
        service=payload.service,
        regions_codes=payload.regions,
        started_at=payload.started_at,
        cause=payload.cause,
        expected_recovery=payload.expected_recovery,
        title=payload.title,
        notice=payload.notice,
        words=payload.words,
        show_in_halls=payload.show_in_halls,
        alert_id=payload.alert,
        alert_version=payload.alert_version,
    )
    return Status(201, _incident(incident))


@router.get("/{incident_id}", response={200: IncidentOut, **ERRORS})
def get_incident(request, incident_id: int):
    return _incident(services.get_incident(request.user, incident_id))


@router.post("/{incident_id}/link", response={200: IncidentOut, **ERRORS})
def link(request, incident_id: int, payload: IncidentLinkIn):
    return _incident(
        services.link_case(request.user, incident_id, payload.case, version=payload.version)
    )


@router.post("/{incident_id}/update", response={200: IncidentOut, **ERRORS})
def update(request, incident_id: int, payload: IncidentUpdateIn):
    return _incident(
        services.update(
            request.user,
            incident_id,
            expected_recovery=payload.expected_recovery,
            cause=payload.cause,
            notice=payload.notice,
            version=payload.version,
        )
    )


@router.post("/{incident_id}/close", response={200: IncidentOut, **ERRORS})
def close(request, incident_id: int, payload: IncidentCloseIn):
    """The service is back: the linked cases are resolved together, the customers told, the
    waivers flagged and the summary written."""
    return _incident(
        services.close(
            request.user,
            incident_id,
            resolution=payload.resolution,
            restored_at=payload.restored_at,
            version=payload.version,
        )
    )
