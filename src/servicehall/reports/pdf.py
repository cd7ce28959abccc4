"""A service report (reports.documents.report_data) laid out as an A4 PDF with fpdf2: the key
figures against their targets (met in green, missed in red), a chart (the day by hour, the
month by day), then the tables. Chinese needs a CJK font embedded (only the glyphs used):
settings.REPORT_FONT, else the first of FONT_CANDIDATES found (Debian's fonts-noto-cjk)."""

from __future__ import annotations

import os
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from fpdf import FPDF

from servicehall.core.errors import Code, ServiceError

# (path, index of Simplified Chinese in a collection)
FONT_CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
)
GREEN = (11, 110, 79)
RED = (179, 38, 30)
GREY = (110, 110, 110)
BAR = (156, 201, 184)
HEAD = (233, 241, 237)


def font() -> tuple[str, int]:
    chosen = getattr(settings, "REPORT_FONT", "")
    if chosen:
        path, _, index = chosen.partition("#")
        if os.path.exists(path):
            return path, int(index or 0)
    for path, index in FONT_CANDIDATES:
        if os.path.exists(path):
            return path, index
    raise ServiceError(
        Code.INTERNAL_ERROR,
        "找不到中文字体，无法生成 PDF 报表：请安装 fonts-noto-cjk，或以 SERVICEHALL_REPORT_FONT 指定字体文件",
        "No Chinese font for the PDF report: install fonts-noto-cjk or name a font file in "
        "SERVICEHALL_REPORT_FONT",
        status=503,
    )


class _Doc(FPDF):
    title_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("cjk", size=8)
        self.set_text_color(*GREY)
        self.cell(
            0, 6, f"{self.title_text} · 第 {self.page_no()}/{{nb}} 页 · ServiceHall", align="C"
        )


def _colour(met: bool | None):
    return None if met is None else (GREEN if met else RED)


def _pct(v) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


