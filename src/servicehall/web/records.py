"""The customer's rights (PIPL) from the customer page: a file of everything held about the
customer, and erasure on request (records.services). GET shows the form with its reason;
POST does it — the file is downloaded, the erasure's answer (what was removed, what is kept,
why and until when) is shown. A refusal is shown in the interface language."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from servicehall.core.errors import ServiceError
from servicehall.records import services

from .access import page
from .forms import error_text


def _ip(request):
    return request.META.get("REMOTE_ADDR")


def _form(request, customer_id, what: str, *, error=None, status=200, result=None):
    customer = services.customer_for_rights(request.user, customer_id, what)
    return render(
        request,
        "web/records/customer_rights.html",
        {
            "customer": customer,
            "what": what,
            "error": error_text(error) if error else "",
            "error_field": getattr(error, "field", None),
            "reason": request.POST.get("reason", ""),
            "result": result,
        },
        status=status,
    )


@page("records.export_customer")
@require_http_methods(["GET", "POST"])
def export(request, customer_id):
    if request.method == "GET":
        return _form(request, customer_id, "export")
    try:
        name, data = services.export_customer(
            request.user, customer_id, request.POST.get("reason", ""), ip=_ip(request)
        )
    except ServiceError as exc:
        return _form(request, customer_id, "export", error=exc, status=exc.status)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@page("records.erase_customer")
@require_http_methods(["GET", "POST"])
def erase(request, customer_id):
    if request.method == "GET":
        return _form(request, customer_id, "erase")
    try:
        result = services.erase_on_request(
            request.user, customer_id, request.POST.get("reason", ""), ip=_ip(request)
        )
    except ServiceError as exc:
        return _form(request, customer_id, "erase", error=exc, status=exc.status)
    return _form(request, customer_id, "erase", result=result)
