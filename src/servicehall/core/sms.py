"""Texts to customers go through one function, into the outbox (SmsMessage)."""

from __future__ import annotations

import re

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .masking import mask_token
from .models import SmsMessage

# What each text is for, in words (the outbox's purpose column).
PURPOSES = {
    "survey": _("Satisfaction survey link"),
    "chat_verify": _("Chat verification code"),
    "queue_near": _("Your number is nearly up"),
    "escalation": _("Escalation notice"),
    "closure_code": _("Code to confirm a case in person"),
    "identification_code": _("Code to identify the customer"),
    "incident_notice": _("Service interruption notice"),
    "incident_restored": _("Service restored notice"),
}


def purpose_label(code: str) -> str:
    return str(PURPOSES.get(code, code))


# Texts whose digits are a secret for the customer alone: blanked where staff read the outbox.
ONE_TIME_CODE_PURPOSES = frozenset({"chat_verify", "closure_code", "identification_code"})
_DIGITS = re.compile(r"(?<![\dA-Za-z])\d{4,8}(?!\d)")  # a code, not a case number
# A link's last path segment of 8 or more URL-safe characters is a key (a survey's token, a
# ticket page's token): whoever holds it answers or cancels as the customer.
_LINK_TOKEN = re.compile(r"(https?://[^\s/]+(?:/[^\s/]+)*/)([A-Za-z0-9_-]{8,})")


def queue_sms(to: str, text: str, purpose: str) -> SmsMessage:
    return SmsMessage.objects.create(to=to, text=text[:500], purpose=purpose)


def outbox_text(message: SmsMessage) -> str:
    """The text as staff see it in the outbox: one-time codes blanked and the tokens of survey
    and ticket links cut to a few characters (whoever reads the outbox could otherwise answer
    a survey, verify or confirm a case as the customer); only the send path reads the full
    text. Unless this hall has no gateway and the outbox stands in for the customer's phone
    (settings.SMS_OUTBOX_SHOWS_CODES, the demo)."""
    if settings.SMS_OUTBOX_SHOWS_CODES:
        return message.text
    text = _LINK_TOKEN.sub(lambda m: m.group(1) + mask_token(m.group(2)), message.text)
    if message.purpose in ONE_TIME_CODE_PURPOSES:
        text = _DIGITS.sub(lambda m: "*" * len(m.group(0)), text)
    return text
