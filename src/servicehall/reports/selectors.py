"""The service reports' figures (S2), read from the rollup tables only: a period of days, for
the halls a user works in, narrowed to one hall, one team (a desk and its members) or one staff
member; compared with the period before it, each against its target (targets.py).

Who sees what: `org.roles.hall_ids_of` — a hall manager their hall, roles spanning halls every
hall (and the cases of no hall: the hotline's). Another hall, desk or person answers as a missing
one (404), as everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db.models import F, Q, Sum
from django.utils.translation import gettext as _

from servicehall.core import validate
from servicehall.core.errors import Code, ServiceError
from servicehall.org.models import Desk, Hall, ServiceType, staff_name
from servicehall.org.roles import hall_ids_of
from servicehall.queueing.services import hall_for
from servicehall.surveys.models import DIMENSIONS

from .models import WAIT_BUCKETS, CaseDay, QueueDay, QueueHour, SatisfactionDay, StaffDay
from .targets import TARGETS


@dataclass(frozen=True)
class Scope:
    """What a report covers: the halls (None: every hall and the cases of none), and at most one
    of a team or a staff member."""

    hall_ids: frozenset[int] | None
    hall: Hall | None = None
    desk: Desk | None = None
    staff: object | None = None  # a user

    @property
    def staff_ids(self) -> list[int] | None:
        if self.staff is not None:
            return [self.staff.pk]
        if self.desk is not None:
            return list(self.desk.members.values_list("pk", flat=True))
        return None


def _missing(code: Code, what_zh: str, what_en: str, value) -> ServiceError:
    return ServiceError(
        code,
        f"{what_zh}“{value}”不存在",
        f"Unknown {what_en} {value!r}",
        field=what_en.replace(" ", "_"),
        status=404,
    )


def scope_for(user, *, hall: str = "", desk: str = "", staff: str = "") -> Scope:
    """The scope a user asks for, checked: a hall they work in, a desk of those halls (or of
    none, for those who see every hall), a staff member working there."""
    ids = hall_ids_of(user)
    the_hall = hall_for(user, hall) if hall else None
    if the_hall is not None:
        ids = frozenset({the_hall.pk})
    the_desk = the_staff = None
    if desk:
        desk_id = validate.object_id(desk)
        qs = Desk.objects.filter(pk=desk_id) if desk_id else Desk.objects.none()
        if ids is not None:
            qs = qs.filter(hall_id__in=ids)
        the_desk = qs.first()
        if the_desk is None:
            raise _missing(Code.NOT_FOUND, "班组", "team", desk)
    if staff:
        users = get_user_model().objects.filter(username=staff, is_active=True)
        if ids is not None:
            users = users.filter(staff__hall_id__in=ids)
        the_staff = users.first()
        if the_staff is None:
            raise _missing(Code.NOT_FOUND, "员工", "staff", staff)
    return Scope(ids, the_hall, the_desk, the_staff)


def _halls(qs, scope: Scope):
    """Rollup rows of the scope's halls; for those who see every hall, of every hall — not the
    rows of no hall (the hotline's and online channels' cases, the province's contacts): the
    service report is the halls'."""
    if scope.hall_ids is not None:
        return qs.filter(hall_id__in=scope.hall_ids)
    return qs.filter(hall_id__isnull=False)


def _rows(model, scope: Scope, start: date, end: date, *, staff_field: str | None = None):
    qs = _halls(model.objects.filter(day__gte=start, day__lte=end), scope)
    staff = scope.staff_ids
    if staff is not None and staff_field:
        qs = qs.filter(**{f"{staff_field}__in": staff})
    return qs


def _sums(qs, *fields) -> dict[str, int]:
    got = qs.aggregate(**{f: Sum(f) for f in fields})
    return {f: got[f] or 0 for f in fields}


def _ratio(a, b) -> float | None:
    return a / b if b else None


def percentile_minutes(hist: list[int], share: float) -> int | None:
    """The wait (whole minutes, the bucket's upper edge) `share` of called tickets waited at
    most; None when nobody was called."""
    n = sum(hist)
    if not n:
        return None
    need = share * n
    seen = 0
    for minute, count in enumerate(hist):
        seen += count
        if seen >= need:
            return minute + 1
    return len(hist)


def _hists(qs, key: str | None = None):
    """The wait histograms of `qs`'s rows summed: one list, or (with `key`) a dict key → list.
    The counts are parsed in one go by numpy: a province's month is 72,000 rows."""
    import numpy as np

    if key is None:
        texts = [t for t in qs.values_list("wait_hist", flat=True) if t]
        if not texts:
            return [0] * WAIT_BUCKETS
        m = np.fromstring(",".join(texts), dtype=np.int64, sep=",").reshape(-1, WAIT_BUCKETS)
        return m.sum(axis=0).tolist()
    pairs = [(k, t) for k, t in qs.values_list(key, "wait_hist") if t]
    if not pairs:
        return {}
    keys = sorted({k for k, _ in pairs})
    position = {k: i for i, k in enumerate(keys)}
    index = np.array([position[k] for k, _ in pairs])
    m = np.fromstring(",".join(t for _, t in pairs), dtype=np.int64, sep=",")
    out = np.zeros((len(keys), WAIT_BUCKETS), dtype=np.int64)
    np.add.at(out, index, m.reshape(-1, WAIT_BUCKETS))
    return {k: out[i].tolist() for i, k in enumerate(keys)}


QUEUE_SUMS = (
    "issued",
    "called",
    "wait_sum_s",
    "wait_ok",
    "served",
    "service_sum_s",
    "service_long",
    "no_show",
    "cancelled",
)
STAFF_SUMS = (
    "called",
    "wait_sum_s",
    "wait_ok",
    "served",
    "service_sum_s",
    "service_long",
    "no_show",
)
CASE_SUMS = (
    "opened",
    "closed",
    "confirmed",
    "responded",
    "response_sum_s",
    "response_missed",
    "breached",
    "complaints",
)


def _case_sums() -> dict:
    """The case rollup's sums, and the two the resolution rate is made of: opened and confirmed
    cases of the types that close with the customer's confirmation (`Workflow.confirms`)."""
    from servicehall.cases.workflows import WORKFLOWS

    loop = Q(kind__in=[w.kind for w in WORKFLOWS.values() if w.confirms])
    return {  # the filtered sums first: after them, "opened" names the sum, not the column
        "loop_opened": Sum("opened", filter=loop),
        "loop_confirmed": Sum("confirmed", filter=loop),
        **{f: Sum(f) for f in CASE_SUMS},
    }


def _resolution(row: dict) -> float | None:
    """Cases closed with confirmation ÷ cases, of the types that confirm; None without any."""
    return _ratio(row.get("loop_confirmed") or 0, row.get("loop_opened") or 0)


def _queue_figures(scope: Scope, start: date, end: date) -> dict:
    """Waits and services: from the tickets' rollup, or — for a team or a person — from their
    days at the counter (no wait percentile or VIP split there: StaffDay keeps neither)."""
    if scope.staff_ids is not None:
        s = _sums(_rows(StaffDay, scope, start, end, staff_field="staff_id"), *STAFF_SUMS)
        s["issued"] = s["cancelled"] = None
        vip = {"called": 0, "wait_ok": 0}
        p90 = None
    else:
        qs = _rows(QueueDay, scope, start, end)
        s = _sums(qs, *QUEUE_SUMS)
        vip = _sums(qs.filter(vip=True), "called", "wait_ok")
        p90 = percentile_minutes(_hists(qs), 0.9)
    std_called = s["called"] - vip["called"]
    return {
        "issued": s["issued"],
        "called": s["called"],
        "served": s["served"],
        "no_show": s["no_show"],
        "cancelled": s["cancelled"],
        "mean_wait_min": _ratio(s["wait_sum_s"], s["called"] * 60),
        "p90_wait_min": p90,
        "wait_ok_share": _ratio(s["wait_ok"] - vip["wait_ok"], std_called)
        if scope.staff_ids is None
        else _ratio(s["wait_ok"], s["called"]),
        "vip_wait_ok_share": _ratio(vip["wait_ok"], vip["called"]),
        "mean_service_min": _ratio(s["service_sum_s"], s["served"] * 60),
        "long_service_share": _ratio(s["service_long"], s["served"]),
        "no_show_share": _ratio(s["no_show"], s["called"]),
    }


def _case_qs(scope: Scope, start: date, end: date):
    qs = _halls(CaseDay.objects.filter(day__gte=start, day__lte=end), scope)
    if scope.staff is not None:
        qs = qs.filter(owner=scope.staff)
    elif scope.desk is not None:
        qs = qs.filter(desk=scope.desk)
    return qs


def _case_figures(scope: Scope, start: date, end: date, served: int) -> dict:
    qs = _case_qs(scope, start, end)
    c = {k: v or 0 for k, v in qs.aggregate(**_case_sums()).items()}
    appeals = _sums(qs.filter(kind="appeal"), "opened")["opened"]
    return {
        "cases": c["opened"],
        "closed": c["closed"],
        "confirmed": c["confirmed"],
        "resolution": _resolution(c),
        "mean_response_min": _ratio(c["response_sum_s"], c["responded"] * 60),
        "response_missed": c["response_missed"],
        "breached": c["breached"],
        "complaints": c["complaints"],
        # as the complaint desk's monthly report counts it: ÷ customers served (tickets done)
        "complaint_rate": _ratio(c["complaints"], served),
        "appeals": appeals,
    }


DIM_SUMS = {f"{d[0]}_{part}": Sum(f"{d[0]}_{part}") for d in DIMENSIONS for part in ("n", "sum")}


def _satisfaction(scope: Scope, start: date, end: date) -> dict:
    qs = _rows(SatisfactionDay, scope, start, end, staff_field="staff_id")
    sums = {
        r["source"]: r
        for r in qs.values("source").annotate(
            answers_=Sum("answers"),
            satisfied_=Sum("satisfied"),
            overall_=Sum("overall_sum"),
            **DIM_SUMS,
        )
    }
    out = {}
    for source in (SatisfactionDay.Source.SURVEY, SatisfactionDay.Source.RATING, None):
        parts = list(sums.values()) if source is None else [sums.get(source, {})]

        def total(field, parts=parts):
            return sum(p.get(field) or 0 for p in parts)

        answers = total("answers_")
        out[source or "all"] = {
            "answers": answers,
            "satisfaction": _ratio(total("satisfied_"), answers),
            "overall_mean": _ratio(total("overall_"), answers),
            "dims": {d[0]: _ratio(total(f"{d[0]}_sum"), total(f"{d[0]}_n")) for d in DIMENSIONS},
        }
    return out


LABELS = {
    "issued": ("取号", "Tickets taken"),
    "mean_wait_min": ("平均等候（分钟）", "Mean wait (min)"),
    "p90_wait_min": ("90% 等候不超过（分钟）", "P90 wait (min)"),
    "wait_ok_share": ("普通客户 15 分钟内叫号", "Standard called within 15 min"),
    "vip_wait_ok_share": ("VIP 10 分钟内叫号", "VIP called within 10 min"),
    "mean_service_min": ("平均办理（分钟）", "Mean service (min)"),
    "long_service_share": ("单笔超 10 分钟", "Transactions over 10 min"),
    "no_show_share": ("过号率", "No-show rate"),
    "satisfaction": ("满意度", "Satisfaction"),
    "resolution": ("闭环解决率", "Resolution"),
    "complaint_rate": ("投诉率", "Complaint rate"),
    "response_missed": ("首次响应超时", "First responses missed"),
    "breached": ("处理超时", "Deadlines missed"),
    "appeals": ("申诉", "Appeals"),
    "hotline_sl": ("热线 20 秒接通率", "Hotline answered within 20 s"),
    "hotline_vip_sl": ("热线 VIP 20 秒接通率", "Hotline VIP answered within 20 s"),
}
SHARES = {
    "wait_ok_share",
    "vip_wait_ok_share",
    "long_service_share",
    "no_show_share",
    "satisfaction",
    "resolution",
    "complaint_rate",
    "hotline_sl",
    "hotline_vip_sl",
}


def figures(scope: Scope, start: date, end: date) -> dict:
    """Every headline figure of the period (a flat dict of numbers, None where nothing counted)."""
    q = _queue_figures(scope, start, end)
    c = _case_figures(scope, start, end, q["served"] or 0)
    s = _satisfaction(scope, start, end)
    # the hotline answers every hall's customers: its service level in the area's report only
    hotline = {"hotline_sl": None, "hotline_vip_sl": None}
    if scope.hall_ids is None and scope.staff_ids is None:
        from servicehall.hotline.reports import service_levels

        hotline = service_levels(start, end)
    return {
        **q,
        **c,
        **hotline,
        "satisfaction": s["all"]["satisfaction"],
        "satisfaction_detail": s,
    }


def tiles(now: dict, before: dict, lang: str = "zh") -> list[dict]:
    """The headline figures as the dashboard and the documents show them: the value, its
    target and whether it is met, and the change from the period before."""
    out = []
    zh = not lang.startswith("en")
    for key, (label_zh, label_en) in LABELS.items():
        value = now.get(key)
        target = TARGETS.get(key)
        prior = before.get(key)
        out.append(
            {
                "key": key,
                "label": label_zh if zh else label_en,
                "value": value,
                "text": display(key, value),
                "target": target,
                "target_text": (
                    ("≥ " if target.better == "high" else "≤ ") + display(key, target.value)
                )
                if target
                else "",
                "met": target.met(value) if target else None,
                "before": prior,
                "before_text": display(key, prior),
                "delta": None if value is None or prior is None else value - prior,
            }
        )
    return out


def display(key: str, value) -> str:
    if value is None:
        return "—"
    if key == "complaint_rate":  # against ≤ 1 %: two decimals, as the complaint report shows it
        return f"{value * 100:.2f}%"
    if key in SHARES:
        return f"{value * 100:.1f}%"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def by_type(scope: Scope, start: date, end: date, lang: str = "zh") -> list[dict]:
    """Tickets by service type: taken, waits, services, no-shows (the whole scope's halls)."""
    qs = _rows(QueueDay, scope, start, end)
    names = {
        t.pk: (t.name_en if lang.startswith("en") else t.name_zh) for t in ServiceType.objects.all()
    }
    rows = []
    per = {}
    for r in qs.values("service_type_id").annotate(**{f: Sum(f) for f in QUEUE_SUMS}):
        per[r["service_type_id"]] = r
    hists = _hists(qs, "service_type_id")
    for st, r in sorted(per.items(), key=lambda kv: -kv[1]["issued"]):
        rows.append(
            {
                "service_type_id": st,
                "name": names.get(st, str(st)),
                "issued": r["issued"],
                "served": r["served"],
                "no_show": r["no_show"],
                "mean_wait_min": _ratio(r["wait_sum_s"], r["called"] * 60),
                "p90_wait_min": percentile_minutes(hists.get(st, []), 0.9),
                "wait_ok_share": _ratio(r["wait_ok"], r["called"]),
                "mean_service_min": _ratio(r["service_sum_s"], r["served"] * 60),
                "long_service_share": _ratio(r["service_long"], r["served"]),
            }
        )
    return rows


def by_hour(scope: Scope, start: date, end: date, lang: str = "zh") -> dict:
    """Tickets taken per hour of the day and service type (the stacked chart)."""
    qs = _rows(QueueHour, scope, start, end)
    names = {
        t.pk: (t.name_en if lang.startswith("en") else t.name_zh) for t in ServiceType.objects.all()
    }
    cells = list(qs.values("hour", "service_type_id").annotate(n=Sum("issued")))
    hours = sorted({c["hour"] for c in cells})
    series: dict[str, list[int]] = {}
    for c in cells:
        name = names.get(c["service_type_id"], str(c["service_type_id"]))
        series.setdefault(name, [0] * len(hours))[hours.index(c["hour"])] += c["n"]
    return {"hours": hours, "series": series}


def by_day(scope: Scope, start: date, end: date) -> list[dict]:
    """Per day: tickets taken, mean wait, the share called in time (the trend chart)."""
    qs = _rows(QueueDay, scope, start, end)
    out = []
    for r in qs.values("day").annotate(**{f: Sum(f) for f in QUEUE_SUMS}).order_by("day"):
        out.append(
            {
                "day": r["day"],
                "issued": r["issued"],
                "mean_wait_min": _ratio(r["wait_sum_s"], r["called"] * 60),
                "wait_ok_share": _ratio(r["wait_ok"], r["called"]),
                "served": r["served"],
            }
        )
    return out


def by_staff(scope: Scope, start: date, end: date) -> list[dict]:
    """Per staff member: tickets called and served, their waits and services, counter ratings
    and surveys, cases owned."""
    User = get_user_model()
    qs = _rows(StaffDay, scope, start, end, staff_field="staff_id")
    rows = {
        r["staff_id"]: r for r in qs.values("staff_id").annotate(**{f: Sum(f) for f in STAFF_SUMS})
    }
    sat = {
        r["staff_id"]: r
        for r in _rows(SatisfactionDay, scope, start, end, staff_field="staff_id")
        .values("staff_id")
        .annotate(answers=Sum("answers"), satisfied=Sum("satisfied"))
    }
    cases = {
        r["owner_id"]: r
        for r in _case_qs(scope, start, end).values("owner_id").annotate(**_case_sums())
    }
    ids = [i for i in {*rows, *sat, *cases} if i is not None]
    people = {
        u.pk: u
        for u in User.objects.filter(pk__in=ids).select_related("staff").order_by("username")
    }
    out = []
    for pk, user in people.items():
        r = rows.get(pk, {})
        s = sat.get(pk, {})
        c = cases.get(pk, {})
        out.append(
            {
                "username": user.username,
                "name": staff_name(user),
                "served": r.get("served") or 0,
                "mean_wait_min": _ratio(r.get("wait_sum_s") or 0, (r.get("called") or 0) * 60),
                "wait_ok_share": _ratio(r.get("wait_ok") or 0, r.get("called") or 0),
                "mean_service_min": _ratio(
                    r.get("service_sum_s") or 0, (r.get("served") or 0) * 60
                ),
                "long_service_share": _ratio(r.get("service_long") or 0, r.get("served") or 0),
                "answers": s.get("answers") or 0,
                "satisfaction": _ratio(s.get("satisfied") or 0, s.get("answers") or 0),
                "cases": c.get("opened") or 0,
                "resolution": _resolution(c),
                "breached": c.get("breached") or 0,
            }
        )
    out.sort(key=lambda r: -r["served"])
    return out


def by_kind(scope: Scope, start: date, end: date, lang: str = "zh") -> list[dict]:
    """Cases by type: opened, closed, resolved with confirmation, first responses and
    deadlines missed, complaints."""
    from servicehall.cases.workflows import workflow_of

    out = []
    en = lang.startswith("en")
    for r in (
        _case_qs(scope, start, end).values("kind").annotate(**_case_sums()).order_by("-opened")
    ):
        try:
            wf = workflow_of(r["kind"])
            label = wf.name_en if en else wf.name_zh
        except ServiceError:  # a type no longer registered: its rows still count
            label = r["kind"]
        out.append({**r, "label": label, "resolution": _resolution(r)})
    return out


def halls_table(scope: Scope, start: date, end: date) -> list[dict]:
    """Per hall of the scope: the headline queue and case figures (the province's view)."""
    q = {
        r["hall_id"]: r
        for r in _rows(QueueDay, scope, start, end)
        .values("hall_id")
        .annotate(**{f: Sum(f) for f in QUEUE_SUMS})
    }
    c = {
        r["hall_id"]: r
        for r in _case_qs(scope, start, end).values("hall_id").annotate(**_case_sums())
    }
    halls = Hall.objects.filter(pk__in=[h for h in {*q, *c} if h is not None]).order_by("code")
    out = []
    for hall in halls:
        r = q.get(hall.pk, {})
        k = c.get(hall.pk, {})
        served = r.get("served") or 0
        opened = k.get("opened") or 0
        out.append(
            {
                "hall": hall,
                "issued": r.get("issued") or 0,
                "mean_wait_min": _ratio(r.get("wait_sum_s") or 0, (r.get("called") or 0) * 60),
                "wait_ok_share": _ratio(r.get("wait_ok") or 0, r.get("called") or 0),
                "mean_service_min": _ratio(r.get("service_sum_s") or 0, served * 60),
                "cases": opened,
                "resolution": _resolution(k),
                "complaint_rate": _ratio(k.get("complaints") or 0, served),
                "breached": k.get("breached") or 0,
            }
        )
    return out


def title_of(scope: Scope) -> str:
    if scope.staff is not None:
        return staff_name(scope.staff)
    if scope.desk is not None:
        return str(scope.desk)
    if scope.hall is not None:
        return scope.hall.name
    if scope.hall_ids is not None and len(scope.hall_ids) == 1:  # one who works in one hall
        hall = Hall.objects.filter(pk=next(iter(scope.hall_ids))).first()
        if hall is not None:
            return hall.name
    return _("All halls") if scope.hall_ids is None else _("My halls")


def tickets_behind(
    scope: Scope,
    start: date,
    end: date,
    *,
    service_type: int | None = None,
    late: bool = False,
    long: bool = False,
):
    """The tickets behind a figure (the drill-down): of the scope's halls (and team or person:
    those they served), the period, a service type; `late` only those called past their wait
    limit, `long` only transactions over the limit. Newest first. No customer on them."""
    from servicehall.queueing.models import Ticket

    qs = Ticket.objects.filter(day__gte=start, day__lte=end).select_related(
        "hall", "hall__queue_policy", "service_type", "served_by__staff", "counter"
    )
    if scope.hall_ids is not None:
        qs = qs.filter(hall_id__in=scope.hall_ids)
    if scope.staff_ids is not None:
        qs = qs.filter(served_by_id__in=scope.staff_ids)
    if service_type:
        qs = qs.filter(service_type_id=service_type)
    if late or long:
        qs = qs.filter(_past_limits(scope, late=late))
    return qs.order_by("-day", "-arrival_at")


def _past_limits(scope: Scope, *, late: bool) -> Q:
    """Tickets called past their wait limit (`late`), else transactions over the limit: each
    hall by its own policy (halls sharing limits in one condition)."""
    from servicehall.queueing.models import QueuePolicy

    policies = QueuePolicy.objects.all()
    if scope.hall_ids is not None:
        policies = policies.filter(hall_id__in=scope.hall_ids)
    groups: dict[tuple, list[int]] = {}
    for hall, std, vip, long_min in policies.values_list(
        "hall_id", "standard_wait_limit_min", "vip_wait_limit_min", "transaction_limit_min"
    ):
        groups.setdefault((std, vip, long_min), []).append(hall)
    cond = Q(pk__in=[])
    for (std, vip, long_min), halls in groups.items():
        if late:
            cond |= Q(hall_id__in=halls) & (
                Q(priority=0, first_called_at__gt=F("arrival_at") + timedelta(minutes=std))
                | Q(priority__gt=0, first_called_at__gt=F("arrival_at") + timedelta(minutes=vip))
            )
        else:
            cond |= Q(
                hall_id__in=halls,
                status="done",
                finished_at__gt=F("started_at") + timedelta(minutes=long_min),
            )
    return cond


CASE_DRILLS = ("opened", "open", "breached", "response_missed", "unconfirmed")


def cases_behind(scope: Scope, start: date, end: date, *, kind: str = "", what: str = "opened"):
    """The cases behind a figure: opened in the period in the scope (a team: at its desk; a
    person: theirs), of a type; `what` narrows to those still open, past their deadline, their
    first response missed, or closed without the customer's confirmation. Newest first."""
    from servicehall.cases.models import Case

    from .rollup import confirmations, day_span

    qs = Case.objects.filter(created_at__gte=day_span(start)[0], created_at__lt=day_span(end)[1])
    if scope.hall_ids is not None:
        qs = qs.filter(hall_id__in=scope.hall_ids)
    if scope.staff is not None:
        qs = qs.filter(owner=scope.staff)
    elif scope.desk is not None:
        qs = qs.filter(desk=scope.desk)
    if kind:
        qs = qs.filter(kind=kind)
    if what == "open":
        qs = qs.filter(closed_at__isnull=True)
    elif what == "breached":
        qs = qs.filter(breached=True)
    elif what == "response_missed":
        qs = qs.filter(first_response_missed=True)
    elif what == "unconfirmed":
        qs = qs.filter(closed_at__isnull=False).exclude(pk__in=confirmations().values("case_id"))
    return qs.order_by("-created_at")


def documents_of(user, *, hall: str = "", kind: str = ""):
    """The report documents of the user's halls (newest first), narrowed to a hall and kind."""
    from .models import ReportDocument

    qs = ReportDocument.objects.select_related("hall")
    ids = hall_ids_of(user)
    if ids is not None:
        qs = qs.filter(hall_id__in=ids)
    if hall:
        qs = qs.filter(hall=hall_for(user, hall))
    if kind in ReportDocument.Kind.values:
        qs = qs.filter(kind=kind)
    return qs.order_by("-period_start", "hall__code", "kind")


def document_for(user, doc_id):
    """One report document of the user's halls; another hall's answers as a missing one."""
    from .models import ReportDocument

    pk = validate.object_id(doc_id)
    qs = ReportDocument.objects.select_related("hall").filter(pk=pk) if pk else None
    ids = hall_ids_of(user)
    doc = None
    if qs is not None:
        doc = (qs if ids is None else qs.filter(hall_id__in=ids)).first()
    if doc is None:
        raise _missing(Code.NOT_FOUND, "报表", "report", doc_id)
    return doc


def per_staff(staff_ids, start: date, end: date) -> dict[int, dict]:
    """Each staff member's tickets from `start` to `end` in any hall (the appraisal's KPIs, from
    StaffDay): called, served, the share called within the hall's limit, mean service."""
    out = {}
    for r in (
        StaffDay.objects.filter(staff_id__in=list(staff_ids), day__gte=start, day__lte=end)
        .values("staff_id")
        .annotate(**{f: Sum(f) for f in STAFF_SUMS})
    ):
        out[r["staff_id"]] = {
            "called": r["called"],
            "served": r["served"],
            "wait_ok_share": _ratio(r["wait_ok"], r["called"]),
            "mean_service_min": _ratio(r["service_sum_s"], r["served"] * 60),
        }
    return out
