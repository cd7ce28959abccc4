"""Retention (分级挽留, R1–R3): every write, on the case engine.

- `open_retention`: the clerk (intake, or the workbench while serving the ticket) opens a
  retention case (WL…) for a customer who wants to close the account or port the number out,
  with the reason (the taxonomy, the competitor when that is the reason), the customer verified
  (`customers.services.identify`: ID card or service password), needs, where they are going
  and a second contact number (R1).
- `record_details`: the same record for a case opened without it (a chat handed over).
- The attempts are the workflow's transitions (workflows.py) through `cases.services.act`:
  their checks (`clean_retain`, `clean_fail`, `clean_insist`, in the engine's CHECKS) validate
  the offer — a plan is priced again here by the plan recommender (M2) from the customer's
  bills, never taken from the form — and their effects write one `RetentionAttempt` per level
  (R3). A first-level failure goes at once to the second level (`route`, R2).
- `insist`: the customer's right to leave. Offered in every open state, asking for nothing,
  never refused for a stale page (the current version is taken): the case closes as left at
  the customer's insistence, recording who honoured it, when, and the request handed on.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone, translation

from servicehall.cases import selectors as case_selectors
from servicehall.cases import services as cases
from servicehall.cases.models import Case, Channel
from servicehall.catalog import services as catalog
from servicehall.catalog.models import Tier as PlanTier
from servicehall.catalog.selectors import primary_number
from servicehall.core import validate
from servicehall.core.db import write_transaction
from servicehall.core.errors import (
    Conflict,
    ServiceError,
    check_version,
    invalid_transition,
    require_perm,
)
from servicehall.core.events import publish_on_commit, staff_channel
from servicehall.customers.models import Customer, Tier
from servicehall.customers.services import find_by_phone, identify, normalize_phone
from servicehall.queueing.models import Ticket

from ..catalog.errors import Code as CatalogCode
from ..core.errors import Code as CoreCode
from ..queueing.errors import Code as QueueingCode
from .errors import Code
from .models import (
    Competitor,
    Offer,
    Outcome,
    Reason,
    Request,
    RetentionAttempt,
    RetentionRecord,
    Route,
)

KIND = "retention"
CATEGORY = "close-account"  # 销户/拆机: the business category of every retention case
HIGH_VALUE_TIERS = (Tier.DIAMOND, Tier.SUPREME)
# R2: "complaint-caused" without the clerk saying so — a service or network reason and a
# complaint of the customer's within this many days
COMPLAINT_WINDOW = timedelta(days=90)
COMPLAINT_REASONS = (Reason.SERVICE, Reason.NETWORK)
REQUEST_ZH = {Request.CLOSE: "销户", Request.PORT: "携号转网"}


def _now() -> datetime:
    return timezone.now()


def high_value_yuan() -> Decimal:
    return Decimal(str(getattr(settings, "RETENTION_HIGH_VALUE_YUAN", 300)))


def is_high_value(customer: Customer) -> bool:
    """R2's high-value customer: spends at least RETENTION_HIGH_VALUE_YUAN a month, or holds
    a diamond or supreme card."""
    spend = customer.monthly_spend
    return customer.tier in HIGH_VALUE_TIERS or (spend is not None and spend >= high_value_yuan())


def _text(value, field: str, zh: str, en: str, *, limit: int, required: bool = True) -> str:
    return validate.text(value, field, zh, en, limit=limit, required=required)


def _flag(value) -> bool:
    return value is True or str(value).strip().lower() in ("1", "true", "on", "yes")


def _require_retention(case: Case) -> None:
    if case.kind != KIND:
        raise Conflict(
            Code.NOT_A_RETENTION,
            f"{case.number} 不是挽留工单",
            f"{case.number} is not a retention case",
            field="case",
        )


def _choice(value, choices, field: str, zh: str, en: str) -> str:
    """One of `choices`, else refused naming what may be chosen in words (never the codes)."""
    out = value.strip() if isinstance(value, str) else ""
    if out not in choices.values:
        with translation.override("zh-hans"):
            offered_zh = "、".join(str(c.label) for c in choices)
        with translation.override("en"):
            offered_en = ", ".join(str(c.label) for c in choices)
        raise ServiceError(
            CoreCode.REQUIRED if not out else CoreCode.INVALID_CHOICE,
            f"请选择{zh}（{offered_zh}）",
            f"Choose {en} ({offered_en})",
            field=field,
            status=422,
        )
    return out


def _clean_details(customer: Customer, fields: dict) -> dict:
    """R1's record: the reason (and the competitor when that is it), needs, where they are going
    and a second contact number — another number than the customer's own lines."""
    reason = _choice(fields.get("reason"), Reason, "reason", "离网原因", "the reason")
    competitor = ""
    if reason == Reason.COMPETITOR:
        competitor = _choice(
            fields.get("competitor"), Competitor, "competitor", "竞争对手", "the competitor"
        )
    second = normalize_phone(fields.get("second_phone"), "second_phone")
    if customer.phones.filter(number=second).exists():
        raise ServiceError(
            Code.SECOND_NUMBER_IS_OWN_LINE,
            "第二联系方式须是客户本人号码以外的号码（办理离网的号码届时可能已停用）",
            "The second contact number must be another number than the customer's own lines "
            "(the line leaving may be closed by then)",
            field="second_phone",
            status=422,
        )
    request = fields.get("request") or Request.CLOSE
    return {
        "request": _choice(request, Request, "request", "客户诉求", "the request"),
        "reason": reason,
        "competitor": competitor,
        "reason_note": _text(
            fields.get("reason_note"),
            "reason_note",
            "原因说明",
            "the reason's details",
            limit=500,
            required=False,
        ),
        "needs": _text(fields.get("needs"), "needs", "客户需求及建议", "the needs", limit=2000),
        "destination": _text(
            fields.get("destination"),
            "destination",
            "可能去向",
            "where they are going",
            limit=200,
            required=False,
        ),
        "second_phone": second,
    }


