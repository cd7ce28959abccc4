"""Building the view from the catalogue in the database, with what its labelled questions teach,
and the stamp by which a process sees that another one changed the catalogue."""

from __future__ import annotations

from decimal import Decimal

from .index import GENERIC_SUFFIXES, Index, ProductView, TierView, build_index
from .normalise import normalize
from .phrases import NUMERIC


def _fmt_number(value) -> str:
    return format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)


def catalogue_stamp() -> tuple:
    """What load_index reads, summed up in a few cheap queries: how many rows each table has
    and its newest id, and the products' latest edit (an edit in the admin saves the product
    with its tiers). A change made by another process shows as a different stamp."""
    from django.db.models import Count, Max

    from servicehall.catalog.models import Alias, Product, ProductRule, Tier, TierText

    from ..models import LabelledQuestion

    stamp: list = []
    for model in (Alias, Tier, TierText, ProductRule, LabelledQuestion):
        row = model.objects.aggregate(n=Count("id"), last=Max("id"))
        stamp += [row["n"], row["last"]]
    row = Product.objects.aggregate(n=Count("id"), last=Max("id"), edited=Max("updated_at"))
    return (*stamp, row["n"], row["last"], row["edited"])


def load_index() -> Index:
    """The catalogue as it is in the database now, and what its labelled questions teach."""
    from ..learning import learn, stored_examples

    stamp = catalogue_stamp()  # before reading: a change during the load shows as new later
    index = load_catalogue()
    index.stamp = stamp
    examples = stored_examples()
    if examples:
        learn(index, examples)
    return index


def load_catalogue() -> Index:
    """The catalogue as it is in the database now (phrase lists only, nothing learnt)."""
    from servicehall.catalog.models import Alias, Product, ProductRule, Tier, TierText

    texts: dict[int, dict[str, list[str]]] = {}
    for tier_id, attribute, value in TierText.objects.values_list("tier_id", "attribute", "value"):
        texts.setdefault(tier_id, {}).setdefault(attribute, []).append(value)
    rules: dict[int, dict[str, list[str]]] = {}
    for product_id, kind, value in ProductRule.objects.values_list("product_id", "kind", "value"):
        rules.setdefault(product_id, {}).setdefault(kind, []).append(value)
    aliases: dict[str, list[str]] = {}
    for name, alias in Alias.objects.values_list("product__name", "name"):
        aliases.setdefault(name, []).append(alias)
    tiers: dict[int, list[TierView]] = {}
    for t in Tier.objects.order_by("product_id", "position", "id"):
        tiers.setdefault(t.product_id, []).append(tier_view(t, texts.get(t.id, {})))
    products = [
        ProductView(p.name, tiers.get(p.id, []), rules.get(p.id, {}), p.kind)
        for p in Product.objects.order_by("id")
    ]
    return build_index(_merge_rule_only(products, aliases), aliases)


def _merge_rule_only(products: list[ProductView], aliases: dict[str, list[str]]):
    """A product with rules but no tiers whose name is another's without "活动" (the graph's
    畅享套餐促销优惠 beside 畅享套餐促销优惠活动) is that product: its rules and names go there."""
    by_name = {p.name: p for p in products}
    kept = []
    for p in products:
        full = next(
            (by_name[p.name + s] for s in GENERIC_SUFFIXES if by_name.get(p.name + s)), None
        )
        if p.tiers or full is None or not full.tiers:
            kept.append(p)
            continue
        for kind, values_ in p.rules.items():
            full.rules.setdefault(kind, []).extend(values_)
        aliases.setdefault(full.name, []).extend([p.name, *aliases.pop(p.name, [])])
    return kept


def tier_view(t, texts: dict[str, list[str]]) -> TierView:
    values_: dict[str, list[str]] = {k: list(v) for k, v in texts.items()}
    numbers: dict[str, float] = {}
    for attribute, column in NUMERIC.items():
        value = getattr(t, column)
        if value is None:
            continue
        if column in ("on_sale", "off_sale"):
            values_[attribute] = [value.strftime("%Y%m%d")]
        else:
            values_[attribute] = [_fmt_number(value)]
            numbers[column] = float(value)
    if t.sub_services:
        values_["子业务"] = list(t.sub_services)
    if t.cities:
        values_["城市"] = list(t.cities)
    return TierView(
        code=t.code,
        name=t.name,
        values=values_,
        numbers=numbers,
        subs=[normalize(s) for s in t.sub_services],
        subs_raw=list(t.sub_services),
        for_everyone=not t.groups,
    )
