"""Parsing: a question into a `Query` — the product, the tiers constraints pick out (sub-service,
price, data amount, cheapest/most), the attributes asked and whether two tiers or two products
are compared — with a confidence the assistant hands over below (`SURE`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils import timezone

from .index import Index, ProductView, Surface, TierView, fmt_value, text_features
from .normalise import normalize
from .phrases import (
    ATTRIBUTE_RES,
    BEST,
    CHEAP,
    CHEAPER,
    COMPARE,
    DEAR,
    DEARER,
    INTRO_ALONGSIDE,
    KIND_WORDS,
    LEAST_DATA,
    LESS_DATA,
    MORE_DATA,
    MOST_DATA,
    RULE_KINDS,
    SAME_Q,
    WEAK_OPEN,
    WHOLE_TIER,
)

# A parse this sure or surer is answered; below it the assistant asks or hands over. Measured on
# the public dev questions with the phrase lists alone (2026-11-29): 3,889 of 3,952 parses reach
# 0.6 and are exactly right 91.1 % of the time; the 63 below it 65 %.
SURE = 0.6

# How far the examples' product must lead the next one (perceptron votes) to stand in for a name
# not found whole; chosen on quarters of the dev file, never on the held-out one.
GUESS_MARGIN = 6.0
_NUM_RE = re.compile(r"(\d+(?:\.\d+)?)(元|g|m|兆|分钟|小时|天|个月|月|年|版)?")


@dataclass
class Constraint:
    attribute: str  # "子业务", "价格", "流量", "语音时长", "tier"
    op: str  # "=", "min", "max"
    value: str = ""


@dataclass(kw_only=True)
class Query:
    """What a question asks of the catalogue, as `parse` read it; `answer` executes it. Built by
    keyword only: its fields are many and some alike (two lists of attributes, of tiers)."""

    product: ProductView | None
    attributes: list[str]
    constraints: list[Constraint] = field(default_factory=list)
    compare: tuple[str, str] | None = None  # the two sides compared, as the customer named them
    # the tiers of each side, where numbers named them ("96元档和126元档"); else by sub-service
    compare_tiers: tuple[list[TierView], list[TierView]] | None = None
    compare_kind: str = ""  # "same", "more_data", "less_data", "cheaper", "dearer"
    versus: ProductView | None = None  # the other product, where two products are compared
    confidence: float = 0.0
    tiers: list[TierView] = field(default_factory=list)
    rest: str = ""  # the question with the product and sub-services masked: what is asked
    named: str | None = None  # the product name found whole in the question
    rule_attributes: list[str] = field(default_factory=list)  # what the phrase lists found


def parse(index: Index, question: str) -> Query:
    """Read `question` as a query on the catalogue: which product, which of its tiers, what is
    asked of them, and whether two tiers or two products are compared. Each step below decides
    one thing and says what in its docstring; the order is the order they run in."""
    q = normalize(question)

    # The product(s): by the names found, then the amounts, then the examples learnt.
    found = _products_named(index, q)
    _products_by_amounts(index, found)
    _products_by_examples(index, found)
    if found.span is None:
        # no product named whole (at most a guess): "哪个套餐最便宜" asks the whole catalogue
        best = _best_in_catalogue(index, found.masked)
        if best is not None:
            return best
    if not found.products:
        return _no_product(found)
    product = _pick(index, list(found.products.values()), found.masked, found.numbers, found.scores)

    # What is asked of it: the tiers and sub-services named, the attributes the phrases ask.
    reading = _what_is_asked(product, found)

    # Two sides compared, or the tiers meant by the sub-services, numbers and superlatives.
    if COMPARE.search(reading.rest):
        _sides_compared(index, found, reading)
    if reading.compare is not None:
        _what_is_compared(reading)
    else:
        _tiers_by_sub_services(reading)
        _attributes_learnt(index, reading)
        _tiers_by_numbers(index, found, reading)
        _tiers_by_superlative(reading)
        reading.attributes = _answerable(reading.product, reading.tiers, reading.attributes)
    return _query(found, reading)


@dataclass(kw_only=True)
class _Found:
    """The products a question may be about, before one is picked."""

    question: str  # normalised
    surfaces: list[tuple[Surface, float]]  # the names matched, each with how well (1: whole)
    confidence: float
    span: tuple[int, int] | None  # where the name found whole stands
    masked: str  # the question with that name masked
    products: dict[int, ProductView]  # the candidates, by id
    scores: dict[int, float]  # by product id: how well its name matched
    numbers: list[tuple[float, str, tuple[int, int]]]  # the numbers outside the name

    @property
    def named(self) -> str | None:
        """The product name found whole, as the question writes it."""
        return self.question[self.span[0] : self.span[1]] if self.span else None


@dataclass(kw_only=True)
class _Reading:
    """What the question asks of the product picked, filled in by the steps after the pick."""

    product: ProductView
    tiers: list[TierView]  # the tiers meant so far
    constraints: list[Constraint]  # what picked them
    tiers_named: list[TierView]  # the tiers named by their own names
    subs: list[str]  # the sub-services named, in the question's order, repeats kept
    rest: str  # the question with the product's name and the sub-services masked
    rule_attributes: list[str]  # what the phrase lists found
    attributes: list[str]  # what is asked
    confidence: float
    compare: tuple[str, str] | None = None
    compare_tiers: tuple[list[TierView], list[TierView]] | None = None
    compare_kind: str = ""
    versus: ProductView | None = None

    @property
    def distinct_subs(self) -> list[str]:
        return list(dict.fromkeys(self.subs))


def _products_named(index: Index, q: str) -> _Found:
    """The candidates by name: the products whose names (or misspellings of them) `q` holds.
    Several when names are shared or only a fuzzy match was found. What labelled questions
    taught comes first: the operator's customers may mean another product by a name than the
    synonym list says ("家庭亲情网" → 全国亲情网)."""
    surfaces, confidence, span = _find_product(index, q)
    masked = _mask(q, *span) if span else q
    learned = index.learned
    hinted = learned.products_by_name(index) if learned is not None else {}
    products: dict[int, ProductView] = {}
    scores: dict[int, float] = {}
    for s, score in surfaces:
        product = hinted.get(s.text, s.product)
        products.setdefault(id(product), product)
        scores[id(product)] = max(scores.get(id(product), 0.0), score)
    return _Found(
        question=q,
        surfaces=surfaces,
        confidence=confidence,
        span=span,
        masked=masked,
        products=products,
        scores=scores,
        numbers=_numbers(masked),
    )


def _products_by_amounts(index: Index, found: _Found) -> None:
    """Where no name was found, or none whole, the amounts may name the product on their own
    ("20元20G的套餐"): the products with a tier matching them replace the candidates, or narrow
    them where the two agree."""
    if found.products and not (found.span is None and found.numbers):
        return
    by_numbers = _products_by_numbers(index, found.numbers)
    if not by_numbers:
        return
    if not found.products or not (set(map(id, by_numbers)) & set(found.products)):
        found.products = {id(p): p for p in by_numbers}
        found.surfaces = []
        found.confidence = max(found.confidence, 0.7)
    else:
        keep = set(map(id, by_numbers)) & set(found.products)
        found.products = {k: v for k, v in found.products.items() if k in keep}


def _products_by_examples(index: Index, found: _Found) -> None:
    """Where labelled questions were learnt and no name was found whole, or several products
    fit: the product the examples' wording points to, if it is a candidate; with no name found
    whole, also if it leads clearly (`GUESS_MARGIN`: "666", "20元欢享")."""
    learned = index.learned
    if learned is None or not (found.span is None or len(found.products) > 1):
        return
    guess, margin = learned.guess_product(index, found.question)
    if guess is not None and id(guess) in found.products:
        # several products fit the names found: the one the examples' wording points to
        found.products = {id(guess): guess}
    elif guess is not None and found.span is None and margin >= GUESS_MARGIN:
        # No name found whole: the wording the operator's customers use ("666", "20元欢享").
        found.products = {id(guess): guess}
        found.scores = {id(guess): 1.0}
        found.surfaces = []
        found.confidence = max(found.confidence, min(0.9, 0.5 + margin / 20))


def _no_product(found: _Found) -> Query:
    """No product found: only what is asked, with no confidence (the assistant hands over)."""
    rules = _attributes(found.masked)
    return Query(
        product=None, attributes=rules, confidence=0.0, rest=found.masked, rule_attributes=rules
    )


def _what_is_asked(product: ProductView, found: _Found) -> _Reading:
    """Where reading `product` starts: the tiers named by their own names, the sub-services
    named, and the attributes the phrase lists find in what is left of the question."""
    tiers_named, tiers, constraints = _tiers_named(product, found.surfaces)
    subs, rest = _sub_services_named(product, found.masked)
    rule_attributes = _attributes(rest)
    return _Reading(
        product=product,
        tiers=tiers,
        constraints=constraints,
        tiers_named=tiers_named,
        subs=subs,
        rest=rest,
        rule_attributes=rule_attributes,
        attributes=list(rule_attributes),
        confidence=found.confidence,
    )


def _tiers_named(
    product: ProductView, surfaces: list[tuple[Surface, float]]
) -> tuple[list[TierView], list[TierView], list[Constraint]]:
    """The tiers of `product` named by their own names among the names found (and the tiers of
    the same names), with the constraint that says so; else all its tiers."""
    tiers_named = [s.tier for s, _ in surfaces if s.product is product and s.tier is not None]
    constraints: list[Constraint] = []
    tiers = list(product.tiers)
    if tiers_named:
        names = {t.name for t in tiers_named}
        tiers = [t for t in tiers if t.name in names]
        constraints.append(Constraint("tier", "=", "|".join(sorted(names))))
    return tiers_named, tiers, constraints


def _sub_services_named(product: ProductView, masked: str) -> tuple[list[str], str]:
    """The sub-services of `product` the question names ("爱奇艺", "年包"), in the question's
    order, and the question with them masked. Longest first, so "半年包" is not also "年包"."""
    subs_found: list[tuple[int, str]] = []
    sub_masked = masked
    all_subs = sorted({s for t in product.tiers for s in t.subs}, key=len, reverse=True)
    for sub in all_subs:
        while sub and sub in sub_masked:
            pos = sub_masked.find(sub)
            subs_found.append((pos, sub))
            sub_masked = _mask(sub_masked, pos, pos + len(sub))
    return [s for _, s in sorted(subs_found)], sub_masked


def _sides_compared(index: Index, found: _Found, reading: _Reading) -> None:
    """A comparison is asked: its two sides. Two sub-services named ("年包和月包"); else two
    tiers named by their price or data ("96元档和126元档"); else another product named beside
    this one ("畅享5G和乐享青春卡哪个便宜"), each side with the tiers named of it, else all its
    tiers. None of these: no comparison (`reading.compare` stays None)."""
    q, product = found.question, reading.product
    if len(reading.subs) >= 2:
        reading.compare = (reading.subs[0], reading.subs[1])
        return
    # tiers named by their own names count too ("96元档和126元档" with a tier called 126元档
    # found as the name): numbers anywhere but in the product's own names
    by_number = _sides_by_numbers(product, _numbers(_without_names(index, q, product)))
    if by_number:
        (a, left), (b, right) = by_number
        reading.compare, reading.compare_tiers = (a, b), (left, right)
        return
    versus, compare, reading.rest = _other_product(index, q, product, found.span, reading.rest)
    reading.versus, reading.compare = versus, compare
    if versus is not None:
        by_name = {product.name: product, versus.name: versus}
        left, right = (_named_tiers(by_name[n], q) for n in compare)
        reading.compare_tiers = (left, right)


def _what_is_compared(reading: _Reading) -> None:
    """What a comparison asks ("same", "cheaper", "more_data" …) and of which attributes; "一样吗"
    with no attribute named compares the tiers as a whole. Two products compared on something
    we do not weigh ("哪个短信多") fall below `SURE`."""
    reading.compare_kind, reading.attributes = _compare_kind(reading.rest, reading.attributes)
    if reading.compare_kind == "same" and not _asked(reading.rest):
        reading.attributes = list(WHOLE_TIER)  # "59元档和79元档一样吗": the tiers as a whole
    same_asked = SAME_Q.search(reading.rest)
    if reading.versus is not None and reading.compare_kind == "same" and not same_asked:
        reading.confidence = min(reading.confidence, SURE - 0.1)  # "哪个短信多"


def _tiers_by_sub_services(reading: _Reading) -> None:
    """The tiers holding the sub-services named: all of them where some tier does ("芒果tv" +
    "年包"), else any. A sub-service named beside a tier's name outranks it where that tier
    does not hold it: "月包和留言年包" is the monthly pack of 和留言 ("和留言年包" names the
    product there)."""
    subs = reading.distinct_subs
    if not subs:
        return
    if reading.tiers_named and not any(s in t.subs for t in reading.tiers for s in subs):
        reading.tiers = list(reading.product.tiers)
        reading.constraints = [c for c in reading.constraints if c.attribute != "tier"]
    narrowed = [t for t in reading.tiers if any(s in t.subs for s in subs)]
    strict = [t for t in narrowed if all(s in t.subs for s in subs)]
    if strict:
        narrowed = strict
    if narrowed:
        reading.tiers = narrowed
        for s in subs:
            reading.constraints.append(Constraint("子业务", "=", s))


def _attributes_learnt(index: Index, reading: _Reading) -> None:
    """Where labelled questions were learnt: what they say this wording asks, in place of the
    phrase lists' reading (which is what the model returns when it has nothing better)."""
    learned = index.learned
    if learned is not None:
        reading.attributes = learned.attributes_for(
            reading.rest, reading.rule_attributes, reading.product.name
        )


