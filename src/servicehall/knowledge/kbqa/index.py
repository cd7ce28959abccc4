"""The catalogue as the parser sees it: products with their tiers and rules, and every name a
question may use for them (own names, aliases, tiers' names, short forms), longest first, with the
character features a misspelt name is matched by."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .normalise import normalize
from .phrases import SUPERLATIVE

GENERIC_SUFFIXES = ("活动", "业务", "产品", "服务", "功能")


@dataclass
class TierView:
    code: str
    name: str
    values: dict[str, list[str]]  # attribute → answer values (numbers formatted, IDs, texts)
    numbers: dict[str, float]  # price / data_mb / voice_minutes / …
    subs: list[str]  # normalised sub-service names
    subs_raw: list[str]
    for_everyone: bool = True  # not kept for a customer group (集团, 家庭 …)


@dataclass
class ProductView:
    name: str
    tiers: list[TierView]
    rules: dict[str, list[str]]
    kind: str = ""  # Product.Kind: plan, pack, service, campaign, broadband


@dataclass
class Surface:
    text: str  # normalised
    product: ProductView
    tier: TierView | None  # a tier's own name picks that tier
    kind: str  # "name", "alias", "tier", "short"


@dataclass
class Index:
    products: list[ProductView]
    surfaces: list[Surface]  # longest first
    features: list[tuple[Surface, dict[str, float], float]]  # fuzzy features, weights, total
    alias_count: dict[int, int]  # product → how many names it has (fewer: more specific)
    subs: dict[str, list[ProductView]] = field(default_factory=dict)  # sub-service → products
    subs_containing: dict[str, list] = field(default_factory=dict)  # name → subs holding it
    learned: object | None = None  # learning.Learned: what labelled questions taught, if any
    stamp: tuple | None = None  # catalogue_stamp() of the rows it was built from


def build_index(products: list[ProductView], aliases: dict[str, list[str]]) -> Index:
    surfaces: dict[tuple[str, int, str | None], Surface] = {}

    def add(text: str, p: ProductView, tier: TierView | None, kind: str) -> None:
        t = normalize(text)
        if len(t) < 2 or (t.isdigit() and len(t) < 3) or SUPERLATIVE.search(t):
            return  # "最便宜" is no name, even where a synonym list says so; "666" is one
        key = (t, id(p), tier.code if tier else None)
        if key not in surfaces:
            surfaces[key] = Surface(t, p, tier, kind)

    for p in products:
        add(p.name, p, None, "name")
        for alias in aliases.get(p.name, []):
            add(alias, p, None, "alias")
        # A tier's own name picks that tier (and tiers of the same name).
        for t in p.tiers:
            if t.name != p.name:
                add(t.name, p, t, "tier")
        for text in [p.name, *aliases.get(p.name, [])]:
            for suffix in GENERIC_SUFFIXES:
                n = normalize(text)
                if n.endswith(suffix) and len(n) - len(suffix) >= 3:
                    add(n[: -len(suffix)], p, None, "short")
    ordered = sorted(surfaces.values(), key=lambda s: -len(s.text))
    fuzzy = [s for s in ordered if len(s.text) >= 2 and s.kind != "short"]
    df: dict[str, int] = {}
    for s in fuzzy:
        for f in set(text_features(s.text)):
            df[f] = df.get(f, 0) + 1
    n = len(fuzzy) + 1
    # The words every catalogue uses ("流量", "套餐"…) are weak evidence of a name, however few
    # names of a small catalogue carry them: counted as in a quarter of the names at least.
    for f in GENERIC_FEATURES:
        df[f] = max(df.get(f, 0), n / 4)
    features = []
    for s in fuzzy:
        weights = {f: max(0.0, math.log(n / df[f])) for f in set(text_features(s.text))}
        if sum(weights.values()):
            features.append((s, weights, sum(weights.values())))
    counts: dict[int, int] = {}
    for s in ordered:
        counts[id(s.product)] = counts.get(id(s.product), 0) + 1
    subs: dict[str, list[ProductView]] = {}
    for p in products:
        for sub in sorted({x for t in p.tiers for x in t.subs if len(x) >= 2}):
            subs.setdefault(sub, []).append(p)
    return Index(products, ordered, features, counts, subs)


# What customers say of any product, not a name (kbqa finds what is asked from these).
GENERIC_WORDS = (
    "流量",
    "套餐",
    "话费",
    "通话",
    "短信",
    "宽带",
    "业务",
    "资费",
    "漫游",
    "收费",
    "多少钱",
)


def text_features(text: str) -> list[str]:
    """Characters and character pairs, digits left out (numbers are matched as values)."""
    chars = [c for c in text if not c.isdigit() and c not in "□，,。？?！!"]
    return chars + [a + b for a, b in zip(chars, chars[1:], strict=False)]


def fmt_value(value: float) -> str:
    """A number as the catalogue writes it: 59, 9.9."""
    return str(int(value)) if value == int(value) else str(value)


GENERIC_FEATURES = frozenset(f for w in GENERIC_WORDS for f in text_features(w))
