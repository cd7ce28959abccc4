"""A list page as a file (S2): `?export=xlsx` or `?export=csv` on a list page gives the rows it
shows, as shown (masked as on the page: an export never reveals more than the screen), in the
interface language. A list that carries customers' personal data (names, numbers, case
subjects) is an export of personal data: each one an audit row (`pii.export`) naming the list,
its row count and who took it."""

from __future__ import annotations

import csv

from django.http import HttpResponse
from django.utils import timezone

from servicehall.core.audit import log_pii_access
from servicehall.core.workbook import plain

from .excel import Book
from .forms import words

FORMATS = ("csv", "xlsx")


def wanted(request) -> str | None:
    """The format asked for (`?export=`), or None for the page."""
    fmt = request.GET.get("export", "")
    return fmt if fmt in FORMATS else None


def export_link(request, fmt: str) -> str:
    """The current page's address asking for its export in `fmt`."""
    query = request.GET.copy()
    query["export"] = fmt
    query.pop("page", None)
    return f"{request.path}?{query.urlencode()}"


def respond(
    request,
    name: str,
    columns: list[tuple[str, str, object]],
    rows: list,
    *,
    personal: str = "",
) -> HttpResponse:
    """The rows as a file: `columns` (Chinese, English, how to get the cell: a key of a dict
    row or a function of the row); `personal`: what the list is (an audit object type) when
    its rows carry customers' personal data."""
    fmt = wanted(request) or "csv"
    header = [words(zh, en) for zh, en, _ in columns]
    table = [[_cell(r, get) for _, _, get in columns] for r in rows]
    if personal:
        log_pii_access(
            request.user,
            personal,
            "list",
            [en for _, en, _ in columns],
            f"{request.path}?{request.GET.urlencode()} ({len(table)} rows)",
            export=True,
            ip=request.META.get("REMOTE_ADDR"),
        )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "xlsx":
        book = Book(width=18)
        book.sheet(name, header, table)
        return book.response(f"{name}-{stamp}.xlsx")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 with the mark
    out = csv.writer(response)
    out.writerow(header)
    out.writerows([plain(v) for v in row] for row in table)
    return response


def _cell(row, get):
    value = get(row) if callable(get) else row.get(get)
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, bool):
        return words("是", "yes") if value else ""
    return value


# the case lists' columns (the case list, the reports' cases behind a figure): cases.selectors.row
CASE_COLUMNS = [
    ("编号", "Number", "number"),
    ("类型", "Type", "kind_name"),
    ("主题", "Subject", "subject"),
    ("状态", "Status", "status_name"),
    ("负责人", "Owner", "owner_name"),
    ("处理台", "Desk", "desk_name"),
    ("受理时间", "Opened", "created_at"),
    ("期限", "Due", "due_at"),
    ("关闭时间", "Closed", "closed_at"),
]
