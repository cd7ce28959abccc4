"""Every operation that changes the queue (Q1–Q5): one function per use case, in a transaction,
permission checked at entry, an event row for every state change, live events after commit.

Nothing is written before every check has passed, so a refused call leaves the queue as it was.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef
from django.db.models.functions import Coalesce
from django.utils import timezone

from servicehall.core import ratelimit
from servicehall.core.audit import log_action, system_actor
from servicehall.core.db import write_transaction
from servicehall.core.errors import (
    Conflict,
    NotFound,
    ServiceError,
    invalid_transition,
    require_perm,
)
from servicehall.core.events import publish_on_commit
from servicehall.core.models import AuditLog
from servicehall.core.sms import queue_sms
from servicehall.core.ttl import TTLCache
from servicehall.core.validate import object_id
from servicehall.customers.models import TIER_RANK
from servicehall.customers.services import find_by_phone, normalize_phone
from servicehall.org import hours
from servicehall.org.models import BusinessCategory, Counter, Hall, ServiceType
from servicehall.org.roles import hall_ids_of, in_halls, works_in

from ..core.errors import Code as CoreCode
from ..customers.errors import Code as CustomersCode
from ..org.errors import Code as OrgCode
from . import booking, rules, selectors
from .errors import Code
from .models import (
    Appointment,
    AppointmentEvent,
    CounterPause,
    CounterSession,
    Ticket,
    TicketEvent,
    TicketSequence,
)

S = Ticket.Status
logger = logging.getLogger(__name__)

# Which actions each status allows: the error for a refused action lists them.
ALLOWED = {
    S.WAITING: ("call", "transfer", "move_to_quiet", "cancel"),
    S.CALLED: ("recall", "start", "no_show", "transfer", "move_to_quiet"),
    S.SERVING: ("finish", "transfer", "move_to_quiet"),
    S.DONE: (),
    S.NO_SHOW: (),
    S.CANCELLED: (),
    S.NOT_SERVED: (),
}
ACTION_ZH = {
    "call": "叫号",
    "recall": "重呼",
    "start": "开始办理",
    "finish": "办结",
    "no_show": "过号",
    "transfer": "转移",
    "move_to_quiet": "转安静区",
    "cancel": "取消",
}
ACTION_EN = {
    "call": "Call",
    "recall": "Recall",
    "start": "Start",
    "finish": "Finish",
    "no_show": "Mark no-show",
    "transfer": "Transfer",
    "move_to_quiet": "Move to the quiet area",
    "cancel": "Cancel",
}
STATUS_ZH = {
    S.WAITING: "等候中",
    S.CALLED: "已叫号",
    S.SERVING: "办理中",
    S.DONE: "已办结",
    S.NO_SHOW: "已过号",
    S.CANCELLED: "已取消",
    S.NOT_SERVED: "闭厅未办理",
}


# The same in words for the English half of a message (no internal code reaches a page).
STATUS_EN = {
    S.WAITING: "waiting",
    S.CALLED: "called",
    S.SERVING: "being served",
    S.DONE: "finished",
    S.NO_SHOW: "a no-show",
    S.CANCELLED: "cancelled",
}


def channel_name(hall_id: int) -> str:
    return f"hall.{hall_id}"


# ---------------------------------------------------------------- helpers


def _now() -> datetime:
    return timezone.now()


def _record(ticket: Ticket, kind: str, actor, from_status: str, *, counter=None, **data) -> None:
    TicketEvent.objects.create(
        ticket=ticket,
        at=_now(),
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        counter=counter,
        from_status=from_status,
        to_status=ticket.status,
        data=data,
    )
    publish_on_commit(
        channel_name(ticket.hall_id),
        {
            "type": kind,
            "ticket_id": ticket.pk,
            "number": ticket.number,
            "status": ticket.status,
            "service_type": ticket.service_type.name_zh,
            "service_type_en": ticket.service_type.name_en,
            "counter": counter.name if counter else None,
            "counter_number": counter.number if counter else None,
            "area": ticket.area,
            "at": timezone.localtime().isoformat(timespec="seconds"),
        },
    )


def _check_action(ticket: Ticket, action: str) -> None:
    if action not in ALLOWED[ticket.status]:
        raise invalid_transition(
            f"号码 {ticket.number} 当前状态为“{STATUS_ZH[ticket.status]}”，不能{ACTION_ZH[action]}",
            f"Ticket {ticket.number} is {STATUS_EN[ticket.status]}: "
            f"“{ACTION_EN[action]}” is not possible now",
            field="status",
            status=ticket.status,
            allowed=[(a, ACTION_ZH[a], ACTION_EN[a]) for a in ALLOWED[ticket.status]],
        )


def _unknown_hall(code_or_id) -> NotFound:
    return NotFound(
        OrgCode.UNKNOWN_HALL,
        f"营业厅 {code_or_id} 不存在",
        f"Unknown hall {code_or_id}",
        field="hall",
    )


def _find_hall(code_or_id) -> Hall | None:
    pk = object_id(code_or_id)  # ASCII digits only: "²" is a code, not an id
    if pk is not None:
        return Hall.objects.filter(pk=pk).first()
    return Hall.objects.filter(code=str(code_or_id)).first()


def get_hall(code_or_id) -> Hall:
    """Any hall, unscoped (the system's own jobs); for a user, `hall_for`."""
    hall = _find_hall(code_or_id)
    if hall is None:
        raise _unknown_hall(code_or_id)
    return hall


def home_hall(user) -> Hall | None:
    """The hall a staff member or device belongs to (their profile's); None: no hall of their
    own. Which halls they may work in is `roles.hall_ids_of`, not this."""
    return getattr(getattr(user, "staff", None), "hall", None)


def home_hall_id(user) -> int | None:
    return getattr(getattr(user, "staff", None), "hall_id", None)


def halls_of(user):
    """The halls the user works in (every hall for a role that spans halls), by code."""
    return in_halls(Hall.objects.order_by("code"), user, "pk")


def default_hall(user) -> Hall | None:
    """The hall a page shows when none is asked for: the user's own, else the first they work
    in (None: they work in no hall)."""
    own = home_hall(user)
    if own is not None and works_in(user, own.pk):
        return own
    return in_halls(Hall.objects.order_by("pk"), user, "pk").first()


def _check_offered(hall: Hall, service_type: ServiceType) -> None:
    """Some active counter of the hall serves this type (taking a number, booking alike)."""
    if not hall.counters.filter(service_types=service_type, is_active=True).exists():
        raise ServiceError(
            Code.SERVICE_TYPE_NOT_OFFERED,
            f"{hall.name}不办理“{service_type.name_zh}”业务",
            f"{hall.name} does not offer {service_type.name_en}",
            field="service_type",
            status=422,
        )


def check_hall_of(user, hall: Hall) -> None:
    """The one check that scopes the queue to the user's halls (org.roles.hall_ids_of), pages
    and API alike: a hall the user does not work in answers exactly as a missing one (404
    unknown_hall), so another hall's existence is never confirmed."""
    if not works_in(user, hall.pk):
        raise _unknown_hall(hall.code)


def hall_for(user, code_or_id) -> Hall:
    """The hall, when `user` works in it; unknown or another's: the same 404."""
    hall = _find_hall(code_or_id)
    if hall is None or not works_in(user, hall.pk):
        raise _unknown_hall(code_or_id)
    return hall


def ticket_for(user, ticket_id, *, for_update: bool = False) -> Ticket:
    """A ticket of the user's halls; another hall's is as unknown as a missing one (404)."""
    return selectors.get_ticket(ticket_id, for_update=for_update, hall_ids=hall_ids_of(user))


def get_service_type(code: str | None) -> ServiceType:
    st = ServiceType.objects.filter(code=code or "", is_active=True).first()
    if st is None:
        raise ServiceError(
            Code.UNKNOWN_SERVICE_TYPE,
            f"业务类型“{code}”不存在或已停用",
            f"Unknown or inactive service type {code!r}",
            field="service_type",
            status=422,
        )
    return st


def _unknown_counter(counter_id) -> NotFound:
    return NotFound(
        Code.UNKNOWN_COUNTER,
        f"窗口 {counter_id} 不存在",
        f"Unknown counter {counter_id}",
        field="counter",
    )


def get_counter(counter_id) -> Counter:
    """Any active counter, unscoped; for a user, `counter_for`."""
    counter = (
        Counter.objects.select_related("hall", "hall__queue_policy")
        .filter(pk=counter_id, is_active=True)
        .first()
    )
    if counter is None:
        raise _unknown_counter(counter_id)
    return counter


def check_counter_of(user, counter: Counter) -> None:
    """A counter of a hall the user does not work in is as unknown as a missing one (404)."""
    if not works_in(user, counter.hall_id):
        raise _unknown_counter(counter.pk)


def counter_for(user, counter_id) -> Counter:
    """The counter, when it is in one of the user's halls (404 otherwise)."""
    counter = get_counter(counter_id)
    check_counter_of(user, counter)
    return counter


# A counter, its hall and queue policy and the service types it serves are read on every
# call-next and changed only by an administrator: remembered per process for 30 s, forgotten at
# once on any change made in this process (signals in apps.py).
_calling_setup: TTLCache[tuple[Counter, tuple[int, ...]]] = TTLCache(30.0)


def calling_setup(counter_id) -> tuple[Counter, tuple[int, ...]]:
    """The counter (404 when unknown) and the ids of the service types it serves."""

    def load():
        counter = get_counter(counter_id)
        return counter, tuple(counter.service_types.values_list("id", flat=True))

    return _calling_setup.get(int(counter_id), load)


def publish_notice(sender, instance: Hall, **kwargs) -> None:
    """A hall saved (the admin's form): its displays show the notice as it now reads."""
    publish_on_commit(channel_name(instance.pk), {"type": "notice", "notice": instance.notice})


def forget_calling_setup(**kwargs) -> None:
    _calling_setup.forget()


def _locked_for(user, ticket_id, action: str, *, at_counter: bool = True) -> Ticket:
    """The ticket, locked, after checking that `action` is allowed in its state and — for the
    actions of the counter that called it — that `user` is the one signed in there."""
    ticket = ticket_for(user, ticket_id, for_update=True)
    _check_action(ticket, action)
    if at_counter:
        _session_of_ticket(user, ticket)
    return ticket


def _open_session(
    user, counter: Counter, *, lock: bool = False, with_pause: bool = False
) -> CounterSession:
    """The user's open session at this counter (locked on request), else 409 not_signed_in.
    `with_pause`: whether the counter is paused is read in the same statement (`.paused`)."""
    qs = CounterSession.objects.filter(counter=counter, signed_out_at__isnull=True)
    if with_pause:
        qs = qs.annotate(
            paused=Exists(
                CounterPause.objects.filter(
                    counter_id=OuterRef("counter_id"), ended_at__isnull=True
                )
            )
        )
    if lock and connection.features.has_select_for_update:
        qs = qs.select_for_update()
    session = qs.first()
    if session is None or session.staff_id != user.pk:
        raise Conflict(
            Code.NOT_SIGNED_IN,
            f"您未在{counter.name}签到，请先签到",
            f"You are not signed in at {counter.name}; sign in first",
            field="counter",
        )
    return session


def _session_of_ticket(user, ticket: Ticket) -> CounterSession:
    """Actions on a called ticket may be taken only by the staff signed in at its counter."""
    if ticket.counter_id is None:
        raise Conflict(
            Code.NOT_AT_COUNTER,
            f"号码 {ticket.number} 尚未被叫号",
            f"Ticket {ticket.number} has not been called",
            field="ticket",
        )
    return _open_session(user, ticket.counter, lock=True)


# ---------------------------------------------------------------- issuing (Q1)


def _next_number(hall: Hall, service_type: ServiceType, day) -> str:
    """Today's next number for this type: an atomic increment of the day's row (which also
    locks it on PostgreSQL until commit), created on the day's first ticket."""
    seq = TicketSequence.objects.filter(hall=hall, service_type=service_type, day=day)
    if not seq.update(last=F("last") + 1):
        try:
            with transaction.atomic():  # savepoint: a concurrent first ticket may create it
                TicketSequence.objects.create(hall=hall, service_type=service_type, day=day, last=1)
        except IntegrityError:
            seq.update(last=F("last") + 1)
    return f"{service_type.prefix}{seq.values_list('last', flat=True).get():03d}"


# Kiosk floods (README "Limits"): an account at one address — a kiosk, a workbench, an
# integration — issues at most 60 tickets a minute. A slip printer needs seconds a slip and a
# busy hall issues a few a minute, so no hall reaches it; a script pressing the buttons does.
TICKETS_PER_DEVICE = ratelimit.Limit("queue.device", 60, 60, "取号", "tickets issued here")


def _already_waiting(hall: Hall, service_type: ServiceType, day, number: str) -> None:
    """One waiting ticket per phone number and service type in a hall: a second is refused
    with the first one's number (a customer cannot hold two places in one line)."""
    waiting = (
        Ticket.objects.filter(
            hall=hall,
            day=day,
            service_type=service_type,
            status=Ticket.Status.WAITING,
            notify_phone=number,
        )
        .values_list("number", flat=True)
        .first()
    )
    if waiting:
        raise Conflict(
            Code.ALREADY_WAITING,
            f"该号码已在等候{service_type.name_zh}，号码 {waiting}，请勿重复取号",
            f"This phone number already has ticket {waiting} waiting for {service_type.name_en}",
            field="phone",
            extra={"ticket_number": waiting},
        )


def issue_ticket(
    user,
    hall: Hall,
    service_type_code: str,
    *,
    phone: str | None = None,
    channel: str = Ticket.Channel.KIOSK,
    note: str = "",
    client: str | None = None,
) -> Ticket:
    """Take a number (Q1). A customer identified by phone number gets their tier's priority.
    Limits: one waiting ticket per phone number and service type; 60 a minute per issuing
    account and client address (`client`)."""
    require_perm(user, "queueing.issue_ticket", "取号", "issue tickets")
    check_hall_of(user, hall)
    service_type = get_service_type(service_type_code)
    if channel not in Ticket.Channel.values:
        raise ServiceError(
            CoreCode.INVALID_CHOICE,
            f"渠道“{channel}”无效",
            f"Unknown channel {channel!r}",
            field="channel",
            status=422,
        )
    number = normalize_phone(phone) if phone else None
    if client:  # a request from a device (internal callers — imports, jobs — have none)
        ratelimit.hit(TICKETS_PER_DEVICE, f"{user.pk}@{client}")
    with write_transaction():
        hall = Hall.objects.select_related("queue_policy").get(pk=hall.pk)
        if not hall.is_open:
            raise Conflict(
                Code.HALL_CLOSED,
                f"{hall.name}当前未开放取号",
                f"{hall.name} is not issuing tickets now",
                field="hall",
            )
        _check_offered(hall, service_type)
        customer = find_by_phone(number) if number else None
        now = _now()
        day = timezone.localdate(now)
        # the number first: its row lock makes same-type issues take turns (PostgreSQL), so
        # two at once for one phone number cannot both pass the check below
        ticket_number = _next_number(hall, service_type, day)
        if number:
            _already_waiting(hall, service_type, day, number)
        ticket = Ticket.objects.create(
            hall=hall,
            day=day,
            number=ticket_number,
            service_type=service_type,
            channel=channel,
            customer=customer,
            priority=TIER_RANK[customer.tier] if customer else 0,
            issued_at=now,
            arrival_at=now,
            note=note[:200],
            token=secrets.token_urlsafe(16),
            notify_phone=number or "",
        )
        if number and selectors.near_front_at_issue(ticket):
            # Already at most two ahead: the slip says so, no "two ahead" text follows.
            ticket.near_notified_at = now
            ticket.save(update_fields=["near_notified_at"])
        _record(ticket, "issued", user, "", channel=channel, vip=ticket.is_vip)
    return ticket


# ---------------------------------------------------------------- appointments (Q3)

AS = Appointment.Status
APPOINTMENT_STATUS_ZH = {
    AS.BOOKED: "已预约",
    AS.CHECKED_IN: "已签到",
    AS.CANCELLED: "已取消",
    AS.MISSED: "已爽约",
}
APPOINTMENT_STATUS_EN = {
    AS.BOOKED: "booked",
    AS.CHECKED_IN: "checked in",
    AS.CANCELLED: "cancelled",
    AS.MISSED: "missed",
}


def _lock_hall(hall: Hall) -> Hall:
    """The hall row, locked until commit on PostgreSQL: bookings of one hall take turns, so
    two clerks cannot both take a slot's last place or a customer's one appointment a day.
    (SQLite: write_transaction already holds the database's write lock.)"""
    qs = Hall.objects.all()
    if connection.features.has_select_for_update:
        qs = qs.select_for_update()
    return qs.get(pk=hall.pk)


def _check_slot(hall: Hall, service_type: ServiceType, phone: str, slot_at: datetime, *, skip=None):
    """The rules a booked time must meet (book and move alike), raising before any write."""
    if slot_at <= _now():
        raise ServiceError(
            Code.SLOT_IN_PAST,
            "预约时间已过，请选择以后的时间",
            "The appointment time is in the past; choose a later time",
            field="slot_at",
            status=422,
        )
    booking.check_day(slot_at.date(), "slot_at")  # its own calendar day: no conversion can overflow
    _check_offered(hall, service_type)
    book = Appointment.objects.filter(hall=hall)
    if skip is not None:
        book = book.exclude(pk=skip)
    if not booking.within_hours(hall, slot_at):
        at = timezone.localtime(slot_at)
        raise ServiceError(
            Code.OUTSIDE_HOURS,
            f"{hall.name}在 {at:%m-%d %H:%M} 不营业，请选择营业时间内的时段",
            f"{hall.name} is closed at {at:%Y-%m-%d %H:%M}; choose a time in its opening hours",
            field="slot_at",
            status=422,
        )
    start, end = booking.day_bounds(timezone.localdate(slot_at))
    same_day = (
        book.filter(phone=phone, status=AS.BOOKED, slot_at__gte=start, slot_at__lt=end)
        .order_by("slot_at")
        .first()
    )
    if same_day is not None:
        at = timezone.localtime(same_day.slot_at)
        raise Conflict(
            Code.ALREADY_BOOKED,
            f"该客户当天已有预约（{at:%m-%d %H:%M}），请改约或取消原预约",
            f"This customer already has an appointment that day ({at:%Y-%m-%d %H:%M}); "
            "move or cancel it instead",
            field="phone",
            extra={"appointment_id": same_day.pk},
        )
    first = booking.slot_start(slot_at)
    taken = book.filter(
        status__in=(AS.BOOKED, AS.CHECKED_IN),
        slot_at__gte=first,
        slot_at__lt=first + timedelta(minutes=booking.SLOT_MIN),
    ).count()
    if taken >= booking.per_slot():
        raise Conflict(
            Code.SLOT_FULL,
            f"{first:%H:%M} 时段的预约已满（每时段 {booking.per_slot()} 个），请选择其他时间",
            f"The {first:%H:%M} slot is full ({booking.per_slot()} per slot); choose another time",
            field="slot_at",
        )


def _iso(at: datetime) -> str:
    return timezone.localtime(at).isoformat(timespec="seconds")


def _appointment_event(appt: Appointment, kind: str, actor, **data) -> None:
    AppointmentEvent.objects.create(
        appointment=appt,
        at=_now(),
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        data=data,
    )


def book_appointment(
    user, hall: Hall, service_type_code: str, phone: str, slot_at: datetime, note: str = ""
) -> Appointment:
    """Book a visit (业务预约办理, Q3) for an identified customer. Rules, checked before any
    write, in one write transaction with the hall row locked (concurrent bookings take turns):
    - the booking user may book (clerks, account managers, managers) for their own hall
      (staff with no hall: any hall);
    - the customer is one of ours (by phone number); the service type is offered in the hall;
    - the time is in the future;
    - one booked appointment per customer (phone) per hall per day: a second is refused naming
      the existing time (move that one instead); a checked-in, cancelled or missed one does not
      count, so a customer served in the morning may book again for the afternoon;
    - within the hall's opening hours when it has them configured (booking.within_hours);
    - at most `booking.per_slot()` booked or checked-in appointments per half-hour slot of
      the hall. Any minute may be booked (the page offers slot starts); it counts in its slot.
    Writes a "booked" event."""
    require_perm(user, "queueing.book_appointment", "预约", "book appointments")
    check_hall_of(user, hall)
    service_type = get_service_type(service_type_code)
    number = normalize_phone(phone)
    customer = find_by_phone(number)
    if customer is None:
        raise ServiceError(
            CustomersCode.UNKNOWN_CUSTOMER,
            "该号码不是本网客户，无法预约",
            "No customer has this phone number",
            field="phone",
            status=422,
        )
    with write_transaction():
        hall = _lock_hall(hall)
        _check_slot(hall, service_type, number, slot_at)
        appt = Appointment.objects.create(
            hall=hall,
            service_type=service_type,
            customer=customer,
            phone=number,
            slot_at=slot_at,
            created_by=user,
            note=note.strip()[:200],
        )
        _appointment_event(appt, "booked", user, slot_at=_iso(slot_at))
    return appt


def get_appointment(user, appointment_id, *, for_update: bool = False) -> Appointment:
    """An appointment the user may see: one of another hall is as unknown as a missing one."""
    qs = Appointment.objects.select_related("hall", "service_type", "customer")
    if for_update and connection.features.has_select_for_update:
        qs = qs.select_for_update(of=("self",))
    pk = object_id(appointment_id)
    appt = qs.filter(pk=pk).first() if pk is not None else None
    if appt is None or not works_in(user, appt.hall_id):
        raise NotFound(
            Code.UNKNOWN_APPOINTMENT,
            f"预约 {appointment_id} 不存在",
            f"Unknown appointment {appointment_id}",
            field="appointment",
        )
    return appt


def check_open(appt: Appointment, action_zh: str, action_en: str) -> None:
    if appt.status != AS.BOOKED:
        raise Conflict(
            Code.APPOINTMENT_CLOSED,
            f"该预约{APPOINTMENT_STATUS_ZH[appt.status]}，不能{action_zh}",
            f"This appointment is {APPOINTMENT_STATUS_EN[appt.status]}; it cannot be {action_en}",
            field="status",
            extra={"status": appt.status},
        )


def move_appointment(user, appointment_id, slot_at: datetime) -> Appointment:
    """Move a booked appointment to a new time (改约): the same rules as booking apply to the
    new time (future, the slot's capacity, one a day — the appointment itself not counted).
    Refused when it is checked in, cancelled or missed. Writes a "moved" event with the old
    and the new time."""
    require_perm(user, "queueing.book_appointment", "改约", "move appointments")
    with write_transaction():
        appt = get_appointment(user, appointment_id)
        _lock_hall(appt.hall)
        appt = get_appointment(user, appointment_id, for_update=True)
        check_open(appt, "改约", "moved")
        old = appt.slot_at
        if slot_at == old:
            return appt
        _check_slot(appt.hall, appt.service_type, appt.phone, slot_at, skip=appt.pk)
        appt.slot_at = slot_at
        appt.save(update_fields=["slot_at"])
        _appointment_event(appt, "moved", user, old=_iso(old), new=_iso(slot_at))
    return appt


def cancel_appointment(user, appointment_id, reason: str = "") -> Appointment:
    """Cancel a booked appointment, with an optional reason kept in its "cancelled" event.
    Refused when it is already checked in, cancelled or missed."""
    require_perm(user, "queueing.book_appointment", "取消预约", "cancel appointments")
    with write_transaction():
        appt = get_appointment(user, appointment_id, for_update=True)
        check_open(appt, "取消", "cancelled")
        appt.status = AS.CANCELLED
        appt.save(update_fields=["status"])
        _appointment_event(appt, "cancelled", user, reason=reason.strip()[:200])
    return appt


def check_in(user, hall: Hall, phone: str) -> Ticket:
    """An appointment's customer checks in at the kiosk with their phone number (Q3)."""
    require_perm(user, "queueing.issue_ticket", "取号", "issue tickets")
    check_hall_of(user, hall)
    if not (phone or "").strip():
        raise ServiceError(
            CoreCode.REQUIRED,
            "请输入手机号码",
            "Please enter your mobile number",
            field="phone",
            status=422,
        )
    number = normalize_phone(phone)
    policy = rules.policy_for(hall)
    now = _now()
    with write_transaction():
        appt = (
            Appointment.objects.select_related("customer", "service_type")
            .filter(
                hall=hall,
                phone=number,
                status=Appointment.Status.BOOKED,
                slot_at__gte=now - timedelta(minutes=policy.appointment_late_min),
                slot_at__lte=now + timedelta(minutes=policy.appointment_early_min),
            )
            .order_by("slot_at")
            .first()
        )
        if appt is None:
            raise NotFound(
                Code.NO_APPOINTMENT,
                f"未找到该号码在当前时段（前{policy.appointment_early_min}分钟至后{policy.appointment_late_min}分钟）的预约",
                "No appointment for this number around this time",
                field="phone",
            )
        ticket = issue_ticket(
            user, hall, appt.service_type.code, phone=number, channel=Ticket.Channel.APPOINTMENT
        )
        ticket.appointment = appt
        ticket.appointment_at = appt.slot_at
        ticket.save(update_fields=["appointment", "appointment_at"])
        appt.status = Appointment.Status.CHECKED_IN
        appt.save(update_fields=["status"])
        _appointment_event(appt, "checked_in", user, ticket=ticket.number)
    return ticket


def cancel_ticket(user, ticket_id) -> Ticket:
    """Staff cancel a waiting ticket for the customer (clerks, managers). Not a hall device:
    an unattended kiosk's session must not be able to empty the queue; the customer cancels
    their own on the "my ticket" page (cancel_by_token)."""
    require_perm(user, "queueing.serve_counter", "取消号码", "cancel tickets")
    with write_transaction():
        ticket = _locked_for(user, ticket_id, "cancel", at_counter=False)
        ticket.status = S.CANCELLED
        ticket.save(update_fields=["status"])
        _record(ticket, "cancelled", user, S.WAITING)
    return ticket


_CUSTOMER_CANNOT_CANCEL = {
    S.CALLED: ("已叫号，请到{counter}办理", "has been called: please go to {counter}"),
    S.SERVING: ("正在办理中", "is being served"),
    S.DONE: ("已办结", "has been served"),
    S.NO_SHOW: ("已过号", "was called and missed"),
    S.CANCELLED: ("已取消", "is already cancelled"),
    S.NOT_SERVED: ("已闭厅未办理", "was not served before closing"),
}


def cancel_by_customer(token: str) -> Ticket:
    """The customer gives up their place from the "my ticket" page: the token is the key, no
    sign-in. Only a waiting ticket can be cancelled; the event says it was the customer."""
    with write_transaction():
        ticket = selectors.ticket_by_token(token, for_update=True)
        if ticket.status != S.WAITING:
            zh, en = _CUSTOMER_CANNOT_CANCEL.get(ticket.status, ("不在等候中", "is not waiting"))
            counter = ticket.counter.name if ticket.counter_id else ""
            raise Conflict(
                Code.CANNOT_CANCEL,
                f"号码 {ticket.number} " + zh.format(counter=counter) + "，不能取消",
                f"Ticket {ticket.number} "
                + en.format(counter=counter)
                + "; it cannot be cancelled",
                field="status",
                extra={"status": ticket.status},
            )
        ticket.status = S.CANCELLED
        ticket.save(update_fields=["status"])
        _record(ticket, "cancelled", None, S.WAITING, by="customer")
    return ticket


# ---------------------------------------------------------------- the "two ahead" text (Q1)


def notify_near(hall: Hall, area: str, service_type_id: int) -> int:
    """Text the tickets of this line that are now at most two from the front, asked for a text
    (a number was given at issue) and have not had one: one text each, ever — the conditional
    update lets only one of two counters calling at once send it. Not a state change, so no
    ticket event: the outbox row and near_notified_at record it. Returns the texts sent."""
    if not selectors.text_pending(hall, area, service_type_id):
        return 0
    due = [
        row
        for row in selectors.front_of_line(hall, area, service_type_id)
        if row["notify_phone"] and row["near_notified_at"] is None
    ]
    if not due:
        return 0
    sent = 0
    now = _now()
    with write_transaction():
        for row in due:
            if not Ticket.objects.filter(
                pk=row["id"], status=S.WAITING, near_notified_at__isnull=True
            ).update(near_notified_at=now):
                continue  # another counter's call texted it a moment ago
            link = selectors.my_ticket_url(row["token"])
            ahead = row["ahead"]
            queue_sms(
                row["notify_phone"],
                f"【{hall.name}】您的号码 {row['number']} 前面还有 {ahead} 人，"
                f"请回到大厅留意叫号。查看排队：{link}",
                "queue_near",
            )
            sent += 1
    return sent


def _notify_near_after_call(hall: Hall, ticket: Ticket) -> None:
    """After a call has committed: the call stands whatever happens here; a text that fails
    now is sent after the next call of this line (near_notified_at stays empty)."""
    try:
        notify_near(hall, ticket.area, ticket.service_type_id)
    except Exception:  # the committed call must still be answered
        logger.exception("two-ahead text after calling %s failed", ticket.number)


# ---------------------------------------------------------------- hall and counters


def set_hall_open(user, hall: Hall, is_open: bool) -> Hall:
    """Start or stop ticketing (the kiosks follow live); who did it and when is audited."""
    require_perm(user, "queueing.manage_queue", "开关取号", "open or close the queue")
    check_hall_of(user, hall)
    with write_transaction():
        Hall.objects.filter(pk=hall.pk).update(is_open=is_open)
        log_action(user, "hall.open" if is_open else "hall.close", "hall", hall.code)
    hall.is_open = is_open
    publish_on_commit(channel_name(hall.pk), {"type": "hall_opened" if is_open else "hall_closed"})
    return hall


def _line_at(user, hall: Hall, counter_id, service_type_code: str) -> tuple[Counter, ServiceType]:
    """The counter of this hall and the service type a board's line form names (either missing,
    unknown or of another hall: refused naming the field)."""
    require_perm(user, "queueing.manage_queue", "调配窗口业务", "assign lines to counters")
    check_hall_of(user, hall)
    if counter_id in (None, "") or not service_type_code:
        missing = "counter" if counter_id in (None, "") else "service_type"
        zh, en = {"counter": ("窗口", "counter"), "service_type": ("业务类型", "service type")}[
            missing
        ]
        raise ServiceError(
            CoreCode.REQUIRED, f"请选择{zh}", f"Choose a {en}", field=missing, status=422
        )
    cid = object_id(counter_id)
    if cid is None:
        raise _unknown_counter(str(counter_id)[:20])
    counter = get_counter(cid)
    if counter.hall_id != hall.pk:
        raise _unknown_counter(counter.pk)
    return counter, get_service_type(str(service_type_code)[:20])


def open_line_at_counter(user, hall: Hall, counter_id, service_type_code: str) -> Counter:
    """The manager opens a line at one more counter (the 11:00 scene: a second 缴费 counter): an
    open counter of the hall starts taking this service type as well, from its next call. The
    counter's types are its configuration and stay so until changed again (`close_line_at_counter`
    from the board, or the Counter admin); who opened which line where is audited, and the board
    and the counter's workbench follow live. A quiet-area counter, a VIP-only one or one that
    already takes the type is refused, naming why."""
    counter, service_type = _line_at(user, hall, counter_id, service_type_code)
    if counter.kind == Counter.Kind.QUIET or counter.vip_only:
        raise ServiceError(
            Code.NOT_FOR_THIS_COUNTER,
            f"{counter.name}只接待{'安静区' if counter.kind == Counter.Kind.QUIET else 'VIP'}客户，"
            "不能开通排队业务",
            f"{counter.name} serves only the "
            f"{'quiet area' if counter.kind == Counter.Kind.QUIET else 'VIP customers'}: "
            "it cannot take a line",
            field="counter",
            status=409,
        )
    with write_transaction():
        if counter.service_types.filter(pk=service_type.pk).exists():
            raise ServiceError(
                Code.NOT_FOR_THIS_COUNTER,
                f"{counter.name}已办理{service_type.name_zh}",
                f"{counter.name} already takes {service_type.name_en}",
                field="counter",
                status=409,
            )
        counter.service_types.add(service_type)
        log_action(user, "counter.open_line", "counter", counter.pk, reason=service_type.code)
    return _lines_changed(hall, counter, service_type, "counter_open")


def close_line_at_counter(user, hall: Hall, counter_id, service_type_code: str) -> Counter:
    """The rush is over: the manager takes a line off a counter (from its next call; the ticket it
    serves now is finished there). Refused, naming why, when the counter does not take the type,
    when it is the counter's only line (a counter takes at least one), or when customers of the
    type wait today and no other signed-in counter would be left to call them. Audited; the
    board and the workbenches follow live."""
    counter, service_type = _line_at(user, hall, counter_id, service_type_code)
    with write_transaction():
        lines = list(counter.service_types.values_list("pk", flat=True))
        if service_type.pk not in lines:
            raise ServiceError(
                Code.NOT_FOR_THIS_COUNTER,
                f"{counter.name}没有办理{service_type.name_zh}",
                f"{counter.name} does not take {service_type.name_en}",
                field="service_type",
                status=409,
            )
        if len(lines) == 1:
            raise ServiceError(
                Code.LAST_LINE,
                f"{service_type.name_zh}是{counter.name}唯一的业务，不能关闭（可暂停或签退窗口）",
                f"{service_type.name_en} is {counter.name}'s only line and cannot be closed "
                "(pause or sign out the counter instead)",
                field="service_type",
                status=409,
            )
        waiting = Ticket.objects.filter(
            hall=hall,
            day=timezone.localdate(),
            status=Ticket.Status.WAITING,
            area=Ticket.Area.MAIN,
            service_type=service_type,
        ).count()
        on_duty = CounterSession.objects.filter(counter=OuterRef("pk"), signed_out_at__isnull=True)
        others = (
            Counter.objects.filter(hall=hall, is_active=True, service_types=service_type)
            .exclude(pk=counter.pk)
            .filter(Exists(on_duty))
            .exists()
        )
        if waiting and not others:
            raise ServiceError(
                Code.LAST_LINE,
                f"还有{waiting}位{service_type.name_zh}客户在等候，{counter.name}是唯一在岗办理的窗口",
                f"{waiting} {service_type.name_en} customers are waiting and {counter.name} is the "
                "only counter on duty taking them",
                field="service_type",
                status=409,
                extra={"waiting": waiting},
            )
        counter.service_types.remove(service_type)
        log_action(user, "counter.close_line", "counter", counter.pk, reason=service_type.code)
    return _lines_changed(hall, counter, service_type, "counter_lines")


def _lines_changed(hall: Hall, counter: Counter, service_type: ServiceType, event: str) -> Counter:
    """After a counter's lines changed: the open-counter cache forgotten, the board and the
    workbenches told (`event`: counter_open for a line opened, as when a counter opens)."""
    selectors.forget_open_counters(hall.pk)
    publish_on_commit(
        channel_name(hall.pk),
        {"type": event, "counter": counter.name, "service_type": service_type.code},
    )
    return counter


def set_hall_notice(user, hall: Hall, text: str) -> Hall:
    """The one line of notices along the bottom of the calling display (Q4); the displays
    follow live; who changed it, and to what, is audited."""
    require_perm(user, "queueing.manage_queue", "编辑大厅公告", "edit the hall notice")
    check_hall_of(user, hall)
    text = " ".join((text or "").split())  # one line
    limit = Hall._meta.get_field("notice").max_length
    if len(text) > limit:
        raise ServiceError(
            CoreCode.TOO_LONG,
            f"公告最多 {limit} 个字（现有 {len(text)} 个）",
            f"The notice is limited to {limit} characters ({len(text)} given)",
            field="notice",
            status=422,
        )
    with write_transaction():
        Hall.objects.filter(pk=hall.pk).update(notice=text)
        log_action(user, "hall.notice", "hall", hall.code, reason=text)
    hall.notice = text
    publish_on_commit(channel_name(hall.pk), {"type": "notice", "notice": text})
    return hall


def sign_in(user, counter: Counter) -> CounterSession:
    require_perm(user, "queueing.serve_counter", "在窗口签到", "sign in at counters")
    check_counter_of(user, counter)
    if counter.kind == Counter.Kind.VIP and not user.has_perm("queueing.serve_vip_counter"):
        raise Conflict(
            Code.VIP_COUNTER,
            f"{counter.name}为VIP专席，您的角色不能签到",
            f"{counter.name} is a VIP counter",
            field="counter",
        )
    now = _now()
    with write_transaction():
        open_sessions = CounterSession.objects.filter(signed_out_at__isnull=True)
        if connection.features.has_select_for_update:
            open_sessions = open_sessions.select_for_update()
        mine = open_sessions.filter(staff=user).first()
        if mine and mine.counter_id == counter.pk:
            return mine
        other = (
            open_sessions.filter(counter=counter)
            .exclude(staff=user)
            .select_related("staff")
            .first()
        )
        if other:
            raise Conflict(
                Code.COUNTER_TAKEN,
                f"{counter.name}已有其他工作人员签到",
                f"Another staff member is signed in at {counter.name}",
                field="counter",
            )
        if mine:
            _sign_out(user, mine, now)
        try:
            with transaction.atomic():  # savepoint
                session = CounterSession.objects.create(
                    counter=counter, staff=user, signed_in_at=now
                )
        except IntegrityError as exc:
            raise Conflict(
                Code.COUNTER_TAKEN,
                f"{counter.name}刚被其他人签到",
                f"{counter.name} was just taken",
                field="counter",
            ) from exc
    selectors.forget_open_counters(counter.hall_id)
    publish_on_commit(
        channel_name(counter.hall_id), {"type": "counter_open", "counter": counter.name}
    )
    return session


def _sign_out(user, session: CounterSession, now) -> None:
    busy = Ticket.objects.filter(
        counter_id=session.counter_id,
        day=timezone.localdate(now),
        status__in=(S.CALLED, S.SERVING),
    ).first()
    if busy:
        raise Conflict(
            Code.TICKET_IN_SERVICE,
            f"号码 {busy.number} 尚未办结，请先办结或转移",
            f"Ticket {busy.number} is still open at this counter; finish or transfer it first",
            field="counter",
        )
    session.signed_out_at = now
    session.save(update_fields=["signed_out_at"])
    # Signing out ends a pause: the counter is closed, not paused, from now on.
    CounterPause.objects.filter(counter_id=session.counter_id, ended_at__isnull=True).update(
        ended_at=now
    )


def sign_out(user, counter: Counter) -> None:
    require_perm(user, "queueing.serve_counter", "签退", "sign out")
    check_counter_of(user, counter)
    with write_transaction():
        session = _open_session(user, counter, lock=True)
        _sign_out(user, session, _now())
    selectors.forget_open_counters(counter.hall_id)
    publish_on_commit(
        channel_name(counter.hall_id), {"type": "counter_closed", "counter": counter.name}
    )


# ---------------------------------------------------------------- calling (Q2)


def _calling_session(user, counter: Counter, *, lock: bool = False) -> CounterSession:
    """The user's open session at this counter (locked on request), refused while the counter
    is paused — the pause is read in the same statement as the session."""
    session = _open_session(user, counter, lock=lock, with_pause=True)
    if session.paused:
        raise Conflict(
            Code.COUNTER_PAUSED,
            f"{counter.name}已暂停服务，请先恢复服务再叫号",
            f"{counter.name} is paused; resume service before calling",
            field="counter",
        )
    return session


def _refuse_if_busy(counter: Counter) -> None:
    busy = Ticket.objects.filter(
        counter=counter, day=timezone.localdate(), status__in=(S.CALLED, S.SERVING)
    ).first()
    if busy:
        raise Conflict(
            Code.TICKET_IN_SERVICE,
            f"号码 {busy.number} 尚未办结，请先办结、过号或转移",
            f"Ticket {busy.number} is still open at this counter",
            field="counter",
            extra={"ticket_id": busy.pk},
        )


def _queue_empty(counter: Counter) -> Conflict:
    return Conflict(
        Code.QUEUE_EMPTY,
        f"{counter.name}当前没有等候的号码",
        f"Nobody is waiting for {counter.name}",
        field="counter",
    )


def call_next(user, counter: Counter, type_ids=None) -> Ticket:
    """Call the next ticket for this counter by the rule in `rules`. Two counters never call one
    ticket: on PostgreSQL the candidate row is taken FOR UPDATE SKIP LOCKED, on SQLite the
    transaction holds the write lock from its start; and the status update is conditional
    on the ticket still waiting, whatever the database. `type_ids`: the service types the
    counter serves, when the caller has them (calling_setup)."""
    require_perm(user, "queueing.serve_counter", "叫号", "call tickets")
    check_counter_of(user, counter)
    policy = rules.policy_for(counter.hall)
    if type_ids is None:
        type_ids = list(counter.service_types.values_list("id", flat=True))
    if not rules.candidates(counter, type_ids, policy, _now()).exists():
        # Plain reads, outside the write lock: an idle counter pressing "call" costs little.
        _calling_session(user, counter)  # not signed in or paused: say that rather than "empty"
        raise _queue_empty(counter)
    with write_transaction():
        _calling_session(user, counter, lock=True)
        _refuse_if_busy(counter)
        now = _now()
        qs = rules.candidates(counter, type_ids, policy, now).select_related(
            "service_type", "customer"
        )
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True, of=("self",))
        for _attempt in range(5):
            ticket = qs.first()
            if ticket is None:
                raise _queue_empty(counter)
            if _take(ticket, counter, user, now):
                break
        else:
            raise Conflict(
                Code.BUSY,
                "叫号繁忙，请重试",
                "The queue is busy; try again",
                field="counter",
                status=409,
            )
        band = rules.BAND_NAMES[ticket.band]  # why this ticket came first, kept in its timeline
        _record(ticket, "called", user, S.WAITING, counter=counter, reason=band)
    _notify_near_after_call(counter.hall, ticket)
    return ticket


