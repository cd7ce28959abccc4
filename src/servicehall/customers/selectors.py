"""Reads of customer data."""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import Q

from .models import Bill, Customer, PhoneNumber


def recent_bills(number: str, months: int = 3) -> list[Bill]:
    """The line's latest bills, newest first."""
    return list(Bill.objects.filter(number=number).order_by("-month")[:months])


def line_on_file(number: str) -> bool:
    """Whether the operator knows this line: a customer's number, or a number billed (the
    billing import). Codes are texted only to such lines."""
    return (
        PhoneNumber.objects.filter(number=number).exists()
        or Bill.objects.filter(number=number).exists()
    )


SEARCH_LIMIT = 30
CUSTOMER_NO = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]{1,31}$")
TAIL = re.compile(r"^\d{3,11}[Xx]?$|^\d{0,17}[Xx]$")


def _prefix(field: str, text: str) -> Q:
    """Values of `field` that start with `text`, answered from an index on both databases:
    PostgreSQL's LIKE on the pattern-operator index, SQLite's by the range of its binary
    order (its LIKE ignores case and so no index)."""
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__startswith": text})
    return Q(**{f"{field}__gte": text, f"{field}__lt": text + "\U0010ffff"})


def search(q: str, *, limit: int = SEARCH_LIMIT) -> list[Customer]:
    """Customers by what a clerk types (V1): a whole number, the last digits of a number or an
    ID (4 or more; an ID's may end in X), a CRM customer number, or a name or its start; words
    together narrow ("张 1234": named 张… with a line ending 1234). At most `limit` + 1 (one
    more says "narrow it down"), by name. Every part is an index lookup, and no order is asked
    of the database, so even "王" stops after the first rows it finds at a province's scale."""
    words = [w for w in re.split(r"\s+", (q or "").strip()) if w][:3]
    if not words:
        return []
    found = Customer.objects.all()
    for word in words:
        if word.isdigit() and len(word) == 11:
            found = found.filter(
                pk__in=PhoneNumber.objects.filter(number=word).values("customer_id")
            )
        elif TAIL.match(word) and len(word) >= 4:
            tail = word.upper()[::-1]
            lines = PhoneNumber.objects.filter(_prefix("number_rev", tail)).values("customer_id")
            found = found.filter(Q(pk__in=lines) | _prefix("id_number_rev", tail))
        elif CUSTOMER_NO.match(word) and any(c.isdigit() for c in word):
            found = found.filter(customer_no=word)
        else:
            found = found.filter(_prefix("name", word[:50]))
    return sorted(found.order_by()[: limit + 1], key=lambda c: (c.name, c.pk))
