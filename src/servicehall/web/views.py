"""Pages shared by every surface: sign-in, the role home page."""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.views.defaults import permission_denied
from django.views.defaults import server_error as django_server_error

from servicehall.cases.selectors import area_desk_member
from servicehall.core.errors import database_unavailable
from servicehall.org.roles import roles_of
from servicehall.queueing.services import default_hall

from .access import page

log = logging.getLogger(__name__)


@page()
def home(request):
    """Each role lands where its work is (org/roles.py: Role.home)."""
    user = request.user
    hall = default_hall(user)
    if user.has_perm("cases.handle_case") and area_desk_member(user):
        # the fault desk, the hotline: their work is the team queue, not a hall counter
        return redirect(reverse("web:cases") + "?scope=desk")
    roles = roles_of(user)
    where = next((r.home for r in roles if r.home), "")
    if where == "board" and hall:
        return redirect("web:board", hall=hall.code)
    if where == "kiosk" and hall:
        return redirect("web:kiosk", hall=hall.code)
    if where == "workbench":
        return redirect("web:workbench")
    if where == "cases":
        return redirect("web:cases")
    if where == "admin" and user.is_staff:
        return redirect("admin:index")
    return render(request, "web/home.html", {"roles": roles, "hall": hall})


def csrf_failure(request, reason=""):
    """A form sent without its security token (the page was open too long, cookies cleared):
    the house's 403 page with a way back, not Django's developer page."""
    return permission_denied(request, exception=None, template_name="403_csrf.html")


def server_error(request):
    """Django's last resort (handler500). A database that is away or did not hand out a
    connection in time (an outage, a restart, SQLite's lock held too long) is not our bug: 503
    in words — JSON with the code for the API, the house's page for a person — which a client
    may retry, rendered without touching the database. Anything else: the 500 page with the
    menu and the user's name like 403 and 404, or without them when its context breaks too."""
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        err = database_unavailable()
        if request.path.startswith("/api/"):
            response = JsonResponse(err.as_dict(), status=503)
        else:
            response = render_without_request("503.html", status=503)
        response["Retry-After"] = "5"
        return response
    try:
        return render(request, "500.html", status=500)
    except Exception:
        log.warning("500 page rendered without the request's context", exc_info=True)
        return django_server_error(request)


def render_without_request(template: str, status: int) -> HttpResponse:
    return HttpResponse(loader.get_template(template).render(), status=status)
