"""Quality supervision's writes (S3): sampling the month's handled work, scoring a check,
opening a rectification item from it; the rectification workflow's effects on the engine.

Who sees which hall: every read and write of a check asks `org.roles.hall_ids_of` here
(`checks_of`), never in a view; another hall's check answers as a missing one."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.utils import timezone

from servicehall.cases import sla
from servicehall.cases.models import Case
from servicehall.cases.selectors import EVENT_LABELS
from servicehall.cases.services import open_case
from servicehall.cases.services.common import record_event
from servicehall.cases.services.engine import EFFECTS, _respond
from servicehall.core import validate
from servicehall.core.audit import log_action, system_actor
from servicehall.core.db import write_transaction
from servicehall.core.errors import Code as CoreCode
from servicehall.core.errors import Conflict, ServiceError, check_version, require_perm
from servicehall.core.events import publish_on_commit
from servicehall.org.roles import holders, in_halls
from servicehall.queueing.models import Ticket

from .errors import Code
from .models import (
    CheckStatus,
    QualityCheck,
    QualityForm,
    Rectification,
    RuleKind,
    SamplingRule,
)
from .selectors import get_check, unknown_check
from .workflows import RECTIFICATION

PERM = "quality.score_check"
JOB_ACTOR = "quality-sampling"  # the monthly job's name in the audit log
NOT_SAMPLED = (RECTIFICATION.kind,)  # quality's own items are not sampled for quality
OWNERS = ("staff", "manager")
SAMPLE_LOCK = 0x5153414D  # "QSAM": the advisory lock of sampling on PostgreSQL


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The month of `month` as [its first instant, the next month's first) in the hall's zone."""
    first = month.replace(day=1)
    nxt = (first.replace(day=28) + timezone.timedelta(days=4)).replace(day=1)
    tz = timezone.get_current_timezone()
    return datetime.combine(first, time.min, tzinfo=tz), datetime.combine(nxt, time.min, tzinfo=tz)


def _draw(month: date, what: str, pk: int) -> float:
    """A fixed pseudo-random number in [0, 1) for a ticket or case in a month: the "random"
    samples are the same on every run, so sampling again adds nothing and a supervisor cannot
    re-roll them."""
    digest = hashlib.sha256(f"{month:%Y-%m}:{what}:{pk}".encode()).hexdigest()
    return int(digest[:8], 16) / 2**32


def active_form() -> QualityForm:
    form = QualityForm.objects.filter(is_active=True).order_by("-id").first()
    if form is None:
        raise ServiceError(
            CoreCode.REQUIRED,
            "没有启用的质检评分表，请管理员在后台启用一张",
            "No quality form is in use; an administrator must switch one on",
            field="form",
            status=409,
        )
    return form


def _cases_for(rule: SamplingRule, month: date, since, until) -> list[Case]:
    qs = Case.objects.exclude(kind__in=NOT_SAMPLED)
    if rule.kind == RuleKind.COMPLAINT_CLOSED:
        qs = qs.filter(kind="complaint", closed_at__gte=since, closed_at__lt=until)
    elif rule.kind == RuleKind.SLA_BREACH:  # the deadline passed (and was missed) in the month
        qs = qs.filter(breached=True, due_at__gte=since, due_at__lt=until)
    else:  # a random share of the month's closed cases
        qs = qs.filter(closed_at__gte=since, closed_at__lt=until)
        share = rule.share_percent / 100
        rows = list(qs.values_list("pk", "hall_id", "owner_id"))
        return [r for r in rows if _draw(month, "case", r[0]) < share]
    return list(qs.values_list("pk", "hall_id", "owner_id"))


