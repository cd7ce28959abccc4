"""Import a product knowledge graph given as subject–predicate–object triples (M1, K1).

The format is the one of the CCKS 2021 telecom KBQA task: `triples.txt` with one
`<subject>\t<predicate>\t<object>` per line, where a product points through `<档位介绍表>` to its
tiers (any subject that is not a product) and a tier carries the attributes; `synonyms.txt` with
`product name\taliases|separated|by|bars` (`无` for none).

Decisions:
- Lines that are not three `<…>` fields, unknown predicates, numbers or dates that do not parse
  and tier attributes of a tier no product lists are *malformed*: they are reported by file and
  line number and skipped; the rest is imported. Knowledge-graph exports carry the odd bad value
  (a date of seven digits) and a hall should not lose its whole catalogue to one. `strict=True`
  refuses the whole import instead, writing nothing.
- Product names that differ only in letter case ("视频会员5GB…" / "视频会员5Gb…") are one product:
  the first spelling is the name, the other becomes an alias.
- An object holding several values joined by `|` is several values (several text rows, several
  sub-services).
- Loading replaces the products it names (their tiers, texts, rules, aliases); others are kept.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings

from servicehall.core import tables, validate
from servicehall.core.db import write_transaction
from servicehall.core.errors import ServiceError

from .errors import Code
from .models import Alias, Product, ProductRule, Tier, TierText

TIER_LINK = "档位介绍表"
NUMBERS = {
    "价格": ("price", Decimal),
    "流量": ("data_mb", int),
    "语音时长": ("voice_minutes", int),
    "带宽": ("bandwidth_mbps", int),
    "有效期": ("validity_hours", int),
}
DATES = {"上线时间": "on_sale", "下线时间": "off_sale"}
LISTS = {"子业务": "sub_services", "城市": "cities"}
TEXTS = {a.value for a in TierText.Attribute}
RULES = {k.value for k in ProductRule.Kind}
INT_MAX = {"data_mb": 10**15}  # a BigIntegerField; the others are integer columns
NAME_MAX = 100  # Product.name, Alias.name
LINE_RE = re.compile(r"^<([^<>\t]+)>\t<([^<>\t]+)>\t<([^<>\t]*)>$")


@dataclass
class Problem:
    file: str
    line: int
    message_zh: str
    message_en: str

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "message": self.message_zh,
            "message_en": self.message_en,
        }

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message_zh} / {self.message_en}"


@dataclass
class ParsedTier:
    code: str
    fields: dict = field(default_factory=dict)
    texts: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Parsed:
    products: dict[str, list[str]] = field(default_factory=dict)  # name → tier codes
    rules: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    tiers: dict[str, ParsedTier] = field(default_factory=dict)
    aliases: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    problems: list[Problem] = field(default_factory=list)


@dataclass
class ImportReport:
    products: int
    tiers: int
    texts: int
    aliases: int
    problems: list[Problem]

    def as_dict(self) -> dict:
        return {
            "products": self.products,
            "tiers": self.tiers,
            "texts": self.texts,
            "aliases": self.aliases,
            "problems": [p.as_dict() for p in self.problems],
        }


def _number(kind, raw: str, name: str):
    """core.validate's bounded parse: no exponent, NaN or Infinity, within the column."""
    try:
        if kind is Decimal:  # Tier.price
            return validate.decimal_number(raw, name, places=2, max_digits=10)
        return validate.whole_number(raw, name, maximum=INT_MAX.get(name, validate.MAX_INT))
    except ServiceError:
        return None


def _date(raw: str) -> date | None:
    try:
        return validate.calendar_date(raw, "date")  # 20260101; years 1900–2199
    except ServiceError:
        return None


def _lines(text: str | Iterable[str]) -> Iterable[str]:
    """A text's lines — \r\n, \n or a bare \r end one, nothing else does (str.splitlines
    would also split at \x0b, \x1c or \u2028 inside a value and shift the line numbers)."""
    return io.StringIO(text, newline=None) if isinstance(text, str) else text


