"""Forbidden phrases (P1): the handbook's 忌轻易说出“你可上法院、信产部、消协告我去”. A text staff write
on any case — a note, a chat reply, a stage's text — is checked before it is saved (the case
engine's TEXT_CHECKS hook, cases/services/common.py, appended to in ComplaintsConfig.ready()).

Matching ignores spaces and punctuation, full- or half-width ("你去 消协，告我！" is "你去消协告我").
A phrase ending in 我 does not match where 们 follows: "客户说要去消协告我们" reports the
customer's words, it does not tell the customer to go and sue."""

from __future__ import annotations

import unicodedata

from servicehall.core.errors import ServiceError

from .errors import Code
from .models import ForbiddenPhrase

# the handbook's approach instead (暗示法: the cost and the proof a lawsuit takes, then our offer)
APPROACH_ZH = (
    "请改用手册的方法：理解客户心情，暗示走法律途径取证难、费用高、时间长，"
    "再给出公司目前最优的解决方案（暗示法、以退为进法）。"
)
APPROACH_EN = (
    "Use the handbook's approach instead: acknowledge the customer's feelings, hint that a "
    "lawsuit takes proof, money and time, then offer the company's best solution "
    "(the hinting and step-back techniques)."
)


def normalise(text: str) -> str:
    """Letters, digits and Chinese characters only, full-width folded, lower case."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in folded if ch.isalnum()).lower()


def find_forbidden(text: str, phrases=None) -> ForbiddenPhrase | None:
    """The first active phrase the text contains, or None."""
    plain = normalise(text)
    if not plain:
        return None
    if phrases is None:
        phrases = ForbiddenPhrase.objects.filter(active=True)
    for p in phrases:
        needle = normalise(p.phrase)
        if needle and _contains(plain, needle):
            return p
    return None


def _contains(plain: str, needle: str) -> bool:
    start = plain.find(needle)
    while start >= 0:
        end = start + len(needle)
        if not (needle.endswith("我") and plain[end : end + 1] == "们"):
            return True
        start = plain.find(needle, start + 1)
    return False


def refuse_forbidden(text: str, field: str) -> None:
    """The TEXT_CHECKS member: 422 naming the field, quoting the phrase, and the approach."""
    found = find_forbidden(text)
    if found is None:
        return
    raise ServiceError(
        Code.FORBIDDEN_PHRASE,
        f"内容含有投诉处理禁语“{found.phrase}”（{found.why}），未保存。{APPROACH_ZH}",
        f"The text contains the forbidden phrase “{found.phrase}” ({found.why}); nothing was "
        f"saved. {APPROACH_EN}",
        field=field,
        status=422,
    )