def sample(month: date, by=None) -> dict[str, int]:
    """Sample the month's handled work by the rules in use (SamplingRule): every complaint
    closed in the month, every case whose missed deadline fell in it, N random tickets per
    clerk, a random share of the closed cases. Idempotent: a ticket or case is sampled once
    (a constraint), per-clerk samples are topped up to N, and the random draws are fixed per
    month. `by`: the supervisor (their halls only), None for the monthly job. Audited.
    Returns the checks added per rule."""
    if by is not None:
        require_perm(by, PERM, "抽取质检样本", "sample quality checks")
    actor = by or system_actor(JOB_ACTOR)
    month = month.replace(day=1)
    since, until = month_bounds(month)
    form = active_form()
    now = timezone.now()
    added: dict[str, int] = {}
    with write_transaction():
        if connection.vendor == "postgresql":  # one sampling at a time (SQLite: the write lock)
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [SAMPLE_LOCK])
        for rule in SamplingRule.objects.filter(is_active=True):
            new: list[QualityCheck] = []
            if rule.kind == RuleKind.PER_CLERK:
                tickets = Ticket.objects.filter(
                    status=Ticket.Status.DONE,
                    served_by__isnull=False,
                    finished_at__gte=since,
                    finished_at__lt=until,
                )
                if by is not None:
                    tickets = in_halls(tickets, by)
                sampled = set(
                    QualityCheck.objects.filter(ticket__in=tickets).values_list(
                        "ticket_id", flat=True
                    )
                )
                have: dict[int, int] = {}
                for staff_id in QualityCheck.objects.filter(
                    month=month, reason=rule.code
                ).values_list("staff_id", flat=True):
                    have[staff_id] = have.get(staff_id, 0) + 1
                by_staff: dict[int, list] = {}
                for pk, hall_id, staff_id in tickets.values_list("pk", "hall_id", "served_by_id"):
                    if pk not in sampled:
                        by_staff.setdefault(staff_id, []).append((pk, hall_id))
                for staff_id, rows in by_staff.items():
                    need = rule.per_clerk - have.get(staff_id, 0)
                    rows.sort(key=lambda r: _draw(month, "ticket", r[0]))
                    new += [
                        QualityCheck(ticket_id=pk, hall_id=hall_id, staff_id=staff_id)
                        for pk, hall_id in rows[: max(need, 0)]
                    ]
            else:
                rows = _cases_for(rule, month, since, until)
                if by is not None:
                    ids = in_halls(Case.objects.filter(pk__in=[r[0] for r in rows]), by)
                    mine = set(ids.values_list("pk", flat=True))
                    rows = [r for r in rows if r[0] in mine]
                sampled = set(
                    QualityCheck.objects.filter(case__in=[r[0] for r in rows]).values_list(
                        "case_id", flat=True
                    )
                )
                new = [
                    QualityCheck(case_id=pk, hall_id=hall_id, staff_id=owner_id)
                    for pk, hall_id, owner_id in rows
                    if pk not in sampled
                ]
            for c in new:
                c.month, c.form, c.reason, c.created_at = month, form, rule.code, now
            before = QualityCheck.objects.count()
            QualityCheck.objects.bulk_create(new, ignore_conflicts=True)
            added[rule.code] = QualityCheck.objects.count() - before
        log_action(
            actor,
            "quality.sample",
            "month",
            f"{month:%Y-%m}",
            reason=f"added {sum(added.values())}",
            fields=[f"{k}={v}" for k, v in added.items()],
        )
    return added


def _scorable(user, check_id, *, for_update: bool = False) -> QualityCheck:
    """A check the supervisor may score: in their halls (never their own work)."""
    require_perm(user, PERM, "质检评分", "score quality checks")
    check = get_check(user, check_id, for_update=for_update)
    if check.staff_id == user.pk:
        raise unknown_check(check_id)
    return check


# --- scoring


def _score_of(item, raw) -> int:
    text = "" if raw is None else str(raw).strip()
    name = f"“{item.name_zh}”"
    if not text:
        raise ServiceError(
            CoreCode.REQUIRED,
            f"请为{name}打分（0–{item.max_score}分）",
            f"Score “{item.name_en}” (0–{item.max_score})",
            field=f"score_{item.code}",
            status=422,
        )
    try:
        value = Decimal(text)
    except ArithmeticError:
        value = None
    if value is None or not value.is_finite() or value != value.to_integral_value():
        raise ServiceError(
            CoreCode.INVALID_NUMBER,
            f"{name}的得分须为整数：{text[:20]}",
            f"The score of “{item.name_en}” must be a whole number: {text[:20]!r}",
            field=f"score_{item.code}",
            status=422,
        )
    if not 0 <= value <= item.max_score:
        raise ServiceError(
            Code.SCORE_OUT_OF_RANGE,
            f"{name}的得分须在 0–{item.max_score} 分之间，填写的是 {value}",
            f"The score of “{item.name_en}” must be 0–{item.max_score}, not {value}",
            field=f"score_{item.code}",
            status=422,
        )
    return int(value)


def total_of(items, scores: dict[str, int]) -> Decimal:
    """The weighted percentage: Σ weight × score ÷ maximum over Σ weight (100 on the seeded
    form), to one decimal."""
    weights = sum(i.weight for i in items) or 1
    raw = sum(Decimal(i.weight) * scores[i.code] / i.max_score for i in items) * 100 / weights
    return raw.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def score(user, check_id, scores: dict, comments: str = "", *, version=None) -> QualityCheck:
    """Score a check: every item of its form within 0 and its maximum (refused naming the
    item, in both languages), comments; the total as a weighted percentage. Scoring again
    (before or after) replaces the scores; each time an audit row."""
    check = _scorable(user, check_id)
    items = list(check.form.items.all())
    clean = {i.code: _score_of(i, scores.get(i.code)) for i in items}
    comments = validate.text(
        comments, "comments", "质检意见", "comments", limit=2000, required=False
    )
    with write_transaction():
        check = _scorable(user, check_id, for_update=True)
        if version not in (None, ""):
            check_version(
                version,
                check.version,
                f"质检记录 {check.pk} 已被他人修改，请刷新后再评分",
                f"Quality check {check.pk} was changed by someone else; reload and score again",
            )
        check.scores = clean
        check.comments = comments
        check.total = total_of(items, clean)
        check.status = CheckStatus.SCORED
        check.supervisor = user
        check.scored_at = timezone.now()
        check.version += 1
        check.save()
        log_action(
            user,
            "quality.score",
            "quality_check",
            check.pk,
            reason=f"total {check.total}",
            fields=[f"{k}={v}" for k, v in clean.items()],
        )
    return check


