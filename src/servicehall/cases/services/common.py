"""What every part of the case engine shares: the clock, refusals, the timeline, the checks
made before a case is touched, and the live notices to staff."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from servicehall.core.errors import (
    Conflict,
    ServiceError,
    check_version,
    invalid_transition,
    require_perm,
)
from servicehall.core.events import publish_on_commit, staff_channel
from servicehall.org.models import Desk

from ...core.errors import Code as CoreCode
from ..errors import Code
from ..models import Case, CaseEvent
from ..selectors import may_handle, unknown_case
from ..workflows import Workflow

MAX_TEXT = 4000

# Checks of the text staff write on a case — a note, a reply in the chat, the texts of a workflow
# action — run before anything is saved, on every case type. The engine knows none of them: an
# app above it appends its own in its AppConfig.ready() (the complaint desk's forbidden phrases,
# complaints/phrases.py). Each takes (text, field) and raises a ServiceError to refuse.
TextCheck = Callable[[str, str], None]
TEXT_CHECKS: list[TextCheck] = []


def check_texts(**texts) -> None:
    """Run TEXT_CHECKS over each named text (a list's items too, under the same field)."""
    for field, value in texts.items():
        items = value if isinstance(value, list | tuple) else [value]
        for item in items:
            if isinstance(item, str) and item.strip():
                for check in TEXT_CHECKS:
                    check(item, field)


def _now() -> datetime:
    return timezone.now()


def _bad(code: StrEnum, zh: str, en: str, field: str, status: int = 422) -> ServiceError:
    return ServiceError(code, zh, en, field=field, status=status)


def record_event(case: Case, kind: str, actor, *, from_status: str = "", note: str = "", **data):
    return CaseEvent.objects.create(
        case=case,
        at=_now(),
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        from_status=from_status,
        to_status=case.status,
        note=note[:MAX_TEXT],
        data=data,
    )


def _require_handle(user) -> None:
    require_perm(user, "cases.handle_case", "处理工单", "work on cases")


def _check_handler(user, case: Case) -> None:
    """A case that is neither the user's nor their desk's answers exactly as a missing one —
    the same words as `selectors.get_case` —, so nobody learns that another hall's case exists."""
    if not may_handle(user, case):
        raise unknown_case(case.pk)


def _check_version(case: Case, version) -> None:
    check_version(
        version,
        case.version,
        f"工单 {case.number} 已被他人修改（当前版本 {case.version}），请刷新后再操作",
        f"Case {case.number} was changed by someone else (now version {case.version}); "
        "reload and try again",
    )


def check_open(case: Case) -> None:
    if case.is_closed:
        raise Conflict(
            Code.CASE_CLOSED,
            f"工单 {case.number} 已关闭",
            f"Case {case.number} is closed",
            field="case",
            extra={"allowed": []},
        )


def _parse_time(value, field: str) -> datetime:
    """An aware time from a datetime or an ISO text (a form's 2026-11-24T16:00 is local time)."""
    try:
        at = value if isinstance(value, datetime) else parse_datetime(str(value or ""))
    except ValueError:  # well-formed but impossible: 2026-13-45T25:00
        at = None
    if at is None:
        raise _bad(
            Code.INVALID_TIME,
            "时间格式不正确，例：2026-11-24T16:00:00+08:00",
            "Malformed time; e.g. 2026-11-24T16:00:00+08:00",
            field,
        )
    if timezone.is_naive(at):
        at = timezone.make_aware(at, timezone.get_current_timezone())
    return at


def _refuse(case: Case, wf: Workflow, action: str) -> Conflict:
    allowed = [(t.action, t.label_zh, t.label_en) for t in wf.allowed(case.status)]
    named = next((t for t in wf.transitions if t.action == action), None)  # words, not the code
    zh, en = (named.label_zh, named.label_en) if named else (action, action)
    return invalid_transition(
        f"工单 {case.number} 当前为“{wf.state_label(case.status)}”，不能执行“{zh}”；"
        f"可执行：{'、'.join(z for _a, z, _e in allowed) or '无'}",
        f"Case {case.number} is {wf.state_label(case.status, 'en')}: {en!r} is not allowed; "
        f"allowed: {', '.join(e for _a, _z, e in allowed) or 'none'}",
        field="action",
        status=case.status,
        allowed=allowed,
    )


def _future_time(value, field: str = "promised_at") -> datetime:
    at = _parse_time(value, field)
    if at <= _now():
        raise _bad(
            Code.TIME_IN_PAST,
            "承诺时间不能早于现在",
            "The promised time must be in the future",
            field,
        )
    return at


def _choice(value: str, choices, field: str) -> str:
    if value not in choices.values:
        raise _bad(
            CoreCode.INVALID_CHOICE,
            f"{field} 取值无效：{value}（可选：{'、'.join(choices.values)}）",
            f"Invalid {field} {value!r}; one of {', '.join(choices.values)}",
            field,
        )
    return value


def _tell(user_ids, event: dict) -> None:
    for uid in set(user_ids):
        publish_on_commit(staff_channel(uid), event)


def desk_people(desk: Desk | None) -> set[int]:
    if desk is None:
        return set()
    ids = set(desk.members.values_list("id", flat=True))
    return ids | {desk.lead_id} if desk.lead_id else ids
