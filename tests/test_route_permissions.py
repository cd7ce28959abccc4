"""Every route checks permission: each API operation and each page is requested by
every role and by an anonymous user. Anonymous: 401 (API) or a redirect to sign-in (pages).
A role without the route's permission: 403. A role with it: never 401/403 (the request may
still be refused for the state it meets, 404/409/422 — but never 500).

The API table below is the declared contract: a new API route fails this test until it is
added here. Pages declare their permissions with `web.access.page(...)`."""

import json
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from servicehall.api import api
from servicehall.cases import services as cases
from servicehall.core.models import ImportJob
from servicehall.knowledge import chat
from servicehall.knowledge import services as kb
from servicehall.org.roles import ROLES
from servicehall.queueing import services
from tests.factories import counter, make_customer, make_staff

READERS = ("queueing.issue_ticket", "queueing.serve_counter", "queueing.view_board")
SERVE = ("queueing.serve_counter",)
CASE_READ = ("cases.handle_case", "cases.view_all_cases")
HANDLE = ("cases.handle_case",)
KB_READ = ("knowledge.read_knowledge", "knowledge.author_article", "knowledge.review_article")
KB_AUTHOR = ("knowledge.author_article",)
KB_REVIEW = ("knowledge.review_article",)
TOMORROW = (timezone.now() + timezone.timedelta(days=1)).isoformat()

