"""Excel downloads of the report pages: the workbook (core.workbook) sent as a file."""

from __future__ import annotations

from django.http import HttpResponse

from servicehall.core import workbook
from servicehall.core.workbook import XLSX


class Book(workbook.Book):
    def response(self, name: str) -> HttpResponse:
        response = HttpResponse(self.bytes(), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