def _verify(user, customer: Customer, fields: dict):
    """The customer verified (C3, R1): an `Identification` row, or the refusal (a wrong proof
    is counted against the customer's guesses)."""
    method = fields.get("method") or ""
    if not method:
        raise ServiceError(
            CoreCode.REQUIRED,
            "请选择核验方式（身份证或服务密码）",
            "Choose how the customer was verified (ID card or service password)",
            field="method",
            status=422,
        )
    return identify(user, customer, method, proof=fields.get("proof") or "", purpose="挽留核验")


def _describe(details: dict) -> str:
    reason = Reason(details["reason"]).label
    competitor = f"（{Competitor(details['competitor']).label}）" if details["competitor"] else ""
    lines = [
        f"客户要求{REQUEST_ZH[Request(details['request'])]}。",
        f"离网原因：{reason}{competitor}{('，' + details['reason_note']) if details['reason_note'] else ''}",
        f"需求及建议：{details['needs']}",
    ]
    if details["destination"]:
        lines.append(f"可能去向：{details['destination']}")
    return "\n".join(lines)


def _customer_for(user, *, customer_id=None, phone=None, ticket_id=None) -> Customer:
    customer = None
    if customer_id is not None:
        customer = Customer.objects.filter(pk=customer_id).first()
    elif ticket_id is not None:
        ticket = Ticket.objects.select_related("customer").filter(pk=ticket_id).first()
        if ticket is None or ticket.served_by_id != user.pk:
            raise ServiceError(
                QueueingCode.UNKNOWN_TICKET,
                f"号码 {ticket_id} 不是您正在办理的号",
                f"Ticket {ticket_id} is not one you are serving",
                field="ticket_id",
                status=422,
            )
        customer = ticket.customer
        if customer is None and phone:
            customer = find_by_phone(normalize_phone(phone))
    elif phone:
        customer = find_by_phone(normalize_phone(phone))
    if customer is None:
        raise ServiceError(
            Code.NO_CUSTOMER,
            "请填写要办理离网的客户号码（须为本网客户）",
            "Enter the number of the customer who wants to leave (one of our customers)",
            field="phone",
            status=422,
        )
    return customer