API = {  # (method, path): (any of these permissions, body)
    ("GET", "/api/queue/halls"): ((*READERS, "queueing.view_display"), None),
    ("GET", "/api/queue/service-types"): (READERS, None),
    ("GET", "/api/queue/categories"): (SERVE, None),
    ("POST", "/api/queue/halls/{hall}/open"): (("queueing.manage_queue",), None),
    ("POST", "/api/queue/halls/{hall}/close"): (("queueing.manage_queue",), None),
    ("GET", "/api/queue/halls/{hall}/board"): (("queueing.view_board",), None),
    ("GET", "/api/queue/halls/{hall}/calls"): (
        ("queueing.view_display", "queueing.view_board"),
        None,
    ),
    ("POST", "/api/queue/halls/{hall}/tickets"): (
        ("queueing.issue_ticket",),
        {"service_type": "payment"},
    ),
    ("POST", "/api/queue/halls/{hall}/check-in"): (
        ("queueing.issue_ticket",),
        {"phone": "13800000001"},
    ),
    ("POST", "/api/queue/halls/{hall}/appointments"): (
        ("queueing.book_appointment",),
        {"service_type": "business", "phone": "13800000001", "slot_at": TOMORROW},
    ),
    ("GET", "/api/queue/halls/{hall}/appointments"): (("queueing.book_appointment",), None),
    ("POST", "/api/queue/appointments/{appointment_id}/move"): (
        ("queueing.book_appointment",),
        {"slot_at": TOMORROW},
    ),
    ("POST", "/api/queue/appointments/{appointment_id}/cancel"): (
        ("queueing.book_appointment",),
        {"reason": "路由测试"},
    ),
    ("GET", "/api/queue/tickets/{ticket_id}"): (READERS, None),
    ("GET", "/api/queue/tickets/{ticket_id}/events"): (
        ("queueing.serve_counter", "queueing.view_board"),
        None,
    ),
    ("POST", "/api/queue/tickets/{ticket_id}/recall"): (SERVE, None),
    ("POST", "/api/queue/tickets/{ticket_id}/no-show"): (SERVE, None),
    ("POST", "/api/queue/tickets/{ticket_id}/start"): (SERVE, None),
    ("POST", "/api/queue/tickets/{ticket_id}/finish"): (SERVE, {"category": "bill-pay"}),
    ("POST", "/api/queue/tickets/{ticket_id}/transfer"): (SERVE, {"service_type": "consult"}),
    ("POST", "/api/queue/tickets/{ticket_id}/move-to-quiet"): (
        ("queueing.move_to_quiet",),
        {"note": ""},
    ),
    ("POST", "/api/queue/tickets/{ticket_id}/cancel"): (("queueing.issue_ticket",), None),
    ("GET", "/api/queue/halls/{hall}/counters"): (
        ("queueing.serve_counter", "queueing.view_board"),
        None,
    ),
    ("GET", "/api/queue/counters/{counter_id}"): (
        ("queueing.serve_counter", "queueing.view_board"),
        None,
    ),
    ("POST", "/api/queue/counters/{counter_id}/sign-in"): (SERVE, None),
    ("POST", "/api/queue/counters/{counter_id}/sign-out"): (SERVE, None),
    ("POST", "/api/queue/counters/{counter_id}/call-next"): (SERVE, None),
    ("POST", "/api/queue/counters/{counter_id}/call-number"): (SERVE, {"number": "B001"}),
    ("POST", "/api/queue/counters/{counter_id}/pause"): (SERVE, {"reason": "break"}),
    ("POST", "/api/queue/counters/{counter_id}/resume"): (SERVE, None),
    ("GET", "/api/customers/lookup"): (("customers.view_customer",), None),
    ("GET", "/api/customers/{customer_id}"): (("customers.view_customer",), None),
    ("POST", "/api/customers/{customer_id}/reveal"): (
        ("customers.view_unmasked_pii",),
        {"reason": "核实身份"},
    ),
    ("GET", "/api/cases/types"): (CASE_READ, None),
    ("POST", "/api/cases"): (
        ("cases.open_case",),
        {"kind": "work_order", "channel": "hotline", "category": "other", "description": "测试"},
    ),
    ("GET", "/api/cases"): (CASE_READ, None),
    ("GET", "/api/cases/sla"): (("cases.view_all_cases",), None),
    ("GET", "/api/cases/closure-reviews"): (("cases.view_all_cases",), None),
    ("POST", "/api/cases/{case_id}/closure-code"): (HANDLE, None),
    ("POST", "/api/cases/{case_id}/closure-review"): (("cases.review_closure",), {"verdict": "ok"}),
    ("POST", "/api/cases/bill-shock/import"): (("customers.import_bills",), None),
    ("GET", "/api/cases/{case_id}"): (CASE_READ, None),
    ("PATCH", "/api/cases/{case_id}"): (HANDLE, {"version": 1, "subject": "改"}),
    ("POST", "/api/cases/{case_id}/actions/{action}"): (HANDLE, {"version": 1}),
    ("POST", "/api/cases/{case_id}/comments"): (HANDLE, {"note": "备注"}),
    ("POST", "/api/cases/{case_id}/transfer"): (
        HANDLE,
        {"version": 1, "desk": "fault", "summary": "转障碍台"},
    ),
    ("POST", "/api/cases/{case_id}/chat-replies"): (HANDLE, {"text": "您好"}),
    ("POST", "/api/cases/{case_id}/escalate"): (HANDLE, {"version": 1, "reason": "超权限"}),
    ("POST", "/api/cases/{case_id}/promise"): (HANDLE, {"version": 1, "promised_at": TOMORROW}),
    ("GET", "/api/catalog/plans"): (("catalog.offer_plan", "catalog.import_catalog"), None),
    ("POST", "/api/catalog/import"): (("catalog.import_catalog",), None),
    ("GET", "/api/catalog/recommendation"): (("catalog.offer_plan",), None),
    ("POST", "/api/catalog/recommendation/answer"): (
        ("catalog.offer_plan",),
        {"phone": "13800000001", "tier": "x", "outcome": "accepted", "moment": "handling"},
    ),
    ("GET", "/api/knowledge/search"): (KB_READ, None),
    ("GET", "/api/knowledge/categories"): (KB_READ, None),
    ("GET", "/api/knowledge/articles"): (KB_READ, None),
    ("POST", "/api/knowledge/articles"): (KB_AUTHOR, {"title": "路由测试", "body": "正文"}),
    ("GET", "/api/knowledge/articles/{article_id}"): (KB_READ, None),
    ("PATCH", "/api/knowledge/articles/{article_id}"): (KB_AUTHOR, {"version": 1, "body": "改"}),
    ("POST", "/api/knowledge/articles/{article_id}/actions/{action}"): (
        (*KB_AUTHOR, *KB_REVIEW),
        {"version": 1},
    ),
    # Public (perms None): customers' chat clients; the conversation token is the key.
    ("POST", "/api/chat/conversations"): (None, {"channel": "web"}),
    ("GET", "/api/chat/conversations/{token}"): (None, None),
    ("POST", "/api/chat/conversations/{token}/messages"): (None, {"text": "你好"}),
    ("POST", "/api/chat/conversations/{token}/handover"): (None, {}),
    ("POST", "/api/chat/conversations/{token}/verify"): (None, {"phone": "13800000001"}),
    ("POST", "/api/chat/conversations/{token}/verify/confirm"): (None, {"code": "000000"}),
}
PUBLIC_PAGES = {
    "web:login",
    "web:logout",
    "set_language",
    "web:survey",
    "web:chat-start",
    "web:chat",
    "web:chat-events",  # the conversation token is the key, as for the chat page
    "web:help",  # published public articles only (knowledge.selectors.public_article)
    # the customer's ticket page (Q1): the ticket's unguessable token is the key
    "web:my-ticket",
    "web:my-ticket-partial",
    "web:my-ticket-cancel",
}


def api_operations():
    schema = api.get_openapi_schema()
    return {(m.upper(), p) for p, ops in schema["paths"].items() for m in ops}


def test_api_table_covers_every_operation(db):
    assert api_operations() == set(API)


