"""Intake (C1–C4): `open_case` from the workbench, the hotline desk, the API or a chat, and
the checks of what it is given (field labels, category, desk, the account-action rule, C3)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from servicehall.core import validate
from servicehall.core.db import write_transaction
from servicehall.core.errors import ServiceError, require_perm
from servicehall.customers.models import Customer
from servicehall.customers.services import find_by_phone, normalize_phone
from servicehall.org import regions
from servicehall.org.models import BusinessCategory, Desk, Hall, Region
from servicehall.org.roles import in_halls
from servicehall.queueing.models import Ticket

from ...core.errors import Code as CoreCode
from ...customers.errors import Code as CustomersCode
from ...org.errors import Code as OrgCode
from ...queueing.errors import Code as QueueingCode
from .. import sla
from ..errors import Code
from ..models import Area, Case, CaseSequence, Channel, Priority
from ..selectors import desks_for
from ..workflows import workflow_of
from .common import MAX_TEXT, _bad, _choice, _future_time, _now, _tell, desk_people, record_event

# C3: an account action needs the customer identified first. These top-level categories (and
# everything under them) are account actions, for the case types that act on accounts.
ACCOUNT_CATEGORIES = ("basic", "billing")


# What each free-text field is called where a user reads an error about it.
FIELD_LABELS = {
    "description": ("问题描述", "the description"),
    "subject": ("主题", "the subject"),
    "resolution": ("处理结果", "the resolution"),
    "reason": ("原因", "the reason"),
    "summary": ("摘要", "the summary"),
    "note": ("备注", "the note"),
    "text": ("回复内容", "the reply"),
    "desk": ("班组", "the desk"),
    "category": ("业务分类", "the category"),
    "area": ("区域", "the area"),
}

# sent once a new case is committed (the early warning watches every contact: incidents/)
case_opened = Signal()


def _text(value, field: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    zh, en = FIELD_LABELS.get(field, (field, field))
    return validate.text(value, field, zh, en, limit=limit, required=required)


def _category(code: str) -> BusinessCategory:
    cat = BusinessCategory.objects.filter(code=code, is_active=True).first()
    if cat is None:
        raise _bad(
            CoreCode.UNKNOWN_CATEGORY,
            f"未知的业务分类：{code}",
            f"Unknown category {code!r}",
            "category",
        )
    return cat


def _desk(code: str, user) -> Desk:
    """A desk the user may send a case to (the area's, their halls'); another hall's desk is
    as unknown as a missing one."""
    desk = desks_for(user).filter(code=code).first()
    if desk is None:
        raise _bad(Code.UNKNOWN_DESK, f"未知的班组：{code}", f"Unknown desk {code!r}", "desk")
    return desk


def _next_number(prefix: str, now: datetime) -> str:
    day = timezone.localtime(now).date()
    seq, _ = CaseSequence.objects.get_or_create(prefix=prefix, day=day)
    CaseSequence.objects.filter(pk=seq.pk).update(last=F("last") + 1)
    seq.refresh_from_db(fields=["last"])
    return f"{prefix}{day:%Y%m%d}{seq.last:04d}"


def _is_account_action(cat: BusinessCategory) -> bool:
    top = cat.parent.code if cat.parent_id else cat.code
    return top in ACCOUNT_CATEGORIES


def open_case(
    user,
    *,
    kind: str,
    channel: str,
    category: str,
    description: str,
    subject: str = "",
    phone: str | None = None,
    customer_id: int | None = None,
    ticket_id: int | None = None,
    hall: str | None = None,
    priority: str = Priority.NORMAL,
    area: str = Area.TOWN,
    desk: str | None = None,
    promised_at=None,
    data: dict | None = None,
    parent: Case | None = None,
    phone_identifies: bool = True,
    region: str | None = None,
    internal: bool = False,
) -> Case:
    """Intake (C1–C4). The staff member who receives it owns it until it is closed.
    `phone_identifies`: the number is the customer's as staff checked it (or a texted code
    proved); False where anyone could have typed it (a chat): then it is only a contact."""
    require_perm(user, "cases.open_case", "登记工单", "open cases")
    wf = workflow_of(kind)
    if wf.internal and not internal:  # its own module opens it (quality: a finding's item)
        raise ServiceError(
            CoreCode.INVALID_CHOICE,
            f"{wf.name_zh}由其所属流程发起（如质检发现的问题），不能在此登记",
            f"A {wf.name_en.lower()} item is opened by its own process (a quality finding), "
            "not here",
            field="kind",
            status=422,
        )
    _choice(channel, Channel, "channel")
    _choice(priority, Priority, "priority")
    _choice(area, Area, "area")
    cat = _category(category)
    description = _text(description, "description")
    subject = _text(subject, "subject", required=False, limit=120) or description[:60]
    contact = normalize_phone(phone) if phone else ""
    customer = None
    if customer_id is not None:
        customer = Customer.objects.filter(pk=customer_id).first()
        if customer is None:
            raise _bad(
                CustomersCode.UNKNOWN_CUSTOMER,
                f"客户 {customer_id} 不存在",
                f"Unknown customer {customer_id}",
                "customer_id",
                404,
            )
    elif contact and phone_identifies:
        customer = find_by_phone(contact)
    the_hall = None
    ticket = None
    if ticket_id is not None:
        ticket = Ticket.objects.select_related("hall").filter(pk=ticket_id).first()
        if ticket is None or ticket.served_by_id != user.pk:
            raise _bad(
                QueueingCode.UNKNOWN_TICKET,
                f"号码 {ticket_id} 不是您正在办理的号",
                f"Ticket {ticket_id} is not one you are serving",
                "ticket_id",
            )
        the_hall = ticket.hall
        customer = customer or ticket.customer
    if customer is None and wf.acts_on_account and _is_account_action(cat):
        raise _bad(
            Code.CUSTOMER_NOT_IDENTIFIED,
            f"“{cat.name_zh}”涉及账户操作，须先识别客户身份（C3）：请填写客户的手机号码",
            f"“{cat.name_en}” is an account action: identify the customer first (C3) "
            "by their phone number",
            "phone",
        )
    if hall and the_hall is None:
        if parent is not None and parent.hall_id and parent.hall.code == hall:
            the_hall = parent.hall  # a follow-up stays in its case's hall, whoever handles it
        else:  # unknown, or a hall the user does not work in: the same refusal
            the_hall = in_halls(Hall.objects.filter(code=hall), user, "pk").first()
        if the_hall is None:
            raise _bad(
                OrgCode.UNKNOWN_HALL, f"未知的营业厅：{hall}", f"Unknown hall {hall!r}", "hall"
            )
    if the_hall is None and hasattr(user, "staff"):
        the_hall = user.staff.hall
    if desk:
        the_desk = _desk(desk, user)
    else:  # the type's own desk where it has one the user may send to (a complaint's)
        the_desk = desks_for(user).filter(code=wf.default_desk).first() if wf.default_desk else None
    promise = _future_time(promised_at) if promised_at else None
    chosen = None
    if region:
        chosen = Region.objects.filter(code=region).values_list("pk", flat=True).first()
        if chosen is None:
            raise _bad(
                CoreCode.INVALID_CHOICE,
                f"未知的区域：{region}",
                f"Unknown region {region!r}",
                "region",
            )
    # where it comes from (P5, E1): chosen, named by the customer, their address, the hall
    place, place_source = regions.locate(
        chosen=chosen,
        text=f"{subject} {description}",
        address_region=customer.region_id if customer else None,
        hall_region=the_hall.region_id if the_hall else None,
    )
    if place is not None and regions.is_rural(place.pk):
        area = Area.RURAL  # the repair deadline of the place (L2), whatever the form said
    now = _now()
    with write_transaction():
        case = Case(
            kind=kind,
            status=wf.initial,
            channel=channel,
            priority=priority,
            area=area,
            region=place,
            region_source=place_source,
            category=cat,
            subject=subject,
            description=description,
            customer=customer,
            contact_phone=contact,
            hall=the_hall,
            ticket=ticket,
            parent=parent,
            owner=user,
            handler=user,
            desk=the_desk,
            promised_at=promise,
            data=data or {},
            created_at=now,
        )
        if user.has_perm("cases.handle_case"):
            # Staff took it in person, on the phone or in chat: that is the first response.
            case.first_responded_at = now
        sla.start_clock(case, now)
        case.number = _next_number(wf.prefix, now)
        case.save()
        record_event(
            case,
            "opened",
            user,
            channel=channel,
            category=cat.code,
            due_at=case.due_at.isoformat() if case.due_at else None,
            parent=parent.number if parent else None,
        )
        if promise:
            record_event(case, "promised", user, promised_at=promise.isoformat())
        # the desk's lists show it at once
        _tell(desk_people(the_desk), {"type": "case", "case_id": case.pk, "number": case.number})
        pk = case.pk
        transaction.on_commit(lambda: case_opened.send(sender=Case, case_id=pk))
    return case
