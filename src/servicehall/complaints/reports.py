"""The monthly complaint report (P3, L6): per hall and month, counted by SQL aggregates.

- complaints (grumbles are not complaints), the complaint rate = complaints ÷ customers served
  (tickets finished that month in the hall; target ≤ 1 %), upgraded complaints, compensation
  paid (count and sum: accepted, and approved or within the limit), replies past deadline
  (complaints resolved after their due time, or still open past it);
- appeals by source, appeals per million users per quarter (users: the distinct customers the
  hall has served or taken a case from; yardstick ≤ 20), major appeals, company-liability
  events by sub-reason — from the appeals part (`_appeal_figures`, below);
- the month's notice (月度通报) in words, against the targets, and the quarter's assessment
  (季度考核): events × points deducted per event type (AssessmentRule rows, else DEFAULT_POINTS).

Scoping: the halls the user works in (org.roles.hall_ids_of); another hall is unknown (404)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone, translation

from servicehall.cases.models import Case
from servicehall.core.errors import NotFound, require_perm
from servicehall.customers.models import Customer
from servicehall.org.errors import Code as OrgCode
from servicehall.org.models import Hall
from servicehall.org.roles import in_halls
from servicehall.queueing.models import Ticket

from .appeal_selectors import appeal_figures
from .models import (
    PAID_Q,
    AssessmentEvent,
    AssessmentRule,
    CompanyFault,
    CompensationOffer,
    ComplaintUpgrade,
)
from .selectors import COUNTED, GRUMBLE

COMPLAINT_RATE_TARGET = Decimal("1")  # per cent of customers served (P3)
APPEALS_PER_MILLION_YARDSTICK = Decimal("20")  # per quarter (L6)
# Points deducted per event in the quarter's assessment, where no AssessmentRule row says
# otherwise (admin → 考核扣分规则).
DEFAULT_POINTS = {
    AssessmentEvent.COMPLAINT: Decimal("0.5"),
    AssessmentEvent.UPGRADED: Decimal("2"),
    AssessmentEvent.PAST_DEADLINE: Decimal("1"),
    AssessmentEvent.APPEAL: Decimal("3"),
    AssessmentEvent.MAJOR_APPEAL: Decimal("10"),
    AssessmentEvent.COMPANY_LIABILITY: Decimal("5"),
}
DRILLS = ("complaints", "grumbles", "upgraded", "past_deadline", "compensation")


def _appeal_figures(halls, month: date) -> dict:
    """The month's appeals (`appeal_selectors.appeal_figures`) in the shape the report reads:
    {by_source: {source name: n}, major: n, company_liability: {sub-reason label: n},
    past_deadline: n, total: n}; names in the interface language."""
    figures = appeal_figures(halls, month)
    zh = (translation.get_language() or "zh-hans").startswith("zh")
    return {
        "by_source": {
            (s["name_zh"] if zh else s["name_en"]): s["count"] for s in figures["by_source"]
        },
        "major": figures["major"],
        "company_liability": {
            str(CompanyFault(code).label): n
            for code, n in figures["company_by_reason"].items()
            if n
        },
        "past_deadline": figures["past_deadline"],
        "total": figures["total"],
    }


@dataclass(frozen=True)
class Period:
    month: date  # its first day
    start: datetime
    end: datetime  # exclusive

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(seconds=1)).astimezone(timezone.get_current_timezone()).date()


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def period(month: date) -> Period:
    first = month.replace(day=1)
    return Period(first, _aware(first), _aware(_next_month(first)))


def quarter_months(month: date) -> list[date]:
    """The months of `month`'s quarter up to and including it."""
    first = (month.month - 1) // 3 * 3 + 1
    return [date(month.year, m, 1) for m in range(first, month.month + 1)]


def report_halls(user, hall_code: str | None = None) -> list[Hall]:
    """The halls whose report the user may read: a hall manager their own, the area manager
    and quality every hall; `hall_code` narrows to one (another's: 404, as a missing one)."""
    require_perm(
        user, "complaints.view_complaint_report", "查看投诉月报", "read the complaint report"
    )
    halls = in_halls(Hall.objects.all(), user, "pk").order_by("code")
    if hall_code:
        halls = halls.filter(code=hall_code)
        if not halls.exists():
            raise NotFound(
                OrgCode.UNKNOWN_HALL,
                f"未知的营业厅：{hall_code}",
                f"Unknown hall {hall_code!r}",
                field="hall",
            )
    return list(halls)