def _tiers_by_numbers(index: Index, found: _Found, reading: _Reading) -> None:
    """The tiers a price, data amount or number of minutes picks out. Numbers inside the name
    matched ("20元邮箱") are part of the name, not a choice of tier, unless labelled questions
    say otherwise for that name; a number fitting other tiers than the one named outweighs the
    tier's name; where the examples answer with every tier of the version named, whatever the
    price, the price named does not narrow."""
    learned = index.learned
    numbers = _numbers(reading.rest)
    if learned is not None and learned.numbers_pick_tiers(found.named):
        numbers = _numbers(found.named) + numbers
    constraints = reading.constraints
    before = len(constraints)
    picked = _apply_numbers(reading.tiers, numbers, constraints, reading.attributes)
    if reading.tiers_named and len(constraints) == before:
        # "3元彩铃业务" is the 3-yuan tier even where a tier is called 彩铃业务.
        others = _apply_numbers(reading.product.tiers, numbers, constraints, reading.attributes)
        if len(constraints) > before:
            picked = others
            constraints[:] = [c for c in constraints if c.attribute != "tier"]
    subs = reading.distinct_subs
    if learned is not None and subs and learned.version_outweighs_price(reading.product.name):
        if any(c.attribute == "价格" for c in constraints[before:]):
            constraints[:] = [c for c in constraints if c.attribute != "价格"]
            picked = reading.tiers
    reading.tiers = picked


