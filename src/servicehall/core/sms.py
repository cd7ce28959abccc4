"""Texts to customers go through one function, into the outbox (SmsMessage)."""

from __future__ import annotations

from .models import SmsMessage


def queue_sms(to: str, text: str, purpose: str) -> SmsMessage:
    return SmsMessage.objects.create(to=to, text=text[:500], purpose=purpose)