def open_retention(
    user,
    *,
    phone: str | None = None,
    customer_id: int | None = None,
    ticket_id: int | None = None,
    channel: str = Channel.WALK_IN,
    **fields,
) -> Case:
    """R1: a customer wants to close the account or port out. Everything is checked before
    anything is written; the verification is its own record (a wrong proof counts)."""
    require_perm(user, "cases.open_case", "登记挽留工单", "open retention cases")
    customer = _customer_for(user, customer_id=customer_id, phone=phone, ticket_id=ticket_id)
    details = _clean_details(customer, fields)
    ident = _verify(user, customer, fields)
    now = _now()
    with write_transaction():
        case = cases.open_case(
            user,
            kind=KIND,
            channel=channel,
            category=CATEGORY,
            subject=f"客户要求{REQUEST_ZH[Request(details['request'])]}：{Reason(details['reason']).label}",
            description=_describe(details),
            customer_id=customer.pk,
            ticket_id=ticket_id,
        )
        RetentionRecord.objects.create(
            case=case,
            identification=ident,
            complaint_caused=_flag(fields.get("complaint_caused")),
            recorded_by=user,
            recorded_at=now,
            **details,
        )
        cases.record_event(
            case,
            "retention_details",
            user,
            reason=details["reason"],
            request=details["request"],
            verified_by=ident.method,
        )
    return case


def record_details(user, case_id, *, version, phone: str | None = None, **fields) -> Case:
    """R1's record for a retention case opened without it (a chat handed over): the customer
    named by their number when the chat did not prove it, verified here."""
    case = case_selectors.get_visible(user, case_id)
    _require_retention(case)
    customer = case.customer or _customer_for(user, phone=phone)
    details = _clean_details(customer, fields)
    _check_state(case, version)
    ident = _verify(user, customer, fields)
    with write_transaction():
        case = case_selectors.get_case(case_id, for_update=True)
        _check_state(case, version)
        case.customer = customer
        case.version += 1
        case.save()
        RetentionRecord.objects.update_or_create(
            case=case,
            defaults={
                **details,
                "identification": ident,
                "complaint_caused": _flag(fields.get("complaint_caused")),
                "recorded_by": user,
                "recorded_at": _now(),
            },
        )
        cases.record_event(
            case,
            "retention_details",
            user,
            reason=details["reason"],
            request=details["request"],
            verified_by=ident.method,
        )
    return case


def _check_state(case: Case, version) -> None:
    """The details are recorded at the first level, on the version the page showed."""
    if case.status != "first_level":
        raise invalid_transition(
            f"工单 {case.number} 已不在初级挽留阶段",
            f"Case {case.number} is past the first level",
            field="action",
            status=case.status,
            allowed=[],
        )
    check_version(
        version,
        case.version,
        f"工单 {case.number} 已被他人修改，请刷新后再操作",
        f"Case {case.number} was changed by someone else; reload and try again",
    )


def recommendation_for(case: Case):
    """What the plan recommender (M2) finds for the customer's primary line now, or None."""
    number = primary_number(case.customer) if case.customer_id else None
    return catalog.recommend(number) if number else None


def _plan_offer(case: Case, tier: str) -> dict:
    """The plan offered, priced again from the customer's bills: refused when there is none to
    offer, or when it changed since the page showed it (409 with the current one)."""
    rec = recommendation_for(case)
    if rec is None or not rec.recommended:
        raise Conflict(
            CatalogCode.NO_RECOMMENDATION,
            "按客户近几个月的实际使用，目前没有更省钱的套餐可推荐",
            "From the customer's recent usage there is no cheaper plan to recommend now",
            field="offer",
        )
    if rec.plan.code != (tier or "").strip():
        raise Conflict(
            CatalogCode.RECOMMENDATION_CHANGED,
            f"推荐已变化，当前推荐为「{rec.plan.product} {rec.plan.name}」，请刷新后再记录",
            f"The recommendation has changed (now {rec.plan.product} {rec.plan.name}); "
            "reload and record again",
            field="tier",
            extra={"current_tier": rec.plan.code},
        )
    return {
        "offer_name": f"{rec.plan.product} {rec.plan.name}",
        "tier": rec.plan.code,
        "tier_id": rec.plan.tier_id,
        "current_cost": f"{rec.current_cost:.2f}",
        "new_cost": f"{rec.new_cost:.2f}",
        "saving": f"{rec.saving:.2f}",
    }


def _clean_offer(case: Case, payload: dict) -> dict:
    offer = _choice(payload.get("offer") or Offer.NONE, Offer, "offer", "挽留方案", "the offer")
    clean: dict = {"offer": offer}
    if offer == Offer.PLAN:
        clean |= _plan_offer(case, payload.get("tier") or "")
    elif offer == Offer.OTHER:
        clean["offer_name"] = _text(
            payload.get("offer_text"), "offer_text", "挽留方案内容", "the offer", limit=200
        )
    return clean


def _level(case: Case) -> int:
    return 1 if case.status == "first_level" else 2