def _tiers_by_superlative(reading: _Reading) -> None:
    """The cheapest, dearest, most or least data among the tiers meant, the first superlative
    that applies; the number it weighs is then no longer asked beside something else."""
    attrs = reading.attributes
    for pattern, attr, op in (
        (CHEAP, "price", "min"),
        (DEAR, "price", "max"),
        (MOST_DATA, "data_mb", "max"),
        (LEAST_DATA, "data_mb", "min"),
    ):
        if pattern.search(reading.rest):
            valued = [t for t in reading.tiers if attr in t.numbers]
            if valued:
                pick = (min if op == "min" else max)(t.numbers[attr] for t in valued)
                reading.tiers = [t for t in valued if t.numbers[attr] == pick]
                reading.constraints.append(Constraint(attr, op))
                if attr == "price" and "价格" in attrs and len(attrs) > 1:
                    attrs.remove("价格")
                if attr == "data_mb" and "流量" in attrs and len(attrs) > 1:
                    attrs.remove("流量")
            break


def _query(found: _Found, reading: _Reading) -> Query:
    """The Query the steps read."""
    return Query(
        product=reading.product,
        attributes=reading.attributes,
        constraints=reading.constraints,
        compare=reading.compare,
        compare_tiers=reading.compare_tiers,
        compare_kind=reading.compare_kind,
        versus=reading.versus,
        confidence=reading.confidence,
        tiers=reading.tiers,
        rest=reading.rest,
        named=found.named,
        rule_attributes=reading.rule_attributes,
    )


