"""The hall manager's board (大厅看板, Q4, Q3): live waits, tickets past their limit, counters
(a paused one with its reason and since when), today's figures against the targets (with the
counter ratings' satisfaction against 95 %, S1); open/close ticketing; move a ticket to the quiet area."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicehall.core.errors import NotFound
from servicehall.incidents import selectors as incidents_selectors
from servicehall.queueing import selectors, services
from servicehall.surveys import selectors as survey_selectors

from ..queueing.errors import Code as QueueingCode
from .access import page
from .forms import attempt
from .names import localize_board


def _context(hall):
    now = timezone.now()
    data = localize_board(selectors.board(hall, now))
    peak = max((row["waiting"] for row in data["per_service_type"]), default=0) or 1
    for row in data["per_service_type"]:
        row["bar_pct"] = round(100 * row["waiting"] / peak)
    data["ratings"] = survey_selectors.hall_ratings_today(hall, now)
    waiting = selectors.oldest_waiting(hall, now)
    overdue_ids = {row["id"] for row in data["overdue"]}
    for row in waiting:
        row["overdue"] = row["id"] in overdue_ids
    return {
        "hall": hall,
        "b": data,
        "warning": incidents_selectors.for_hall(hall),
        "waiting": waiting,
        "waiting_more": data["waiting_total"] - len(waiting),
    }


@page("queueing.view_board")
def board(request, hall):
    hall = services.hall_for(request.user, hall)
    return render(request, "web/board/board.html", _context(hall))


@page("queueing.view_board")
def board_partial(request, hall):
    hall = services.hall_for(request.user, hall)
    return render(request, "web/board/_board.html", _context(hall))


@page("queueing.manage_queue")
@require_POST
def set_open(request, hall):
    h = services.hall_for(request.user, hall)
    is_open = request.POST.get("open") == "1"
    attempt(request, lambda: services.set_hall_open(request.user, h, is_open))
    return redirect("web:board", hall=h.code)


def _change_line(request, hall, change, done: str):
    """The board's line forms: `change` (open or close) the posted service type at the posted
    counter; `done` says what happened, flashed with the counter's name."""
    h = services.hall_for(request.user, hall)
    counter = attempt(
        request,
        lambda: change(
            request.user, h, request.POST.get("counter"), request.POST.get("service_type", "")
        ),
    )
    if counter is not None:
        messages.success(request, done % {"counter": counter.name})
    return redirect("web:board", hall=h.code)


@page("queueing.manage_queue")
@require_POST
def open_line(request, hall):
    """The board's 开通 for a line short of counters: one more open counter takes it."""
    return _change_line(
        request,
        hall,
        services.open_line_at_counter,
        _("%(counter)s takes this line too, from its next call"),
    )


@page("queueing.manage_queue")
@require_POST
def close_line(request, hall):
    """The board's × on a counter's line: the rush is over, the counter stops taking it."""
    return _change_line(
        request,
        hall,
        services.close_line_at_counter,
        _("%(counter)s no longer takes this line, from its next call"),
    )


@page("queueing.move_to_quiet")
@require_POST
def to_quiet(request, hall, ticket_id):
    h = services.hall_for(request.user, hall)

    def move():
        if selectors.get_ticket(ticket_id).hall_id != h.pk:  # only this board's hall
            raise NotFound(
                QueueingCode.UNKNOWN_TICKET,
                f"本厅没有号码 {ticket_id}",
                f"No ticket {ticket_id} in this hall",
                field="ticket",
            )
        return services.move_to_quiet(request.user, ticket_id, request.POST.get("note", ""))

    attempt(request, move)
    return redirect("web:board", hall=h.code)


@page("queueing.manage_queue")
@require_POST
def set_notice(request, hall):
    """The notice line of the calling display, edited from the board."""
    h = services.hall_for(request.user, hall)
    attempt(
        request,
        lambda: services.set_hall_notice(request.user, h, request.POST.get("notice", "")),
        success=_("The display's notice is saved."),
        form="notice",
    )
    return redirect("web:board", hall=h.code)
