"""Places (P5, E1): the region tree as one read-mostly map, and the one place that says where a
contact comes from.

A contact's region, in the order it is trusted (`Source`): what staff chose; a place the customer
names in what they say ("我在城东区", "东区这边"): where the problem is; the customer's address
(a home broadband line is where they live); the hall they came to. The tree is small (a
province's cities, districts and grids: hundreds of rows) and changes rarely, so each process
keeps it for a minute (`TREE`); an admin's edit is seen by other processes within that minute.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from servicehall.core.ttl import TTLCache

from .models import Region


class Source(models.TextChoices):
    """How a contact's region was known."""

    STAFF = "staff", _("chosen by staff")
    SAID = "said", _("named by the customer")
    ADDRESS = "address", _("the customer's address")
    HALL = "hall", _("the hall")


@dataclass(frozen=True)
class Tree:
    by_id: dict[int, Region]
    children: dict[int, list[int]]
    pattern: re.Pattern | None  # every name and alias of a district or a grid
    named: dict[str, int]  # a name or alias -> the region


def _load() -> Tree:
    regions = list(Region.objects.all())
    by_id = {r.pk: r for r in regions}
    children: dict[int, list[int]] = {}
    named: dict[str, int] = {}
    for r in sorted(regions, key=lambda r: -r.level):  # a grid's name wins over a district's
        if r.parent_id:
            children.setdefault(r.parent_id, []).append(r.pk)
        if r.level >= Region.Level.DISTRICT:
            for name in [r.name, *re.split(r"[\s,，、]+", r.aliases)]:
                if len(name) >= 2:
                    named.setdefault(name, r.pk)
    pattern = (
        re.compile("|".join(re.escape(n) for n in sorted(named, key=len, reverse=True)))
        if named
        else None
    )
    return Tree(by_id, children, pattern, named)


TREE: TTLCache[Tree] = TTLCache(60)


def tree() -> Tree:
    return TREE.get("tree", _load)


def forget() -> None:
    TREE.forget()


def get(region_id: int | None) -> Region | None:
    return tree().by_id.get(region_id) if region_id else None


def district_of(region_id: int | None) -> Region | None:
    """The district (区县) a region lies in — itself if it is one; a city or a province (too big
    to count by) is its own. What the early warning counts by."""
    t = tree()
    region = t.by_id.get(region_id) if region_id else None
    while region is not None and region.level > Region.Level.DISTRICT and region.parent_id:
        region = t.by_id[region.parent_id]
    return region


def under(region_ids) -> set[int]:
    """The regions and every region inside them."""
    t = tree()
    out: set[int] = set()
    todo = [i for i in region_ids if i in t.by_id]
    while todo:
        i = todo.pop()
        if i not in out:
            out.add(i)
            todo.extend(t.children.get(i, ()))
    return out


def is_rural(region_id: int | None) -> bool:
    """Rural for the repair deadline (L2): the place or the district it lies in says so."""
    t = tree()
    region = t.by_id.get(region_id) if region_id else None
    while region is not None:
        if region.rural:
            return True
        region = t.by_id.get(region.parent_id) if region.parent_id else None
    return False


def path(region_id: int | None) -> str:
    """临江市 › 城东区 › 滨江网格"""
    t = tree()
    names: list[str] = []
    region = t.by_id.get(region_id) if region_id else None
    while region is not None:
        if region.level > Region.Level.PROVINCE:
            names.append(region.name)
        region = t.by_id.get(region.parent_id) if region.parent_id else None
    return " › ".join(reversed(names))


def named_in(text: str) -> Region | None:
    """The district or grid a text names ("我在城东区", "东区"): the first it names."""
    t = tree()
    if not text or t.pattern is None:
        return None
    m = t.pattern.search(text)
    return t.by_id[t.named[m.group(0)]] if m else None


def locate(
    *,
    chosen: int | None = None,
    text: str = "",
    address_region: int | None = None,
    hall_region: int | None = None,
) -> tuple[Region | None, str]:
    """A contact's region and how it was known (`Source`), or (None, "")."""
    if chosen and chosen in tree().by_id:
        return tree().by_id[chosen], Source.STAFF
    said = named_in(text)
    if said is not None:
        return said, Source.SAID
    if address_region and address_region in tree().by_id:
        return tree().by_id[address_region], Source.ADDRESS
    if hall_region and hall_region in tree().by_id:
        return tree().by_id[hall_region], Source.HALL
    return None, ""
