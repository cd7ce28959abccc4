"""Reading an imported table — CSV or Excel (.xlsx) — row by row, with bounded memory and work
whatever the file holds (V4, M1, L3). Every importer reads through here (customers/bills.py,
catalog/importer.py); what a cell means is theirs, how a cell's number or date is read is
core/validate.py's.

- The size is checked before anything is read (`check_size`, the kind's limit in settings
  `IMPORT_LIMITS`); the rows are yielded one by one, so an importer stops at its row limit
  without reading the rest.
- CSV: a csv reader over the file's lines decoded one by one (never one decoded copy of the
  file); `\\r\\n`, `\\n` and a bare `\\r` all end a line; a cell over 128 KB, a NUL character or a row of
  more than MAX_COLUMNS cells refuses the file naming the line. The encoding is decided from the
  first 64 KB: a UTF-8 BOM or valid UTF-8 is UTF-8, anything else GB18030 (the superset of GBK:
  Excel's "CSV" on Chinese Windows). A later line that does not decode in that encoding (a file
  pasted together from UTF-8 and GBK parts) refuses the file naming the line: silently
  replacing characters would import wrong names.
- Excel: only .xlsx (a zip, refused when it would expand past MAX_UNZIPPED), read with openpyxl
  in read-only mode (rows streamed from the sheet's XML), values as text.

Every refusal is a ServiceError 422 on `file` (413 for the size) in both languages.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from typing import BinaryIO

from .errors import Code, ServiceError
from .validate import NUL

Source = bytes | BinaryIO
SNIFF = 64 * 1024
MAX_COLUMNS = 256
# An .xlsx is a zip: refused before it is opened when it would expand past this (a zip bomb).
MAX_UNZIPPED = 100 * 1024 * 1024
EXCEL = (".xlsx", ".xlsm")
_LINE_END = re.compile(rb"(\r\n|\r|\n)")


def bad_file(zh: str, en: str, line: int | None = None) -> ServiceError:
    extra = {"errors": [{"line": line, "field": "file"}]} if line else None
    if line:
        zh, en = f"第{line}行：{zh}", f"Line {line}: {en}"
    return ServiceError(Code.BAD_FILE, zh, en, field="file", status=422, extra=extra)


def columns(
    header: list[str],
    header_line: int,
    accepted: dict[str, set[str]],
    names: dict[str, tuple[str, str]],
    *,
    required: set[str] | None = None,
    normalise=lambda h: h.strip().lower(),
) -> dict[str, int]:
    """The position of each known column in a header row (the first cell whose normalised text
    is one of the names `accepted` for it). A `required` column (all of `accepted` when None)
    that is missing refuses the file, naming every missing column at once (`names`: its
    Chinese and English name), so one correction fixes the header."""
    cells = [normalise(h) for h in header]
    cols: dict[str, int] = {}
    for key, ok in accepted.items():
        found = next((j for j, h in enumerate(cells) if h in ok), None)
        if found is not None:
            cols[key] = found
    missing = [k for k in accepted if k not in cols and (required is None or k in required)]
    if missing:
        zh = "、".join(f"“{names[k][0]}”" for k in missing)
        en = ", ".join(names[k][1] for k in missing)
        raise ServiceError(
            Code.MISSING_COLUMN,
            f"第{header_line}行（表头）缺少{zh}列",
            f"Line {header_line} (header): no {en} column{'s' if len(missing) > 1 else ''}",
            field="file",
            status=422,
            extra={"errors": [{"line": header_line, "field": k, "value": ""} for k in missing]},
        )
    return cols


def error_lines(errors: list[dict], count: int, names: dict[str, tuple[str, str]]) -> list[str]:
    """Bad cells one line each, in both languages, for the command line (`names`: a column's
    Chinese and English name); "… N more" when `count` is more than were named."""
    out = []
    for e in errors:
        zh, en = names.get(e.get("field"), (e.get("field"), e.get("field")))
        if e.get("message"):
            out.append(
                f"第{e['line']}行 {zh}：{e.get('value', '')!r} {e['message']} / "
                f"line {e['line']}, {en}: {e['message_en']}"
            )
    if count > len(out) and out:
        out.append(f"……另有{count - len(out)}处 / … {count - len(out)} more")
    return out


def _binary(source: Source) -> BinaryIO:
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(source)
    raw = getattr(source, "file", source)  # Django's UploadedFile wraps the real file
    raw.seek(0)
    return raw


def size_of(source: Source) -> int:
    if isinstance(source, bytes | bytearray | memoryview):
        return len(source)
    raw = getattr(source, "file", source)
    raw.seek(0, io.SEEK_END)
    size = raw.tell()
    raw.seek(0)
    return size


def too_large(limit: int, size: int) -> ServiceError:
    mb = limit / (1024 * 1024)
    number, unit = (f"{mb:g}", "MB") if mb >= 1 else (f"{limit / 1024:g}", "KB")
    return ServiceError(
        Code.TOO_LARGE,
        f"文件过大：最大{number}{unit}（本文件{size / 1024 / 1024:.1f}MB）",
        f"The file is too large: at most {number} {unit} (this one is {size / 1024 / 1024:.1f} MB)",
        field="file",
        status=413,
    )


def check_size(source: Source, limit: int | None) -> None:
    """Refuse a file over `limit` bytes before reading it (its length, or a file's end)."""
    if limit is not None and (size := size_of(source)) > limit:
        raise too_large(limit, size)


def too_many_rows(limit: int, line: int) -> ServiceError:
    return ServiceError(
        Code.TOO_MANY_ROWS,
        f"一次最多导入{limit}行（第{line}行已超出），未导入任何数据",
        f"At most {limit} rows per import (line {line} is beyond); nothing was imported",
        field="file",
        status=422,
        extra={"errors": [{"line": line, "field": "file"}]},
    )


def estimate_rows(source: Source, filename: str) -> int:
    """About how many rows the file has (for the progress bar, before its rows are read): the
    CSV's line ends counted in chunks, the sheet's declared size for Excel; 0 when unknown."""
    if filename.lower().endswith(EXCEL):
        return 0
    raw = _binary(source)
    lf = cr = 0
    last = b""
    while chunk := raw.read(1024 * 1024):
        lf += chunk.count(b"\n")
        cr += chunk.count(b"\r")
        last = chunk[-1:]
    raw.seek(0)
    ends = lf or cr  # a bare-CR file (old Mac Excel) has no \n at all
    return ends + (1 if last not in (b"\n", b"\r", b"") else 0)


def open_table(
    source: Source, filename: str, max_bytes: int | None, progress=None
) -> tuple[int, list[str], Iterator[tuple[int, list[str]]], int]:
    """Every importer's start: the size checked before reading, "checking" reported, then the
    header's line and cells, the non-empty rows after it (read lazily) and the number of data
    rows expected (0 when unknown or not asked for). An empty file is refused (422)."""
    check_size(source, max_bytes)
    if progress:
        progress("checking", 0, 0)  # reading the file: the number of rows is not known yet
    total = max(estimate_rows(source, filename) - 1, 0) if progress else 0
    found = ((i, r) for i, r in rows(source, filename) if any(r))
    header_line, header = next(found, (0, None))
    if header is None:
        raise ServiceError(
            Code.EMPTY_FILE, "文件为空", "The file is empty", field="file", status=422
        )
    return header_line, header, found, total


def rows(source: Source, filename: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, the row's cells stripped), every row, in file order."""
    if filename.lower().endswith(EXCEL):
        yield from _excel_rows(_binary(source))
    else:
        yield from _csv_rows(_binary(source))


def _encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _not_text(line: int | None = None) -> ServiceError:
    return bad_file(
        "文件不是CSV文本（含有二进制内容），请上传CSV或Excel（.xlsx）文件",
        "The file is not CSV text (it has binary content): upload a CSV or Excel (.xlsx) file",
        line,
    )


def _physical_lines(raw: BinaryIO) -> Iterator[bytes]:
    """The file's lines as bytes, each with its end: \r\n, \n or a bare \r (old Excel for
    Mac). Neither UTF-8 nor GB18030 uses those bytes inside a character, so a line decodes on
    its own and a decoding error names its line."""
    for chunk in raw:  # split at \n
        if b"\r" not in chunk:
            yield chunk
            continue
        parts = _LINE_END.split(chunk)
        for i in range(0, len(parts) - 1, 2):
            yield parts[i] + parts[i + 1]
        if parts[-1]:
            yield parts[-1]


def _decoded(raw: BinaryIO, encoding: str) -> Iterator[str]:
    """The lines decoded one by one (each decodes on its own, _physical_lines); a line that
    does not decode, or holds a NUL, refuses the file naming it."""
    first = encoding
    encoding = "utf-8" if encoding == "utf-8-sig" else encoding  # the BOM starts line 1 only
    n = 1  # the line being decoded
    try:
        for line in _physical_lines(raw):
            text = line.decode(first if n == 1 else encoding)
            if NUL in text:
                raise _not_text(n)
            if encoding == "gb18030" and _utf8_line(line):
                # GB18030 decodes almost any bytes: a UTF-8 line in a GBK file would be
                # published as mojibake ("棰樼洰") instead of refused
                raise UnicodeDecodeError("gb18030", line, 0, len(line), "a UTF-8 line")
            yield text
            n += 1
    except UnicodeDecodeError:
        name = "GBK" if encoding == "gb18030" else "UTF-8"
        raise bad_file(
            f"编码与文件其他行（{name}）不同：文件混有不同的编码，请用Excel整体另存为"
            "“CSV UTF-8”后重新上传",
            f"the encoding differs from the file's other lines ({name}): the file mixes "
            "encodings; save it whole as 'CSV UTF-8' in Excel and upload it again",
            n,
        ) from None


def _utf8_line(line: bytes) -> bool:
    """A line that is UTF-8 with at least two characters beyond ASCII: GBK text almost never
    is (its byte pairs seldom form UTF-8's three-byte sequences twice)."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return sum(1 for ch in text if ord(ch) > 0x7F) >= 2


def _csv_rows(raw: BinaryIO) -> Iterator[tuple[int, list[str]]]:
    sample = raw.read(SNIFF)
    raw.seek(0)
    if (at := sample.find(NUL.encode())) >= 0:
        raise _not_text(sample.count(b"\n", 0, at) + 1)
    reader = csv.reader(_decoded(raw, _encoding(sample)))
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # a cell over the csv module's limit (128 KB)
            raise bad_file(
                "无法读取CSV文件：内容不是正常的表格（单元格过长或格式错误）",
                "Cannot read the CSV file: not a normal table (a cell too long or malformed)",
                reader.line_num,
            ) from exc
        if len(row) > MAX_COLUMNS:
            raise bad_file(
                f"列数过多（{len(row)}列，最多{MAX_COLUMNS}列）",
                f"too many columns ({len(row)}, at most {MAX_COLUMNS})",
                start,
            )
        yield start, list(map(str.strip, row))  # a NUL was refused as its line was decoded


def _excel_rows(raw: BinaryIO) -> Iterator[tuple[int, list[str]]]:
    import openpyxl

    damaged = bad_file(
        "无法读取Excel文件：文件已损坏，或不是 .xlsx 格式（请另存为 .xlsx 或 CSV）",
        "Cannot read the Excel file: it is damaged or not in .xlsx format "
        "(save it as .xlsx or CSV)",
    )
    try:
        with zipfile.ZipFile(raw) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise damaged from exc
    if len(infos) > 10_000 or sum(i.file_size for i in infos) > MAX_UNZIPPED:
        raise bad_file(
            "Excel文件解压后过大（超过100MB），不是正常的账单或目录文件",
            "The Excel file expands to more than 100 MB: not a normal bill or catalogue file",
        )
    raw.seek(0)
    try:
        wb = openpyxl.load_workbook(raw, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise damaged from exc
    try:
        sheet = wb.worksheets[0]
        line = 0
        it = sheet.iter_rows(values_only=True)
        while True:
            try:
                values = next(it)
            except StopIteration:
                return
            except Exception as exc:  # damaged XML inside the zip
                raise damaged from exc
            line += 1
            if len(values) > MAX_COLUMNS:
                raise bad_file(
                    f"列数过多（{len(values)}列，最多{MAX_COLUMNS}列）",
                    f"too many columns ({len(values)}, at most {MAX_COLUMNS})",
                    line,
                )
            cells = ["" if v is None else str(v).strip() for v in values]
            if any(NUL in c for c in cells):
                raise _not_text(line)
            yield line, cells
    finally:
        wb.close()