def _take(ticket: Ticket, counter: Counter, user, now) -> bool:
    """Call `ticket` to `counter` if it is still waiting: the conditional update that keeps two
    counters from ever calling one ticket, whatever the database (call-next and 特呼 alike).
    The object follows when it was taken."""
    taken = Ticket.objects.filter(pk=ticket.pk, status=S.WAITING).update(
        status=S.CALLED,
        counter=counter,
        served_by=user,
        called_at=now,
        recall_count=0,
        target_counter=None,
        first_called_at=Coalesce(F("first_called_at"), now),
    )
    if taken:
        ticket.status, ticket.counter, ticket.served_by = S.CALLED, counter, user
        ticket.called_at, ticket.recall_count, ticket.target_counter = now, 0, None
        ticket.first_called_at = ticket.first_called_at or now
    return bool(taken)


def _not_for_this_counter(ticket: Ticket, counter: Counter, type_ids) -> Conflict:
    """Why `counter` may not call `ticket` (rules.eligible_q said no), in words."""
    n = ticket.number
    if ticket.area == Ticket.Area.QUIET and counter.kind != Counter.Kind.QUIET:
        zh, en = f"号码 {n} 在安静咨询区等候，只能由安静区窗口呼叫", f"{n} waits in the quiet area"
    elif ticket.target_counter_id and ticket.target_counter_id != counter.pk:
        target = ticket.target_counter.name
        zh, en = f"号码 {n} 已转往{target}，只能由该窗口呼叫", f"{n} was transferred to {target}"
    elif counter.vip_only and not ticket.is_vip:
        zh, en = (
            f"{counter.name}只接待VIP客户，号码 {n} 不是VIP",
            f"{counter.name} serves VIPs only",
        )
    elif ticket.service_type_id not in type_ids:
        st = ticket.service_type
        zh = f"{counter.name}不办理“{st.name_zh}”业务（号码 {n}）"
        en = f"{counter.name} does not serve {st.name_en} ({n})"
    else:
        zh, en = f"{counter.name}不能呼叫号码 {n}", f"{counter.name} cannot call {n}"
    return Conflict(Code.NOT_FOR_THIS_COUNTER, zh, en, field="number")


