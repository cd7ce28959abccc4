"""Retention (分级挽留, R1–R3) pages: opening a retention case (from the case desk, or from
the workbench for the ticket being served), the case page's retention forms — the record of a
case opened in a chat, each level's attempt, the customer's insistence —, and the monthly
report with its charts and Excel export. Each view parses the form and calls one service of
servicehall.retention; a refusal shows the form again with what was typed, the error beside it."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from servicehall.cases import services as case_services
from servicehall.cases.models import Channel
from servicehall.core import validate
from servicehall.core.errors import ServiceError
from servicehall.core.validate import object_id
from servicehall.customers import services as customer_services
from servicehall.queueing import selectors as queue_selectors
from servicehall.retention import reports, selectors, services
from servicehall.retention.models import Competitor, Reason, Request
from servicehall.retention.workflows import RETENTION

from .access import page
from .cases import attempt_on_case
from .excel import Book
from .forms import words
from .names import english

HANDLE = "cases.handle_case"
DETAIL_FIELDS = (
    "request",
    "reason",
    "competitor",
    "reason_note",
    "method",
    "proof",
    "needs",
    "destination",
    "second_phone",
    "complaint_caused",
)
ATTEMPTS = ("retain_first", "fail_first", "retain_second")


def _serving(request, ticket_id):
    """The ticket the user is serving now, if that is the one named."""
    if ticket_id is None:
        return None
    session = queue_selectors.open_session_of(request.user)
    current = queue_selectors.current_ticket(session.counter) if session else None
    return current if current and current.pk == ticket_id else None


def _new_context(request, values, error: ServiceError | None = None) -> dict:
    return {
        "values": values,
        "error": error,
        "ticket": _serving(request, object_id(values.get("ticket_id"))),
        "customer": _chosen(request, object_id(values.get("customer_id"))),
        "reasons": Reason.choices,
        "competitors": Competitor.choices,
        "requests": Request.choices,
        "methods": selectors.verification_methods(),
        "channels": Channel.choices,
        "script": RETENTION.script_zh["first_level"],
    }


def _chosen(request, customer_id):
    """The customer the form came from (the customer page's button), masked; None if unknown."""
    if customer_id is None:
        return None
    try:
        customer = customer_services.get_customer(request.user, customer_id)
    except ServiceError:
        return None
    return customer_services.present(customer, request.user)


@page("cases.open_case")
def retention_new(request):
    if request.method != "POST":
        values = {
            "ticket_id": request.GET.get("ticket", ""),
            "customer_id": request.GET.get("customer", ""),  # from the customer page
            "channel": "walk_in",
            "request": request.GET.get("request", "close"),
        }
        return render(request, "web/retention/new.html", _new_context(request, values))
    p = request.POST
    try:
        case = services.open_retention(
            request.user,
            phone=p.get("phone", "").strip() or None,
            customer_id=object_id(p.get("customer_id")),
            ticket_id=object_id(p.get("ticket_id")),
            channel=p.get("channel") or "walk_in",
            **{k: p.get(k, "") for k in DETAIL_FIELDS},
        )
    except ServiceError as exc:
        return render(
            request, "web/retention/new.html", _new_context(request, p, exc), status=exc.status
        )
    messages.success(
        request,
        words(f"已登记挽留工单 {case.number}", f"Retention case {case.number} opened"),
        extra_tags="form-page",
    )
    return redirect(reverse("web:case", kwargs={"case_id": case.pk}) + "#retention")


@page(HANDLE)
@require_POST
def retention_details(request, case_id):
    p = request.POST
    return attempt_on_case(
        request,
        case_id,
        lambda: services.record_details(
            request.user,
            case_id,
            version=p.get("version"),
            phone=p.get("phone", "").strip() or None,
            **{k: p.get(k, "") for k in DETAIL_FIELDS},
        ),
        "retention_details",
        "retention",
        words("已登记离网原因与客户信息", "Reason and customer details recorded"),
    )


@page(HANDLE)
@require_POST
def retention_attempt(request, case_id, action):
    if action not in ATTEMPTS:
        raise Http404
    p = request.POST
    payload = {
        k: p.get(k, "")
        for k in ("offer", "tier", "offer_text", "why", "note", "complaint_caused")
        if p.get(k)
    }
    return attempt_on_case(
        request,
        case_id,
        lambda: case_services.act(
            request.user, case_id, action, version=p.get("version"), **payload
        ),
        action,
        "retention",
        words("已记录挽留结果", "Retention outcome recorded"),
    )


@page(HANDLE)
@require_POST
def retention_insist(request, case_id):
    p = request.POST
    payload = {
        k: p.get(k, "") for k in ("request", "request_ref", "note", "offer", "tier") if p.get(k)
    }
    return attempt_on_case(
        request,
        case_id,
        lambda: services.insist(request.user, case_id, **payload),
        "insist",
        "retention",
        words(
            "已按客户意愿转办离网申请，并记录未设阻拦",
            "The customer's request was handed on; recorded as not blocked",
        ),
    )


def _month(request) -> date:
    text = request.GET.get("month", "").strip()
    if not text:
        return timezone.localdate().replace(day=1)
    return validate.month(text, "month")


def _label(row: dict) -> str:
    return row.get("name_en", row["name"]) if english() else row["name"]


@page(reports.PERM)
def retention_report(request):
    hall = request.GET.get("hall", "").strip()
    month = _month(request)
    data = reports.monthly(request.user, month, hall or None)
    levels = [{**r, "label": _label(r)} for r in data["by_level"]]
    charts = {
        "reason": {
            "names": [r["name"] for r in data["by_reason"]],
            "values": [r["n"] for r in data["by_reason"]],
            "retained": [r["retained"] for r in data["by_reason"]],
        },
        "level": {
            "names": [r["label"] for r in levels],
            "values": [r["n"] for r in levels],
            "retained": [r["retained"] for r in levels],
        },
        "labels": {
            "cases": words("挽留工单", "Cases"),
            "attempts": words("挽留次数", "Attempts"),
            "retained": words("挽留成功", "Retained"),
            "empty": words("本月无数据", "Nothing this month"),
        },
    }
    prev = (month - timedelta(days=1)).replace(day=1)
    nxt = (month + timedelta(days=31)).replace(day=1)
    query = {"month": f"{month:%Y-%m}", **({"hall": hall} if hall else {})}
    return render(
        request,
        "web/retention/report.html",
        {
            "r": data,
            "levels": levels,
            "charts": charts,
            "hall": hall,
            "month_value": f"{month:%Y-%m}",
            "prev": f"{prev:%Y-%m}",
            "next": f"{nxt:%Y-%m}",
            "halls_to_pick": reports.report_halls(request.user),
            "export": reverse("web:retention-report-xlsx") + "?" + urlencode(query),
        },
    )


@page(reports.PERM)
def retention_report_xlsx(request):
    """The report's tables in one workbook (openpyxl), a sheet each."""

    hall = request.GET.get("hall", "").strip()
    month = _month(request)
    data = reports.monthly(request.user, month, hall or None)
    book = Book(width=18)
    sheet = book.sheet

    def rate(v):
        return None if v is None else v / 100

    t = data["totals"]
    sheet(
        words("汇总", "Summary"),
        [
            words("月份", "Month"),
            words("挽留工单", "Cases"),
            words("挽留成功", "Retained"),
            words("客户坚持离网", "Left at their insistence"),
            words("处理中", "Open"),
            words("挽留成功率", "Retention rate"),
        ],
        [[f"{month:%Y-%m}", t["opened"], t["retained"], t["left"], t["open"], rate(t["rate"])]],
    )
    figures = [words("次数", "Attempts"), words("成功", "Retained"), words("成功率", "Rate")]
    sheet(
        words("按原因", "By reason"),
        [words("离网原因", "Reason"), words("挽留工单", "Cases"), words("挽留成功", "Retained")],
        [[r["name"], r["n"], r["retained"]] for r in data["by_reason"]],
    )
    sheet(
        words("按层级", "By level"),
        [words("层级", "Level"), *figures],
        [[_label(r), r["n"], r["retained"], rate(r["rate"])] for r in data["by_level"]],
    )
    sheet(
        words("按方案", "By offer"),
        [words("挽留方案", "Offer"), *figures],
        [[r["name"], r["n"], r["retained"], rate(r["rate"])] for r in data["by_offer"]],
    )
    sheet(
        words("按员工", "By staff"),
        [words("员工", "Staff member"), *figures],
        [[r["name"], r["n"], r["retained"], rate(r["rate"])] for r in data["by_staff"]],
    )
    return book.response(f"retention-{month:%Y-%m}{'-' + hall if hall else ''}.xlsx")
