"""Execution: the catalogue values that answer a query (the KBQA prediction), the two sides of a
comparison and what it weighs."""

from __future__ import annotations

from .index import TierView
from .parse import Query
from .phrases import RULE_KINDS


def extent(tiers: list[TierView], key: str, highest: bool) -> float | None:
    """The lowest or highest `key` over `tiers` ("39元起", "最高150GB")."""
    found = [t.numbers[key] for t in tiers if key in t.numbers]
    return (max if highest else min)(found) if found else None


def values(query: Query, attribute: str, tiers: list[TierView] | None = None) -> list[str]:
    if query.product is None:
        return []
    if attribute in RULE_KINDS:
        return list(query.product.rules.get(attribute, []))
    out: list[str] = []
    for t in query.tiers if tiers is None else tiers:
        out.extend(t.values.get(attribute, []))
    return out


def compare_sides(query: Query) -> list[tuple[str, TierView | None]]:
    """The two sides of a comparison: each as the customer named it (the catalogue's spelling)
    with the tier that stands for it — its first-listed one, as the operator's labelled answers
    compare; the same name twice ("合约版和合约版") is that name's first two tiers."""
    assert query.product is not None and query.compare is not None
    a, b = query.compare
    if query.compare_tiers:
        left, right = query.compare_tiers
        names = (a, b)
    else:
        left = [t for t in query.product.tiers if a in t.subs]
        right = [t for t in query.product.tiers if b in t.subs]
        names = (_raw_sub(left, a), _raw_sub(right, b))
    if a == b and len(left) > 1:
        left, right = left, left[1:]
    return [(names[0], left[0] if left else None), (names[1], right[0] if right else None)]


def answer_values(query: Query) -> list[str]:
    """The set of catalogue values that answer the query (the KBQA prediction)."""
    if query.product is None:
        return []
    if query.versus is not None:
        return _versus_values(query)
    if query.compare:
        (a, left), (b, right) = compare_sides(query)
        if query.compare_kind == "same":
            return ["yes" if _same_values(left, right, query.attributes) else "no"]
        key, want_high = WEIGHS[query.compare_kind]
        ln = left.numbers.get(key) if left else None
        rn = right.numbers.get(key) if right else None
        if ln is None or rn is None:
            return [a if ln is not None else b] if (ln is not None or rn is not None) else []
        if ln == rn:
            return [a, b]
        return [a if (ln > rn) == want_high else b]
    out: list[str] = []
    for attribute in query.attributes:
        out.extend(values(query, attribute))
    return list(dict.fromkeys(out))


def _same_values(left: TierView | None, right: TierView | None, attributes) -> bool:
    def of(t: TierView | None, a: str) -> list[str]:
        return sorted(set(t.values.get(a, []))) if t else []

    return all(of(left, a) == of(right, a) for a in attributes)


# What a comparison weighs: (the number, does the higher win?). Two products are weighed by
# their extents: the cheaper by its cheapest tier, more data by its biggest.
WEIGHS = {
    "cheaper": ("price", False),
    "dearer": ("price", True),
    "more_data": ("data_mb", True),
    "less_data": ("data_mb", False),
}


def versus_extents(query: Query) -> tuple[str, bool, list[tuple[str, float | None]]]:
    """For a comparison of two products: the number weighed, whether higher wins, and each
    product (in the customer's order) with its extent of it."""
    assert query.compare is not None and query.compare_tiers is not None
    key, highest = WEIGHS.get(query.compare_kind, ("price", False))
    sides = zip(query.compare, query.compare_tiers, strict=True)
    return key, highest, [(n, extent(tiers, key, highest)) for n, tiers in sides]


def _versus_values(query: Query) -> list[str]:
    if query.compare_kind == "same":
        left, right = query.compare_tiers
        if len(left) == len(right) == 1:  # one tier named on each side: compare what is asked
            return ["yes" if _same_values(left[0], right[0], query.attributes) else "no"]
        return ["no"]  # two products are not the same one
    key, highest, sides = versus_extents(query)
    known = [(n, v) for n, v in sides if v is not None]
    if not known:
        return []
    best = (max if highest else min)(v for _, v in known)
    return [n for n, v in known if v == best]


def _raw_sub(tiers: list[TierView], sub: str) -> str:
    for t in tiers:
        for raw, norm in zip(t.subs_raw, t.subs, strict=False):
            if norm == sub:
                return raw
    return sub


def version_tiers(query: Query) -> list[TierView] | None:
    """Where the query names a version (sub-service) and a price: every tier of that version."""
    subs = [c.value for c in query.constraints if c.attribute == "子业务"]
    if query.product is None or not subs or all(c.attribute != "价格" for c in query.constraints):
        return None
    return [t for t in query.product.tiers if all(s in t.subs for s in subs)]