def call_number(user, counter: Counter, number: str, type_ids=None) -> Ticket:
    """Call one ticket by its number (特呼): a waiting ticket of today in this hall that this
    counter may serve (rules.eligible_q). The same guarantees as call_next: the status update
    is conditional on the ticket still waiting, so a concurrent call_next or call_number of the
    same ticket finds it taken and exactly one of them wins."""
    require_perm(user, "queueing.serve_counter", "特呼", "call a ticket by number")
    check_counter_of(user, counter)
    number = (number or "").strip().upper()
    if not number:
        raise ServiceError(
            CoreCode.REQUIRED,
            "请输入要呼叫的号码，例如 B012",
            "Type the number to call, e.g. B012",
            field="number",
            status=422,
        )
    if type_ids is None:
        type_ids = list(counter.service_types.values_list("id", flat=True))
    with write_transaction():
        _calling_session(user, counter, lock=True)
        _refuse_if_busy(counter)
        now = _now()
        ticket = (
            Ticket.objects.select_related("service_type", "target_counter")
            .filter(hall_id=counter.hall_id, day=timezone.localdate(now), number=number)
            .first()
        )
        if ticket is None:
            raise NotFound(
                Code.UNKNOWN_NUMBER,
                f"今天本厅没有号码 {number}",
                f"There is no ticket {number} in this hall today",
                field="number",
            )
        if ticket.status != S.WAITING:
            raise Conflict(
                Code.NOT_WAITING,
                f"号码 {number} 当前为“{STATUS_ZH.get(ticket.status, ticket.status)}”，不在等候中",
                f"Ticket {number} is not waiting (it is {STATUS_EN.get(ticket.status, 'closed')})",
                field="number",
            )
        eligible = Ticket.objects.filter(pk=ticket.pk).filter(rules.eligible_q(counter, type_ids))
        if not eligible.exists():
            raise _not_for_this_counter(ticket, counter, type_ids)
        if not _take(ticket, counter, user, now):
            raise Conflict(
                Code.ALREADY_CALLED,
                f"号码 {number} 刚被其他窗口叫走",
                f"Ticket {number} was just called by another counter",
                field="number",
            )
        _record(ticket, "called", user, S.WAITING, counter=counter, reason="special_call")
    return ticket