def _mask(text: str, start: int, end: int) -> str:
    """`text` with `start:end` hidden (the same length, so positions still hold)."""
    return text[:start] + "□" * (end - start) + text[end:]


def _find_product(
    index: Index, q: str
) -> tuple[list[tuple[Surface, float]], float, tuple[int, int] | None]:
    """The surfaces of the most likely product found in `q` with how well each matched (1 for a
    whole name), a confidence and the span of the name found whole."""
    best: list[Surface] = []
    best_len = 0
    span = None
    for s in index.surfaces:
        if len(s.text) < best_len:
            break
        pos = q.find(s.text)
        if pos >= 0 and s.text.isdigit():
            pos = _whole_number_at(q, s.text)
        if pos >= 0:
            if len(s.text) > best_len:
                best, best_len, span = [s], len(s.text), (pos, pos + len(s.text))
            else:
                best.append(s)
    if best:
        hidden = _inside_version(index, q, best, span)
        if hidden is not None:
            return _find_product(index, hidden)
        return [(s, 1.0) for s in best], min(1.0, 0.55 + 0.1 * best_len), span
    # No name appears whole: the closest name by shared characters and character pairs, rare
    # ones counting more (misspellings, words left out: "全网优惠特权" → 全网优惠享特权活动,
    # "欢享券" → 惠享券).
    qf = set(text_features(q))
    scored = []
    for s, weights, total in index.features:
        cover = sum(w for f, w in weights.items() if f in qf) / total
        if cover >= 0.45:
            scored.append((s, cover))
    if not scored:
        return [], 0.0, None
    top = max(cover for _, cover in scored)
    best = [(s, cover) for s, cover in scored if cover >= top - 0.08]
    return best, min(0.85, top), None


