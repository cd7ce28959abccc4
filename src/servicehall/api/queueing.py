"""Queue API (Q1–Q5): parse, call the queueing services and selectors, render."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone
from ninja import Field, Router, Schema, Status

from servicehall.core.errors import forbidden
from servicehall.core.ratelimit import client_address
from servicehall.org.models import BusinessCategory, Counter, ServiceType
from servicehall.queueing import booking, selectors, services

from .errors import ErrorOut
from .fields import IsoDate, IsoDateTime

router = Router(tags=["queue 排队叫号"])


# ---------------------------------------------------------------- schemas


class ServiceTypeOut(Schema):
    code: str
    prefix: str
    name_zh: str
    name_en: str


class HallOut(Schema):
    id: int
    code: str
    name: str
    is_open: bool


class TicketOut(Schema):
    id: int
    number: str
    status: str
    service_type: str
    service_type_name: str
    vip: bool
    priority: int
    area: str
    channel: str
    issued_at: datetime
    arrival_at: datetime
    called_at: datetime | None
    counter: str | None
    appointment_at: datetime | None
    ahead: int | None = None
    estimated_wait_min: int | None = None
    estimate_note: str | None = None
    # Only in the answer to whoever issued it: the customer's own page (the slip's QR code),
    # to hand on to the customer — its token is their key to it.
    my_ticket_url: str | None = None


class IssueIn(Schema):
    service_type: str = Field(..., max_length=32)
    phone: str | None = Field(None, max_length=20)
    channel: str = "kiosk"
    note: str = Field("", max_length=200)


class PhoneIn(Schema):
    phone: str = Field(..., max_length=20)


class AppointmentIn(Schema):
    service_type: str = Field(..., max_length=32)
    phone: str = Field(..., max_length=20)
    slot_at: IsoDateTime


class AppointmentOut(Schema):
    id: int
    slot_at: datetime
    service_type: str
    status: str


class MoveIn(Schema):
    slot_at: IsoDateTime


class CancelIn(Schema):
    reason: str = Field("", max_length=200)


class AppointmentRowOut(Schema):
    id: int
    slot_at: datetime
    status: str
    status_name: str
    service_type: str
    service_type_name: str
    customer: str  # masked (V2)
    phone: str  # masked (V2)
    note: str
    ticket: str | None


class SlotOut(Schema):
    at: datetime
    taken: int
    free: int
    bookable: bool


class AppointmentDayOut(Schema):
    hall: str
    day: date
    per_slot: int
    appointments: list[AppointmentRowOut]
    slots: list[SlotOut]


class FinishIn(Schema):
    category: str = Field(..., max_length=40)
    note: str = Field("", max_length=200)


class TicketTransferIn(Schema):
    service_type: str | None = Field(None, max_length=32)
    counter: int | None = None
    note: str = Field("", max_length=200)


class NoteIn(Schema):
    note: str = Field("", max_length=200)


class PauseIn(Schema):
    reason: str = Field(..., max_length=12, description="break · training · backoffice · other")
    note: str = Field("", max_length=100, description="required when the reason is other")


class PauseOut(Schema):
    counter: int
    reason: str
    note: str
    started_at: datetime
    ended_at: datetime | None


class CallNumberIn(Schema):
    number: str = Field(..., max_length=8, description="the ticket number, e.g. B012")


class CounterOut(Schema):
    id: int
    number: int
    name: str
    kind: str
    vip_only: bool
    service_types: list[str]
    signed_in: str | None
    current: TicketOut | None
    paused: PauseOut | None = None


class TicketEventOut(Schema):
    at: datetime
    kind: str
    from_status: str
    to_status: str
    actor: str | None
    counter: str | None
    data: dict


class BusinessCategoryOut(Schema):
    code: str
    name_zh: str
    name_en: str
    parent: str | None


# Every operation's refusals: ours (ServiceError), ninja's (body, CSRF) and a server fault (500,
# `internal_error`), all in the error shape (api/__init__.py).
ERRORS = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
    500: ErrorOut,
}


def _any_perm(request, *perms: str) -> None:
    if not any(request.user.has_perm(p) for p in perms):
        raise forbidden("查看排队信息", "view queue information")


QUEUE_READERS = ("queueing.issue_ticket", "queueing.serve_counter", "queueing.view_board")


# ---------------------------------------------------------------- halls and reference data


@router.get("/halls", response={200: list[HallOut], **ERRORS})
def list_halls(request):
    _any_perm(request, *QUEUE_READERS, "queueing.view_display")
    return list(services.halls_of(request.user))


@router.get("/service-types", response={200: list[ServiceTypeOut], **ERRORS})
def list_service_types(request):
    _any_perm(request, *QUEUE_READERS)
    return list(ServiceType.objects.filter(is_active=True))


@router.get("/categories", response={200: list[BusinessCategoryOut], **ERRORS})
def list_categories(request):
    _any_perm(request, "queueing.serve_counter")
    return [
        {
            "code": c.code,
            "name_zh": c.name_zh,
            "name_en": c.name_en,
            "parent": c.parent.code if c.parent_id else None,
        }
        for c in BusinessCategory.objects.filter(is_active=True).select_related("parent")
    ]


@router.post("/halls/{hall}/open", response={200: HallOut, **ERRORS})
def open_hall(request, hall: str):
    return services.set_hall_open(request.user, services.hall_for(request.user, hall), True)


@router.post("/halls/{hall}/close", response={200: HallOut, **ERRORS})
def close_hall(request, hall: str):
    return services.set_hall_open(request.user, services.hall_for(request.user, hall), False)


@router.get("/halls/{hall}/board", response={200: dict, **ERRORS})
def hall_board(request, hall: str):
    _any_perm(request, "queueing.view_board")
    return selectors.board(services.hall_for(request.user, hall))


@router.get("/halls/{hall}/calls", response={200: list[dict], **ERRORS})
def recent_calls(request, hall: str):
    _any_perm(request, "queueing.view_display", "queueing.view_board")
    return selectors.recent_calls(services.hall_for(request.user, hall))


# ---------------------------------------------------------------- tickets (Q1)


@router.post("/halls/{hall}/tickets", response={201: TicketOut, 429: ErrorOut, **ERRORS})
def issue_ticket(request, hall: str, payload: IssueIn):
    """Take a number. 409 `already_waiting` (with `ticket_number`) when the phone number already
    waits for this service type; 429 with `Retry-After` beyond 60 tickets a minute from one
    account at one address."""
    t = services.issue_ticket(
        request.user,
        services.hall_for(request.user, hall),
        payload.service_type,
        phone=payload.phone,
        channel=payload.channel,
        note=payload.note,
        client=client_address(request),
    )
    return Status(
        201,
        selectors.ticket_view(t, with_estimate=True)
        | {"my_ticket_url": selectors.my_ticket_url(t.token)},
    )


@router.post("/halls/{hall}/check-in", response={201: TicketOut, **ERRORS})
def check_in(request, hall: str, payload: PhoneIn):
    t = services.check_in(request.user, services.hall_for(request.user, hall), payload.phone)
    return Status(201, selectors.ticket_view(t, with_estimate=True))


def _aware(at: datetime) -> datetime:
    return at if timezone.is_aware(at) else timezone.make_aware(at)


def _appointment_out(a) -> dict:
    return {
        "id": a.pk,
        "slot_at": timezone.localtime(a.slot_at),  # one offset (+08:00) whatever was sent
        "service_type": a.service_type.code,
        "status": a.status,
    }


@router.post("/halls/{hall}/appointments", response={201: AppointmentOut, **ERRORS})
def book_appointment(request, hall: str, payload: AppointmentIn):
    a = services.book_appointment(
        request.user,
        services.hall_for(request.user, hall),
        payload.service_type,
        payload.phone,
        _aware(payload.slot_at),
    )
    return Status(201, _appointment_out(a))


@router.get("/halls/{hall}/appointments", response={200: AppointmentDayOut, **ERRORS})
def list_appointments(request, hall: str, day: IsoDate | None = None):
    """A hall's appointments on a day (default today) by time, the customer masked, and the
    places taken in each half-hour slot. Staff of a hall read their own hall only."""
    _any_perm(request, "queueing.book_appointment")
    h = services.hall_for(request.user, hall)
    day = booking.check_day(day or timezone.localdate())
    rows = selectors.appointment_rows(h, day)
    return {
        "hall": h.code,
        "day": day,
        "per_slot": booking.per_slot(),
        "appointments": [
            r
            | {
                "status_name": str(r["status_label"]),
                "service_type": r["service_type"].code,
                "service_type_name": r["service_type"].name_zh,
            }
            for r in rows
        ],
        "slots": selectors.slot_counts(h, day),
    }


@router.post("/appointments/{appointment_id}/move", response={200: AppointmentOut, **ERRORS})
def move_appointment(request, appointment_id: int, payload: MoveIn):
    a = services.move_appointment(request.user, appointment_id, _aware(payload.slot_at))
    return _appointment_out(a)


@router.post("/appointments/{appointment_id}/cancel", response={200: AppointmentOut, **ERRORS})
def cancel_appointment(request, appointment_id: int, payload: CancelIn):
    return _appointment_out(
        services.cancel_appointment(request.user, appointment_id, payload.reason)
    )


@router.get("/tickets/{ticket_id}", response={200: TicketOut, **ERRORS})
def get_ticket(request, ticket_id: int):
    _any_perm(request, *QUEUE_READERS)
    return selectors.ticket_view(services.ticket_for(request.user, ticket_id), with_estimate=True)


@router.get("/tickets/{ticket_id}/events", response={200: list[TicketEventOut], **ERRORS})
def ticket_events(request, ticket_id: int):
    _any_perm(request, "queueing.serve_counter", "queueing.view_board")
    return selectors.ticket_events(services.ticket_for(request.user, ticket_id))  # 404: not ours


@router.post("/tickets/{ticket_id}/recall", response={200: TicketOut, **ERRORS})
def recall(request, ticket_id: int):
    return selectors.ticket_view(services.recall(request.user, ticket_id))


@router.post("/tickets/{ticket_id}/no-show", response={200: TicketOut, **ERRORS})
def no_show(request, ticket_id: int):
    return selectors.ticket_view(services.no_show(request.user, ticket_id))


@router.post("/tickets/{ticket_id}/start", response={200: TicketOut, **ERRORS})
def start(request, ticket_id: int):
    return selectors.ticket_view(services.start_service(request.user, ticket_id))


@router.post("/tickets/{ticket_id}/finish", response={200: TicketOut, **ERRORS})
def finish(request, ticket_id: int, payload: FinishIn):
    return selectors.ticket_view(
        services.finish_service(request.user, ticket_id, payload.category, payload.note)
    )


@router.post("/tickets/{ticket_id}/transfer", response={200: TicketOut, **ERRORS})
def transfer(request, ticket_id: int, payload: TicketTransferIn):
    t = services.transfer(
        request.user,
        ticket_id,
        service_type_code=payload.service_type,
        counter_id=payload.counter,
        note=payload.note,
    )
    return selectors.ticket_view(t)


@router.post("/tickets/{ticket_id}/move-to-quiet", response={200: TicketOut, **ERRORS})
def move_to_quiet(request, ticket_id: int, payload: NoteIn):
    return selectors.ticket_view(services.move_to_quiet(request.user, ticket_id, payload.note))


@router.post("/tickets/{ticket_id}/cancel", response={200: TicketOut, **ERRORS})
def cancel(request, ticket_id: int):
    return selectors.ticket_view(services.cancel_ticket(request.user, ticket_id))


# ---------------------------------------------------------------- counters (Q2)


def counter_out(c: Counter) -> dict:
    session = c.sessions.filter(signed_out_at__isnull=True).select_related("staff").first()
    current = selectors.current_ticket(c)
    return {
        "id": c.pk,
        "number": c.number,
        "name": c.name,
        "kind": c.kind,
        "vip_only": c.vip_only,
        "service_types": [st.code for st in c.service_types.all()],
        "signed_in": session.staff.username if session else None,
        "current": selectors.ticket_view(current) if current else None,
        "paused": _pause_out(selectors.open_pause(c)) if session else None,
    }


def _pause_out(p) -> dict | None:
    if p is None:
        return None
    return {
        "counter": p.counter_id,
        "reason": p.reason,
        "note": p.note,
        "started_at": p.started_at,
        "ended_at": p.ended_at,
    }


@router.get("/halls/{hall}/counters", response={200: list[CounterOut], **ERRORS})
def list_counters(request, hall: str):
    _any_perm(request, "queueing.serve_counter", "queueing.view_board")
    h = services.hall_for(request.user, hall)
    return [
        counter_out(c) for c in h.counters.filter(is_active=True).prefetch_related("service_types")
    ]


@router.get("/counters/{counter_id}", response={200: CounterOut, **ERRORS})
def get_counter(request, counter_id: int):
    _any_perm(request, "queueing.serve_counter", "queueing.view_board")
    return counter_out(services.counter_for(request.user, counter_id))


@router.post("/counters/{counter_id}/sign-in", response={200: CounterOut, **ERRORS})
def sign_in(request, counter_id: int):
    c = services.get_counter(counter_id)
    services.sign_in(request.user, c)
    return counter_out(c)


@router.post("/counters/{counter_id}/sign-out", response={200: CounterOut, **ERRORS})
def sign_out(request, counter_id: int):
    c = services.get_counter(counter_id)
    services.sign_out(request.user, c)
    return counter_out(c)


@router.post("/counters/{counter_id}/call-next", response={200: TicketOut, **ERRORS})
def call_next(request, counter_id: int):
    t = services.call_next(request.user, *services.calling_setup(counter_id))
    return selectors.ticket_view(t)


@router.post("/counters/{counter_id}/call-number", response={200: TicketOut, **ERRORS})
def call_number(request, counter_id: int, payload: CallNumberIn):
    """特呼: call one waiting ticket by its number (409 when it is not waiting, is for another
    counter, or the counter is paused or busy; 404 when today has no such number)."""
    counter, type_ids = services.calling_setup(counter_id)
    t = services.call_number(request.user, counter, payload.number, type_ids)
    return selectors.ticket_view(t)


@router.post("/counters/{counter_id}/pause", response={200: PauseOut, **ERRORS})
def pause(request, counter_id: int, payload: PauseIn):
    """暂停服务 with a reason; refused (409) while a ticket is called or in service."""
    p = services.pause_counter(
        request.user, services.get_counter(counter_id), payload.reason, payload.note
    )
    return _pause_out(p)


@router.post("/counters/{counter_id}/resume", response={200: PauseOut, **ERRORS})
def resume(request, counter_id: int):
    return _pause_out(services.resume_counter(request.user, services.get_counter(counter_id)))
