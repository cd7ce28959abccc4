"""Texts to customers go through one function, into the outbox (SmsMessage)."""

from __future__ import annotations

import re

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import SmsMessage

# What each text is for, in words (the outbox's purpose column).
PURPOSES = {
    "survey": _("Satisfaction survey link"),
    "chat_verify": _("Chat verification code"),
    "queue_near": _("Your number is nearly up"),
    "escalation": _("Escalation notice"),
}


def purpose_label(code: str) -> str:
    return str(PURPOSES.get(code, code))


# Texts whose digits are a secret for the customer alone: blanked where staff read the outbox.
ONE_TIME_CODE_PURPOSES = frozenset({"chat_verify"})
_DIGITS = re.compile(r"\d{4,8}")


def queue_sms(to: str, text: str, purpose: str) -> SmsMessage:
    return SmsMessage.objects.create(to=to, text=text[:500], purpose=purpose)


def outbox_text(message: SmsMessage) -> str:
    """The text as staff see it in the outbox: a one-time code blanked, unless this hall has
    no gateway and the outbox is where the code is read (settings.SMS_OUTBOX_SHOWS_CODES)."""
    if message.purpose in ONE_TIME_CODE_PURPOSES and not settings.SMS_OUTBOX_SHOWS_CODES:
        return _DIGITS.sub(lambda m: "*" * len(m.group(0)), message.text)
    return message.text
