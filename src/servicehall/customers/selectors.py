"""Reads of customer data."""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from servicehall.core.db import among
from servicehall.core.masking import mask_address, mask_id_number, mask_name, mask_phone
from servicehall.org.models import staff_name

from .models import Bill, Consent, Customer, Identification, PhoneNumber, PrivilegeUse
from .profile import label


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
CANDIDATES = 5000  # the most customers one run of digits narrows to (a 4-digit tail: ~1,000 in 10M)
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
    more says "narrow it down"), by name. Every part is an index lookup — the digits' matches
    among lines and among IDs fetched apart (an OR of the two would scan every customer) — and
    no order is asked of the database, so even "王" stops after the first rows it finds."""
    words = [w for w in re.split(r"\s+", (q or "").strip()) if w][:3]
    if not words:
        return []
    found = Customer.objects.all()
    ids: set[int] | None = None  # the customers the digits typed allow
    for word in words:
        if word.isdigit() and len(word) == 11:
            allowed = set(
                PhoneNumber.objects.filter(number=word).values_list("customer_id", flat=True)
            )
        elif TAIL.match(word) and len(word) >= 4:
            tail = word.upper()[::-1]
            allowed = set(
                PhoneNumber.objects.filter(_prefix("number_rev", tail)).values_list(
                    "customer_id", flat=True
                )[:CANDIDATES]
            ) | set(
                Customer.objects.filter(_prefix("id_number_rev", tail)).values_list(
                    "pk", flat=True
                )[:CANDIDATES]
            )
        elif CUSTOMER_NO.match(word) and any(c.isdigit() for c in word):
            found = found.filter(customer_no=word)
            continue
        else:
            found = found.filter(_prefix("name", word[:50]))
            continue
        ids = allowed if ids is None else ids & allowed
    if ids is not None:
        if not ids:
            return []
        found = found.filter(among("pk", ids))
    return sorted(found.order_by()[: limit + 1], key=lambda c: (c.name, c.pk))


# --- the customer page (V1): the customer's own parts, masked unless revealed (V2) -----------

MASKED_IN_HISTORY = {
    "name": mask_name,
    "id_number": mask_id_number,
    "address": mask_address,
}


def _history_value(key: str, value, revealed: bool, amounts: bool):
    if value is None or revealed:
        return value
    if key == "monthly_spend":
        return value if amounts else "***"
    if key not in MASKED_IN_HISTORY:
        return value  # a line is named by its last four digits only, never whole
    return MASKED_IN_HISTORY[key](value)


def history(
    customer: Customer, *, revealed: bool = False, amounts: bool = False, limit: int = 50
) -> list[dict]:
    """The customer's changes, newest first: who, when, from where, each field before → after
    (names, ID numbers and addresses masked unless revealed; spending unless `amounts`)."""
    from django.utils.translation import get_language

    english = (get_language() or "").startswith("en")
    rows = []
    for c in customer.changes.select_related("by", "by__staff")[:limit]:
        rows.append(
            {
                "at": c.at,
                "by": staff_name(c.by) or "—",
                "source": c.get_source_display(),
                "note": c.note,
                "fields": [
                    {
                        "label": _change_label(key, english),
                        "before": _history_value(key, before, revealed, amounts),
                        "after": _history_value(key, after, revealed, amounts),
                    }
                    for key, (before, after) in c.fields.items()
                ],
            }
        )
    return rows


def _change_label(key: str, english: bool) -> str:
    if key.startswith("line:"):
        parts = key.split(":")
        line = f"*{parts[1]}"
        if len(parts) == 2:
            return ("Line " if english else "号码") + line
        field = "line_status" if parts[2] == "status" else parts[2]
        return f"{'Line' if english else '号码'}{line} {label(field, english)}"
    if key == "status":
        return "Status" if english else "状态"
    return label(key, english)


def lines(customer: Customer, *, revealed: bool = False) -> list[dict]:
    return [
        {
            "number": p.number if revealed else mask_phone(p.number),
            "tail": p.number[-4:],
            "primary": p.is_primary,
            "account": p.account,
            "plan": p.plan,
            "status": p.status,
            "status_name": p.get_status_display(),
            "opened_on": p.opened_on,
            "ended_on": p.ended_on,
        }
        for p in customer.phones.order_by("-is_primary", "number")
    ]


def bills(
    customer: Customer, *, revealed: bool = False, amounts: bool = False, months: int = 6
) -> list[dict]:
    """The customer's latest bills per line. Numbers shown whole only revealed; amounts and
    usage only with `amounts` (V2: the roles that advise on plans from them, or revealed)."""
    rows = []
    for phone in customer.phones.all():
        for b in recent_bills(phone.number, months):
            rows.append(
                {
                    "number": phone.number if revealed else mask_phone(phone.number),
                    "month": b.month,
                    "amount": b.amount if amounts else None,
                    "plan": b.plan,
                }
            )
    return sorted(rows, key=lambda r: (r["month"], r["number"]), reverse=True)


def consents(customer: Customer) -> list[dict]:
    """Each purpose with what holds now (the latest row) and when it was given or withdrawn."""
    latest: dict[str, Consent] = {}
    for c in customer.consents.all():  # newest first
        latest.setdefault(c.purpose, c)
    return [
        {
            "purpose": p.value,
            "label": p.label,
            "granted": latest[p.value].granted if p.value in latest else None,
            "at": latest[p.value].at if p.value in latest else None,
            "channel": latest[p.value].channel if p.value in latest else "",
        }
        for p in Consent.Purpose
    ]


def identifications(customer: Customer, limit: int = 5) -> list[Identification]:
    return list(customer.identifications.select_related("by", "by__staff")[:limit])


def privilege_uses(customer: Customer, limit: int = 10) -> list[PrivilegeUse]:
    return list(customer.privilege_uses.select_related("by", "by__staff")[:limit])


def tenure_years(customer: Customer) -> int | None:
    if customer.joined_on is None:
        return None
    today = timezone.localdate()
    years = today.year - customer.joined_on.year
    if (today.month, today.day) < (customer.joined_on.month, customer.joined_on.day):
        years -= 1
    return max(years, 0)
