"""Masking of personal data (V2). One place decides what a masked value looks like."""

from __future__ import annotations

import re


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


def mask_address(address: str | None) -> str | None:
    """临江市城东区滨江路88号3栋501 -> 临江市城东区****: the places up to the district or the town
    stay (what an outage or a hall's area needs), the street and the door go."""
    if not address:
        return address
    places = [
        m.group(0) for m in re.finditer(r".{0,16}?(?:省|市|区|县|旗|镇|乡|街道)", address[:24])
    ]
    kept = "".join(places)
    if not address.startswith(kept):
        kept = ""
    return kept + "****"


# Numbers a person types into free text (chat messages, case descriptions, notes): a mainland
# mobile number (1[3-9] and 9 more digits, "+86" before it allowed) and an 18-digit resident ID
# number (the last one may be X), each with spaces or dashes anywhere between the digits. A run
# of digits longer than either is left alone (an order or account number is not personal data).
_SEP = r"[ \t\-]?"
_ID_RE = re.compile(r"(?<![\dXx])\d(?:" + _SEP + r"\d){16}" + _SEP + r"[\dXx](?![\dXx])")
_PHONE_RE = re.compile(r"(?<![\d+])(?:\+?86" + _SEP + r")?1[3-9](?:" + _SEP + r"\d){9}(?!\d)")


def _digits(text: str) -> str:
    return re.sub(r"[^\dXx]", "", text)


def mask_free_text(text: str | None) -> str | None:
    """Phone and ID numbers inside free text masked the way `mask_phone` and `mask_id_number`
    mask them alone: "我的号码 139 1234 5678" -> "我的号码 139****5678". The one function the
    case pages and the API show typed text through (V2); the original is read only through an
    audited reveal."""
    if not text:
        return text
    text = _ID_RE.sub(lambda m: mask_id_number(_digits(m.group(0)).upper()), text)
    return _PHONE_RE.sub(lambda m: mask_phone(_digits(m.group(0))[-11:]), text)


def has_personal_numbers(text: str | None) -> bool:
    """Whether `mask_free_text` would change the text (the page offers a reveal only then)."""
    return bool(text) and (bool(_ID_RE.search(text)) or bool(_PHONE_RE.search(text)))


def mask_token(token: str | None, keep: int = 4) -> str | None:
    """A secret link's token (a survey's, a ticket's page) cut to its first characters:
    "Xy3kP0…" tells staff which link it was, and opens nothing."""
    if not token:
        return token
    return token[:keep] + "…"
