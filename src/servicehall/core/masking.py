"""Masking of personal data (V2). One place decides what a masked value looks like."""

from __future__ import annotations


def mask_phone(number: str | None) -> str | None:
    """13812345678 -> 138****5678; shorter numbers keep only their last 2 digits."""
    if not number:
        return number
    if len(number) >= 11:
        return f"{number[:3]}****{number[-4:]}"
    return "*" * max(len(number) - 2, 0) + number[-2:]


def mask_id_number(value: str | None) -> str | None:
    """110101199003074518 -> 110***********4518 (first 3 and last 4 shown)."""
    if not value:
        return value
    if len(value) <= 7:
        return "*" * len(value)
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"


def mask_name(name: str | None) -> str | None:
    """张伟 -> 张*, 欧阳娜娜 -> 欧***: the surname stays so the clerk can address the customer."""
    if not name:
        return name
    return name[0] + "*" * (len(name) - 1)


def mask_token(token: str | None, keep: int = 4) -> str | None:
    """A secret link's token (a survey's, a ticket's page) cut to its first characters:
    "Xy3kP0…" tells staff which link it was, and opens nothing."""
    if not token:
        return token
    return token[:keep] + "…"