def opened_in(halls, start: datetime, end: datetime) -> QuerySet:
    """Every complaint case opened in [start, end) in these halls, grumbles too."""
    return Case.objects.filter(
        kind="complaint", hall__in=halls, created_at__gte=start, created_at__lt=end
    )


def complaints(halls, start: datetime, end: datetime) -> QuerySet:
    """Those that count (`selectors.COUNTED`: accepted, not a grumble)."""
    return opened_in(halls, start, end).filter(COUNTED)


def not_grumbles(halls, start: datetime, end: datetime) -> QuerySet:
    """All but the grumbles: those not yet accepted too, whose deadline runs all the same (a
    reply past its deadline counts however far it got)."""
    return opened_in(halls, start, end).exclude(status=GRUMBLE)


def _past_deadline_q(now: datetime) -> Q:
    return Q(resolved_at__gt=F("due_at")) | Q(
        resolved_at__isnull=True, closed_at__isnull=True, due_at__lt=now
    )


def _by_hall(qs: QuerySet, field: str = "hall", **aggregates) -> dict[int, dict]:
    aggregates = aggregates or {"n": Count("id")}
    return {row[field]: row for row in qs.order_by().values(field).annotate(**aggregates)}


def _counts(halls, start: datetime, end: datetime, now: datetime) -> dict[int, dict]:
    """Per hall id: complaints, grumbles, upgraded, past_deadline, paid_n, paid_sum, served —
    one aggregate query each."""
    opened = complaints(halls, start, end)
    grumbles = opened_in(halls, start, end).filter(status=GRUMBLE)
    served = Ticket.objects.filter(
        hall__in=halls,
        status=Ticket.Status.DONE,
        day__gte=timezone.localtime(start).date(),
        day__lt=timezone.localtime(end).date(),
    )
    paid = CompensationOffer.objects.filter(
        PAID_Q, case__hall__in=halls, answered_at__gte=start, answered_at__lt=end
    )
    figures = {
        "complaints": _by_hall(opened),
        "grumbles": _by_hall(grumbles),
        "upgraded": _by_hall(ComplaintUpgrade.objects.filter(case__in=opened), "case__hall"),
        "past_deadline": _by_hall(
            not_grumbles(halls, start, end).filter(_past_deadline_q(min(now, end)))
        ),
        "served": _by_hall(served),
        "paid": _by_hall(paid, "case__hall", n=Count("id"), total=Sum("amount")),
    }
    out = {}
    for hall in halls:
        row = {k: figures[k].get(hall.pk, {}).get("n", 0) for k in figures}
        paid_sum = figures["paid"].get(hall.pk, {}).get("total") or Decimal("0")
        row["paid_sum"] = Decimal(paid_sum).quantize(Decimal("0.01"))
        out[hall.pk] = row
    return out


def users_of(hall: Hall) -> int:
    """The hall's users for the per-million rate: distinct customers it served or took a case
    from (one COUNT DISTINCT)."""
    return (
        Customer.objects.filter(Q(tickets__hall=hall) | Q(cases__hall=hall))
        .values("pk")
        .distinct()
        .count()
    )


def _rate(part, whole, scale=100) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * scale / Decimal(whole)).quantize(Decimal("0.01"))


def points_per_event() -> dict[str, Decimal]:
    rules = dict(AssessmentRule.objects.values_list("event", "points"))
    return {e: rules.get(e, DEFAULT_POINTS[e]) for e in AssessmentEvent.values}


def _merge_appeals(figures: list[dict]) -> dict:
    out = {"by_source": {}, "major": 0, "company_liability": {}, "past_deadline": 0, "total": 0}
    for f in figures:
        for key in ("by_source", "company_liability"):
            for name, n in (f.get(key) or {}).items():
                out[key][name] = out[key].get(name, 0) + n
        for key in ("major", "past_deadline", "total"):
            out[key] += f.get(key) or 0
    return out