def _details_recorded(case: Case) -> RetentionRecord:
    rec = RetentionRecord.objects.filter(case=case).first()
    if rec is None or not rec.reason:
        raise ServiceError(
            Code.DETAILS_MISSING,
            "请先登记离网原因、客户核验、需求和第二联系方式",
            "Record the reason, the verification, the needs and a second number first",
            field="reason",
            status=409,
        )
    return rec


def clean_retain(case: Case, user, payload: dict):
    """The check of `retain_first` / `retain_second`: the offer and why it succeeded."""
    _require_retention(case)
    _details_recorded(case)
    clean = _clean_offer(case, payload)
    why = _text(payload.get("why"), "why", "挽留成功原因", "why it succeeded", limit=1000)
    level = _level(case)
    clean |= {
        "retention_level": level,
        "why": why,
        "resolution": f"第{level}级挽留成功：{why}"
        + (f"（方案：{clean['offer_name']}）" if clean.get("offer_name") else ""),
    }
    return clean, None


def clean_fail(case: Case, user, payload: dict):
    """The check of `fail_first`: the offer tried, and where the case goes now (R2)."""
    _require_retention(case)
    rec = _details_recorded(case)
    clean = _clean_offer(case, payload)
    note = _text(payload.get("note"), "note", "备注", "the note", limit=1000, required=False)
    caused = _flag(payload.get("complaint_caused")) or rec.complaint_caused
    route, desk, person, why = route_for(case, user, rec, complaint_caused=caused)
    clean |= {
        "retention_level": 1,
        "complaint_caused": caused,
        "route": route,
        "to_desk": desk.code if desk else None,
        "to_person": person.pk if person else None,
        "routed_why": why,
        "summary": f"初级挽留未成功，{why}" + (f"。{note}" if note else ""),
        "note_text": note,
    }
    return clean, None


def clean_insist(case: Case, user, payload: dict):
    """The check of `insist`: nothing is required — the customer's right to leave is never
    blocked. What is given (the request handed on, an offer tried, a note) is kept."""
    _require_retention(case)
    rec = RetentionRecord.objects.filter(case=case).first()
    try:
        clean = _clean_offer(case, payload)
    except ServiceError:  # an offer that no longer holds does not hold the customer back
        clean = {"offer": Offer.NONE}
    ref = str(payload.get("request_ref") or "").strip()[:40]
    if not ref:  # the request handed on: the ticket being served, else this case
        ref = case.ticket.number if case.ticket_id else case.number
    request = payload.get("request") or (rec.request if rec else Request.CLOSE)
    if request not in Request.values:
        request = Request.CLOSE
    note = str(payload.get("note_text") or payload.get("note") or "").strip()[:1000]
    clean |= {
        "retention_level": _level(case),
        "request": request,
        "request_ref": ref,
        "note_text": note,
        "resolution": f"客户坚持{REQUEST_ZH[Request(request)]}，已按客户意愿转办（受理号 {ref}），"
        "挽留未设任何阻拦。" + (f"{note}" if note else ""),
    }
    return clean, None


def route_for(case: Case, actor, rec: RetentionRecord, *, complaint_caused: bool):
    """R2: where a case goes when the first level fails — the complaint desk when complaint-
    caused (the clerk says so, or a service/network reason and a complaint in the last 90
    days), else a high-value customer's account manager, else the care desk."""
    customer = case.customer
    recent = (
        customer is not None
        and rec.reason in COMPLAINT_REASONS
        and Case.objects.filter(
            customer=customer, kind="complaint", created_at__gte=_now() - COMPLAINT_WINDOW
        ).exists()
    )
    desks = case_selectors.desks_for(actor)
    if complaint_caused or recent:
        desk = _nearest(desks.filter(code=settings.COMPLAINT_DESK), case)
        if desk is not None:
            why = (
                "客户表示因投诉未圆满解决" if complaint_caused else "近90天有投诉且原因为服务/网络"
            )
            return Route.COMPLAINT, desk, None, why
    if customer is not None and is_high_value(customer) and customer.account_manager_id:
        manager = (
            get_user_model().objects.filter(pk=customer.account_manager_id, is_active=True).first()
        )
        if manager is not None:
            return Route.ACCOUNT_MANAGER, None, manager, "高端客户，转客户经理挽留"
    desk = _nearest(desks.filter(code=getattr(settings, "RETENTION_CARE_DESK", "care")), case)
    if desk is None:
        raise ServiceError(
            Code.NO_RETENTION_DESK,
            "未设置客户关怀专席，无法转二级挽留；如客户坚持离网，请按客户意愿转办",
            "No care desk is set up for second-level retention; if the customer insists, "
            "hand their request on",
            field="action",
            status=409,
        )
    return Route.CARE, desk, None, "转客户关怀专席二级挽留"