# --- rectification (问题整改)


def _hall_manager_of(check: QualityCheck):
    """The manager of the check's hall — of the staff member's own hall when the work checked
    had none (a hotline contact)."""
    hall_id = check.hall_id or getattr(getattr(check.staff, "staff", None), "hall_id", None)
    if hall_id is None:
        return None
    return holders("hall_manager", hall_id).order_by("pk").first()


def open_rectification(
    user, check_id, *, finding: str, owner: str = "staff", item: str = ""
) -> Case:
    """A finding of a scored check becomes a rectification item: a case of the
    `rectification` workflow in the check's hall, owned by the staff member or their hall
    manager (首问负责: the owner until it is closed), its deadline from the SLA policy, at
    escalation level 1 so that a missed deadline escalates to the hall manager."""
    check = _scorable(user, check_id)
    if check.status != CheckStatus.SCORED:
        raise Conflict(
            Code.CHECK_NOT_SCORED,
            f"质检记录 {check.pk} 尚未评分，评分后才能登记整改项",
            f"Quality check {check.pk} is not scored yet; score it before opening a "
            "rectification item",
            field="check",
        )
    finding = validate.text(finding, "finding", "整改内容", "what to fix", limit=1000, meaningful=4)
    if owner not in OWNERS:
        raise ServiceError(
            CoreCode.INVALID_CHOICE,
            f"整改责任人取值无效：{owner}（可选：staff 被检员工、manager 营业厅经理）",
            f"Invalid owner {owner!r}; one of staff (the staff member), manager (their hall "
            "manager)",
            field="owner",
            status=422,
        )
    the_item = None
    if item:
        the_item = check.form.items.filter(code=item).first()
        if the_item is None:
            raise ServiceError(
                CoreCode.INVALID_CHOICE,
                f"评分表中没有质检项：{item}",
                f"No item {item!r} on the quality form",
                field="item",
                status=422,
            )
    person = check.staff if owner == "staff" else _hall_manager_of(check)
    if person is None:
        raise ServiceError(
            CoreCode.INVALID_CHOICE,
            "该营业厅没有营业厅经理，请选择被检员工为整改责任人",
            "The hall has no hall manager; make the staff member the owner",
            field="owner",
            status=422,
        )
    what = the_item.name_zh if the_item else "质检发现的问题"
    with write_transaction():
        case = open_case(
            user,
            kind=RECTIFICATION.kind,
            channel="proactive",
            category="other",
            subject=f"质检整改：{what}（QC{check.pk}）",
            description=finding,
            hall=check.hall.code if check.hall_id else None,
            data={"quality_check": check.pk, "item": item},
            internal=True,
        )
        case.owner = case.handler = person
        case.desk = None
        case.escalation_level = 1  # the supervisor is the first level above the owner
        case.save()
        name = getattr(getattr(person, "staff", None), "full_name", "") or person.username
        record_event(case, "rectification_owner", user, note=name, owner=person.username)
        Rectification.objects.create(quality_check=check, case=case, item=the_item, finding=finding)
        publish_on_commit(
            f"staff.{person.pk}", {"type": "case", "case_id": case.pk, "number": case.number}
        )
    return case


def _evidence(case: Case, actor, now: datetime, payload: dict) -> None:
    """The owner's evidence of the fix: the clock stops while quality verifies it."""
    _respond(case, actor, now, {})
    case.resolution = payload["resolution"]
    case.resolved_at = now
    if case.due_at and now > case.due_at:
        case.breached = True
    sla.stop_clock(case)


def _reopen(case: Case, actor, now: datetime, payload: dict) -> None:
    """Sent back: the owner has a fresh deadline from now."""
    case.resolved_at = None
    sla.start_clock(case, now, first_response=False)


def plug_into_engine() -> None:
    EFFECTS["rectification_evidence"] = _evidence
    EFFECTS["rectification_reopen"] = _reopen
    EVENT_LABELS["rectification_owner"] = ("整改责任人", "Rectification owner")