def _whole_number_at(q: str, digits: str) -> int:
    """Where a name made of digits ("666") stands alone in `q` (not inside "16660", nor an
    amount such as "666元" or "666分钟"), or -1."""
    m = re.search(rf"(?<![\d.]){digits}(?![\d.]|元|块|分钟|g|m|兆|小时)", q)
    return m.start() if m else -1


def _inside_version(index: Index, q: str, best: list[Surface], span) -> str | None:
    """`q` with a version name masked when the name found lies inside it and the version's
    product is named too: in "上网版和plus版的王卡" "plus" is 王卡's Plus版, not the Plus
    membership."""
    start, end = span
    containing = index.subs_containing.get(q[start:end])
    if containing is None:
        containing = [(sub, o) for sub, o in index.subs.items() if q[start:end] in sub]
        index.subs_containing[q[start:end]] = containing
    for sub, owners in containing:
        pos = q.find(sub)
        while pos >= 0:
            if pos <= start and end <= pos + len(sub) and (pos, pos + len(sub)) != (start, end):
                others = [p for p in owners if all(s.product is not p for s in best)]
                # every occurrence at once: a question repeating the version is searched
                # again once, not once per repetition
                masked = q.replace(sub, "□" * len(sub))
                if others and any(s.product in others and s.text in masked for s in index.surfaces):
                    return masked
            pos = q.find(sub, pos + 1)
    return None


def _products_by_numbers(index: Index, numbers) -> list[ProductView]:
    """Products with one tier matching every number given with a unit (price and data)."""
    # each amount once, the first few: "1元1元1元…" is one number, not 250
    useful = list(dict.fromkeys((v, u) for v, u, _ in numbers if u in ("元", "g", "m")))[:6]
    if not useful:
        return []
    found = []
    best = 0
    for p in index.products:
        score = 0
        for t in p.tiers:
            hits = sum(1 for v, u in useful if _tier_matches_number(t, v, u) - {"价格~"})
            score = max(score, hits)
        if score > best:
            found, best = [p], score
        elif score == best and score > 0:
            found.append(p)
    if best < min(2, len(useful)):
        return []
    return found


def _pick(index: Index, products: list[ProductView], q: str, numbers, scores) -> ProductView:
    """Among candidate products: the best name match, then the one whose tiers the question's
    sub-services and numbers fit, then the most specific (fewest names)."""
    if len(products) == 1:
        return products[0]

    def evidence(p: ProductView) -> float:
        score = 0.0
        for t in p.tiers:
            tier_score = sum(len(s) for s in t.subs if s in q)
            tier_score += sum(1 for v, u, _ in numbers if _tier_matches_number(t, v, u))
            score = max(score, tier_score)
        return score

    return max(
        products,
        key=lambda p: (scores.get(id(p), 1.0) + 0.1 * evidence(p), -index.alias_count[id(p)]),
    )