def _nearest(desks, case: Case):
    """The desk of the case's own hall first, else the area's, else any the user may reach."""
    found = list(desks)
    found.sort(key=lambda d: (d.hall_id != case.hall_id, d.hall_id is not None, d.pk))
    return found[0] if found else None


def _attempt(case: Case, actor, now, payload: dict, outcome: str, route: str = "") -> None:
    rec, _ = RetentionRecord.objects.get_or_create(case=case)
    tier_id = payload.get("tier_id")
    RetentionAttempt.objects.create(
        record=rec,
        level=payload["retention_level"],
        route=route or (rec.routed_to if payload["retention_level"] == 2 else ""),
        by=actor,
        at=now,
        offer=payload.get("offer") or Offer.NONE,
        offer_name=payload.get("offer_name", ""),
        tier=PlanTier.objects.filter(pk=tier_id).first() if tier_id else None,
        current_cost=payload.get("current_cost"),
        new_cost=payload.get("new_cost"),
        saving=payload.get("saving"),
        outcome=outcome,
        why=payload.get("why", ""),
        note=payload.get("note_text", ""),
    )


def _retained(case: Case, actor, now, payload: dict) -> None:
    _attempt(case, actor, now, payload, Outcome.RETAINED)
    cases.EFFECTS["close"](case, actor, now, {"resolution": payload["resolution"]})


def _escalated(case: Case, actor, now, payload: dict) -> None:
    """Level 1 failed: the attempt, and the case at the second level at once (R2) — the desk's
    people (or the account manager) told live."""
    _attempt(case, actor, now, payload, Outcome.FAILED)
    RetentionRecord.objects.filter(case=case).update(
        routed_to=payload["route"],
        routed_why=payload["routed_why"][:200],
        complaint_caused=payload["complaint_caused"],
    )
    desk = None
    if payload["to_desk"]:
        desk = _nearest(case_selectors.desks_for(actor).filter(code=payload["to_desk"]), case)
    person = get_user_model().objects.get(pk=payload["to_person"]) if payload["to_person"] else None
    # the transition's own event (fail_first) says where it went: its note and `to_desk`
    case.desk, case.handler = desk, person
    people = {person.pk} if person else cases.desk_people(desk)
    for uid in people:
        publish_on_commit(
            staff_channel(uid), {"type": "case", "case_id": case.pk, "number": case.number}
        )


def _left(case: Case, actor, now, payload: dict) -> None:
    """The customer insisted: honoured and handed on, recorded as not blocked."""
    _attempt(case, actor, now, payload, Outcome.LEFT)
    RetentionRecord.objects.filter(case=case).update(
        left_at=now, left_by=actor, request_ref=payload["request_ref"], request=payload["request"]
    )
    cases.EFFECTS["close"](case, actor, now, {"resolution": payload["resolution"]})


def insist(user, case_id, *, version=None, **payload) -> Case:
    """The customer insists on leaving (at either level): the case closes as left at their
    insistence. Never refused for a page opened before someone else's change: `version`, the
    one the page showed, is not held against it — the current one is taken, again if it moved
    meanwhile. A case left already is answered as it is."""
    for _ in range(5):
        case = case_selectors.get_visible(user, case_id)
        _require_retention(case)
        if case.status == "left":
            return case
        try:
            case, _ = cases.act(user, case_id, "insist", version=case.version, **payload)
        except ServiceError as exc:
            if exc.code == CoreCode.STALE_VERSION:
                continue
            raise
        return case
    raise Conflict(  # five changes in a row between two reads: the page asks again
        CoreCode.STALE_VERSION, "工单正被他人修改，请重试", "The case is being changed; try again"
    )


def plug_into_engine() -> None:
    """Called by RetentionConfig.ready(): the workflow's checks and effects in the engine."""
    cases.CHECKS["retention_retain"] = clean_retain
    cases.CHECKS["retention_fail"] = clean_fail
    cases.CHECKS["retention_insist"] = clean_insist
    cases.effect("retention_retained")(_retained)
    cases.effect("retention_escalate")(_escalated)
    cases.effect("retention_left")(_left)
