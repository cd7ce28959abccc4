"""What the assistant learns from labelled questions (K2).

The phrase lists of `kbqa` say how customers usually ask; an operator's own labelled questions
(question → product and attributes asked, the CCKS 2021 JSONL format) teach two things on top:

- `AttributeModel`: which attributes a question asks, from the words around the product name
  (character 1–3-grams of the question with the product masked), what the phrase lists found
  and the product — an averaged perceptron per attribute, pure Python.
- `ProductModel`: which product a question means when no name is found whole ("666",
  "20元欢享"), from its characters — an averaged multi-class perceptron; it stands in for the
  fuzzy name match only when it leads clearly (`kbqa.GUESS_MARGIN`).
- `ProductHints`: names the operator's customers use for another product than the synonym list
  says ("家庭亲情网" meaning 全国亲情网): a name found whole is re-pointed when the examples say so
  clearly (at least `MIN_VOTES` examples, `MIN_SHARE` of those with that name).

Examples are `LabelledQuestion` rows (imported with `servicehall import-kb`) or, for the
evaluation, a JSONL file; a question being evaluated is never among the examples it learns from.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from . import kbqa
from .evaluation import f1

EPOCHS = 8
MIN_VOTES = 2
MIN_SHARE = 0.6
_MASKED = re.compile("□+")


@dataclass(frozen=True)
class Example:
    question: str
    attributes: tuple[str, ...]
    product: str
    constrained: bool = False  # the label picks tiers (price, data, sub-service …)
    answer: tuple[str, ...] = ()  # the values answered, where the examples give them


def parse_examples(lines, source: str = "examples.jsonl") -> list[Example]:
    """JSONL rows with `question`, `attribute` (`档位介绍-价格|…`) and `entity`; comparisons and
    rows without those fields are skipped (they teach nothing here)."""
    out = []
    for line in lines:
        if not line.strip() or "\x00" in line or "\\u0000" in line:
            continue  # a NUL (raw or escaped) cannot be stored on PostgreSQL: a malformed row
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if not isinstance(row, dict) or row.get("answer_type") == "比较句":
            continue
        question, attribute = row.get("question"), row.get("attribute")
        if not isinstance(question, str) or not isinstance(attribute, str) or not attribute:
            continue
        if len(str(row.get("entity") or "").strip()) > 100:  # LabelledQuestion.product
            continue
        attrs = tuple(dict.fromkeys(a.split("-", 1)[-1].strip() for a in attribute.split("|")))
        out.append(
            Example(
                question,
                attrs,
                str(row.get("entity") or "").strip(),
                bool(row.get("constraint_names")),
                tuple(v for v in str(row.get("answer") or "").split("|") if v),
            )
        )
    return out


def read_examples(path: str | Path) -> list[Example]:
    with open(path, encoding="utf-8") as fh:
        return parse_examples(fh, str(path))


def features(rest: str, rule_attributes: list[str], product: str = "") -> list[str]:
    """The question around the product name (masked), what the phrase lists found in it, and the
    product (operators label some products' questions their own way: most questions about a
    voucher campaign ask what it is)."""
    text = (
        "^" + _MASKED.sub("E", rest) + "$"
    )  # E: the product; ^ $: where the question starts, ends
    grams = {text[i : i + n] for n in (1, 2, 3) for i in range(len(text) - n + 1)}
    grams.update("R=" + a for a in rule_attributes)
    if product:
        grams.add("P=" + product)
    return sorted(grams)  # sorted: the same examples train the same model in every process


class AttributeModel:
    def __init__(self, weights: dict[str, dict[str, float]]):
        self.weights = weights

    @classmethod
    def train(cls, samples: list[tuple[list[str], set[str]]], epochs: int = EPOCHS):
        labels = sorted({a for _, y in samples for a in y})
        w: dict[str, dict[str, float]] = {a: defaultdict(float) for a in labels}
        total: dict[str, dict[str, float]] = {a: defaultdict(float) for a in labels}
        step = 1
        order = list(samples)
        rng = random.Random(0)  # the same examples give the same model
        for _ in range(epochs):
            rng.shuffle(order)
            for x, y in order:
                for a in labels:
                    wa = w[a]
                    target = 1 if a in y else -1
                    if target * sum(wa.get(f, 0.0) for f in x) <= 0:
                        ta = total[a]
                        for f in x:
                            wa[f] += target
                            ta[f] += target * step
                step += 1
        averaged = {
            a: {f: v - total[a][f] / step for f, v in w[a].items() if v - total[a][f] / step}
            for a in labels
        }
        return cls(averaged)

    def predict(self, x: list[str]) -> list[str]:
        scores = {a: sum(wa.get(f, 0.0) for f in x) for a, wa in self.weights.items()}
        if not scores:
            return []
        asked = [a for a, s in sorted(scores.items(), key=lambda i: -i[1]) if s > 0]
        return asked or [max(scores, key=scores.get)]


class ProductModel:
    """Which product a question is about, from its characters (1–3-grams, digits kept: "666",
    "20元20g"): an averaged multi-class perceptron. Asked when no name is found whole, or when
    the name found is a short alias the examples use for something else."""

    def __init__(self, weights: dict[str, dict[str, float]]):
        self.weights = weights  # feature → product name → weight

    @staticmethod
    def features(question: str) -> list[str]:
        text = "^" + kbqa.normalize(question) + "$"
        return sorted({text[i : i + n] for n in (1, 2, 3) for i in range(len(text) - n + 1)})

    @classmethod
    def train(cls, samples: list[tuple[list[str], str]], epochs: int = 4) -> ProductModel:
        w: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        total: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        order = list(samples)
        rng = random.Random(0)
        step = 1
        model = cls(w)
        for _ in range(epochs):
            rng.shuffle(order)
            for x, y in order:
                guess = model._best(x)
                if guess != y:
                    for f in x:
                        w[f][y] += 1
                        total[f][y] += step
                        if guess is not None:
                            w[f][guess] -= 1
                            total[f][guess] -= step
                step += 1
        averaged = {}
        for f, by in w.items():
            row = {c: v - total[f][c] / step for c, v in by.items()}
            row = {c: v for c, v in row.items() if abs(v) > 1e-9}
            if row:
                averaged[f] = row
        return cls(averaged)

    def scores(self, x: list[str]) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        for f in x:
            for c, v in self.weights.get(f, {}).items():
                out[c] += v
        return out

    def _best(self, x: list[str]) -> str | None:
        s = self.scores(x)
        return max(s, key=s.get) if s else None

    def predict(self, question: str) -> tuple[str | None, float]:
        """The likeliest product and its margin over the next one."""
        s = sorted(self.scores(self.features(question)).items(), key=lambda i: -i[1])
        if not s:
            return None, 0.0
        second = s[1][1] if len(s) > 1 else 0.0
        return s[0][0], s[0][1] - second


class ProductHints:
    def __init__(self, names: dict[str, str], numbered: set[str], whole_versions: set[str]):
        self.names = names  # normalised name found whole → product name
        # names whose numbers pick tiers ("20元20g惠享" is the 20-yuan tier, "5元卡" is no tier)
        self.numbered = numbered
        # products whose labelled answers cover every tier of the version named, whatever price
        # is said with it ("200元2019版校园卡活动": both 2019 tiers)
        self.whole_versions = whole_versions

    @classmethod
    def train(
        cls, votes: dict[str, Counter], picks: dict[str, Counter], versions: dict[str, Counter]
    ) -> ProductHints:
        names = {}
        for name, counter in votes.items():
            product, n = counter.most_common(1)[0]
            if n >= MIN_VOTES and n / sum(counter.values()) >= MIN_SHARE:
                names[name] = product

        def clearly(counts: dict[str, Counter]) -> set[str]:
            return {
                key
                for key, c in counts.items()
                if c[True] >= MIN_VOTES and c[True] / (c[True] + c[False]) >= MIN_SHARE
            }

        return cls(names, clearly(picks), clearly(versions))


@dataclass
class Learned:
    attributes: AttributeModel | None
    products: ProductHints
    examples: int
    product_model: ProductModel | None = None
    _by_name: dict | None = None
    _views: dict | None = None

    def products_by_name(self, index: kbqa.Index) -> dict[str, kbqa.ProductView]:
        """Normalised name → the product it means, where the examples re-point it."""
        if self._by_name is None:
            views = {p.name: p for p in index.products}
            self._by_name = {n: views[p] for n, p in self.products.names.items() if p in views}
        return self._by_name

    def guess_product(self, index: kbqa.Index, question: str):
        """The product the examples' wording points to, and by how much it leads."""
        if self.product_model is None:
            return None, 0.0
        if self._views is None:
            self._views = {p.name: p for p in index.products}
        name, margin = self.product_model.predict(question)
        return self._views.get(name), margin

    def numbers_pick_tiers(self, named: str | None) -> bool:
        return named in self.products.numbered

    def version_outweighs_price(self, product: str) -> bool:
        return product in self.products.whole_versions

    def attributes_for(self, rest: str, rule_attributes: list[str], product: str = "") -> list[str]:
        if self.attributes is None:
            return rule_attributes
        x = features(rest, rule_attributes, product)
        return self.attributes.predict(x) or rule_attributes


