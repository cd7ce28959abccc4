"""Early warning and incidents (P5, E1, L2): the alerts of the user's districts with what each
saw (/incidents/), acknowledging or dismissing one with a reason, declaring an incident from an
alert or by hand (/incidents/declare), the incident's page — its contacts, the customers told,
the repair deadline, linking a case by hand, closing it — its summary with contacts by hour
drawn, and the rental-waiver list as CSV. The rules are incidents.services (writes) and
incidents.selectors (reads)."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from servicehall.core.audit import log_pii_access
from servicehall.core.errors import ServiceError
from servicehall.core.masking import mask_phone
from servicehall.incidents import selectors, services
from servicehall.incidents.models import Incident, Service
from servicehall.org import regions

from .access import page
from .forms import attempt, sort_messages, words
from .names import english

VIEW = "incidents.view_alerts"
MANAGE = "incidents.manage_incidents"


@page(VIEW)
def incident_list(request):
    state = request.GET.get("alerts") or "open"
    by_form, top = sort_messages(request, ["alerts"])
    return render(
        request,
        "web/incidents/list.html",
        {
            "alerts": selectors.alerts(request.user, state=state, en=english()),
            "alert_state": state,
            "open_incidents": selectors.incidents(request.user, state=Incident.Status.OPEN),
            "closed_incidents": selectors.incidents(request.user, state=Incident.Status.CLOSED)[
                :20
            ],
            "alert_msgs": by_form.get("alerts", []),
            "top_messages": top,
        },
    )


@page(MANAGE)
@require_POST
def alert_acknowledge(request, alert_id):
    services.get_alert(request.user, alert_id)  # another district's: 404, as a missing one
    attempt(
        request,
        lambda: services.acknowledge(request.user, alert_id, version=request.POST.get("version")),
        words("已确认知悉该预警", "Alert acknowledged"),
        form="alerts",
    )
    return redirect("web:incidents")


@page(MANAGE)
@require_POST
def alert_dismiss(request, alert_id):
    services.get_alert(request.user, alert_id)
    attempt(
        request,
        lambda: services.dismiss(
            request.user,
            alert_id,
            reason=request.POST.get("reason", ""),
            version=request.POST.get("version"),
        ),
        words("已排除该预警", "Alert dismissed"),
        form="alerts",
    )
    return redirect("web:incidents")


def _declare_form(request, values, error: ServiceError | None = None, status: int = 200):
    alert = None
    if values.get("alert"):
        try:
            alert = services.get_alert(request.user, values.get("alert"))
        except ServiceError:
            alert = None
    return render(
        request,
        "web/incidents/declare.html",
        {
            "values": values,
            "chosen": values.getlist("regions") if hasattr(values, "getlist") else [],
            "error": error,
            "alert": selectors.alert_row(alert, english()) if alert else None,
            "services": Service.choices,
            "region_choices": [
                (r.code, regions.path(r.pk)) for r in selectors.region_choices(request.user)
            ],
        },
        status=status,
    )


@page(MANAGE)
def incident_declare(request):
    if request.method != "POST":
        values = request.GET.copy()
        if values.get("alert"):  # from an alert: its district, service and start filled in
            try:
                alert = services.get_alert(request.user, values["alert"])
            except ServiceError as exc:
                return _declare_form(request, values, exc, status=exc.status)
            values.setlist("regions", [alert.region.code])
            values["service"] = services.TERM_SERVICE.get(alert.term, "")
            values["started_at"] = timezone.localtime(alert.started_at).strftime("%Y-%m-%dT%H:%M")
            values["version"] = str(alert.version)
        return _declare_form(request, values)
    p = request.POST
    try:
        incident = services.declare(
            request.user,
            service=p.get("service", ""),
            regions_codes=p.getlist("regions"),
            started_at=p.get("started_at", ""),
            cause=p.get("cause", ""),
            expected_recovery=p.get("expected_recovery", ""),
            title=p.get("title", ""),
            notice=p.get("notice", ""),
            words=[w for w in p.get("words", "").replace("，", ",").split(",")],
            show_in_halls=p.get("show_in_halls") == "1",
            alert_id=p.get("alert") or None,
            alert_version=p.get("version") or None,
        )
    except ServiceError as exc:
        return _declare_form(request, p, exc, status=exc.status)
    messages.success(
        request,
        words(
            f"已宣布故障事件 {incident.number}，已关联 {incident.linked_now} 张工单",
            f"Incident {incident.number} declared; {incident.linked_now} case(s) linked",
        ),
        extra_tags="form-incident",
    )
    return redirect("web:incident", incident_id=incident.pk)


@page(VIEW)
def incident_page(request, incident_id):
    incident = services.get_incident(request.user, incident_id)
    by_form, top = sort_messages(request, ["incident", "link", "close", "update"])
    detail = selectors.incident_detail(incident, lang_en=english())
    summary = incident.summary or {}
    return render(
        request,
        "web/incidents/incident.html",
        {
            "i": incident,
            "d": detail,
            "chart": {
                "hours": list((summary.get("contacts_by_hour") or {}).keys()),
                "counts": list((summary.get("contacts_by_hour") or {}).values()),
            },
            "msgs": by_form,
            "top_messages": top,
            "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "recovery_value": timezone.localtime(incident.expected_recovery).strftime(
                "%Y-%m-%dT%H:%M"
            )
            if incident.expected_recovery
            else "",
        },
    )


@page(MANAGE)
@require_POST
def incident_link(request, incident_id):
    services.get_incident(request.user, incident_id)  # another district's: 404, as its page
    attempt(
        request,
        lambda: services.link_case(
            request.user,
            incident_id,
            request.POST.get("case", ""),
            version=request.POST.get("version"),
        ),
        words("已关联工单", "Case linked"),
        form="link",
    )
    return redirect("web:incident", incident_id=incident_id)


@page(MANAGE)
@require_POST
def incident_update(request, incident_id):
    services.get_incident(request.user, incident_id)
    p = request.POST
    attempt(
        request,
        lambda: services.update(
            request.user,
            incident_id,
            expected_recovery=p.get("expected_recovery") or None,
            cause=p.get("cause", ""),
            notice=p.get("notice", ""),
            version=p.get("version"),
        ),
        words("已更新故障事件信息", "Incident updated"),
        form="update",
    )
    return redirect("web:incident", incident_id=incident_id)


@page(MANAGE)
@require_POST
def incident_close(request, incident_id):
    services.get_incident(request.user, incident_id)
    attempt(
        request,
        lambda: services.close(
            request.user,
            incident_id,
            resolution=request.POST.get("resolution", ""),
            restored_at=request.POST.get("restored_at") or None,
            version=request.POST.get("version"),
        ),
        words(
            "故障事件已关闭：关联工单已一并办结，客户已收到恢复通知",
            "Incident closed: its cases are resolved and the customers told",
        ),
        form="close",
    )
    return redirect("web:incident", incident_id=incident_id)


@page(VIEW)
def incident_waivers(request, incident_id):
    """The customers whose outage passed the repair deadline (L2): the month's rental waived.
    Numbers masked — billing applies the waiver by the customer's number in our records."""
    incident = services.get_incident(request.user, incident_id)
    out = io.StringIO()
    out.write("\ufeff")  # Excel reads UTF-8 with the mark
    w = csv.writer(out)
    w.writerow(
        [
            words("事件编号", "incident"),
            words("客户编号", "customer"),
            words("号码（脱敏）", "number (masked)"),
            words("区域", "region"),
            words("中断时长（小时）", "outage (hours)"),
            words("修复时限（小时）", "deadline (hours)"),
            words("减免当月月租", "month's rental waived"),
        ]
    )
    for a in selectors.waiver_rows(incident):
        w.writerow(
            [
                incident.number,
                a.customer_id or "",
                mask_phone(a.phone),
                regions.path(a.region_id),
                a.outage_hours,
                a.deadline_hours,
                words("是", "yes"),
            ]
        )
    # a list of customers leaves the system: an export of personal data (V2), audited
    log_pii_access(
        request.user,
        "incident_waivers",
        incident.number,
        ["customer", "phone (masked)", "region"],
        "rental waivers (L2)",
        export=True,
        ip=request.META.get("REMOTE_ADDR"),
    )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="waivers-{incident.number}.csv"'
    return response
