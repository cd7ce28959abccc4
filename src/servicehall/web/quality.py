"""Quality supervision pages (S3): the checks to score and scored (filters, sampling a month,
Excel), the scoring form with the sampled ticket's or case's facts (personal data masked) and
its rectification items, the staff member's own scores and appraisal line (/quality/mine),
and the monthly appraisal (table, bar chart, Excel). Each view parses, checks who may and
calls one service or selector of servicehall.quality; hall scoping is theirs."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from servicehall.cases.workflows import WORKFLOWS
from servicehall.core import validate
from servicehall.core.errors import Code as CoreCode
from servicehall.core.errors import ServiceError
from servicehall.quality import appraisal, selectors, services
from servicehall.quality.models import CheckStatus, SamplingRule

from .access import page
from .excel import Book
from .forms import attempt, words
from .names import english

SCORE = "quality.score_check"
APPRAISAL = "quality.view_appraisal"


def _month(request, default_last: bool = False) -> date:
    """The month asked for (?month=YYYY-MM); none: this month, or the last one for the checks
    (sampling is of a month gone by)."""
    text = request.GET.get("month", "").strip()
    if text:
        return validate.month(text, "month")
    first = timezone.localdate().replace(day=1)
    return (first - timedelta(days=1)).replace(day=1) if default_last else first


def _around(month: date) -> tuple[str, str]:
    prev = (month - timedelta(days=1)).replace(day=1)
    nxt = (month + timedelta(days=31)).replace(day=1)
    return f"{prev:%Y-%m}", f"{nxt:%Y-%m}"


def _rules() -> dict[str, str]:
    return {r.code: (r.name_en if english() else r.name_zh) for r in SamplingRule.objects.all()}


def _what(check) -> str:
    if check.ticket_id:
        t = check.ticket
        return words(f"号票 {t.number}（{t.day:%m-%d}）", f"Ticket {t.number} ({t.day:%m-%d})")
    return check.case.number


def _filters(request) -> dict:
    return {
        "hall": request.GET.get("hall", "").strip(),
        "staff": request.GET.get("staff", "").strip(),
        "status": request.GET.get("status", "").strip(),
    }


def _rows(request, month, f) -> list[dict]:
    rules = _rules()
    out = []
    for c in selectors.listing(request.user, month=month, **f):
        out.append(
            {
                "id": c.pk,
                "month": c.month,
                "what": _what(c),
                "staff": selectors.name_of(c.staff),
                "username": c.staff.username,
                "hall": c.hall.name if c.hall_id else "",
                "reason": rules.get(c.reason, c.reason),
                "status": c.status,
                "status_label": c.get_status_display(),
                "total": c.total,
                "supervisor": selectors.name_of(c.supervisor),
            }
        )
    return out


@page(SCORE)
def quality_list(request):
    month = _month(request, default_last=True)
    f = _filters(request)
    prev, nxt = _around(month)
    query = {"month": f"{month:%Y-%m}", **{k: v for k, v in f.items() if v}}
    rows = _rows(request, month, f)
    return render(
        request,
        "web/quality/list.html",
        {
            "rows": rows,
            "month_value": f"{month:%Y-%m}",
            "prev": prev,
            "next": nxt,
            "f": f,
            "statuses": CheckStatus.choices,
            "halls_to_pick": appraisal.appraisal_halls(request.user),
            "to_score": sum(1 for r in rows if r["status"] == CheckStatus.TO_SCORE),
            "export": reverse("web:quality-xlsx") + "?" + urlencode(query),
        },
    )


@page(SCORE)
def quality_xlsx(request):
    month = _month(request, default_last=True)
    f = _filters(request)
    book = Book(width=16)
    book.sheet(
        words("质检记录", "Quality checks"),
        [
            words("编号", "No."),
            words("月份", "Month"),
            words("抽检对象", "Sampled"),
            words("员工", "Staff member"),
            words("营业厅", "Hall"),
            words("抽检原因", "Why sampled"),
            words("状态", "Status"),
            words("得分", "Score (%)"),
            words("质检员", "Supervisor"),
        ],
        [
            [
                r["id"],
                f"{r['month']:%Y-%m}",
                r["what"],
                r["staff"],
                r["hall"],
                r["reason"],
                str(r["status_label"]),
                float(r["total"]) if r["total"] is not None else None,
                r["supervisor"],
            ]
            for r in _rows(request, month, f)
        ],
    )
    return book.response(f"quality-checks-{month:%Y-%m}.xlsx")


@page(SCORE)
@require_POST
def quality_sample(request):
    month_text = request.POST.get("month", "").strip()

    def run():
        month = validate.month(month_text, "month")
        if month is None:
            raise ServiceError(
                CoreCode.REQUIRED,
                "请选择要抽检的月份",
                "Choose the month to sample",
                field="month",
                status=422,
            )
        return services.sample(month, request.user)

    added = attempt(request, run)
    if added is not None:
        n = sum(added.values())
        messages.success(
            request,
            words(f"已抽取 {n} 条质检样本", f"{n} checks sampled"),
            extra_tags="form-page",
        )
    return redirect(reverse("web:quality") + "?" + urlencode({"month": month_text}))


def _item_rows(check, values: dict | None = None) -> list[dict]:
    out = []
    for item in check.form.items.all():
        given = (values or {}).get(f"score_{item.code}")
        out.append(
            {
                "code": item.code,
                "name": item.name_en if english() else item.name_zh,
                "weight": item.weight,
                "max": item.max_score,
                "value": given if given is not None else check.scores.get(item.code, ""),
            }
        )
    return out


def _check_page(request, check, *, values=None, error=None, status=200):
    may_score = request.user.has_perm(SCORE) and check.staff_id != request.user.pk
    return render(
        request,
        "web/quality/check.html",
        {
            "check": check,
            "facts": selectors.facts(check),
            "reason": _rules().get(check.reason, check.reason),
            "staff_name": selectors.name_of(check.staff),
            "supervisor_name": selectors.name_of(check.supervisor),
            "items": _item_rows(check, values),
            "comments": (values or {}).get("comments", check.comments),
            "rectifications": selectors.rectifications_of(check),
            "may_score": may_score,
            # a rectification item is a case: opened by who may open cases (quality)
            "may_rectify": may_score and request.user.has_perm("cases.open_case"),
            "error": error,
            "values": values or {},
        },
        status=status,
    )


@page(SCORE, APPRAISAL)
def quality_check(request, check_id):
    check = selectors.get_check(request.user, check_id)
    if request.method != "POST":
        return _check_page(request, check)
    p = request.POST
    scores = {k[len("score_") :]: v for k, v in p.items() if k.startswith("score_")}
    try:
        services.score(
            request.user, check_id, scores, p.get("comments", ""), version=p.get("version")
        )
    except ServiceError as exc:
        return _check_page(request, check, values=p, error=exc, status=exc.status)
    messages.success(request, words("已保存评分", "Scores saved"), extra_tags="form-page")
    return redirect("web:quality-check", check_id=check.pk)


@page(SCORE)
@require_POST
def quality_rectify(request, check_id):
    selectors.get_check(request.user, check_id)  # unknown or not theirs: 404 here, no flash left
    p = request.POST
    case = attempt(
        request,
        lambda: services.open_rectification(
            request.user,
            check_id,
            finding=p.get("finding", ""),
            owner=p.get("owner", "staff"),
            item=p.get("item", ""),
        ),
        form="rectify",
    )
    if case is not None:
        messages.success(
            request,
            words(f"已登记整改项 {case.number}", f"Rectification item {case.number} opened"),
            extra_tags="form-rectify",
        )
    return redirect(reverse("web:quality-check", kwargs={"check_id": check_id}) + "#rectify")


@page()
def quality_mine(request):
    month = _month(request)
    prev, nxt = _around(month)
    rules = _rules()
    checks = [
        {
            "id": c.pk,
            "month": c.month,
            "what": _what(c),
            "reason": rules.get(c.reason, c.reason),
            "total": c.total,
            "scores": [
                (i.name_en if english() else i.name_zh, c.scores.get(i.code), i.max_score)
                for i in c.form.items.all()
            ],
            "comments": c.comments,
        }
        for c in selectors.my_checks(request.user)[:50]
    ]
    items = [
        {
            "case": r.case,
            "status": WORKFLOWS["rectification"].state_label(
                r.case.status, "en" if english() else "zh"
            ),
            "done": bool(r.done),
            "finding": r.finding,
            "item": (r.item.name_en if english() else r.item.name_zh) if r.item_id else "",
        }
        for r in selectors.my_rectifications(request.user)[:50]
    ]
    return render(
        request,
        "web/quality/mine.html",
        {
            "checks": checks,
            "items": items,
            "line": appraisal.own_line(request.user, month),
            "month_value": f"{month:%Y-%m}",
            "prev": prev,
            "next": nxt,
        },
    )


@page(APPRAISAL)
def quality_appraisal(request):
    month = _month(request)
    hall = request.GET.get("hall", "").strip()
    data = appraisal.appraisal(request.user, month, hall or None)
    prev, nxt = _around(month)
    query = {"month": f"{month:%Y-%m}", **({"hall": hall} if hall else {})}
    rows = data["rows"]
    chart = {
        "names": [r["name"] for r in rows],
        "scores": [r["score"] for r in rows],
        "labels": {
            "score": words("考核得分", "Appraisal score"),
            "empty": words("本月无数据", "Nothing this month"),
        },
    }
    return render(
        request,
        "web/quality/appraisal.html",
        {
            "rows": rows,
            "w": data["weights"],
            "chart": chart,
            "hall": hall,
            "month_value": f"{month:%Y-%m}",
            "prev": prev,
            "next": nxt,
            "halls_to_pick": appraisal.appraisal_halls(request.user),
            "export": reverse("web:quality-appraisal-xlsx") + "?" + urlencode(query),
        },
    )


@page(APPRAISAL)
def quality_appraisal_xlsx(request):
    month = _month(request)
    hall = request.GET.get("hall", "").strip()
    data = appraisal.appraisal(request.user, month, hall or None)
    w = data["weights"]
    book = Book(width=14)
    book.sheet(
        words("绩效考核", "Appraisal"),
        [
            words("营业厅", "Hall"),
            words("员工", "Staff member"),
            words("工号", "User name"),
            words("办结号票", "Tickets served"),
            words("平均办理时长(分)", "Mean service (min)"),
            words("15分钟内叫号率(%)", "Waits within 15 min (%)"),
            words("办结工单", "Cases closed"),
            words("质检均分", "Mean quality score"),
            words("满意率(%)", "Satisfaction (%)"),
            words("被投诉", "Complaints"),
            words("考核得分", "Appraisal score"),
        ],
        [
            [
                r["hall"],
                r["name"],
                r["staff"],
                r["served"],
                r["mean_service_minutes"],
                r["waits_within_15"],
                r["cases_closed"],
                r["quality"],
                r["satisfaction"],
                r["complaints"],
                r["score"],
            ]
            for r in data["rows"]
        ],
    )
    book.sheet(
        words("权重", "Weights"),
        [words("部分", "Part"), words("权重", "Weight")],
        [
            [words("服务指标", "KPIs"), w.kpi],
            [words("质检", "Quality"), w.quality],
            [words("满意度", "Satisfaction"), w.satisfaction],
            [words("投诉", "Complaints"), w.complaints],
            [words("每件投诉扣分", "Points off per complaint"), w.complaint_points],
        ],
    )
    return book.response(f"appraisal-{month:%Y-%m}{'-' + hall if hall else ''}.xlsx")
