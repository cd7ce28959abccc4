"""The appointment book (预约管理, Q3): a hall's appointments of a day by time with their status
in words, the customer masked (V2); book for a customer by phone number into a future slot;
move or cancel (with a confirmation and an optional reason) a booked one.

Staff of a hall see and book their own hall; staff with no hall (area managers) pick one.
A refused booking is shown beside the field at fault, in the interface language, with the
form as it was typed; a refused move or cancel beside the row it came from."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from servicehall.core.errors import ServiceError
from servicehall.org.models import Hall, ServiceType
from servicehall.queueing import booking, selectors, services

from ..queueing.errors import Code as QueueingCode
from .access import page
from .forms import error_text, sort_messages
from .names import english

BOOK = "queueing.book_appointment"
# Where each service error's field is shown on the booking form.
BOOK_FIELDS = {"phone": "phone", "service_type": "service_type", "slot_at": "time"}


def _day(raw: str | None) -> date:
    """The day asked for, or today when it is no date or outside the book (booking.check_day)."""
    try:
        return booking.check_day(date.fromisoformat(raw)) if raw else timezone.localdate()
    except (ValueError, ServiceError):
        return timezone.localdate()


def _hall(user, code: str | None) -> tuple[Hall | None, bool]:
    """The hall shown, and whether the user may pick another: staff who work in one hall see
    it, whatever is asked; roles that span halls pick one (their own by default); staff who
    work in no hall see none."""
    halls = services.halls_of(user)
    if len(halls) <= 1:
        return (halls[0] if halls else None), False
    asked = halls.filter(code=code).first() if code else None
    return asked or services.default_hall(user), True


def _when(day_raw: str, time_raw: str) -> datetime:
    try:
        d = date.fromisoformat(day_raw)
        t = time.fromisoformat(time_raw)
    except ValueError as exc:
        raise ServiceError(
            QueueingCode.INVALID_SLOT,
            "请选择预约日期和时段",
            "Choose the date and the time of the appointment",
            field="slot_at",
            status=422,
        ) from exc
    return timezone.make_aware(datetime.combine(booking.check_day(d, "slot_at"), t))


def _prefill(request) -> dict:
    """The booking form's fields carried over when its date is changed (appointments.js)."""
    return {k: request.GET[k] for k in ("phone", "service_type", "note") if request.GET.get(k)}


def _url(hall: Hall, day: date, pick: bool) -> str:
    query = {"day": day.isoformat()}
    if pick:
        query["hall"] = hall.code
    return reverse("web:appointments") + "?" + urlencode(query)


def _context(request, hall, day, pick, *, values=None, error=None) -> dict:
    now = timezone.now()
    rows = selectors.appointment_rows(hall, day, now) if hall else []
    slots = selectors.slot_counts(hall, day, now) if hall else []
    row_forms = [f"row-{r['id']}" for r in rows]
    form_messages, top = sort_messages(request, ["book", *row_forms])
    for r in rows:
        r["messages"] = form_messages.get(f"row-{r['id']}", [])
    today = timezone.localdate()
    return {
        "hall": hall,
        "halls": services.halls_of(request.user) if pick else (),
        "pick": pick,
        "day": day,
        "today": today,
        "prev_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1),
        "rows": rows,
        "slots": slots,
        "future_slots": [s for s in slots if s["future"]],
        "bookable": [s for s in slots if s["bookable"]],
        "per_slot": booking.per_slot(),
        "service_types": ServiceType.objects.filter(
            is_active=True, counters__hall=hall, counters__is_active=True
        ).distinct()
        if hall
        else (),
        "values": values or {"day": day.isoformat(), **_prefill(request)},
        "error": error,
        "error_field": BOOK_FIELDS.get(error.field, "form") if error else None,
        "error_text": error_text(error) if error else "",
        "book_messages": form_messages.get("book", []),
        "top_messages": top,
        "counts": {
            s: sum(1 for r in rows if r["status"] == s)
            for s in ("booked", "checked_in", "cancelled", "missed")
        },
    }


@page(BOOK)
@require_http_methods(["GET", "POST"])
def appointments(request):
    """GET: the day's book. POST: book an appointment (the form re-shown with the error)."""
    src = request.POST if request.method == "POST" else request.GET
    hall, pick = _hall(request.user, src.get("hall"))
    day = _day(src.get("day") if request.method == "GET" else src.get("view_day"))
    if request.method == "GET" or hall is None:
        return render(request, "web/appointments/book.html", _context(request, hall, day, pick))
    p = request.POST
    try:
        slot = _when(p.get("day", ""), p.get("time", ""))
        appt = services.book_appointment(
            request.user,
            hall,
            p.get("service_type", ""),
            p.get("phone", "").strip(),
            slot,
            note=p.get("note", ""),
        )
    except ServiceError as exc:
        ctx = _context(request, hall, day, pick, values=p, error=exc)
        return render(request, "web/appointments/book.html", ctx, status=exc.status)
    at = timezone.localtime(appt.slot_at)
    messages.success(
        request,
        _("Booked for %(time)s, %(type)s.")
        % {
            "time": at.strftime("%Y-%m-%d %H:%M"),
            "type": appt.service_type.name_en if english() else appt.service_type.name_zh,
        },
        extra_tags="form-book",
    )
    return redirect(_url(hall, at.date(), pick))


def _row_action(request, appointment_id, action) -> object:
    """Run a move or cancel; a refusal is flashed beside the row, back on the day shown. An
    appointment of another hall (or none) is a 404 page: nothing of it is shown."""
    hall, pick = _hall(request.user, request.POST.get("hall"))
    day = _day(request.POST.get("view_day"))
    try:
        appt = action()
    except ServiceError as exc:
        if exc.status == 404:  # another hall's or a missing appointment: nothing to show
            raise
        messages.error(
            request,
            error_text(exc),
            extra_tags=f"form-row-{appointment_id} field-{exc.field or 'form'}",
        )
        return redirect(_url(hall, day, pick)) if hall else redirect("web:appointments")
    return redirect(_url(appt.hall, day, pick))


@page(BOOK)
@require_POST
def move(request, appointment_id):
    def act():
        appt = services.move_appointment(
            request.user,
            appointment_id,
            _when(request.POST.get("day", ""), request.POST.get("time", "")),
        )
        at = timezone.localtime(appt.slot_at)
        messages.success(
            request,
            _("Moved to %(time)s.") % {"time": at.strftime("%Y-%m-%d %H:%M")},
            extra_tags=f"form-row-{appt.pk}",
        )
        return appt

    return _row_action(request, appointment_id, act)


@page(BOOK)
@require_POST
def cancel(request, appointment_id):
    def act():
        appt = services.cancel_appointment(
            request.user, appointment_id, request.POST.get("reason", "")
        )
        messages.success(request, _("Appointment cancelled."), extra_tags=f"form-row-{appt.pk}")
        return appt

    return _row_action(request, appointment_id, act)
