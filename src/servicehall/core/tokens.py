"""Who an API bearer token belongs to, with their permissions, remembered briefly per process.

A counter clicking through call -> start -> finish sends a request every few seconds; looking
the token, the user and both permission tables up again for each one cost a fifth of a
request's time. The answer is kept for TOKEN_CACHE_S seconds, and this process forgets all of
it whenever a user, group, permission assignment or token changes here. Another server
process notices such a change within TOKEN_CACHE_S (a revoked token or role works at most that
much longer there).
"""

from __future__ import annotations

import copy

from django.contrib.auth.models import Group, User
from django.db.models.signals import m2m_changed, post_delete, post_save

from .models import ApiToken
from .ttl import TTLCache

TOKEN_CACHE_S = 10.0

_users: TTLCache[User] = TTLCache(TOKEN_CACHE_S)


def _lookup(digest: str) -> User | None:
    row = ApiToken.objects.select_related("user").filter(digest=digest).first()
    if row is None or not row.user.is_active:
        return None
    row.user.get_all_permissions()  # fills the caches has_perm reads
    return row.user


def user_for_token(raw: str) -> User | None:
    digest = ApiToken.hash(raw)
    user = _users.get(digest, lambda: _lookup(digest))
    return copy.copy(user) if user is not None else None  # the copy shares the read-only perms


def forget_all(**kwargs) -> None:
    _users.forget()


def connect_signals() -> None:
    for model in (User, Group, ApiToken):
        post_save.connect(forget_all, sender=model, dispatch_uid=f"tokens-save-{model.__name__}")
        post_delete.connect(forget_all, sender=model, dispatch_uid=f"tokens-del-{model.__name__}")
    for through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(
            forget_all, sender=through, dispatch_uid=f"tokens-m2m-{through.__name__}"
        )
