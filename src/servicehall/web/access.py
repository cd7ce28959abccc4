"""Permission checks for pages: every view declares what it needs, in one decorator."""

from __future__ import annotations

from functools import wraps

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def page(*perms: str):
    """Login required; then at least one of `perms` (none: any signed-in staff)."""

    def allowed(user) -> bool:
        return not perms or any(user.has_perm(p) for p in perms)

    def decorate(view):
        if iscoroutinefunction(view):

            @wraps(view)
            async def async_wrapper(request, *args, **kwargs):
                user = await request.auser()
                if not user.is_authenticated:
                    return redirect_to_login(request.get_full_path())
                if not await sync_to_async(allowed)(user):
                    raise PermissionDenied
                return await view(request, *args, **kwargs)

            async_wrapper.required_perms = perms
            return async_wrapper

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not allowed(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.required_perms = perms
        return wrapper

    return decorate
