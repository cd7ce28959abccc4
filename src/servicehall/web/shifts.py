"""The shift plan page (排班, S4, issue 17): a day's counters required per half hour against the
plan's coverage (an ECharts chart: bars required, a step line planned), the shift templates
with their counts (editable by whoever may manage the queue; saving recomputes the coverage
and shows the intervals left short), and the least-cost plan on a button. Reads and writes are
queueing.shift_plans; the hall through queueing.services.hall_for."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from servicehall.core.errors import ServiceError
from servicehall.queueing import selectors, services, shift_plans

from .access import page
from .forms import attempt, error_text, words


def _day(request, source):
    """The `date` asked for (today when empty); a bad one: today, with the error shown."""
    try:
        return shift_plans.day_of(source.get("date", "").strip()), None
    except ServiceError as exc:
        return shift_plans.day_of(""), exc


def _refused(request, error: ServiceError) -> None:
    messages.error(request, error_text(error), extra_tags=f"form-shifts field-{error.field}")


def _back(hall, day):
    return redirect(reverse("web:shifts", kwargs={"hall": hall.code}) + f"?date={day:%Y-%m-%d}")


@page("queueing.view_board")
def shift_plan(request, hall):
    h = services.hall_for(request.user, hall)
    day, error = _day(request, request.GET)
    data = shift_plans.view(h, day)
    chart = {
        "at": [r["at"] for r in data["intervals"]],
        "required": [r["required"] for r in data["intervals"]],
        "planned": [r["planned"] for r in data["intervals"]],
        "labels": {
            "required": words("需开窗口", "Counters required"),
            "planned": words("排班在岗", "Planned on duty"),
            "empty": words("当天无需求也无排班", "Nothing required or planned this day"),
        },
    }
    return render(
        request,
        "web/shifts/shifts.html",
        {
            "hall": h,
            "d": data,
            "chart": chart,
            "date_value": f"{day:%Y-%m-%d}",
            "date_error": error_text(error) if error else None,
            "called_in_time": f"{round(selectors.CALLED_IN_TIME_SHARE * 100)} %",
            "history_days": shift_plans.HISTORY_DAYS,
        },
        status=error.status if error else 200,
    )


@page("queueing.manage_queue")
@require_POST
def generate(request, hall):
    h = services.hall_for(request.user, hall)
    day, error = _day(request, request.POST)
    if error is None:
        attempt(
            request,
            lambda: shift_plans.make_plan(request.user, h, day),
            success=words("已生成成本最低的排班", "The least-cost shift plan is made"),
            form="shifts",
        )
    else:
        _refused(request, error)
    return _back(h, day)


@page("queueing.manage_queue")
@require_POST
def save(request, hall):
    h = services.hall_for(request.user, hall)
    day, error = _day(request, request.POST)
    counts = {
        k.removeprefix("count-"): v for k, v in request.POST.items() if k.startswith("count-")
    }
    if error is None:
        attempt(
            request,
            lambda: shift_plans.save_counts(request.user, h, day, counts),
            success=words("排班已保存", "The shift plan is saved"),
            form="shifts",
        )
    else:
        _refused(request, error)
    return _back(h, day)