# ---------------------------------------------------------------- pausing a counter (暂停服务)

PAUSE_REASON_ZH = {"break": "休息", "training": "培训", "backoffice": "后台事务", "other": "其他"}


def pause_counter(user, counter: Counter, reason: str, note: str = "") -> CounterPause:
    """Pause service at the counter the user is signed in at, with a reason (break, training,
    back-office work, or other with a note). Refused while a ticket is called or in service;
    while paused the counter calls nobody and the wait estimate does not count it."""
    require_perm(user, "queueing.serve_counter", "暂停服务", "pause service")
    check_counter_of(user, counter)
    if reason not in CounterPause.Reason.values:
        raise ServiceError(
            CoreCode.INVALID_CHOICE,
            "请选择暂停原因：休息、培训、后台事务或其他",
            "Choose a reason: break, training, back-office work or other",
            field="reason",
            status=422,
        )
    note = (note or "").strip()[:100]
    if reason == CounterPause.Reason.OTHER and not note:
        raise ServiceError(
            CoreCode.REQUIRED,
            "暂停原因为“其他”时请填写说明",
            "Say why when the reason is “other”",
            field="note",
            status=422,
        )
    now = _now()
    with write_transaction():
        session = _open_session(user, counter, lock=True)
        busy = Ticket.objects.filter(counter=counter, status__in=(S.CALLED, S.SERVING)).first()
        if busy:
            raise Conflict(
                Code.TICKET_IN_SERVICE,
                f"号码 {busy.number} 尚未办结，不能暂停服务；请先办结、过号或转移",
                f"Ticket {busy.number} is still open here; finish or transfer it before pausing",
                field="counter",
            )
        current = CounterPause.objects.filter(counter=counter, ended_at__isnull=True).first()
        if current is not None:
            if current.session_id == session.pk:
                raise Conflict(
                    Code.ALREADY_PAUSED,
                    f"{counter.name}已在暂停中",
                    f"{counter.name} is already paused",
                    field="counter",
                )
            current.ended_at = now  # left open by an earlier session: it ended with it
            current.save(update_fields=["ended_at"])
        try:
            with transaction.atomic():  # savepoint
                pause = CounterPause.objects.create(
                    session=session, counter=counter, reason=reason, note=note, started_at=now
                )
        except IntegrityError as exc:
            raise Conflict(
                Code.ALREADY_PAUSED,
                f"{counter.name}已在暂停中",
                f"{counter.name} is already paused",
                field="counter",
            ) from exc
    selectors.forget_open_counters(counter.hall_id)
    publish_on_commit(
        channel_name(counter.hall_id),
        {
            "type": "counter_paused",
            "counter": counter.name,
            "counter_id": counter.pk,
            "reason": reason,
        },
    )
    return pause


