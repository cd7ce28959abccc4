"""Sending surveys and taking the customer's answers (C5, S1)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from servicehall.cases import services as cases
from servicehall.cases.models import Case
from servicehall.core.db import write_transaction
from servicehall.core.errors import Conflict, NotFound, ServiceError
from servicehall.core.sms import queue_sms

from .models import DIMENSIONS, Survey

VALID_FOR = timedelta(days=7)
RESOLVED_STATES = ("resolved", "return_visit")


def send_for_case(case_id: int) -> Survey | None:
    """Text the customer a link to confirm the result and rate the service. None when there is
    no number to text (the return visit will ask instead)."""
    case = Case.objects.select_related("customer", "hall").get(pk=case_id)
    phone = cases.contact_number(case)
    if phone is None:
        return None
    now = timezone.now()
    with write_transaction():
        survey = Survey.objects.create(
            case=case,
            token=secrets.token_urlsafe(24),
            staff_id=case.owner_id,
            hall=case.hall,
            sent_at=now,
            expires_at=now + VALID_FOR,
        )
        link = f"{settings.PUBLIC_URL}/s/{survey.token}"
        queue_sms(
            phone,
            f"【营业厅】您反映的问题（{case.number}）已处理，请点击确认结果并评价我们的服务：{link}",
            "survey",
        )
        cases.record_event(case, "survey_sent", None, link=link)
    return survey


def on_case_resolved(sender, case_id: int, **kwargs) -> None:
    send_for_case(case_id)


def get_open(token: str) -> Survey:
    survey = Survey.objects.select_related("case", "hall").filter(token=token).first()
    if survey is None:
        raise NotFound(
            "unknown_survey", "问卷链接无效", "This survey link is not valid", field="token"
        )
    return survey


def answer(token: str, *, resolved, scores: dict, comment: str = "") -> Survey:
    """The customer's answer. `resolved` True closes the case (C5), False reopens it."""
    survey = get_open(token)
    if survey.answered_at:
        raise Conflict(
            "already_answered",
            "您已提交过评价，感谢您的参与",
            "You have already answered",
            field="token",
        )
    if survey.expires_at < timezone.now():
        raise Conflict("expired", "问卷已过期", "This survey has expired", field="token")
    if resolved not in (True, False):
        raise ServiceError(
            "required",
            "请选择问题是否已解决",
            "Please say whether the problem is solved",
            field="resolved",
            status=422,
        )
    clean = {}
    for name in ("overall", *(d[0] for d in DIMENSIONS)):
        value = scores.get(name)
        try:
            value = int(value)
        except (TypeError, ValueError):
            value = None
        if value is None or not 1 <= value <= 5:
            zh = next((d[1] for d in DIMENSIONS if d[0] == name), "总体满意度")
            raise ServiceError(
                "invalid_score",
                f"请为“{zh}”打分（1–5分）",
                f"Rate {name} from 1 to 5",
                field=name,
                status=422,
            )
        clean[name] = value
    comment = (comment or "").strip()[:1000]
    with write_transaction():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if locked.answered_at:
            raise Conflict(
                "already_answered", "您已提交过评价", "You have already answered", field="token"
            )
        for k, v in clean.items():
            setattr(locked, k, v)
        locked.resolved, locked.comment, locked.answered_at = resolved, comment, timezone.now()
        locked.save()
        case = locked.case
        cases.record_event(case, "survey_answered", None, note=comment, resolved=resolved, **clean)
        if case.status in RESOLVED_STATES:
            cases.customer_answer(case.pk, satisfied=resolved, note=comment, via="短信评价")
    return locked