def _best_in_catalogue(index: Index, q: str) -> Query | None:
    """No product named, a superlative asked: the best tier on sale to everyone among the
    products of the kind the customer names (套餐: main plans, 流量包: packs …), e.g.
    "哪个套餐最便宜" → 乐享青春卡 19元档."""
    found = next(((n, op, a) for pattern, n, op, a in BEST if pattern.search(q)), None)
    kind = next((k for pattern, k in KIND_WORDS if pattern.search(q)), None)
    if found is None or kind is None:
        return None
    key, op, attribute = found
    today = timezone.localdate().strftime("%Y%m%d")  # the hall's day, not the host's
    best: list[tuple[ProductView, TierView]] = []
    for product in index.products:
        if product.kind != kind:
            continue
        for t in product.tiers:
            on = t.values.get("上线时间", ["0"])[0] <= today < t.values.get("下线时间", ["9"])[0]
            if t.for_everyone and on and key in t.numbers:
                best.append((product, t))
    if not best:
        return None
    pick = (min if op == "min" else max)(t.numbers[key] for _, t in best)
    product, _ = next((p, t) for p, t in best if t.numbers[key] == pick)
    tiers = [t for p, t in best if p is product and t.numbers[key] == pick]
    asked = [a for a in _asked(q) if a != attribute] or [attribute]
    return Query(
        product=product,
        attributes=asked,
        constraints=[Constraint(key, op)],
        confidence=0.7,
        tiers=tiers,
        rest=q,
        rule_attributes=asked,
    )


def _numbers(q: str) -> list[tuple[float, str, tuple[int, int]]]:
    """The numbers in `q` (normalised), each with its unit ("" if none) and where it stands."""
    out = []
    for m in _NUM_RE.finditer(q):
        out.append((float(m.group(1)), m.group(2) or "", m.span()))
    return out


def _tier_matches_number(t: TierView, value: float, unit: str) -> set[str]:
    """Which attributes of tier `t` a number with `unit` matches."""
    hits = set()
    price = t.numbers.get("price")
    data = t.numbers.get("data_mb")
    voice = t.numbers.get("voice_minutes")
    if unit in ("元", "") and price is not None and abs(price - value) < 1e-6:
        hits.add("价格")
    if unit in ("元", "") and price is not None and not hits and abs(price - value) < 1:
        # people say 9.9 where the catalogue rounds to 9 (and the reverse)
        if int(price) == int(value):
            hits.add("价格~")
    if data is not None:
        if unit == "g" and abs(data - value * 1024) < 1:
            hits.add("流量")
        elif unit in ("m", "兆", "") and abs(data - value) < 1e-6:
            hits.add("流量")
        elif unit == "" and abs(data - value * 1024) < 1:
            hits.add("流量")
    if voice is not None and unit in ("分钟", "") and abs(voice - value) < 1e-6:
        hits.add("语音时长")
    speed = t.numbers.get("bandwidth_mbps")
    if speed is not None and unit in ("m", "兆", "") and abs(speed - value) < 1e-6:
        hits.add("带宽")  # "1000M宽带": megabits of a line, not megabytes of data
    return hits


def _apply_numbers(tiers: list[TierView], numbers, constraints: list[Constraint], asked):
    for value, unit, _ in numbers:
        if unit in ("小时", "天", "个月", "月", "年", "版"):
            continue
        matched = {}
        for t in tiers:
            for attr in _tier_matches_number(t, value, unit):
                # a bare number is not the value asked for: "30叠加包多少钱" is the 30 MB pack
                if not unit and attr.rstrip("~") in asked:
                    continue
                matched.setdefault(attr, []).append(t)
        for attr in ("价格", "流量", "语音时长", "带宽", "价格~"):
            subset = matched.get(attr)
            if subset and len(subset) < len(tiers):
                tiers = subset
                constraints.append(Constraint(attr.rstrip("~"), "=", fmt_value(value)))
                break
    return tiers


def _without_names(index: Index, q: str, product: ProductView) -> str:
    """`q` with the product's own names (not its tiers' names) masked."""
    for s in index.surfaces:
        if s.product is product and s.tier is None:
            pos = q.find(s.text)
            while pos >= 0:
                q = _mask(q, pos, pos + len(s.text))
                pos = q.find(s.text)
    return q


_UNIT_SAID = {"元": "元", "g": "GB", "m": "MB"}


def _sides_by_numbers(product: ProductView, numbers) -> list[tuple[str, list[TierView]]]:
    """Two tiers named by price or data ("96元档和126元档哪个流量多"), each with its label: the
    tier's own name where it has one ("96元档"), else the number as said ("20元")."""
    sides: list[tuple[str, list[TierView]]] = []
    for value, unit, _ in numbers:
        if unit not in ("元", "g", "m"):
            continue
        hit = [t for t in product.tiers if _tier_matches_number(t, value, unit) & {"价格", "流量"}]
        if hit and all(hit != other for _, other in sides):
            named = len(hit) == 1 and hit[0].name and hit[0].name != product.name
            label = hit[0].name if named else fmt_value(value) + _UNIT_SAID[unit]
            sides.append((label, hit))
    return sides[:2] if len(sides) >= 2 else []