def learn(index: kbqa.Index, examples: list[Example], *, exclude: set[str] = frozenset()):
    """Train on `examples` (minus questions in `exclude`) against this catalogue; the result is
    set on the index (`index.learned`) and used by every parse after."""
    index.learned = None
    by_lower = {p.name.lower(): p.name for p in index.products}
    samples: list[tuple[list[str], set[str]]] = []
    votes: dict[str, Counter] = defaultdict(Counter)
    picks: dict[str, Counter] = defaultdict(Counter)
    versions: dict[str, Counter] = defaultdict(Counter)
    product_samples: list[tuple[list[str], str]] = []
    used = 0
    for ex in examples:
        if ex.question in exclude:
            continue
        used += 1
        query = kbqa.parse(index, ex.question)  # index.learned is None: the phrase lists only
        gold = by_lower.get(ex.product.lower())
        if gold:
            product_samples.append((ProductModel.features(ex.question), gold))
        if query.named and gold:
            votes[query.named][gold] += 1
            if any(ch.isdigit() for ch in query.named):
                picks[query.named][ex.constrained] += 1
        if query.compare is None:
            name = query.product.name if query.product else ""
            samples.append((features(query.rest, query.rule_attributes, name), set(ex.attributes)))
            if ex.answer and name == gold:
                _vote_version(query, ex.answer, versions)
    model = AttributeModel.train(samples) if samples else None
    products = ProductModel.train(product_samples) if product_samples else None
    index.learned = Learned(model, ProductHints.train(votes, picks, versions), used, products)
    return index.learned


