"""Sending surveys and taking the customer's answers (C5, S1)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from servicehall.cases import services as cases
from servicehall.cases.models import Case
from servicehall.core.db import write_transaction
from servicehall.core.errors import Conflict, Forbidden, NotFound, ServiceError, require_perm
from servicehall.core.events import publish_on_commit
from servicehall.core.sms import queue_sms
from servicehall.core.validate import object_id
from servicehall.queueing import services as queue
from servicehall.queueing.models import Ticket

from ..core.errors import Code as CoreCode
from .errors import Code
from .models import DIMENSIONS, CounterRating, Survey
from .selectors import RATING_WINDOW, SATISFIED_FROM

VALID_FOR = timedelta(days=7)
RESOLVED_STATES = ("resolved", "return_visit")
RATE = "surveys.rate_service"


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
        # the timeline says a text went out, never its link: the link is the customer's
        # key to confirm the case, and staff read the timeline (C5)
        cases.record_event(case, "survey_sent", None, survey=survey.pk)
    return survey


def on_case_resolved(sender, case_id: int, **kwargs) -> None:
    send_for_case(case_id)


def get_open(token: str) -> Survey:
    survey = Survey.objects.select_related("case", "hall").filter(token=token).first()
    if survey is None:
        raise NotFound(
            Code.UNKNOWN_SURVEY, "问卷链接无效", "This survey link is not valid", field="token"
        )
    return survey


def check_respondent(session_user) -> None:
    """A survey is the customer's own word (C5): a browser where a member of staff (or a hall
    device) is signed in may not answer one, or staff could confirm their own cases."""
    if session_user is not None and session_user.is_authenticated:
        raise Forbidden(
            Code.STAFF_SESSION,
            "此浏览器已登录工作人员账号，不能填写客户的回访问卷。"
            "回访须由客户本人用自己的手机打开短信中的链接填写。",
            "A staff account is signed in on this browser: the survey is the customer's own "
            "to answer, from the link in the text on their phone.",
            field="token",
        )


def answer(token: str, *, resolved, scores: dict, comment: str = "", session_user=None) -> Survey:
    """The customer's answer. `resolved` True closes the case (C5), False reopens it.
    `session_user`: who is signed in on the browser it came from — staff are refused."""
    check_respondent(session_user)
    survey = get_open(token)
    if survey.answered_at:
        raise Conflict(
            Code.ALREADY_ANSWERED,
            "您已提交过评价，感谢您的参与",
            "You have already answered",
            field="token",
        )
    if survey.expires_at < timezone.now():
        raise Conflict(Code.EXPIRED, "问卷已过期", "This survey has expired", field="token")
    if resolved not in (True, False):
        raise ServiceError(
            CoreCode.REQUIRED,
            "请选择问题是否已解决",
            "Please say whether the problem is solved",
            field="resolved",
            status=422,
        )
    clean = {
        name: _score(name, scores.get(name), required=True)
        for name in ("overall", *(d[0] for d in DIMENSIONS))
    }
    comment = (comment or "").strip()[:1000]
    with write_transaction():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if locked.answered_at:
            raise Conflict(
                Code.ALREADY_ANSWERED, "您已提交过评价", "You have already answered", field="token"
            )
        for k, v in clean.items():
            setattr(locked, k, v)
        locked.resolved, locked.comment, locked.answered_at = resolved, comment, timezone.now()
        locked.save()
        case = locked.case
        cases.record_event(case, "survey_answered", None, note=comment, resolved=resolved, **clean)
        if case.status in RESOLVED_STATES:
            cases.customer_answer(case.pk, satisfied=resolved, note=comment, via="短信评价")
        elif not resolved:  # closed by staff meanwhile, and the customer says it is not solved
            cases.customer_disputes_closure(case.pk, note=comment)
    return locked


# ---------------------------------------------------------------- the counter's rating device


def _score(name: str, value, *, required: bool) -> int | None:
    if value in (None, "") and not required:
        return None
    try:
        value = int(value)
    except (TypeError, ValueError):
        value = None
    if value is None or not 1 <= value <= 5:
        zh = next((d[1] for d in DIMENSIONS if d[0] == name), "总体满意度")
        raise ServiceError(
            Code.INVALID_SCORE,
            f"请为“{zh}”打分（1–5分）",
            f"Rate {name} from 1 to 5",
            field=name,
            status=422,
        )
    return value


def counter_for_device(user, counter_id):
    """The counter a rating device shows (404 when unknown): one of the device's hall, and the
    device's own counter when it is bound to one (StaffProfile.counter) — a tablet beside 1号窗口
    never rates 3号窗口's services. A device bound to none is the hall's spare."""
    require_perm(user, RATE, "使用评价器", "use the rating device")
    counter = queue.counter_for(user, counter_id)
    bound = getattr(getattr(user, "staff", None), "counter_id", None)
    if bound is not None and bound != counter.pk:
        raise Forbidden(
            Code.NOT_THIS_DEVICES_COUNTER,
            f"本评价器绑定的是另一个窗口，不能为{counter.name}评价",
            f"This rating device is bound to another counter, not {counter.name}",
            field="counter",
        )
    return counter


def rate_service(user, counter, ticket_id, *, scores: dict, comment: str = "") -> CounterRating:
    """The customer rates the service just finished at `counter`, on the device bound to it
    (S1): overall 1–5 required, the five dimensions optional. Only a ticket finished at this
    counter in the last 10 minutes, once. The device must belong to the counter's hall."""
    require_perm(user, RATE, "提交服务评价", "take service ratings")
    counter = counter_for_device(user, counter.pk)
    clean = {"overall": _score("overall", scores.get("overall"), required=True)}
    for d in DIMENSIONS:
        clean[d[0]] = _score(d[0], scores.get(d[0]), required=False)
    now = timezone.now()
    ticket = (
        Ticket.objects.filter(pk=object_id(ticket_id), counter=counter, status=Ticket.Status.DONE)
        .select_related("served_by")
        .first()
        if object_id(ticket_id) is not None
        else None
    )
    if ticket is None or ticket.served_by_id is None:
        raise NotFound(
            Code.NO_SERVICE_TO_RATE,
            f"{counter.name}没有可评价的服务",
            f"No finished service at {counter.name} to rate",
            field="ticket",
        )
    if ticket.finished_at < now - RATING_WINDOW:
        raise Conflict(
            Code.RATING_CLOSED,
            f"号码 {ticket.number} 办结已超过10分钟，不能再评价",
            f"Ticket {ticket.number} was finished more than 10 minutes ago",
            field="ticket",
        )
    if (
        Ticket.objects.filter(counter=counter, started_at__gt=ticket.finished_at).exists()
        or Ticket.objects.filter(
            counter=counter, status=Ticket.Status.DONE, finished_at__gt=ticket.finished_at
        ).exists()
    ):
        # the device asks about the service just finished, until the next one starts: an
        # earlier customer's service is not rated from it afterwards
        raise Conflict(
            Code.RATING_CLOSED,
            f"号码 {ticket.number} 之后已办理下一位客户，不能再评价",
            f"The counter has served the next customer after ticket {ticket.number}",
            field="ticket",
        )
    if CounterRating.objects.filter(ticket=ticket).exists():
        raise Conflict(
            Code.ALREADY_RATED,
            f"号码 {ticket.number} 已评价，感谢您的参与",
            f"Ticket {ticket.number} has already been rated",
            field="ticket",
        )
    with write_transaction():
        try:
            with transaction.atomic():  # savepoint: a second tap at the same instant
                rating = CounterRating.objects.create(
                    ticket=ticket,
                    hall_id=counter.hall_id,
                    counter=counter,
                    staff_id=ticket.served_by_id,
                    comment=(comment or "").strip()[:200],
                    rated_at=now,
                    **clean,
                )
        except IntegrityError as exc:
            raise Conflict(
                Code.ALREADY_RATED,
                f"号码 {ticket.number} 已评价，感谢您的参与",
                f"Ticket {ticket.number} has already been rated",
                field="ticket",
            ) from exc
        publish_on_commit(
            queue.channel_name(counter.hall_id),
            {
                "type": "rated",
                "counter": counter.name,
                "counter_id": counter.pk,
                "number": ticket.number,
                "satisfied": clean["overall"] >= SATISFIED_FROM,
            },
        )
    return rating
