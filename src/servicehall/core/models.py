import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditLog(models.Model):
    """Who saw or exported personal data unmasked, when and why (V2, L5). Append-only."""

    class Action(models.TextChoices):
        PII_VIEW = "pii.view", _("Unmasked view of personal data")
        PII_EXPORT = "pii.export", _("Export of personal data")

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=32, choices=Action.choices)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    fields = models.JSONField(default=list)
    reason = models.CharField(max_length=200)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")


class ApiToken(models.Model):
    """A bearer token for systems and scripts calling the API as a staff member.
    Only the SHA-256 of the token is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("API token")

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, user, name: str) -> str:
        raw = secrets.token_urlsafe(32)
        cls.objects.create(user=user, name=name, digest=cls.hash(raw))
        return raw