def monthly_report(user, month: date, hall_code: str | None = None, *, now=None) -> dict:
    """Everything the page, its charts and the Excel file show, for the user's halls."""
    now = now or timezone.now()
    halls = report_halls(user, hall_code)
    p = period(month)
    months = quarter_months(p.month)
    q_start = period(months[0]).start
    counts = _counts(halls, p.start, p.end, now)
    quarter = _counts(halls, q_start, p.end, now)
    rows = []
    for hall in halls:
        c, q = counts[hall.pk], quarter[hall.pk]
        appeals = _appeal_figures([hall], p.month)
        q_appeals = _merge_appeals([_appeal_figures([hall], m) for m in months])
        users = users_of(hall)
        rate = _rate(c["complaints"], c["served"])
        per_million = _rate(q_appeals["total"], users, 1_000_000)
        rows.append(
            {
                "hall": hall,
                **c,
                "rate": rate,
                "rate_ok": rate is None or rate <= COMPLAINT_RATE_TARGET,
                "users": users,
                "appeals": appeals,
                "liability": sum(appeals["company_liability"].values()),
                "quarter_appeals": q_appeals,
                "per_million": per_million,
                "per_million_ok": per_million is None
                or per_million <= APPEALS_PER_MILLION_YARDSTICK,
                "quarter": q,
            }
        )
    opened = complaints(halls, p.start, p.end)
    by_category = list(
        opened.order_by()
        .values("category__code", "category__name_zh", "category__name_en")
        .annotate(n=Count("id"))
        .order_by("-n", "category__code")
    )
    tz = timezone.get_current_timezone()
    per_day = dict(
        opened.order_by()
        .annotate(d=TruncDate("created_at", tzinfo=tz))
        .values_list("d")
        .annotate(n=Count("id"))
    )
    days = []
    d = p.month
    while d <= p.last_day:
        days.append({"day": d, "n": per_day.get(d, 0)})
        d += timedelta(days=1)
    appeals = _merge_appeals([r["appeals"] for r in rows])
    total = {
        k: sum(r[k] for r in rows)
        for k in ("complaints", "grumbles", "upgraded", "past_deadline", "served", "paid", "users")
    }
    total["paid_sum"] = sum((r["paid_sum"] for r in rows), Decimal("0.00"))
    total["rate"] = _rate(total["complaints"], total["served"])
    total["rate_ok"] = total["rate"] is None or total["rate"] <= COMPLAINT_RATE_TARGET
    q_appeals = _merge_appeals([r["quarter_appeals"] for r in rows])
    total["per_million"] = _rate(q_appeals["total"], total["users"], 1_000_000)
    total["per_million_ok"] = (
        total["per_million"] is None or total["per_million"] <= APPEALS_PER_MILLION_YARDSTICK
    )
    report = {
        "month": p.month,
        "quarter": (p.month.month - 1) // 3 + 1,
        "quarter_months": months,
        "halls": rows,
        "total": total,
        "by_category": by_category,
        "by_day": days,
        "appeals": appeals,
        "quarter_appeals": q_appeals,
        "targets": {
            "rate": COMPLAINT_RATE_TARGET,
            "per_million": APPEALS_PER_MILLION_YARDSTICK,
        },
    }
    report["assessment"] = assessment(rows)
    report["notice_zh"], report["notice_en"] = notice(report)
    return report


def assessment(rows: list[dict]) -> list[dict]:
    """The quarter's assessment per hall: each event type's count so far this quarter, the
    points per event and the points deducted."""
    points = points_per_event()
    out = []
    for r in rows:
        q, qa = r["quarter"], r["quarter_appeals"]
        counts = {
            AssessmentEvent.COMPLAINT: q["complaints"],
            AssessmentEvent.UPGRADED: q["upgraded"],
            AssessmentEvent.PAST_DEADLINE: q["past_deadline"],
            AssessmentEvent.APPEAL: qa["total"],
            AssessmentEvent.MAJOR_APPEAL: qa["major"],
            AssessmentEvent.COMPANY_LIABILITY: sum(qa["company_liability"].values()),
        }
        items = [
            {
                "event": e,
                "label": AssessmentEvent(e).label,
                "count": counts[e],
                "points": points[e],
                "deducted": points[e] * counts[e],
            }
            for e in AssessmentEvent.values
        ]
        out.append(
            {
                "hall": r["hall"],
                "items": items,
                "deducted": sum((i["deducted"] for i in items), Decimal("0")),
            }
        )
    return out