def _too_long(s: str, p: str, o: str) -> int | None:
    """The length of the column a field is over (a product or tier name: 100, a tier code:
    200), or None."""
    if p == TIER_LINK or p in RULES:  # the subject is a product
        if len(s) > NAME_MAX:
            return NAME_MAX
        return 200 if p == TIER_LINK and len(o) > 200 else None
    if len(s) > 200:  # a tier's code
        return 200
    return NAME_MAX if p == "产品名称" and len(o) > NAME_MAX else None


def parse(
    triples: str | Iterable[str],
    synonyms: str | Iterable[str] = "",
    *,
    triples_name="triples.txt",
    synonyms_name="synonyms.txt",
    max_lines: int | None = None,
) -> Parsed:
    """Read both files (their text, or their lines as read); every problem is collected,
    nothing is written. A line with a NUL character, or a name longer than its column, is
    malformed; more than `max_lines` lines refuse the import."""
    out = Parsed()
    canonical: dict[str, str] = {}  # lower-cased name → first spelling

    def product(name: str) -> str:
        first = canonical.setdefault(name.lower(), name)
        if first != name and name not in out.aliases[first]:
            out.aliases[first].append(name)
        out.products.setdefault(first, [])
        return first

    def bad(n, zh, en):
        out.problems.append(Problem(triples_name, n, zh, en))

    tier_lines: list[tuple[int, str, str, str]] = []
    for n, line in enumerate(_lines(triples), start=1):
        if max_lines is not None and n > max_lines:
            raise tables.too_many_rows(max_lines, n)
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        m = LINE_RE.match(line) if validate.NUL not in line else None
        if not m:
            bad(
                n,
                "格式错误：应为 <主语>\\t<谓语>\\t<宾语>",
                "malformed: expected <subject>\\t<predicate>\\t<object>",
            )
            continue
        s, p, o = (x.strip() for x in m.groups())
        if (limit := _too_long(s, p, o)) is not None:
            bad(n, f"名称或编码超过{limit}个字", f"a name or code longer than {limit} characters")
            continue
        if p == TIER_LINK:
            out.products[product(s)].append(o)
            out.tiers.setdefault(o, ParsedTier(o))
        elif p in RULES:
            for v in filter(None, o.split("|")):
                out.rules[product(s)].append((p, v))
        else:
            tier_lines.append((n, s, p, o))

    for n, s, p, o in tier_lines:
        t = out.tiers.get(s)
        if t is None:
            bad(n, f"档位 {s} 不属于任何产品", f"tier {s} belongs to no product")
            continue
        if p == "产品名称":
            t.fields["name"] = o
        elif p in NUMBERS:
            name, kind = NUMBERS[p]
            value = _number(kind, o, name)
            if value is None:
                bad(n, f"{p} 应为数字，实为 “{o}”", f"{p} must be a number, got '{o}'")
            else:
                t.fields[name] = value
        elif p in DATES:
            value = _date(o)
            if value is None:
                bad(
                    n,
                    f"{p} 应为 YYYYMMDD 日期，实为 “{o}”",
                    f"{p} must be a date YYYYMMDD, got '{o}'",
                )
            else:
                t.fields[DATES[p]] = value
        elif p in LISTS:
            t.fields.setdefault(LISTS[p], []).extend(v for v in o.split("|") if v)
        elif p in TEXTS:
            t.texts.extend((p, v) for v in o.split("|") if v)
        else:
            bad(n, f"未知属性 “{p}”", f"unknown predicate '{p}'")

    for n, line in enumerate(_lines(synonyms), start=1):
        if max_lines is not None and n > max_lines:
            raise tables.too_many_rows(max_lines, n)
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0].strip() or validate.NUL in line:
            out.problems.append(
                Problem(
                    synonyms_name,
                    n,
                    "格式错误：应为 产品名\\t别名|别名",
                    "malformed: expected name\\talias|alias",
                )
            )
            continue
        name = canonical.get(parts[0].strip().lower())
        if name is None:
            out.problems.append(
                Problem(
                    synonyms_name,
                    n,
                    f"产品 “{parts[0]}” 不在知识库中",
                    f"product '{parts[0]}' is not in the triples",
                )
            )
            continue
        for alias in parts[1].split("|"):
            alias = alias.strip()
            if len(alias) > NAME_MAX:
                out.problems.append(
                    Problem(
                        synonyms_name,
                        n,
                        f"别名超过{NAME_MAX}个字，已跳过",
                        f"an alias longer than {NAME_MAX} characters, skipped",
                    )
                )
                continue
            if alias and alias != "无" and alias != name and alias not in out.aliases[name]:
                out.aliases[name].append(alias)
    return out