def resume_counter(user, counter: Counter) -> CounterPause:
    """End the counter's pause: it calls again and counts in the wait estimate again."""
    require_perm(user, "queueing.serve_counter", "恢复服务", "resume service")
    check_counter_of(user, counter)
    with write_transaction():
        _open_session(user, counter, lock=True)
        qs = CounterPause.objects.filter(counter=counter, ended_at__isnull=True)
        if connection.features.has_select_for_update:
            qs = qs.select_for_update()
        pause = qs.first()
        if pause is None:
            raise Conflict(
                Code.NOT_PAUSED,
                f"{counter.name}未暂停服务",
                f"{counter.name} is not paused",
                field="counter",
            )
        pause.ended_at = _now()
        pause.save(update_fields=["ended_at"])
    selectors.forget_open_counters(counter.hall_id)
    publish_on_commit(
        channel_name(counter.hall_id),
        {"type": "counter_resumed", "counter": counter.name, "counter_id": counter.pk},
    )
    return pause


def recall(user, ticket_id) -> Ticket:
    require_perm(user, "queueing.serve_counter", "重呼", "recall tickets")
    with write_transaction():
        ticket = _locked_for(user, ticket_id, "recall")
        ticket.recall_count += 1
        ticket.called_at = _now()
        ticket.save(update_fields=["recall_count", "called_at"])
        _record(
            ticket,
            "recalled",
            user,
            S.CALLED,
            counter=ticket.counter,
            recall_count=ticket.recall_count,
        )
    return ticket


