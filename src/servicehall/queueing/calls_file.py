"""Reading a hotline's call log (S4) in the bank call-centre format (../shared/data/README.md,
"bank-call-centre"): one row per call with at least `date`, `q_start`, `q_time`,
`outcome`, `ser_start` and `ser_time`, optionally `type`, `priority` and `server`. Read through
core.tables (CSV or .xlsx, the encoding decided there); a missing column refuses the file naming
every one missing; a bad cell refuses it naming its line and column, in Chinese and English.

What a row becomes: a call that reached the agents' queue — served (`AGENT`), or hung up after
queueing (`HANG` with q_time > 0). Calls that hung up in the voice menu before queueing
(`HANG`, q_time 0) and `PHANTOM` rows never asked for an agent and are left out. Its arrival is
`q_start` (`ser_start` when a served call never queued and q_start is blank or 0:00:00).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from servicehall.core import tables, validate
from servicehall.core.errors import Code, ServiceError

NAMES = {
    "date": ("日期", "date"),
    "q_start": ("排队开始时间", "q_start"),
    "q_time": ("排队秒数", "q_time"),
    "outcome": ("结果", "outcome"),
    "ser_start": ("服务开始时间", "ser_start"),
    "ser_time": ("服务秒数", "ser_time"),
    "type": ("业务类型", "type"),
    "priority": ("优先级", "priority"),
    "server": ("坐席", "server"),
}
REQUIRED = {"date", "q_start", "q_time", "outcome", "ser_start", "ser_time"}
OUTCOMES = ("AGENT", "HANG", "PHANTOM")
MAX_BYTES = 200 * 1024 * 1024
_CLOCK = re.compile(r"(\d{1,2}):(\d{2}):(\d{2})")


@dataclass(frozen=True)
class Call:
    arrival: datetime  # local wall-clock time the call joined the queue
    served: bool  # False: hung up while waiting
    wait: float  # seconds in queue
    service: float  # seconds with the agent (0 when not served)
    type: str = ""
    priority: str = ""
    server: str = ""  # the agent who answered (NO_SERVER or blank when not served)
    service_start: datetime | None = None
    line: int = 0  # in the file
    queued: bool = True  # False: served at once, never in the queue (q_start blank or 0:00:00)


def _bad(line: int, column: str, value: str, zh: str, en: str) -> ServiceError:
    name_zh, name_en = NAMES[column]
    return ServiceError(
        Code.BAD_FILE,
        f"第{line}行“{name_zh}”（{name_en}）列：“{value[:30]}”{zh}",
        f"Line {line}, column {name_en}: {value[:30]!r} {en}",
        field=column,
        status=422,
        extra={"errors": [{"line": line, "field": column, "value": value[:30]}]},
    )


def _clock(line: int, column: str, value: str) -> int:
    m = _CLOCK.fullmatch(value)
    if m is None or int(m.group(2)) > 59 or int(m.group(3)) > 59 or int(m.group(1)) > 23:
        raise _bad(
            line, column, value, "不是时刻（应为 9:05:30）", "is not a time of day (like 9:05:30)"
        )
    return int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3))


def _seconds(line: int, column: str, value: str) -> int:
    try:
        number = validate.whole_number(value, column, maximum=86_400)
    except ServiceError as exc:
        raise _bad(
            line, column, value, f"不是秒数：{exc.zh}", f"is not seconds: {exc.en}"
        ) from None
    if number is None:
        raise _bad(line, column, value, "为空（应为秒数）", "is empty (seconds expected)")
    return number


# why a row of the file is not a call (read_calls' `skipped`)
SKIPPED = {
    "phantom": ("PHANTOM 记录", "PHANTOM rows"),
    "menu": ("语音菜单内挂断（未排队）", "hung up in the voice menu (never queued)"),
}


def read_calls(source, filename: str, skipped: dict[str, int] | None = None) -> list[Call]:
    """The calls of the file that reached the queue, in file order (see the module's doc).
    A column is found by its English name or its Chinese one (NAMES: the documented format).
    `skipped`, when given, counts the rows left out by why (SKIPPED's keys)."""
    header_line, header, found, _ = tables.open_table(source, filename, MAX_BYTES)
    cols = tables.columns(
        header,
        header_line,
        {k: {k, zh.lower()} for k, (zh, _en) in NAMES.items()},
        NAMES,
        required=REQUIRED,
    )
    if skipped is None:
        skipped = {}
    out: list[Call] = []
    for line, row in found:

        def cell(key: str, row=row) -> str:
            j = cols.get(key)
            return row[j].strip() if j is not None and j < len(row) else ""

        outcome = cell("outcome").upper()
        if outcome not in OUTCOMES:
            raise _bad(
                line,
                "outcome",
                cell("outcome"),
                f"不是 {'、'.join(OUTCOMES)} 之一",
                f"is not one of {', '.join(OUTCOMES)}",
            )
        if outcome == "PHANTOM":
            skipped["phantom"] = skipped.get("phantom", 0) + 1
            continue
        waited = _seconds(line, "q_time", cell("q_time"))
        if outcome == "HANG" and waited == 0:
            skipped["menu"] = skipped.get("menu", 0) + 1
            continue  # left in the voice menu: never asked for an agent
        try:
            day: date | None = validate.calendar_date(cell("date"), "date")
        except ServiceError as exc:
            raise _bad(line, "date", cell("date"), exc.zh, exc.en) from None
        if day is None:
            raise _bad(line, "date", "", "为空（应为 2026-08-01）", "is empty (like 2026-08-01)")
        q_start = cell("q_start")
        queued = not (outcome == "AGENT" and q_start in ("", "0:00:00", "00:00:00"))
        at = (
            _clock(line, "q_start", q_start)
            if queued
            else _clock(line, "ser_start", cell("ser_start"))
        )
        priority = cell("priority")
        if priority and not priority.isdigit():
            raise _bad(
                line,
                "priority",
                priority,
                "不是整数（如 0、1、2）",
                "is not a whole number (0, 1, 2)",
            )
        midnight = datetime(day.year, day.month, day.day)
        service_start = None
        if outcome == "AGENT":
            service_start = midnight + timedelta(
                seconds=_clock(line, "ser_start", cell("ser_start"))
            )
            if service_start < midnight + timedelta(seconds=at):
                service_start += timedelta(days=1)  # queued before midnight, served after
        service = _seconds(line, "ser_time", cell("ser_time")) if outcome == "AGENT" else 0
        out.append(
            Call(
                arrival=midnight + timedelta(seconds=at),
                served=outcome == "AGENT",
                wait=float(waited),
                service=float(service),
                type=cell("type"),
                priority=priority,
                server=cell("server") if outcome == "AGENT" else "",
                service_start=service_start,
                line=line,
                queued=queued,
            )
        )
    if not out:
        raise ServiceError(
            Code.EMPTY_FILE,
            "文件中没有进入人工队列的来电（outcome 为 AGENT，或 HANG 且 q_time > 0）",
            "The file has no call that reached the agents' queue (outcome AGENT, or HANG with "
            "q_time > 0)",
            field="file",
            status=422,
        )
    return out
