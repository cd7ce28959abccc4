"""The monthly appraisal (绩效考核, S3): per staff member and hall, the month's KPIs, the mean
quality score, satisfaction and complaints, combined with the weights in use
(`AppraisalWeights`, admin-edited).

The parts, each 0–100:
- KPI: the share of the tickets the staff member called within the hall's wait limit (15
  minutes, VIP 10), from the service reports' rollup (`reports.selectors.per_staff`, the same
  figure as their line of /reports/); tickets served, mean service time and cases closed are
  shown beside;
- quality: the mean total of their checks scored for the month;
- satisfaction: their combined satisfaction rate of surveys and counter ratings
  (`surveys.selectors.staff_stats`);
- complaints: 100 less `complaint_points` per complaint against them — a complaint counted
  by the reports (`complaints.selectors.COUNTED`) opened in the month whose responsibility is
  our hall and names them (`ComplaintRecord.responsible_name`: their user name or full name) —,
  never below 0.
The score is Σ weight × part ÷ Σ weight over the parts that have data (a clerk without
surveys is scored on the rest), to one decimal; none ("—") for someone with no KPI, quality
or satisfaction figure in the month (the complaints part alone scores nobody)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Avg, Count

from servicehall.cases.models import Case
from servicehall.complaints.models import ComplaintRecord, Responsible
from servicehall.complaints.selectors import COUNTED
from servicehall.core.errors import require_perm
from servicehall.org.models import StaffProfile
from servicehall.org.roles import hall_ids_of
from servicehall.reports.selectors import per_staff
from servicehall.surveys.selectors import staff_stats

from .models import AppraisalWeights, CheckStatus, QualityCheck
from .services import NOT_SAMPLED, month_bounds

PERM = "quality.view_appraisal"


@dataclass(frozen=True)
class Weights:
    kpi: int = 30
    quality: int = 40
    satisfaction: int = 20
    complaints: int = 10
    complaint_points: int = 20


def weights() -> Weights:
    row = AppraisalWeights.objects.filter(is_active=True).order_by("-id").first()
    if row is None:
        return Weights()
    return Weights(row.kpi, row.quality, row.satisfaction, row.complaints, row.complaint_points)


def _r(x, places: int = 1):
    return None if x is None else round(float(x), places)


def combine(parts: dict[str, float | None], w: Weights) -> float | None:
    """None without a KPI, quality or satisfaction figure: the complaints part only takes
    points off, it does not score anyone 100 on its own."""
    if all(parts.get(k) is None for k in ("kpi", "quality", "satisfaction")):
        return None
    present = {k: v for k, v in parts.items() if v is not None and getattr(w, k) > 0}
    total = sum(getattr(w, k) for k in present)
    if not total:
        return None
    return round(sum(getattr(w, k) * v for k, v in present.items()) / total, 1)


def compute(month: date, profiles) -> list[dict]:
    """The appraisal lines of the staff `profiles` (StaffProfile rows) for `month`."""
    month = month.replace(day=1)
    since, until = month_bounds(month)
    w = weights()
    users = {p.user_id: p for p in profiles}
    ids = list(users)
    last = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    served = per_staff(ids, month, last)
    closed = dict(
        Case.objects.filter(owner__in=ids, closed_at__gte=since, closed_at__lt=until)
        .exclude(kind__in=NOT_SAMPLED)
        .values("owner")
        .annotate(n=Count("id"))
        .values_list("owner", "n")
    )
    quality = {
        r["staff"]: r
        for r in QualityCheck.objects.filter(staff__in=ids, month=month, status=CheckStatus.SCORED)
        .values("staff")
        .annotate(mean=Avg("total"), n=Count("id"))
    }
    sat = {r["staff"]: r for r in staff_stats(since, until)}
    names: dict[str, int] = {}
    for uid, p in users.items():
        names[p.user.username] = uid
        if p.full_name:
            names.setdefault(p.full_name, uid)
    complaints: dict[int, int] = {}
    for name in ComplaintRecord.objects.filter(
        case__in=Case.objects.filter(COUNTED, created_at__gte=since, created_at__lt=until),
        responsible=Responsible.HALL,
        responsible_name__in=list(names),
    ).values_list("responsible_name", flat=True):
        complaints[names[name]] = complaints.get(names[name], 0) + 1
    out = []
    for uid, p in users.items():
        t = served.get(uid) or {"called": 0, "served": 0}
        q = quality.get(uid)
        s = sat.get(p.user.username) or {}
        n_complaints = complaints.get(uid, 0)
        active = t["called"] or closed.get(uid) or q or s or n_complaints
        if not active:
            continue
        share = t.get("wait_ok_share")
        kpi = round(100 * share, 1) if share is not None else None
        rate = s.get("combined_satisfaction_rate")
        parts = {
            "kpi": kpi,
            "quality": _r(q["mean"]) if q else None,
            "satisfaction": round(rate * 100, 1) if rate is not None else None,
            "complaints": float(max(0, 100 - w.complaint_points * n_complaints)),
        }
        out.append(
            {
                "user_id": uid,
                "staff": p.user.username,
                "name": p.full_name or p.user.username,
                "hall": p.hall.name if p.hall_id else "",
                "hall_code": p.hall.code if p.hall_id else "",
                "served": t["served"],
                "called": t["called"],
                "mean_service_minutes": _r(t.get("mean_service_min")),
                "waits_within_15": kpi,
                "cases_closed": closed.get(uid, 0),
                "checks": q["n"] if q else 0,
                "quality": parts["quality"],
                "satisfaction": parts["satisfaction"],
                "complaints": n_complaints,
                "parts": parts,
                "score": combine(parts, w),
            }
        )
    out.sort(key=lambda r: (r["hall"], -(r["score"] or 0), r["staff"]))
    return out


def appraisal(user, month: date, hall: str | None = None) -> dict:
    """The month's appraisal of the staff of the user's halls (a hall manager: their hall;
    area manager, quality, administrator: every hall), optionally one hall by its code."""
    require_perm(user, PERM, "查看绩效考核", "see the staff appraisal")
    profiles = StaffProfile.objects.select_related("user", "hall").filter(
        user__is_active=True, hall__isnull=False
    )
    ids = hall_ids_of(user)
    if ids is not None:
        profiles = profiles.filter(hall__in=ids)
    if hall:
        profiles = profiles.filter(hall__code=hall)
    return {"rows": compute(month, profiles), "weights": weights()}


def own_line(user, month: date) -> dict | None:
    """The staff member's own line (at /quality/mine), whatever their role."""
    profiles = StaffProfile.objects.select_related("user", "hall").filter(user=user)
    rows = compute(month, profiles)
    return rows[0] if rows else None


def appraisal_halls(user):
    from servicehall.org.models import Hall
    from servicehall.org.roles import in_halls

    return in_halls(Hall.objects.order_by("code"), user, "pk")
