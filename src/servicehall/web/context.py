"""Template context shared by every page."""

from servicehall.org.signin import is_hall_device


def hall_device(request) -> dict:
    """`hall_device`: the signed-in account is a hall device (kiosk, screen) and nothing else,
    so its pages show no staff bar, no sign-out and no links away (base.html). Staff who open
    the kiosk page keep their bar. Decided in one place, org.signin.is_hall_device (which also
    keeps a device signed in)."""
    return {"hall_device": lambda: is_hall_device(getattr(request, "user", None))}
