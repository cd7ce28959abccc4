"""Subscription disputes on a complaint (P4, L4): "核查定制关系" on the case page (the form is
web/cases/_subscription.html, its data from the `subscription_panel` tag) posts here; the
printable verification report (A4, Chinese) of one verification. The rules are in
complaints.subscriptions (services, verify)."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from servicehall.complaints.subscriptions import services
from servicehall.core.masking import mask_phone
from servicehall.org.models import staff_name

from .access import page
from .forms import attempt, words

KIND_NAMES = {  # an evidence row's record, in the report's words
    "order": "用户订购",
    "request": "平台二次确认请求",
    "confirm": "用户确认回复",
    "charge": "扣费",
    "delivery": "内容下发",
}


@page("complaints.verify_subscription")
@require_POST
def verify(request, case_id):
    v = attempt(
        request,
        lambda: services.verify_subscription(
            request.user, case_id, service=request.POST.get("service", "")
        ),
        form="subscription",
    )
    if v is not None:
        return redirect(
            reverse("web:case", kwargs={"case_id": case_id}) + f"?verified={v.pk}#subscription"
        )
    return redirect(reverse("web:case", kwargs={"case_id": case_id}) + "#subscription")


def _masked_addr(addr: str, line: str) -> str:
    """A mobile number masked (the line or another person's), an access code as it is."""
    return mask_phone(addr) if len(addr) == 11 and addr.startswith("1") else addr


@page("cases.handle_case", "cases.view_all_cases")
def report(request, case_id, verification_id):
    v = services.get_verification(request.user, case_id, verification_id)
    rows = []
    for e in v.evidence:
        at = timezone.localtime(timezone.datetime.fromisoformat(e["at"]))
        rows.append(
            {
                **e,
                "at": at,
                "kind_name": KIND_NAMES.get(e["kind"], e["kind"]),
                "from": _masked_addr(e["from"], v.line),
                "to": _masked_addr(e["to"], v.line),
                "other_service": e["service_code"] != v.service_code or e["sp_code"] != v.sp_code,
            }
        )
    computation = [
        {**c, "at": timezone.localtime(timezone.datetime.fromisoformat(c["at"]))}
        for c in v.computation
    ]
    remedy = services.remedy_for(v.case)
    return render(
        request,
        "web/subscriptions/report.html",
        {
            "v": v,
            "case": v.case,
            "line": mask_phone(v.line),
            "rows": rows,
            "computation": computation,
            "verified_by": staff_name(v.verified_by),
            "remedy": remedy[0] if remedy and services.latest(v.case).pk == v.pk else "",
            "printed_at": timezone.localtime(),
            "words": words,
        },
    )