def load(parsed: Parsed, *, strict: bool = False, kind_of=None) -> ImportReport:
    """Write the parsed graph in one transaction. `kind_of(name)` may classify products."""
    if strict and parsed.problems:
        raise ServiceError(
            Code.MALFORMED_LINES,
            f"文件有 {len(parsed.problems)} 行格式错误，未导入任何内容",
            f"{len(parsed.problems)} malformed lines; nothing was imported",
            field="file",
            status=422,
            extra={"problems": [p.as_dict() for p in parsed.problems]},
        )
    texts = aliases = tiers = 0
    with write_transaction():
        Product.objects.filter(name__in=list(parsed.products)).delete()
        for name, codes in parsed.products.items():
            product = Product.objects.create(
                name=name, kind=(kind_of(name) if kind_of else guess_kind(name))
            )
            Alias.objects.bulk_create(
                [Alias(product=product, name=a) for a in parsed.aliases.get(name, [])]
            )
            aliases += len(parsed.aliases.get(name, []))
            ProductRule.objects.bulk_create(
                [ProductRule(product=product, kind=k, value=v) for k, v in parsed.rules[name]]
            )
            rows = []
            for position, code in enumerate(dict.fromkeys(codes)):
                pt = parsed.tiers[code]
                fields = {"name": name, **pt.fields}
                tier = Tier(product=product, code=code, position=position, **fields)
                rows.append((tier, pt.texts))
            Tier.objects.filter(code__in=[t.code for t, _ in rows]).delete()
            Tier.objects.bulk_create([t for t, _ in rows])
            text_rows = [
                TierText(tier=t, attribute=a, value=v) for t, texts_ in rows for a, v in texts_
            ]
            TierText.objects.bulk_create(text_rows)
            texts += len(text_rows)
            tiers += len(rows)
    return ImportReport(len(parsed.products), tiers, texts, aliases, parsed.problems)


def guess_kind(name: str) -> str:
    """The graph does not say what a product is; its name usually does."""
    if "活动" in name or "券" in name:
        return Product.Kind.CAMPAIGN
    if "宽带" in name:
        return Product.Kind.BROADBAND
    if "包" in name:
        return Product.Kind.PACK
    if "套餐" in name or "卡" in name:
        return Product.Kind.PLAN
    return Product.Kind.SERVICE


def import_dir(directory: str | Path, *, strict: bool = False) -> ImportReport:
    d = Path(directory)
    triples_file = d / "triples.txt"
    if not triples_file.is_file():
        raise ServiceError(
            Code.NO_TRIPLES,
            f"{d} 中没有 triples.txt",
            f"no triples.txt in {d}",
            field="kb",
            status=422,
        )
    limits = settings.IMPORT_LIMITS["kb"]
    synonyms_file = d / "synonyms.txt"
    names = [triples_file, *([synonyms_file] if synonyms_file.is_file() else [])]
    for path in names:  # the size before anything is read
        if (size := path.stat().st_size) > limits["bytes"]:
            raise tables.too_large(limits["bytes"], size)
    # read line by line (universal newlines: \r\n, \n, a bare \r); not UTF-8: one refusal
    try:
        with (
            triples_file.open(encoding="utf-8") as t,
            synonyms_file.open(encoding="utf-8") if len(names) > 1 else io.StringIO() as syn,
        ):
            parsed = parse(t, syn, max_lines=limits["rows"])
    except UnicodeDecodeError as exc:
        raise tables.bad_file(
            "知识图谱文件不是UTF-8编码，请另存为UTF-8后重试",
            "The knowledge-graph files are not UTF-8: save them as UTF-8 and try again",
        ) from exc
    return load(parsed, strict=strict)
