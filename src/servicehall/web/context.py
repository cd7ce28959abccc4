"""Template context shared by every page."""

from servicehall.org.roles import ROLE_BY_CODE


def hall_device(request) -> dict:
    """`hall_device`: the signed-in account is a hall device (kiosk, screen) and nothing else,
    so its pages show no staff bar, no sign-out and no links away (base.html). Staff who open
    the kiosk page keep their bar. The one place this is decided."""

    def decide() -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_staff:
            return False
        roles = set(user.groups.values_list("name", flat=True))
        return roles == {ROLE_BY_CODE["device"].code}

    return {"hall_device": decide}
