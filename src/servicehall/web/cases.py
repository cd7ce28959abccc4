"""The case desk: my cases and my desks' queue with deadlines coloured, search and
filters; intake (also from the workbench, linked to the ticket being served); the case page
with its timeline, the service script of the step, and a form per allowed action; the hall
manager's SLA page.

Like the workbench, every change is a POST calling one service and a redirect back; a refusal
is flashed in Chinese and English beside the form it came from."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_POST

from servicehall.cases import selectors, services
from servicehall.cases.models import Area, Channel, Priority
from servicehall.cases.workflows import WORKFLOWS
from servicehall.core.calendar import unconfirmed_years
from servicehall.core.errors import ServiceError
from servicehall.core.validate import object_id
from servicehall.org import regions
from servicehall.org.models import BusinessCategory, Desk, Region
from servicehall.queueing import selectors as queue_selectors
from servicehall.surveys.models import DIMENSIONS
from servicehall.surveys.selectors import staff_stats

from . import exports
from .access import page
from .forms import attempt, error_text, sort_messages, words
from .knowledge import suggestions
from .streams import stream_channel

READ = ("cases.handle_case", "cases.view_all_cases")
HANDLE = "cases.handle_case"
COMMON_OPS = ("comment", "chat_reply", "transfer", "escalate", "promise")


def _lang() -> str:
    return get_language() or "zh-hans"


def _categories():
    return BusinessCategory.objects.filter(is_active=True, parent__isnull=False).select_related(
        "parent"
    )


@page(*READ)
def case_list(request):
    user = request.user
    g = request.GET
    scope = g.get("scope") or "mine"
    if scope not in ("mine", "desk", "all"):
        scope = "mine"
    now = timezone.now()
    page_cases = selectors.search(
        user,
        scope=scope,
        state=g.get("state") or "open",
        kind=g.get("kind") or None,
        q=g.get("q") or None,
        overdue=g.get("overdue") == "1",
        escalated=g.get("escalated") == "1",
        now=now,
        limit=100,
    )
    rows = [selectors.row(c, now, _lang()) for c in page_cases]
    if exports.wanted(request):
        return exports.respond(request, "cases", exports.CASE_COLUMNS, rows, personal="case")
    return render(
        request,
        "web/cases/list.html",
        {
            "rows": rows,
            "scope": scope,
            "filters": g,
            "kinds": WORKFLOWS.values(),
            "has_desk": Desk.objects.filter(members=user).exists()
            or Desk.objects.filter(lead=user).exists(),
            "top_messages": sort_messages(request, [])[1],
        },
    )


def region_choices() -> list[tuple[str, str]]:
    """Districts and grids for the case form; empty: the region is found (org.regions.locate)."""
    return [
        (r.code, regions.path(r.pk))
        for r in Region.objects.filter(level__gte=Region.Level.DISTRICT).order_by("code")
    ]


def _new_context(request, values, error: ServiceError | None = None) -> dict:
    ticket = None
    ticket_id = object_id(values.get("ticket_id"))
    if ticket_id is not None:
        session = queue_selectors.open_session_of(request.user)
        current = queue_selectors.current_ticket(session.counter) if session else None
        if current and current.pk == ticket_id:
            ticket = current
    return {
        "values": values,
        "error": error,
        "ticket": ticket,
        "kinds": [w for w in WORKFLOWS.values() if not w.internal],
        "channels": Channel.choices,
        "priorities": Priority.choices,
        "areas": Area.choices,
        "regions": region_choices(),
        "categories": _categories(),
        "desks": selectors.desks_for(request.user),
        "script": WORKFLOWS["consultation"].script_zh["open"],
    }


@page("cases.open_case")
def case_new(request):
    if request.method != "POST":
        values = {"channel": "walk_in" if request.GET.get("ticket") else "hotline"}
        values["ticket_id"] = request.GET.get("ticket", "")
        context = _new_context(request, values)
        values["kind"] = selectors.kind_for_ticket(context["ticket"])
        return render(request, "web/cases/new.html", context)
    p = request.POST
    try:
        case = services.open_case(
            request.user,
            kind=p.get("kind", ""),
            channel=p.get("channel", ""),
            category=p.get("category", ""),
            description=p.get("description", ""),
            subject=p.get("subject", ""),
            phone=p.get("phone", "").strip() or None,
            ticket_id=object_id(p.get("ticket_id")),
            priority=p.get("priority") or "normal",
            area=p.get("area") or "town",
            region=p.get("region") or None,
            desk=p.get("desk") or None,
            promised_at=p.get("promised_at") or None,
        )
    except ServiceError as exc:
        return render(
            request, "web/cases/new.html", _new_context(request, p, exc), status=exc.status
        )
    messages.success(
        request,
        words(f"已登记 {case.number}", f"Case {case.number} opened"),
        extra_tags="form-page",
    )
    return redirect("web:case", case_id=case.pk)


@page(*READ)
def case_detail(request, case_id):
    return _detail_page(request, selectors.get_visible(request.user, case_id))


def _detail_page(request, case, *, unmasked: bool = False, status: int = 200):
    data = selectors.detail(case, request.user, _lang(), unmasked=unmasked)
    forms = ["page", "reveal", *COMMON_OPS, "closure_code", *(a["action"] for a in data["allowed"])]
    forms.append("attachments")  # web/attachments.py: refusals shown beside the list
    form_messages, top = sort_messages(request, forms)
    return render(
        request,
        "web/cases/detail.html",
        {
            "case": data,
            "form_messages": form_messages,
            "top_messages": top,
            "desks": selectors.desks_for(request.user),
            "categories": _categories(),
            "suggestions": suggestions(request.user, case.subject, case.description),
            "conversation": selectors.conversation_view(case, _lang(), unmasked=unmasked),
            "can_reveal": request.user.has_perm("customers.view_unmasked_pii"),
            "attachment_max_mb": f"{settings.ATTACHMENT_MAX_BYTES / 1024 / 1024:g}",
            "case_obj": case,  # the panels of other modules read it (case_of), not again
        },
        status=status,
    )


def case_of(context, case_id):
    """The case page's case for a panel's template tag (the complaint's, compensation,
    appeal, subscription panels): the one the page already read, not a query per panel."""
    case = context.get("case_obj")
    if case is not None and case.pk == case_id:
        return case
    return selectors.get_case(case_id)


def attempt_on_case(request, case_id, action, form: str, anchor: str, success: str | None = None):
    """A form on the case page that other modules serve (a complaint's stages, an appeal's
    liability): done, back to the page at `anchor`; refused, the page again in this request,
    with what was typed and the error beside its form."""
    try:
        action()
    except ServiceError as exc:  # the page again, what was typed kept, the error by its form
        messages.error(
            request, error_text(exc), extra_tags=f"form-{form} field-{exc.field or 'form'}"
        )
        case = selectors.get_visible(request.user, case_id)
        return _detail_page(request, case, status=exc.status if exc.status < 500 else 422)
    if success:
        messages.success(request, success, extra_tags=f"form-{form}")
    return redirect(reverse("web:case", kwargs={"case_id": case_id}) + f"#{anchor}")


@page("customers.view_unmasked_pii")  # the roles that may unmask; the case must be visible too
@require_POST
def case_reveal(request, case_id):
    """The numbers typed into the case, unmasked for this response only, for a role that may
    with a reason (V2, audited like a customer's reveal); a reload shows them masked again."""
    case = selectors.get_visible(request.user, case_id)
    try:
        services.reveal_text(
            request.user,
            case_id,
            reason=request.POST.get("reason", ""),
            ip=request.META.get("REMOTE_ADDR"),
        )
    except ServiceError as exc:
        messages.error(
            request, words(exc.zh, exc.en), extra_tags=f"form-reveal field-{exc.field or 'form'}"
        )
        return _detail_page(request, case, status=429 if exc.status == 429 else 422)
    return _detail_page(request, case, unmasked=True)


@page(*READ)
async def case_events(request, case_id):
    """The case's events (the customer wrote in the chat), for its open page; a case the user
    may not see is a 404, as its page is."""
    from asgiref.sync import sync_to_async

    try:
        case = await sync_to_async(selectors.get_visible)(request.user, case_id)
    except ServiceError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    return await stream_channel(services.channel_name(case.pk))


ACT_FIELDS = (
    "resolution",
    "reason",
    "summary",
    "promised_at",
    "desk",
    # closing on the customer's word (C5): how they confirmed, the call's time, the code
    "method",
    "call_at",
    "code",
    "note",
)
OPS = {  # the common operations by URL; any other op is a workflow action
    "comment": lambda user, cid, p: services.comment(user, cid, note=p.get("note", "")),
    "closure_code": lambda user, cid, p: services.send_closure_code(user, cid),
    "chat_reply": lambda user, cid, p: services.reply_in_chat(user, cid, text=p.get("text", "")),
    "transfer": lambda user, cid, p: services.transfer(
        user,
        cid,
        version=p.get("version"),
        desk=p.get("desk", ""),
        summary=p.get("summary", ""),
        handler=p.get("handler") or None,
    ),
    "escalate": lambda user, cid, p: services.escalate(
        user, cid, version=p.get("version"), reason=p.get("reason", "")
    ),
    "promise": lambda user, cid, p: services.promise(
        user, cid, version=p.get("version"), promised_at=p.get("promised_at", "")
    ),
}


def _workflow_action(op: str):
    return lambda user, cid, p: services.act(
        user, cid, op, version=p.get("version"), **{k: p[k] for k in ACT_FIELDS if p.get(k)}
    )


@page(HANDLE)
@require_POST
def case_op(request, case_id, op):
    handler = OPS.get(op) or _workflow_action(op)
    success = None
    if op == "closure_code":
        success = words(
            "确认码已发送到客户登记的号码，请客户当面告知", "Code texted to the customer's number"
        )
        form = "close"  # shown beside the closing form it belongs to
    else:
        form = op
    result = attempt(
        request, lambda: handler(request.user, case_id, request.POST), success, form=form
    )
    if isinstance(result, tuple) and result[1] is not None:  # converted: go to the work order
        follow_up = result[1]
        messages.success(
            request,
            words(f"已转为工单 {follow_up.number}", f"Turned into work order {follow_up.number}"),
            extra_tags="form-page",
        )
        return redirect("web:case", case_id=follow_up.pk)
    return redirect(reverse("web:case", kwargs={"case_id": case_id}) + f"#{form}")


@page("cases.review_closure")
@require_POST
def closure_review(request, case_id):
    """Quality marks a closure made by staff on the customer's behalf reviewed (C5)."""
    p = request.POST
    attempt(
        request,
        lambda: services.review_closure(
            request.user, case_id, verdict=p.get("verdict", ""), note=p.get("note", "")
        ),
        words("已记录质检结论", "Review recorded"),
        form=f"review-{case_id}",
    )
    return redirect(reverse("web:case-sla") + "#closure-reviews")


@page("cases.view_all_cases")
def sla(request):
    """The SLA overview, the closures staff made on the customer's behalf waiting for quality,
    and the last 30 days' satisfaction and closures by staff member (S1, C5)."""
    reviews = selectors.closure_reviews(request.user, lang=_lang())
    form_messages, top_messages = sort_messages(
        request, [f"review-{r['case_id']}" for r in reviews]
    )
    for r in reviews:
        r["messages"] = form_messages.get(f"review-{r['case_id']}", [])
    data = selectors.sla_overview(request.user)
    now = data["now"]
    top = max([d["n"] for d in data["by_desk"]] or [1])
    for d in data["by_desk"]:
        d["pct"] = round(100 * d["n"] / top)
        d["name"] = (d["desk__name_en"] if _lang().startswith("en") else d["desk__name_zh"]) or "—"
    return render(
        request,
        "web/cases/sla.html",
        {
            "data": data,
            "breached": [selectors.row(c, now, _lang()) for c in data["breached"]],
            "at_risk": [selectors.row(c, now, _lang()) for c in data["at_risk"]],
            "unconfirmed": unconfirmed_years(),
            "satisfaction": staff_stats(now - timedelta(days=30), user=request.user),
            "dimensions": DIMENSIONS,
            "reviews": reviews,
            "reviewed": selectors.closure_reviews(
                request.user, state="reviewed", limit=10, lang=_lang()
            ),
            "top_messages": top_messages,
        },
    )