class Layout:
    def __init__(self, title: str):
        path, index = font()
        self.pdf = _Doc(orientation="P", unit="mm", format="A4")
        self.pdf.title_text = title
        self.pdf.set_title(title)
        self.pdf.set_creator("ServiceHall")
        self.pdf.add_font("cjk", fname=path, collection_font_number=index)
        self.pdf.set_auto_page_break(True, margin=16)
        self.pdf.set_margins(14, 14, 14)
        self.pdf.add_page()
        self.width = self.pdf.w - 28

    def heading(self, text: str, size: int = 12) -> None:
        pdf = self.pdf
        if pdf.get_y() > pdf.h - 50:
            pdf.add_page()
        pdf.ln(3)
        pdf.set_font("cjk", size=size)
        pdf.set_text_color(*GREEN)
        pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)

    def note(self, text: str) -> None:
        self.pdf.set_font("cjk", size=8.5)
        self.pdf.set_text_color(*GREY)
        self.pdf.multi_cell(0, 4.5, text, new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_text_color(0, 0, 0)

    def table(self, header: list[str], rows: list[list], widths: list[float], colours=None):
        """Rows of text; `colours[i][j]` an RGB for a cell's text (or None)."""
        pdf = self.pdf
        scale = self.width / sum(widths)
        widths = [w * scale for w in widths]
        pdf.set_font("cjk", size=8.5)

        def head():
            # a heading wider than its column wraps; every heading cell as tall as the tallest
            pdf.set_fill_color(*HEAD)
            line = 4.2
            wrapped = [
                pdf.multi_cell(w - 1.5, line, text, dry_run=True, output="LINES")
                for w, text in zip(widths, header, strict=True)
            ]
            n = max(len(lines) for lines in wrapped)
            y = pdf.get_y()
            for w, lines in zip(widths, wrapped, strict=True):
                padded = ["", *lines] if len(lines) < n else lines  # one line: centred
                padded += [""] * (n - len(padded))
                pdf.multi_cell(
                    w,
                    line,
                    "\n".join(padded),
                    border="B",
                    align="C",
                    fill=True,
                    new_x="RIGHT",
                    new_y="TOP",
                )
            pdf.set_xy(pdf.l_margin, y + n * line)

        head()
        for i, row in enumerate(rows):
            if pdf.get_y() > pdf.h - 22:
                pdf.add_page()
                head()
            for j, (w, text) in enumerate(zip(widths, row, strict=True)):
                colour = colours[i][j] if colours else None
                pdf.set_text_color(*(colour or (0, 0, 0)))
                pdf.cell(w, 6, str(text), border="B", align="L" if j == 0 else "R")
            pdf.set_text_color(0, 0, 0)
            pdf.ln()
        if not rows:
            pdf.set_text_color(*GREY)
            pdf.cell(sum(widths), 6, "（无）", align="C", new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(0, 0, 0)

    def bars(self, names: list[str], values: list[float], line: list | None, target: float | None):
        """A bar chart of `values` (left axis) and, when given, a line of shares 0–100 % (right
        axis) with the target dashed."""
        pdf = self.pdf
        height = 52
        if pdf.get_y() > pdf.h - height - 30:
            pdf.add_page()
        x0, y0 = pdf.l_margin + 10, pdf.get_y() + 2
        w, h = self.width - 22, height - 12
        top = max(values or [0]) or 1
        pdf.set_draw_color(*GREY)
        pdf.line(x0, y0 + h, x0 + w, y0 + h)
        pdf.set_font("cjk", size=7)
        pdf.set_text_color(*GREY)
        for k in (0, 0.5, 1):
            y = y0 + h - h * k
            pdf.text(pdf.l_margin, y + 1, f"{round(top * k)}")
        n = max(1, len(values))
        step = w / n
        pdf.set_fill_color(*BAR)
        for i, v in enumerate(values):
            bh = h * (v / top)
            pdf.rect(x0 + i * step + step * 0.15, y0 + h - bh, step * 0.7, bh, style="F")
        label_every = max(1, round(n / 16))
        for i, name in enumerate(names):
            if i % label_every == 0:
                pdf.text(x0 + i * step + step * 0.1, y0 + h + 4, name)
        if line:
            pdf.set_draw_color(*GREEN)
            pdf.set_line_width(0.5)
            points = [
                (x0 + i * step + step / 2, y0 + h - h * v / 100)
                for i, v in enumerate(line)
                if v is not None
            ]
            for a, b in zip(points, points[1:], strict=False):
                pdf.line(*a, *b)
            for k in (0, 50, 100):
                pdf.text(x0 + w + 1.5, y0 + h - h * k / 100 + 1, f"{k}%")
            if target is not None:
                pdf.set_draw_color(*RED)
                pdf.set_line_width(0.3)
                pdf.set_dash_pattern(dash=1.5, gap=1.2)
                y = y0 + h - h * target / 100
                pdf.line(x0, y, x0 + w, y)
                pdf.set_dash_pattern()
            pdf.set_line_width(0.2)
        pdf.set_text_color(0, 0, 0)
        pdf.set_y(y0 + height - 4)

    def bytes(self) -> bytes:
        return bytes(self.pdf.output())


def render_pdf(data: dict, title: str, kind: str, made: datetime | None = None) -> bytes:
    """The report as a PDF: `kind` "daily" charts the hours, "monthly" the days."""
    from .documents import TABLES, judged, shown
    from .targets import TARGETS

    made = timezone.localtime(made or timezone.now())
    doc = Layout(title)
    pdf = doc.pdf
    pdf.set_font("cjk", size=17)
    pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    start, end = data["start"], data["end"]
    period = f"{start:%Y-%m-%d}" if start == end else f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}"
    before = (
        f"{data['prev_start']:%Y-%m-%d}"
        if data["prev_start"] == data["prev_end"]
        else f"{data['prev_start']:%Y-%m-%d} 至 {data['prev_end']:%Y-%m-%d}"
    )
    doc.note(f"统计期间：{period}　对比：{before}　生成时间：{made:%Y-%m-%d %H:%M}")
    f = data["figures"]
    doc.note(
        f"取号 {f['issued'] or 0} 张，叫号 {f['called'] or 0}，办结 {f['served'] or 0}，过号 {f['no_show'] or 0}；"
        f"受理工单 {f['cases']}，投诉 {f['complaints']}，申诉 {f['appeals']}。"
    )

    doc.heading("一、主要指标（绿色达标，红色未达标）")
    rows, colours = [], []
    for t in data["tiles"]:
        rows.append([t["label"], t["text"], t["target_text"] or "—", t["before_text"]])
        colours.append([None, _colour(t["met"]), None, GREY])
    doc.table(["指标", "本期", "目标", "上期"], rows, [5, 2, 2, 2], colours)
    missed = [t["label"] for t in data["tiles"] if t["met"] is False]
    doc.note("未达标：" + "、".join(missed) if missed else "各项指标均达标。")

    if kind == "daily" and data["by_hour"] and data["by_hour"]["hours"]:
        doc.heading("二、分时段取号")
        hours = data["by_hour"]
        totals = [sum(v[i] for v in hours["series"].values()) for i in range(len(hours["hours"]))]
        doc.bars([f"{h}时" for h in hours["hours"]], totals, None, None)
    elif data["by_day"]:
        doc.heading("二、每日取号与按时叫号率（虚线为目标）")
        doc.bars(
            [f"{r['day']:%d}" for r in data["by_day"]],
            [r["issued"] for r in data["by_day"]],
            [
                None if r["wait_ok_share"] is None else r["wait_ok_share"] * 100
                for r in data["by_day"]
            ],
            TARGETS["wait_ok_share"].value * 100,
        )

    titles = {
        "by_type": "三、按业务类型",
        "dims": "四、满意度（五个维度）",
        "by_kind": "五、工单、投诉与申诉",
    }
    titles |= {"by_staff": "六、员工", "hall_rows": "七、各营业厅"}
    for _zh, _en, key, cols in TABLES:
        if key in ("by_staff", "hall_rows") and not data[key]:
            continue
        doc.heading(titles[key])
        rows = data[key]
        doc.table(
            [c.zh for c in cols],
            [[shown(c, r) for c in cols] for r in rows],
            [c.width for c in cols],
            [[_colour(judged(c, r)) for c in cols] for r in rows],
        )
        if key == "by_type":
            doc.note("等候、办理以分钟计；90% 等候精确到分钟。")
        if key == "dims":
            sat = data["satisfaction"]
            doc.note(
                f"满意率：回访调查 {_pct(sat['survey']['satisfaction'])}（{sat['survey']['answers']} 份），"
                f"评价器 {_pct(sat['rating']['satisfaction'])}（{sat['rating']['answers']} 次）。"
            )
    return doc.bytes()