def no_show(user, ticket_id) -> Ticket:
    require_perm(user, "queueing.serve_counter", "过号", "mark no-shows")
    with write_transaction():
        ticket = _locked_for(user, ticket_id, "no_show")
        needed = rules.policy_for(ticket.hall).recalls_before_no_show
        if ticket.recall_count < needed:
            raise Conflict(
                Code.RECALL_FIRST,
                f"须重呼 {needed} 次后才能过号（已重呼 {ticket.recall_count} 次）",
                f"Recall {needed} times before marking a no-show ({ticket.recall_count} so far)",
                field="recall_count",
            )
        ticket.status = S.NO_SHOW
        ticket.finished_at = _now()
        ticket.save(update_fields=["status", "finished_at"])
        _record(ticket, "no_show", user, S.CALLED, counter=ticket.counter)
    return ticket


def start_service(user, ticket_id) -> Ticket:
    require_perm(user, "queueing.serve_counter", "开始办理", "start service")
    with write_transaction():
        ticket = _locked_for(user, ticket_id, "start")
        ticket.status = S.SERVING
        ticket.started_at = _now()
        ticket.save(update_fields=["status", "started_at"])
        _record(ticket, "started", user, S.CALLED, counter=ticket.counter)
    return ticket


def finish_service(user, ticket_id, category_code: str | None, note: str = "") -> Ticket:
    """Finish a service, recording the business category (C2) it turned out to be."""
    require_perm(user, "queueing.serve_counter", "办结", "finish service")
    category = BusinessCategory.objects.filter(code=category_code or "", is_active=True).first()
    with write_transaction():
        ticket = _locked_for(user, ticket_id, "finish")
        if not category_code:
            raise ServiceError(
                CoreCode.REQUIRED,
                "请选择办理的业务",
                "Choose the business that was handled",
                field="category",
                status=422,
            )
        if category is None:
            raise ServiceError(
                CoreCode.UNKNOWN_CATEGORY,
                f"业务分类“{category_code}”不存在，请选择办理的业务",
                f"Unknown business category {category_code!r}; choose the business handled",
                field="category",
                status=422,
            )
        ticket.status = S.DONE
        ticket.finished_at = _now()
        ticket.business_category = category
        if note:
            ticket.note = note[:200]
        ticket.save(update_fields=["status", "finished_at", "business_category", "note"])
        minutes = (ticket.finished_at - ticket.started_at).total_seconds() / 60
        _record(
            ticket,
            "finished",
            user,
            S.SERVING,
            counter=ticket.counter,
            category=category.code,
            minutes=round(minutes, 2),
        )
    return ticket