def web_routes():
    """(name, pattern, view) of every page outside the admin and the API."""
    out = []

    def walk(patterns, prefix="", ns=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                if str(p.pattern) in ("admin/", "api/"):
                    continue
                walk(p.url_patterns, prefix + str(p.pattern), p.namespace or ns)
            elif isinstance(p, URLPattern):
                name = f"{ns}:{p.name}" if ns else p.name
                out.append((name, prefix + str(p.pattern), p.callback))

    walk(get_resolver().url_patterns)
    return out


def test_every_page_declares_its_permissions():
    missing = [
        n
        for n, _, view in web_routes()
        if n not in PUBLIC_PAGES and not hasattr(view, "required_perms")
    ]
    assert missing == []


@pytest.fixture
def world(hall):
    device = make_staff("device", hall)
    customer = make_customer("gold", phone="13800000001")
    ticket = services.issue_ticket(device, hall, "payment")
    owner = make_staff("clerk", hall)
    make_staff("channel", hall, username="online")  # chat hand-overs are opened in its name
    case = cases.open_case(
        owner, kind="work_order", channel="hotline", category="other", description="路由测试"
    )
    article = kb.create_article(
        make_staff("care_desk", hall), title="路由测试", body="正文", audience="public"
    )
    make_customer(phone="13800000002")
    appointment = services.book_appointment(
        owner, hall, "business", "13800000002", timezone.now() + timezone.timedelta(hours=2)
    )
    # an import job of the care desk's: its own page for them and administrators, 404 for others
    job = ImportJob.objects.create(
        kind="bills", file_name="oct.csv", user=make_staff("care_desk", hall)
    )
    return {
        "appointment_id": appointment.pk,
        "job_id": job.pk,
        "kind": "bills",
        "article_id": article.pk,
        "case_id": case.pk,
        "hall": hall.code,
        "ticket_id": ticket.pk,
        "counter_id": counter(hall, "1号窗口").pk,
        "customer_id": customer.pk,
        "action": "start",
        "token": chat.start("web").token,
    }


def fill(path: str, world: dict) -> str:
    for key, value in world.items():
        for token in (f"{{{key}}}", f"<{key}>", f"<int:{key}>", f"<str:{key}>", f"<slug:{key}>"):
            path = path.replace(token, str(value))
    return path


@pytest.mark.parametrize("role", [None, *[r.code for r in ROLES]])
def test_every_route_with_every_role(role, world, hall, client):
    user = make_staff(role, hall) if role else None
    if user:
        client.force_login(user)
    failures = []
    for (method, path), (perms, body) in API.items():
        url = fill(path, world) + (
            "?phone=13800000001" if path.endswith(("lookup", "recommendation")) else ""
        )
        r = (
            client.get(url)
            if method == "GET"
            else client.generic(method, url, json.dumps(body or {}), "application/json")
        )
        if perms is None:  # public
            ok = r.status_code not in (401, 403) and r.status_code < 500
            if not ok:
                failures.append((method, url, r.status_code, True))
            continue
        allowed = user is not None and any(user.has_perm(p) for p in perms)
        if user is None:
            ok = r.status_code == 401
        elif allowed:
            ok = r.status_code not in (401, 403) and r.status_code < 500
        else:
            ok = r.status_code == 403
        if not ok:
            failures.append((method, url, r.status_code, allowed))
    for name, pattern, view in web_routes():
        if name in PUBLIC_PAGES or "<" in fill("/" + pattern, world):
            continue
        url = fill("/" + pattern, world)
        r = client.get(url)
        if r.status_code == 405:  # a form action: POST it
            r = client.post(url, {})
        perms = view.required_perms
        allowed = user is not None and (not perms or any(user.has_perm(p) for p in perms))
        if user is None:
            ok = r.status_code == 302 and "/login/" in r["Location"]
        elif allowed:
            ok = r.status_code in (200, 302, 404, 422)
        else:
            ok = r.status_code == 403
        if not ok:
            failures.append(("GET", url, r.status_code, allowed))
    assert failures == []


def test_api_docs_need_sign_in(client, clerk):
    assert client.get("/api/docs").status_code == 302
    assert client.get("/api/openapi.json").status_code == 302
    client.force_login(clerk)
    assert client.get("/api/docs").status_code == 200
    assert (
        "/api/queue/counters/{counter_id}/call-next"
        in client.get("/api/openapi.json").json()["paths"]
    )


def test_api_docs_work_offline(client, clerk):
    """Swagger UI's files come from the installed package, served by us: no CDN, so the docs
    open in a hall with no internet."""
    client.force_login(clerk)
    page = client.get("/api/docs").content.decode()
    assert "cdn" not in page.lower() and "https://" not in page
    scripts = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    assert any("swagger-ui-bundle" in s for s in scripts)
    for url in scripts:
        r = client.get(url)
        assert r.status_code == 200, url
