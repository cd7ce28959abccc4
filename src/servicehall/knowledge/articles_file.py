"""Reading a file of question → answer entries for `servicehall import-articles` (K2): a JSON
object title → answer (as an operator's FAQ export is) or a CSV with a header row
`title,answer` (or 标题,答案), UTF-8 with or without a BOM.

The file's shape is checked here, whole, before anything is written: its size before it is
read (settings IMPORT_LIMITS["articles"]), that it is JSON or CSV at all, an object of text
values, the CSV's header, at most the entry limit. What each title and answer may be (empty,
too long, a NUL, a title twice) is knowledge.services.import_articles's, which names each
entry by where it stands: its line in a CSV, its key in JSON. Every refusal is a ServiceError
422 (413 for the size) in both languages.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings

from servicehall.core import tables
from servicehall.core.errors import Code as CoreCode
from servicehall.core.errors import ServiceError

SHOWN_KEY = 30  # characters of a JSON key quoted in a message


@dataclass(frozen=True)
class Entry:
    title: str
    answer: str
    line: int | None = None  # a CSV's line
    key: str | None = None  # a JSON object's key (the title as written)

    @property
    def where(self) -> tuple[str, str]:
        """Where the entry stands in its file, for a message: (Chinese, English)."""
        if self.line is not None:
            return f"第{self.line}行", f"Line {self.line}"
        shown = shown_key(self.key or "")
        return f"键“{shown}”", f"Key “{shown}”"

    @property
    def position(self) -> dict:
        return {"line": self.line} if self.line is not None else {"key": self.key}


_BREAK = re.compile(r"<\s*br\s*/?\s*>|<\s*/\s*(p|div|li)\s*>", re.IGNORECASE)
_LINK = re.compile(
    r"<\s*a\b[^>]*?href\s*=\s*['\"]([^'\"]*)['\"][^>]*>(.*?)<\s*/\s*a\s*>",
    re.IGNORECASE | re.DOTALL,
)
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")


def plain(text: str) -> str:
    """An answer as our articles are written: plain text. Operators' FAQ exports carry HTML
    (`<br/>`, `<a href='…'>办理</a>`, escaped twice as `&lt;a…`): line breaks are kept, a link
    becomes its words and its address, other tags go."""
    if "<" not in text and "&" not in text:
        return text
    for _ in range(2):  # once more for what was escaped twice
        text = _BREAK.sub("\n", text)
        text = _LINK.sub(
            lambda m: m.group(2) if m.group(1) in m.group(2) else f"{m.group(2)}（{m.group(1)}）",
            text,
        )
        text = html.unescape(_TAG.sub("", text))
    return _TAG.sub("", text).strip()


def shown_key(key: str) -> str:
    """A key as a message quotes it: short, a NUL or a line end made visible."""
    text = key.replace("\x00", "\\x00").replace("\r", "\\r").replace("\n", "\\n")
    return text if len(text) <= SHOWN_KEY else text[:SHOWN_KEY] + "…"


def _bad_file(zh: str, en: str, **where) -> ServiceError:
    extra = {"errors": [{**where, "field": "file"}]} if where else None
    return ServiceError(CoreCode.BAD_FILE, zh, en, field="file", status=422, extra=extra)


def read(source: bytes | BinaryIO, filename: str) -> list[Entry]:
    """The file's entries in file order; a file that is not such a file is refused whole."""
    limits = settings.IMPORT_LIMITS["articles"]
    tables.check_size(source, limits["bytes"])
    if filename.lower().endswith(".json"):
        return _json(source, limits["rows"])
    if filename.lower().endswith((".csv", ".txt")):
        return _csv(source, filename, limits["rows"])
    if _starts_with_brace(source):  # another name: JSON by its first character
        return _json(source, limits["rows"])
    return _csv(source, filename, limits["rows"])


def _starts_with_brace(source) -> bool:
    if isinstance(source, bytes | bytearray):
        head = bytes(source[:64])
    else:
        head = source.read(64)
        source.seek(0)
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"{")


def _json(source, max_entries: int) -> list[Entry]:
    data = source if isinstance(source, bytes | bytearray) else source.read()
    try:
        text = bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = bytes(data).count(b"\n", 0, exc.start) + 1
        raise _bad_file(
            f"第{line}行：不是UTF-8编码的文本，请另存为UTF-8后重试",
            f"Line {line}: not UTF-8 text; save the file as UTF-8 and try again",
            line=line,
        ) from None
    if not text.strip():
        raise ServiceError(
            CoreCode.EMPTY_FILE, "文件为空", "The file is empty", field="file", status=422
        )
    pairs: list[tuple[str, object]] | None = None

    def top(found: list[tuple[str, object]]):
        nonlocal pairs
        pairs = found  # the last object closed is the outermost one
        return dict(found)

    try:
        value = json.loads(text, object_pairs_hook=top)
    except json.JSONDecodeError as exc:
        raise _bad_file(
            f"第{exc.lineno}行第{exc.colno}列：不是有效的JSON",
            f"Line {exc.lineno}, column {exc.colno}: not valid JSON",
            line=exc.lineno,
        ) from None
    except RecursionError:
        raise _bad_file("JSON嵌套过深", "The JSON is nested too deeply") from None
    if not isinstance(value, dict) or pairs is None:
        raise _bad_file(
            '文件应为一个JSON对象：{"标题": "答案", …}',
            'The file must be one JSON object: {"title": "answer", …}',
        )
    if len(pairs) > max_entries:
        raise too_many(max_entries)
    entries = []
    for key, answer in pairs:
        if not isinstance(answer, str):
            shown = shown_key(key)
            raise _bad_file(
                f"键“{shown}”的答案应为文本（现为{_json_type(answer)[0]}）",
                f"Key “{shown}”: the answer must be text (it is {_json_type(answer)[1]})",
                key=key,
            )
        entries.append(Entry(title=plain(key), answer=plain(answer), key=key))
    return entries


def _json_type(value) -> tuple[str, str]:
    if isinstance(value, dict):
        return "对象", "an object"
    if isinstance(value, list):
        return "数组", "a list"
    if isinstance(value, bool):
        return "真假值", "true or false"
    if value is None:
        return "null", "null"
    return "数字", "a number"


def too_many(limit: int) -> ServiceError:
    """More entries than one import takes (the file's reader and the service both say so)."""
    return ServiceError(
        CoreCode.TOO_MANY_ROWS,
        f"一次最多导入{limit}条，未导入任何数据",
        f"At most {limit} entries per import; nothing was imported",
        field="file",
        status=422,
    )


COLUMNS = {"title": {"title", "标题"}, "answer": {"answer", "答案"}}
COLUMN_NAMES = {"title": ("标题", "title"), "answer": ("答案", "answer")}


def _csv(source, filename: str, max_entries: int) -> list[Entry]:
    # the size was checked; a NUL, a line in another encoding or a malformed row refuse the
    # file naming its line (core.tables)
    header_line, header, found, _total = tables.open_table(source, filename, None)
    cols = tables.columns(header, header_line, COLUMNS, COLUMN_NAMES)
    entries = []
    for line, cells in found:
        if len(entries) == max_entries:
            raise tables.too_many_rows(max_entries, line)

        title, answer = (cells[cols[k]] if cols[k] < len(cells) else "" for k in COLUMNS)
        entries.append(Entry(title=plain(title), answer=plain(answer), line=line))
    return entries
