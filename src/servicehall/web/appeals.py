"""Appeals (P2, P3): the registration form (/appeals/new: the complaint desk and hall managers),
the list with its deadlines (/appeals/), and the liability decision posted from the appeal's
fragment on the case page (web/templates/web/cases/_appeal.html). The rules are
complaints.appeals (writes) and complaints.appeal_selectors (reads)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_POST

from servicehall.cases import selectors as cases_selectors
from servicehall.complaints import appeal_selectors as selectors
from servicehall.complaints import appeals
from servicehall.complaints.workflows import APPEAL
from servicehall.core.errors import ServiceError

from . import exports
from .access import page
from .cases import attempt_on_case
from .forms import sort_messages, words

HANDLE = "complaints.handle_appeal"
READ = (HANDLE, "cases.view_all_cases")


def _lang() -> str:
    return get_language() or "zh-hans"


def _form(request, values, error: ServiceError | None = None, status: int = 200):
    chosen = values.getlist("complaints") if hasattr(values, "getlist") else []
    customer_found, complaints = selectors.complaint_choices(
        request.user, values.get("phone", ""), chosen
    )
    warnings = []
    if error is not None and error.code == "unconfirmed_warnings":
        warnings = [appeals.warning_text(w, _lang()) for w in error.extra.get("warnings", [])]
    return render(
        request,
        "web/appeals/new.html",
        {
            "values": values,
            "error": error,
            "warnings": warnings,
            "sources": selectors.sources(),
            "customer_found": customer_found,
            "complaints": complaints,
            "today": timezone.localdate(),
        },
        status=status,
    )


@page(HANDLE)
def appeal_new(request):
    """First submit: refusals beside their fields, the intake warnings to confirm; the
    complaints of the customer typed are offered for linking ("find" re-renders the form)."""
    if request.method != "POST":
        return _form(request, {"received_on": timezone.localdate().isoformat()})
    p = request.POST
    if p.get("find"):  # look the customer's complaints up, nothing registered
        return _form(request, p)
    try:
        case = appeals.register_appeal(
            request.user,
            source=p.get("source", ""),
            reference=p.get("reference", ""),
            received_on=p.get("received_on", ""),
            matter_on=p.get("matter_on", ""),
            matter=p.get("matter", ""),
            subject=p.get("subject", ""),
            phone=p.get("phone", ""),
            billing_dispute=p.get("billing_dispute") == "1",
            materials_due=p.get("materials_due", ""),
            complaints=p.getlist("complaints"),
            confirm_warnings=p.get("confirm_warnings") == "1",
        )
    except ServiceError as exc:
        return _form(request, p, exc, status=exc.status)
    messages.success(
        request,
        words(f"已登记申诉 {case.number}", f"Appeal {case.number} registered"),
        extra_tags="form-page",
    )
    return redirect("web:case", case_id=case.pk)


APPEAL_COLUMNS = [
    ("编号", "Number", "number"),
    ("状态", "Status", "status_name"),
    ("来源", "Source", "source"),
    ("来源编号", "Reference", "reference"),
    ("收到日期", "Received", "received_on"),
    ("主题", "Subject", "subject"),
    ("答复期限", "Reply due", "reply_due"),
    ("责任认定", "Liability", "liability"),
    ("重大申诉", "Major", "major"),
    ("超时答复", "Replied late", "replied_late"),
]


@page(*READ)
def appeal_list(request):
    g = request.GET
    state = g.get("state") or "open"
    source = g.get("source") or None
    rows = selectors.appeal_list(request.user, source=source, state=state, lang=_lang())
    if exports.wanted(request):
        return exports.respond(request, "appeals", APPEAL_COLUMNS, rows, personal="appeal")
    return render(
        request,
        "web/appeals/list.html",
        {
            "rows": rows,
            "sources": selectors.sources(),
            "states": [(k, APPEAL.state_label(k, _lang())) for k in APPEAL.states],
            "state": state,
            "source": source or "",
            "top_messages": sort_messages(request, [])[1],
        },
    )


@page(HANDLE)
@require_POST
def appeal_decide(request, case_id):
    """The liability decision (P3) from the appeal's fragment on the case page; a case the
    user may not see is a 404, as its page is."""
    cases_selectors.get_visible(request.user, case_id)
    p = request.POST
    return attempt_on_case(
        request,
        case_id,
        lambda: appeals.decide(
            request.user,
            case_id,
            version=p.get("version"),
            liability=p.get("liability", ""),
            company_fault=p.get("company_fault", ""),
            withdrawal=p.get("withdrawal", ""),
            reason=p.get("reason", ""),
            evidence=p.get("evidence", ""),
            major=p.get("major") == "1",
            major_reason=p.get("major_reason", ""),
        ),
        "decide_liability",
        "appeal",
        words("已记录定责结论", "Liability decision recorded"),
    )