def _vote_version(query: kbqa.Query, answer: tuple[str, ...], versions: dict) -> None:
    """Where a question names a version and a price, which reading the operator's answer fits:
    the tiers of that version and price, or every tier of the version."""
    whole = kbqa.version_tiers(query)
    if whole is None:
        return
    priced = f1(kbqa.answer_values(query), answer)
    unpriced = f1(kbqa.answer_values(replace(query, tiers=whole)), answer)
    if priced != unpriced:
        versions[query.product.name][unpriced > priced] += 1


def store_examples(examples: list[Example], source: str) -> int:
    """Replace the labelled questions of `source` with `examples` (one transaction)."""
    from servicehall.core.db import write_transaction

    from .models import LabelledQuestion

    with write_transaction():
        LabelledQuestion.objects.filter(source=source).delete()
        LabelledQuestion.objects.bulk_create(
            LabelledQuestion(
                question=e.question,
                product=e.product,
                attributes=list(e.attributes),
                constrained=e.constrained,
                answer=list(e.answer),
                source=source,
            )
            for e in examples
        )
    from .assistant import forget_catalogue  # bulk writes send no signals

    forget_catalogue()
    return len(examples)


def stored_examples() -> list[Example]:
    from .models import LabelledQuestion

    rows = LabelledQuestion.objects.values_list(
        "question", "attributes", "product", "constrained", "answer"
    )
    return [Example(q, tuple(a), p, c, tuple(ans)) for q, a, p, c, ans in rows]