def _other_product(index: Index, q: str, product: ProductView, span, masked: str):
    """Another product named whole beside `product` (by its own name or an alias, not a tier's):
    (it, the two names in the customer's order, `masked` with its name masked too), or
    (None, None, masked)."""
    rest = _without_names(index, q, product)
    for sub in {x for t in product.tiers for x in t.subs}:  # "plus" in 王卡's "Plus版"
        rest = rest.replace(sub, "□" * len(sub)) if len(sub) > 1 else rest
    for s in index.surfaces:
        if s.tier is None and s.product is not product and len(s.text) >= 2:
            pos = rest.find(s.text)
            if pos >= 0:
                first = span is None or span[0] < pos
                names = (product.name, s.product.name) if first else (s.product.name, product.name)
                return s.product, names, _mask(masked, pos, pos + len(s.text))
    return None, None, masked


def _named_tiers(product: ProductView, q: str) -> list[TierView]:
    """The product's tiers named by their own names in `q` ("畅享5G的39元档"), else all."""
    own = normalize(product.name)
    named = [t for t in product.tiers if (n := normalize(t.name)) != own and len(n) > 1 and n in q]
    return named or list(product.tiers)


def _compare_kind(q: str, attrs: list[str]) -> tuple[str, list[str]]:
    """What a comparison asks ("same", "more_data", "cheaper" …) and of which attribute."""
    if SAME_Q.search(q):
        kind = "same"
    elif MORE_DATA.search(q):
        kind, attrs = "more_data", ["流量"]
    elif LESS_DATA.search(q):
        kind, attrs = "less_data", ["流量"]
    elif CHEAPER.search(q):
        kind, attrs = "cheaper", ["价格"]
    elif DEARER.search(q):
        kind, attrs = "dearer", ["价格"]
    else:
        kind = "same"
    attrs = [a for a in attrs if a != "业务简介"] or ["业务简介"]
    # "办理X，A和B的流量一样吗": 办理 sets the scene, what is compared is the data
    attrs = [a for a in attrs if a != "开通方式"] or attrs
    if kind == "same":
        attrs = [a for a in attrs if a not in ("价格",) or len(attrs) == 1]
    return kind, attrs


def _attributes(q: str) -> list[str]:
    """What `q` asks: the phrase lists' attributes in order, else what a bare question means
    ("我想办个X": how to open it; "X": what it is)."""
    return _asked(q) or (["开通方式"] if WEAK_OPEN.search(q) else ["业务简介"])


def _asked(q: str) -> list[str]:
    """The attributes the phrase lists find in `q`, in the order asked; [] if none."""
    found: list[tuple[int, str]] = []
    text = q
    for name, pattern in ATTRIBUTE_RES:
        m = pattern.search(text)
        if m:
            found.append((m.start(), name))
            # claim every span of this attribute so weaker phrasings do not fire on it
            text = pattern.sub(lambda mm: "□" * len(mm.group(0)), text)
    names = list(dict.fromkeys(n for _, n in sorted(found)))
    if len(names) > 1 and "业务简介" in names and not INTRO_ALONGSIDE.search(q):
        names.remove("业务简介")
    if "取消条件" in names and "取消方式" in names:
        names.remove("取消方式")
    return names


# Where the catalogue has nothing under what was asked, its neighbour answers the customer:
# "能取消吗" of a product with a text on how to cancel but none on conditions gets that text.
_NEIGHBOURS = {
    "取消条件": "取消方式",
    "取消方式": "取消条件",
    "开通条件": "开通方式",
    "开通方式": "开通条件",
    "有效期规则": "有效期",
}


def _answerable(product: ProductView, tiers: list[TierView], attrs: list[str]) -> list[str]:
    """What is asked, each attribute the catalogue has nothing under for these tiers replaced by
    its neighbour where that has something (`_NEIGHBOURS`)."""

    def has(attribute: str) -> bool:
        if attribute in RULE_KINDS:
            return bool(product.rules.get(attribute))
        return any(t.values.get(attribute) for t in tiers)

    out = []
    for a in attrs:
        other = _NEIGHBOURS.get(a)
        out.append(other if other and not has(a) and has(other) else a)
    return list(dict.fromkeys(out))
