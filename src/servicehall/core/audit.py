"""Writing audit rows: the one helper every unmasked view or export goes through (V2), and the
record of managers' operational switches (opening and closing ticketing)."""

from __future__ import annotations

from .models import AuditLog


def log_pii_access(
    actor, obj_type: str, obj_id, fields: list[str], reason: str, *, export: bool = False, ip=None
) -> AuditLog:
    return AuditLog.objects.create(
        actor=actor,
        action=AuditLog.Action.PII_EXPORT if export else AuditLog.Action.PII_VIEW,
        object_type=obj_type,
        object_id=str(obj_id),
        fields=fields,
        reason=reason[:200],
        remote_addr=ip,
    )


def log_action(actor, action: str, obj_type: str, obj_id, reason: str = "", *, ip=None) -> AuditLog:
    return AuditLog.objects.create(
        actor=actor,
        action=action,
        object_type=obj_type,
        object_id=str(obj_id),
        fields=[],
        reason=reason[:200],
        remote_addr=ip,
    )


def system_actor(name: str):
    """The account that stands for an automatic job in the audit log ("schedule": the opening
    hours sweep). Inactive, without a password or permissions: nobody can sign in as it."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    user = User.objects.filter(username=name).first()
    if user is None:
        user, created = User.objects.get_or_create(username=name, defaults={"is_active": False})
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
    return user
