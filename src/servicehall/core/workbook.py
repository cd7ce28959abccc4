"""Excel workbooks of reports (openpyxl): every table a sheet. The pages send one
(web/excel.py), the report documents keep one (reports/documents.py)."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# what a spreadsheet reads as the start of a formula (or, for CSV, of a command): text starting so
# is written with a leading apostrophe, which Excel and LibreOffice show as plain text
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Share(float):
    """A fraction the sheet shows as a per cent (0.754 → 75.4%), still a number to sum."""


def plain(value):
    """A cell's value as text that cannot run: a customer's subject "=HYPERLINK(…)" must reach
    the sheet as words, not as a formula the manager's Excel evaluates. Numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class Book:
    """A workbook filled sheet by sheet: a title (Excel keeps 31 characters), the header in
    bold, the rows, columns `width` characters wide."""

    def __init__(self, width: int = 16):
        self.wb = Workbook()
        self.width = width
        self.sheets = 0

    def sheet(self, title: str, header: list[str], rows: list[list]) -> None:
        ws = self.wb.active if not self.sheets else self.wb.create_sheet()
        self.sheets += 1
        ws.title = title[:31]
        ws.append([plain(v) for v in header])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([plain(v) for v in row])
            for cell, v in zip(ws[ws.max_row], row, strict=False):
                if isinstance(v, Share):
                    cell.number_format = "0.00%" if 0 < abs(v) < 0.01 else "0.0%"
        for col in ws.columns:
            ws.column_dimensions[col[0].column_letter].width = self.width

    def bytes(self) -> bytes:
        out = BytesIO()
        self.wb.save(out)
        return out.getvalue()