# ---------------------------------------------------------------- transfers (Q2, Q5)


def _back_to_waiting(ticket: Ticket) -> str:
    from_status = ticket.status
    ticket.status = S.WAITING
    ticket.counter = None
    ticket.served_by = None
    ticket.called_at = None
    ticket.started_at = None
    ticket.recall_count = 0
    return from_status


_REQUEUE_FIELDS = ["status", "counter", "served_by", "called_at", "started_at", "recall_count"]


def transfer(
    user, ticket_id, *, service_type_code: str | None = None, counter_id=None, note: str = ""
) -> Ticket:
    """Send a ticket to another service type or to a named counter; it keeps its original
    arrival time, so the customer does not start waiting again."""
    require_perm(user, "queueing.serve_counter", "转移号码", "transfer tickets")
    if not service_type_code and not counter_id:
        raise ServiceError(
            CoreCode.REQUIRED,
            "请选择转往的业务类型或窗口",
            "Give a service type or a counter to transfer to",
            field="service_type",
            status=422,
        )
    new_type = get_service_type(service_type_code) if service_type_code else None
    target = counter_for(user, counter_id) if counter_id else None
    with write_transaction():
        ticket = _locked_for(user, ticket_id, "transfer", at_counter=False)
        if ticket.status != S.WAITING:
            _session_of_ticket(user, ticket)
        if target is not None and target.hall_id != ticket.hall_id:
            raise ServiceError(
                CoreCode.OTHER_HALL,
                "目标窗口不在本营业厅",
                "That counter is in another hall",
                field="counter",
                status=422,
            )
        wanted = new_type or ticket.service_type
        if target is not None and not target.service_types.filter(pk=wanted.pk).exists():
            # Never a silent change of the customer's business: the clerk picks the service too.
            offered = list(target.service_types.order_by("sort_order"))
            raise ServiceError(
                Code.NOT_FOR_THIS_COUNTER,
                f"{target.name}不办理“{wanted.name_zh}”，请改选窗口或同时选择转往的业务"
                f"（该窗口办理：{'、'.join(s.name_zh for s in offered) or '无'}）",
                f"{target.name} does not serve {wanted.name_en}; choose another counter or "
                f"the service too (it serves: {', '.join(s.name_en for s in offered) or 'none'})",
                field="counter",
                status=422,
            )
        if ticket.status == S.SERVING and not (note or "").strip():
            # C8: the next desk reads what the customer already told this one.
            raise ServiceError(
                CoreCode.REQUIRED,
                "转移办理中的号码时请填写转来说明，让客户不必重复叙述",
                "Write a summary for the next desk: the customer should not repeat the story",
                field="note",
                status=422,
            )
        from_counter = ticket.counter
        from_status = _back_to_waiting(ticket)
        old_type = ticket.service_type
        if new_type is not None:
            ticket.service_type = new_type
        ticket.target_counter = target
        ticket.area = Ticket.Area.MAIN
        ticket.save(update_fields=[*_REQUEUE_FIELDS, "service_type", "target_counter", "area"])
        _record(
            ticket,
            "transferred",
            user,
            from_status,
            counter=from_counter,
            from_service_type=old_type.code,
            to_service_type=ticket.service_type.code,
            to_counter=target.name if target else None,
            note=note[:200],
        )
    return ticket


