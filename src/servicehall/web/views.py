"""Pages shared by every surface: sign-in, the role home page."""

from django.shortcuts import redirect, render
from django.urls import reverse

from servicehall.cases.selectors import area_desk_member
from servicehall.org.models import Hall
from servicehall.org.roles import roles_of

from .access import page


@page()
def home(request):
    """Each role lands where its work is."""
    user = request.user
    hall = (
        getattr(getattr(user, "staff", None), "hall", None) or Hall.objects.order_by("pk").first()
    )
    if user.has_perm("queueing.view_board") and hall:
        return redirect("web:board", hall=hall.code)
    if user.has_perm("cases.handle_case") and area_desk_member(user):
        # the fault desk, the hotline: their work is the team queue, not a hall counter
        return redirect(reverse("web:cases") + "?scope=desk")
    if user.has_perm("queueing.serve_counter"):
        return redirect("web:workbench")
    if user.has_perm("queueing.issue_ticket") and hall:
        return redirect("web:kiosk", hall=hall.code)
    return render(request, "web/home.html", {"roles": roles_of(user), "hall": hall})
