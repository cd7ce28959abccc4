"""Who may do what: staff roles change only here, each change audited (V2, L5 access control).

The rule (docs/ARCHITECTURE.md, README "Roles"): from the admin an administrator changes other
people's roles, never their own; a role that unmasks personal data (`view_unmasked_pii`: the
complaint and care desks, account managers) is not granted from the admin at all — it is
granted on the server (`servicehall role`), where the operator's change process runs, and
still audited. Taking such a role away is allowed from the admin. Superuser, staff flag and
single permissions are never set from the admin (the staff flag follows the roles)."""

from __future__ import annotations

from django.contrib.auth.models import Group

from servicehall.core.audit import log_action
from servicehall.core.db import write_transaction
from servicehall.core.errors import Code as CoreCode
from servicehall.core.errors import Forbidden, ServiceError, require_perm
from servicehall.core.models import AuditLog

from .errors import Code
from .roles import ROLE_BY_CODE, ROLES, roles_of

UNMASKING_PERM = "customers.view_unmasked_pii"


def unmasking_roles() -> set[str]:
    return {r.code for r in ROLES if UNMASKING_PERM in r.perms}


def role_names(codes) -> str:
    return "、".join(ROLE_BY_CODE[c].name_zh for c in codes if c in ROLE_BY_CODE) or "—"


def check_role_change(actor, target, codes, *, from_admin: bool = True) -> tuple[list, list]:
    """The roles before and after, or the refusal: unknown role, one's own roles, an unmasking
    role granted from the admin."""
    if from_admin:
        require_perm(actor, "auth.change_user", "修改员工角色", "change staff roles")
    unknown = [c for c in codes if c not in ROLE_BY_CODE]
    if unknown:
        raise ServiceError(
            CoreCode.INVALID_CHOICE,
            f"没有这个角色：{'、'.join(unknown)}",
            f"No such role: {', '.join(unknown)}",
            field="roles",
            status=422,
        )
    before = sorted(r.code for r in roles_of(target)) if target.pk else []
    after = sorted(set(codes))
    if before == after:
        return before, after
    if target.pk is not None and target.pk == actor.pk:
        raise Forbidden(
            Code.OWN_ROLES,
            "不能修改自己的角色，请由另一位管理员办理",
            "You cannot change your own roles: another administrator must",
            field="roles",
        )
    granted = (set(after) - set(before)) & unmasking_roles()
    if from_admin and granted:
        raise Forbidden(
            Code.UNMASKING_ROLE,
            f"“{role_names(sorted(granted))}”可查看客户完整号码，不能在管理后台授予，"
            "须按授权流程在服务器上授予（servicehall role）",
            f"{', '.join(ROLE_BY_CODE[c].name_en for c in sorted(granted))} can see customers' "
            "full numbers: it is not granted from the admin but on the server, through the "
            "authorisation process (servicehall role)",
            field="roles",
        )
    return before, after


def set_roles(actor, target, codes, *, from_admin: bool = True, reason: str = "") -> bool:
    """Give `target` exactly these roles; True when something changed. One audit row
    `role.change` (actor, the user, from → to); the staff flag follows the roles."""
    before, after = check_role_change(actor, target, codes, from_admin=from_admin)
    if before == after:
        return False
    with write_transaction():
        target.groups.set(Group.objects.filter(name__in=after))
        is_staff = target.is_superuser or any(ROLE_BY_CODE[c].admin_site for c in after)
        if target.is_staff != is_staff:
            target.is_staff = is_staff
            target.save(update_fields=["is_staff"])
        note = f"{target.username}: {role_names(before)} → {role_names(after)}"
        log_action(
            actor, AuditLog.Action.ROLE_CHANGE, "user", target.pk, reason=f"{note} {reason}".strip()
        )
    return True


def check_password_settable(actor, target) -> None:
    """Whoever knows a password acts in that person's name, reveals included: the admin sets no
    password of an account that may unmask personal data (or of a superuser) — the same rule as
    granting such a role (servicehall role on the server; the person sets their own)."""
    if target.is_superuser or target.has_perm(UNMASKING_PERM):
        raise Forbidden(
            Code.UNMASKING_ROLE,
            f"{target.username} 可查看客户完整号码，不能在管理后台设置其密码，"
            "须由本人修改或按授权流程在服务器上重置",
            f"{target.username} can see customers' full numbers: their password is not set from "
            "the admin, but by themselves or on the server through the authorisation process",
            field="password",
        )


def password_set(actor, target) -> None:
    """An administrator set someone's password in the admin: audited, since whoever knows it
    can act (and reveal) in that person's name."""
    with write_transaction():
        log_action(actor, AuditLog.Action.USER_PASSWORD, "user", target.pk, reason=target.username)