def _pct(v) -> str:
    return "—" if v is None else f"{v}%"


def notice(report: dict) -> tuple[str, str]:
    """The month's notice (月度通报): the figures against the targets, in both languages."""
    m = report["month"]
    zh, en = [], []
    for r in report["halls"]:
        a = r["appeals"]
        liability = sum(a["company_liability"].values())
        rate_zh = "达标" if r["rate_ok"] else "超标"
        rate_en = "within target" if r["rate_ok"] else "ABOVE target"
        pm = "—" if r["per_million"] is None else str(r["per_million"])
        pm_zh = "达标" if r["per_million_ok"] else "超过标杆"
        pm_en = "within the yardstick" if r["per_million_ok"] else "ABOVE the yardstick"
        zh.append(
            f"{m.year}年{m.month}月，{r['hall'].name}受理投诉{r['complaints']}件"
            f"（服务客户{r['served']}人，投诉率{_pct(r['rate'])}，目标≤{COMPLAINT_RATE_TARGET}%，"
            f"{rate_zh}），另当场解释的抱怨{r['grumbles']}件不计入；升级投诉{r['upgraded']}件；"
            f"超时答复{r['past_deadline']}件；兑现补偿{r['paid']}笔共{r['paid_sum']}元。"
            f"申诉{a['total']}件，其中重大申诉{a['major']}件、企业责任事件{liability}件；"
            f"本季度百万用户申诉率{pm}（标杆≤{APPEALS_PER_MILLION_YARDSTICK}，{pm_zh}）。"
        )
        en.append(
            f"{m:%B %Y}, {r['hall'].name}: {r['complaints']} complaints ({r['served']} customers "
            f"served, complaint rate {_pct(r['rate'])}, target ≤ {COMPLAINT_RATE_TARGET}%, "
            f"{rate_en}); {r['grumbles']} grumbles settled on the spot not counted; "
            f"{r['upgraded']} upgraded; {r['past_deadline']} replies past deadline; "
            f"{r['paid']} compensation payments totalling {r['paid_sum']} yuan. "
            f"{a['total']} appeals, {a['major']} major, {liability} company-liability events; "
            f"appeals per million users this quarter {pm} (yardstick ≤ "
            f"{APPEALS_PER_MILLION_YARDSTICK}, {pm_en})."
        )
    return "\n".join(zh), "\n".join(en)


def drill_down(
    user, month: date, hall_code: str, what: str, *, category: str = "", day: date | None = None
) -> QuerySet:
    """The cases behind a figure of the report (its links): complaints, grumbles, upgraded,
    replies past deadline, compensation paid; or the complaints of a category or a day."""
    halls = report_halls(user, hall_code or None)
    p = period(month)
    start, end = p.start, p.end
    if day is not None and p.month <= day <= p.last_day:
        start, end = _aware(day), _aware(day + timedelta(days=1))
    opened = complaints(halls, start, end)
    if what == "grumbles":
        qs = opened_in(halls, start, end).filter(status=GRUMBLE)
    elif what == "upgraded":
        qs = opened.filter(upgrade__isnull=False)
    elif what == "past_deadline":
        qs = not_grumbles(halls, start, end).filter(_past_deadline_q(min(timezone.now(), end)))
    elif what == "compensation":
        paid = CompensationOffer.objects.filter(
            PAID_Q, case__hall__in=halls, answered_at__gte=start, answered_at__lt=end
        )
        qs = Case.objects.filter(pk__in=paid.values("case_id"))
    else:
        qs = opened
    if category:
        qs = qs.filter(category__code=category)
    return qs.select_related("category", "desk", "owner", "owner__staff").order_by("-created_at")