def move_to_quiet(user, ticket_id, note: str = "") -> Ticket:
    """Q5: an emotional or complex case goes to the quiet consultation area's queue."""
    require_perm(user, "queueing.move_to_quiet", "转安静区", "move tickets to the quiet area")
    with write_transaction():
        ticket = _locked_for(user, ticket_id, "move_to_quiet", at_counter=False)
        if ticket.area == Ticket.Area.QUIET and ticket.status == S.WAITING:
            raise Conflict(
                Code.ALREADY_QUIET,
                "该号码已在安静区等候",
                "The ticket already waits in the quiet area",
                field="area",
            )
        if not ticket.hall.counters.filter(kind=Counter.Kind.QUIET, is_active=True).exists():
            raise Conflict(
                Code.NO_QUIET_AREA,
                "本营业厅未设安静咨询区",
                "This hall has no quiet area",
                field="area",
            )
        from_counter = ticket.counter
        from_status = _back_to_waiting(ticket)
        ticket.area = Ticket.Area.QUIET
        ticket.target_counter = None
        ticket.save(update_fields=[*_REQUEUE_FIELDS, "area", "target_counter"])
        _record(ticket, "moved_to_quiet", user, from_status, counter=from_counter, note=note[:200])
    return ticket


# ---------------------------------------------------------------- opening hours and closing


def _close_unserved(tickets, now, reason: str) -> dict[int, int]:
    """Mark the given open tickets not served, each with a `closed_unserved` event; returns
    how many per hall. The rows are locked (SKIP LOCKED on PostgreSQL: a concurrent sweep
    leaves them to the one that has them) and re-checked by status, so nothing is closed
    twice."""
    qs = tickets.filter(status__in=(S.WAITING, S.CALLED, S.SERVING)).order_by("id")
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True)
    rows = list(qs.values_list("id", "hall_id", "status"))
    if not rows:
        return {}
    ids = [r[0] for r in rows]
    for i in range(0, len(ids), 500):
        Ticket.objects.filter(pk__in=ids[i : i + 500]).update(
            status=S.NOT_SERVED, finished_at=Coalesce(F("finished_at"), now)
        )
    TicketEvent.objects.bulk_create(
        [
            TicketEvent(
                ticket_id=tid,
                at=now,
                kind="closed_unserved",
                from_status=status,
                to_status=S.NOT_SERVED,
                data={"reason": reason},
            )
            for tid, _hall, status in rows
        ],
        batch_size=500,
    )
    per_hall: dict[int, int] = {}
    for _tid, hall_id, _status in rows:
        per_hall[hall_id] = per_hall.get(hall_id, 0) + 1
    for hall_id, n in per_hall.items():
        publish_on_commit(channel_name(hall_id), {"type": "closed_unserved", "count": n})
    return per_hall


def _miss_appointments(now) -> int:
    """Booked appointments whose check-in window (the hall's policy) has closed: missed."""
    past = Appointment.objects.filter(status=Appointment.Status.BOOKED, slot_at__lt=now)
    if connection.features.has_select_for_update_skip_locked:
        past = past.select_for_update(skip_locked=True, of=("self",))
    missed = []
    for appt in past.select_related("hall__queue_policy"):
        late_min = rules.policy_for(appt.hall).appointment_late_min
        if appt.slot_at + timedelta(minutes=late_min) < now:
            missed.append((appt, late_min))
    if not missed:
        return 0
    Appointment.objects.filter(
        pk__in=[a.pk for a, _ in missed], status=Appointment.Status.BOOKED
    ).update(status=Appointment.Status.MISSED)
    AppointmentEvent.objects.bulk_create(
        [
            AppointmentEvent(
                appointment=a,
                at=now,
                kind="missed",
                data={"slot_at": a.slot_at.isoformat(), "late_min": late_min},
            )
            for a, late_min in missed
        ]
    )
    return len(missed)


def close_day(now: datetime | None = None) -> dict:
    """What is left of earlier days: their waiting, called and serving tickets become not
    served (in their own day's figures), and appointments past their check-in window become
    missed. Every hall (a ticket of an earlier day can never be called again, manual hall or
    not). Idempotent: a second run, or a late one, finds nothing more to do."""
    now = now or _now()
    today = timezone.localdate(now)
    with write_transaction():
        per_hall = _close_unserved(Ticket.objects.filter(day__lt=today), now, "earlier_day")
        missed = _miss_appointments(now)
    return {"not_served": sum(per_hall.values()), "appointments_missed": missed}


def apply_opening_hours(now: datetime | None = None) -> dict:
    """The schedule sweep (every minute, queueing/tasks.py): for each hall with opening hours
    (org/hours.py), when the schedule's own state differs from the one it last applied
    (Hall.schedule_open), ticketing is opened or closed to match — so a manager's override from
    the board holds until the next opening or closing time. Each automatic switch is audited
    (actor: the system account "schedule") and published live. When the schedule closes the
    hall and none of the day's hours is still to come (not at a lunch break), the day's
    waiting tickets become not served. Then `close_day` for what earlier days left.
    A system job: no user, no permission. Idempotent and safe to run concurrently or late."""
    now = now or _now()
    today = timezone.localdate(now)
    done = {"opened": 0, "closed": 0, "not_served": 0, "appointments_missed": 0}
    for hall in Hall.objects.filter(opening_hours__isnull=False).distinct().order_by("pk"):
        sched = hours.schedule(hall)
        want = sched.is_open_at(now)
        if hall.schedule_open is want:
            continue
        with write_transaction():
            locked = Hall.objects.filter(pk=hall.pk)
            if connection.features.has_select_for_update:
                locked = locked.select_for_update()
            current = locked.values_list("schedule_open", flat=True).first()
            if current is want:  # another sweep applied it meanwhile
                continue
            Hall.objects.filter(pk=hall.pk).update(is_open=want, schedule_open=want)
            log_action(
                system_actor("schedule"),
                AuditLog.Action.HALL_OPEN if want else AuditLog.Action.HALL_CLOSE,
                "hall",
                hall.code,
                reason="opening hours",
            )
            publish_on_commit(
                channel_name(hall.pk),
                {"type": "hall_opened" if want else "hall_closed", "by": "schedule"},
            )
            done["opened" if want else "closed"] += 1
            if not want and sched.day_is_over(now):
                per_hall = _close_unserved(
                    Ticket.objects.filter(hall=hall, day=today, status=S.WAITING),
                    now,
                    "hall_closed",
                )
                done["not_served"] += sum(per_hall.values())
    rest = close_day(now)
    done["not_served"] += rest["not_served"]
    done["appointments_missed"] = rest["appointments_missed"]
    return done
