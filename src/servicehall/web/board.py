"""The hall manager's board (大厅看板, Q4, Q3): live waits, tickets past their limit, counters,
today's figures against the targets; open/close ticketing; move a ticket to the quiet area."""

from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from servicehall.queueing import selectors, services

from .access import page
from .forms import attempt


def _context(hall):
    data = selectors.board(hall)
    peak = max((row["waiting"] for row in data["per_service_type"]), default=0) or 1
    for row in data["per_service_type"]:
        row["bar_pct"] = round(100 * row["waiting"] / peak)
    t, p = data["today"], data["policy"]
    data["wait_ok"] = t["avg_wait_min"] is None or t["avg_wait_min"] <= p["standard_wait_limit_min"]
    data["service_ok"] = (
        t["avg_service_min"] is None or t["avg_service_min"] <= p["avg_service_target_min"]
    )
    return {"hall": hall, "b": data}


@page("queueing.view_board")
def board(request, hall):
    hall = services.get_hall(hall)
    return render(request, "web/board/board.html", _context(hall))


@page("queueing.view_board")
def board_partial(request, hall):
    hall = services.get_hall(hall)
    return render(request, "web/board/_board.html", _context(hall))


@page("queueing.manage_queue")
@require_POST
def set_open(request, hall):
    h = services.get_hall(hall)
    is_open = request.POST.get("open") == "1"
    attempt(request, lambda: services.set_hall_open(request.user, h, is_open))
    return redirect("web:board", hall=h.code)


@page("queueing.move_to_quiet")
@require_POST
def to_quiet(request, hall, ticket_id):
    h = services.get_hall(hall)
    attempt(
        request,
        lambda: services.move_to_quiet(request.user, ticket_id, request.POST.get("note", "")),
    )
    return redirect("web:board", hall=h.code)
