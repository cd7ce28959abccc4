"""The complaint desk's writes beyond the stages (the stages are the case engine's transitions,
checked by stages.py). Each use case checks who may at entry, writes in one transaction and
records an event on the case's timeline."""

from __future__ import annotations

from servicehall.cases.models import Case
from servicehall.cases.selectors import get_case
from servicehall.cases.services import record_event
from servicehall.cases.services.common import (
    _check_handler,
    _check_version,
    _require_handle,
    check_open,
)
from servicehall.core import validate
from servicehall.core.db import write_transaction
from servicehall.core.errors import Code as CoreCode
from servicehall.core.errors import Conflict, ServiceError

from .errors import Code
from .models import ComplaintRecord, Responsible

# --- complaint stages (P1)

RESPONSIBLE_ZH = {"hall": "本厅", "department": "其他部门", "partner": "代理商/合作商"}


def _complaint(case: Case) -> None:
    if case.kind != "complaint":
        raise Conflict(
            Code.NOT_A_COMPLAINT,
            f"{case.number} 不是投诉单",
            f"{case.number} is not a complaint",
            field="case",
        )


def set_responsibility(user, case_id, *, version, responsible: str, name: str = "") -> Case:
    """Who is responsible — our hall, another department (named), an agent or partner
    (代理商/合作商, named) — while the complaint is open; each change an event. The case stays
    with its owner (首问负责, C4): a responsibility elsewhere is handled by transferring it or
    escalating, never by handing the customer on."""
    _require_handle(user)
    if responsible not in Responsible.values:
        raise ServiceError(
            CoreCode.INVALID_CHOICE,
            f"责任方取值无效：{responsible}（可选：本厅、其他部门、代理商/合作商）",
            f"Invalid responsible {responsible!r}; one of {', '.join(Responsible.values)}",
            field="responsible",
            status=422,
        )
    named = responsible != Responsible.HALL
    name = validate.text(
        name if named else "",
        "responsible_name",
        "责任部门或单位名称",
        "the responsible department or partner",
        limit=100,
        required=named,
    )
    with write_transaction():
        case = get_case(case_id, for_update=True)
        _check_handler(user, case)
        _complaint(case)
        check_open(case)
        _check_version(case, version)
        record, _created = ComplaintRecord.objects.get_or_create(case=case)
        record.responsible, record.responsible_name = responsible, name
        record.save(update_fields=["responsible", "responsible_name"])
        case.version += 1
        case.save()
        label = RESPONSIBLE_ZH[responsible]
        record_event(
            case,
            "responsibility",
            user,
            note=f"{label}：{name}" if name else label,
            responsible=responsible,
            name=name,
        )
    return case
