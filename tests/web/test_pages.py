"""The hall pages through Django's test client (Q1–Q5): each page renders for a role
that may use it, answers 403 to one that may not and sends an anonymous visitor to sign in;
Chinese by default, English after switching; a refused action shows the bilingual error beside
its form and changes nothing."""

import re
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.test import AsyncClient, Client
from django.utils import timezone

from servicehall.core.models import AuditLog
from servicehall.queueing import services
from servicehall.queueing.models import Appointment, Ticket, TicketEvent
from servicehall.web import streams
from tests.factories import counter, make_customer, make_desk, make_staff

PAGES = {  # name: (url, a role allowed, a role refused)
    "kiosk": ("/kiosk/test-hall/", "device", "quality_supervisor"),
    "display": ("/display/test-hall/", "device", "clerk"),
    "display-partial": ("/display/test-hall/partial", "quality_supervisor", "complaint_desk"),
    "board": ("/board/test-hall/", "hall_manager", "device"),
    "board-partial": ("/board/test-hall/partial", "quality_supervisor", "clerk"),
    "workbench": ("/workbench/", "clerk", "device"),
    "workbench-partial": ("/workbench/partial", "vip_clerk", "quality_supervisor"),
}


def as_user(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def english(c: Client) -> Client:
    r = c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert r.status_code == 302
    return c


def text(response) -> str:
    return response.content.decode()


def flashed_errors(response) -> list[str]:
    return re.findall(r'<p class="msg inline error"[^>]*>([^<]*)</p>', text(response))


# ---------------------------------------------------------------- access


@pytest.mark.parametrize("name", PAGES)
def test_page_renders_for_allowed_role(name, hall):
    url, allowed, _refused = PAGES[name]
    r = as_user(make_staff(allowed, hall)).get(url)
    assert r.status_code == 200, text(r)[:500]


@pytest.mark.parametrize("name", PAGES)
def test_page_refuses_other_roles(name, hall):
    url, _allowed, refused = PAGES[name]
    assert as_user(make_staff(refused, hall)).get(url).status_code == 403


@pytest.mark.parametrize("name", [*PAGES, "events"])
def test_page_sends_anonymous_to_sign_in(name, hall, client):
    url = PAGES[name][0] if name in PAGES else "/halls/test-hall/events"
    r = client.get(url)
    assert r.status_code == 302
    assert r["Location"].startswith("/login/?next=")


@pytest.mark.parametrize(
    ("url", "role"),
    [
        ("/board/test-hall/open", "quality_supervisor"),
        ("/workbench/call", "device"),
        ("/workbench/sign-out", "quality_supervisor"),
    ],
)
def test_actions_refuse_roles_without_permission(url, role, hall):
    assert as_user(make_staff(role, hall)).post(url, {"open": "0"}).status_code == 403
    hall.refresh_from_db()
    assert hall.is_open


def test_unknown_hall_is_a_bilingual_404_not_a_500(hall, device):
    r = as_user(device).get("/kiosk/nowhere/")
    assert r.status_code == 404
    assert "营业厅 nowhere 不存在" in text(r) and "Unknown hall" not in text(
        r
    )  # page: one language


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("hall_manager", "/board/test-hall/"),
        ("clerk", "/workbench/"),
        ("device", "/kiosk/test-hall/"),
        ("quality_supervisor", "/board/test-hall/"),
        ("care_desk", "/cases/"),  # bill-shock contacts and case work, not a counter
        ("account_manager", "/cases/"),
        ("complaint_desk", "/workbench/"),  # the quiet area's counter
        ("administrator", "/admin/"),
    ],
)
def test_home_sends_each_role_to_its_work(role, landing, hall):
    r = as_user(make_staff(role, hall)).get("/")
    assert r.status_code == 302 and r["Location"] == landing


def test_c4_a_fault_desk_clerk_lands_on_the_team_queue(hall):
    """The fault desk serves the whole area, not a counter: its clerks start at its queue, while
    a clerk of the hall's own front desk still starts at the workbench."""
    fault, front = make_staff("clerk", hall), make_staff("clerk", hall)
    make_desk("fault", None, members=[fault])
    make_desk("front", hall, members=[front])
    assert as_user(fault).get("/")["Location"] == "/cases/?scope=desk"
    assert as_user(front).get("/")["Location"] == "/workbench/"


@pytest.mark.parametrize(
    ("role", "links", "absent"),
    [
        ("hall_manager", ["/workbench/", "/board/test-hall/", "/display/test-hall/"], []),
        ("clerk", ["/workbench/", "/kiosk/test-hall/"], ["/board/test-hall/"]),
    ],
)
def test_navigation_shows_what_the_role_may_open(role, links, absent, hall):
    page = PAGES["workbench"][0] if role == "clerk" else PAGES["kiosk"][0]
    if role == "hall_manager":
        page = PAGES["board"][0]
    nav = re.search(
        r"<nav id=\"staff-nav\">(.*?)</nav>", text(as_user(make_staff(role, hall)).get(page)), re.S
    )
    hrefs = re.findall(r'href="([^"]+)"', nav.group(1))
    assert all(link in hrefs for link in links) and not set(absent) & set(hrefs)


# ---------------------------------------------------------------- language


def test_login_page_chinese_by_default_english_after_switching(client, db):
    r = client.get("/login/")
    assert r.status_code == 200 and "员工登录" in text(r) and 'lang="zh-hans"' in text(r)
    english(client)
    r = client.get("/login/")
    assert "Staff sign-in" in text(r) and "员工登录" not in text(r)
    assert 'lang="en"' in text(r)


@pytest.mark.parametrize(
    ("name", "zh", "en"),
    [
        ("kiosk", "请选择您要办理的业务", "Choose the service you need"),
        ("display", "正在呼叫", "Now calling"),
        ("board", "各业务等候人数", "Waiting by service type"),
        ("workbench", "窗口签到", "Sign in at a counter"),
    ],
)
def test_every_page_chinese_by_default_english_after_switching(name, zh, en, hall):
    url, role, _ = PAGES[name]
    c = as_user(make_staff(role, hall))
    r = c.get(url)
    assert zh in text(r) and en not in text(r)
    r = english(c).get(url)
    assert en in text(r) and zh not in text(r)


def test_english_board_names_service_types_in_english(hall, device, manager):
    services.issue_ticket(device, hall, "payment")
    body = text(english(as_user(manager)).get("/board/test-hall/"))
    assert '<span class="bar-label">Payment</span>' in body and "缴费" not in body


def test_language_switch_names_each_language_in_itself(client, db):
    body = text(client.get("/login/"))
    assert ">简体中文</button>" in body and ">English</button>" in body


# ---------------------------------------------------------------- kiosk (Q1, Q3)


def kiosk_post(user, data):
    return as_user(user).post("/kiosk/test-hall/", data)


def test_kiosk_offers_a_button_per_service_type_of_the_hall(hall, device):
    body = text(as_user(device).get("/kiosk/test-hall/"))
    offered = re.findall(r'name="service_type" value="([a-z]+)"', body)
    assert offered == ["business", "payment", "consult", "complaint", "vip"]  # no "sales" here


def test_kiosk_prints_the_ticket(hall, device):
    r = kiosk_post(device, {"service_type": "payment"})
    assert r.status_code == 200
    body = text(r)
    assert 'id="ticket" data-number="B001" data-vip="0"' in body
    assert "前面还有 0 人" in body
    assert "目前暂无窗口办理此业务" in body  # no counter open: the honest note, not a number
    assert Ticket.objects.get().channel == Ticket.Channel.KIOSK


def test_kiosk_estimates_the_wait_when_a_counter_is_open(hall, device, clerk):
    services.sign_in(clerk, counter(hall, "1号窗口"))
    kiosk_post(device, {"service_type": "payment"})
    body = text(kiosk_post(device, {"service_type": "payment"}))
    assert "前面还有 1 人" in body
    assert re.search(r"预计等候约 \d+ 分钟", body), body


def test_kiosk_vip_phone_gets_the_vip_mark(hall, device):
    make_customer("diamond", phone="13800000033")
    body = text(kiosk_post(device, {"service_type": "payment", "phone": "138 0000 0033"}))
    assert 'data-vip="1"' in body and "VIP 钻石卡" in body
    assert Ticket.objects.get().priority == 3


def test_kiosk_bad_phone_shows_the_error_beside_the_field(hall, device):
    r = kiosk_post(device, {"service_type": "payment", "phone": "12345"})
    assert r.status_code == 422
    body = text(r)
    assert 'id="phone-error"' in body and 'data-field="phone"' in body
    assert "手机号码格式不正确" in body and "Malformed phone number" not in body
    assert 'value="12345"' in body  # kept for correcting
    assert not Ticket.objects.exists()


def test_kiosk_closed_hall_refuses_with_a_clear_error(hall, device):
    hall.is_open = False
    hall.save()
    r = kiosk_post(device, {"service_type": "payment"})
    assert r.status_code == 422
    assert 'id="form-error"' in text(r) and "当前未开放取号" in text(r)
    assert not Ticket.objects.exists()


def test_kiosk_unknown_service_type_is_an_error_not_a_500(hall, device):
    r = kiosk_post(device, {"service_type": "nonsense"})
    assert r.status_code == 422 and "不存在或已停用" in text(r)


def test_kiosk_appointment_check_in(hall, device):
    customer = make_customer("gold", phone="13800000044")
    Appointment.objects.create(
        hall=hall,
        service_type_id=counter(hall, "1号窗口").service_types.get(code="business").pk,
        customer=customer,
        phone="13800000044",
        slot_at=timezone.now() + timedelta(minutes=10),
    )
    body = text(kiosk_post(device, {"action": "check_in", "phone": "13800000044"}))
    assert 'data-number="A001"' in body and "预约" in body
    assert Ticket.objects.get().channel == Ticket.Channel.APPOINTMENT


def test_kiosk_check_in_without_appointment_explains(hall, device):
    r = kiosk_post(device, {"action": "check_in", "phone": "13800000045"})
    assert r.status_code == 422
    assert "未找到该号码" in text(r) and "No appointment" not in text(r)


# ---------------------------------------------------------------- display (Q4)


def test_display_shows_the_latest_call_as_the_hall_says_it(hall, device, clerk):
    c = counter(hall, "1号窗口")
    services.sign_in(clerk, c)
    services.issue_ticket(device, hall, "payment")
    services.call_next(clerk, c)
    body = text(as_user(device).get("/display/test-hall/"))
    assert re.search(
        r'请</span> <span id="latest-number" class="big-number">B001</span> <span class="call-text">号'
        r'.*到</span> <span id="latest-counter" class="big-counter">1号窗口</span> '
        r'<span class="call-text">办理',
        body,
        re.S,
    )
    assert 'data-say-zh="请 {number} 号 到 {counter} 办理"' in body


def test_display_partial_lists_recent_calls(hall, device, clerk):
    c = counter(hall, "1号窗口")
    services.sign_in(clerk, c)
    services.issue_ticket(device, hall, "payment")
    services.call_next(clerk, c)
    body = text(as_user(device).get("/display/test-hall/partial"))
    assert '<li data-number="B001"><b>B001</b>' in body and "1号窗口" in body


def test_event_stream_sends_ready_then_the_call(
    hall, device, clerk, monkeypatch, django_capture_on_commit_callbacks
):
    """The SSE view: `ready` once subscribed, then each call as it commits, keepalives between."""
    monkeypatch.setattr(streams, "KEEPALIVE_S", 0.2)
    c = counter(hall, "1号窗口")
    services.sign_in(clerk, c)
    services.issue_ticket(device, hall, "payment")
    client = AsyncClient()
    client.force_login(device)

    def call():
        with django_capture_on_commit_callbacks(execute=True):
            services.call_next(clerk, c)

    async def run():
        r = await client.get("/halls/test-hall/events")
        assert r.status_code == 200 and r["Content-Type"] == "text/event-stream"
        chunks = aiter(r.streaming_content)
        assert "event: ready" in (await anext(chunks)).decode()
        assert (await anext(chunks)).decode() == ": keepalive\n\n"
        await sync_to_async(call)()
        event = (await anext(chunks)).decode()
        await r.streaming_content.aclose()
        return event

    event = async_to_sync(run)()
    assert event.startswith("event: called\ndata: ")
    assert '"number": "B001"' in event and '"counter": "1号窗口"' in event


def test_event_stream_refuses_roles_without_a_live_surface(hall):
    assert (
        as_user(make_staff("administrator", hall)).get("/halls/test-hall/events").status_code == 403
    )


def test_event_stream_of_unknown_hall_is_a_404_not_a_500(hall, device):
    r = as_user(device).get("/halls/nowhere/events")
    assert r.status_code == 404 and r.json()["code"] == "unknown_hall"  # a stream's 4xx: JSON
    assert r.json()["message"] == "营业厅 nowhere 不存在"


# ---------------------------------------------------------------- board (Q4, Q3, Q5)


def test_board_shows_waits_counters_and_targets(hall, device, clerk, manager):
    make_customer("gold", phone="13800000055")
    services.issue_ticket(device, hall, "payment")
    vip = services.issue_ticket(device, hall, "payment", phone="13800000055")
    Ticket.objects.filter(pk=vip.pk).update(arrival_at=vip.arrival_at - timedelta(minutes=12))
    services.sign_in(clerk, counter(hall, "1号窗口"))
    body = text(as_user(manager).get("/board/test-hall/"))
    assert '<span class="v" id="waiting-total">2</span>' in body
    assert re.search(r'<tr class="overdue-row" data-number="B002">.*?VIP', body, re.S)
    assert "已等 12 分钟 / 上限 10 分钟" in body
    assert 'class="fill" style="width: 100%"' in body  # the bar of the one waiting type
    assert re.search(r'data-counter="1号窗口">.*?空闲', body, re.S)
    assert "目标 ≤ 15，VIP ≤ 10" in body and "目标 ≤ 5" in body
    assert 'id="close-hall"' in body  # the manager may stop ticketing


def test_board_for_quality_supervisor_has_no_manager_controls(hall, device):
    services.issue_ticket(device, hall, "payment")
    body = text(as_user(make_staff("quality_supervisor", hall)).get("/board/test-hall/"))
    assert 'id="close-hall"' not in body and "/quiet" not in body


def test_manager_closes_and_reopens_ticketing(hall, manager):
    c = as_user(manager)
    assert c.post("/board/test-hall/open", {"open": "0"}).status_code == 302
    hall.refresh_from_db()
    assert not hall.is_open
    assert "已停止取号" in text(c.get("/board/test-hall/partial"))
    c.post("/board/test-hall/open", {"open": "1"})
    hall.refresh_from_db()
    assert hall.is_open


def test_manager_moves_a_waiting_ticket_to_the_quiet_area(hall, device, manager):
    t = services.issue_ticket(device, hall, "payment")
    c = as_user(manager)
    r = c.post(f"/board/test-hall/tickets/{t.pk}/quiet", {"note": "情绪激动"})
    assert r.status_code == 302
    t.refresh_from_db()
    assert t.area == Ticket.Area.QUIET
    r = c.post(f"/board/test-hall/tickets/{t.pk}/quiet", follow=True)  # again: refused
    assert "该号码已在安静区等候" in text(r) and "already waits" not in text(r)


# ---------------------------------------------------------------- workbench (Q2, V2)


@pytest.fixture
def desk(hall, clerk):
    """A clerk signed in at 1号窗口 through the page."""
    c = as_user(clerk)
    r = c.post(f"/workbench/sign-in/{counter(hall, '1号窗口').pk}")
    assert r.status_code == 302
    return c


def test_workbench_lists_counters_to_sign_in(hall, clerk, manager):
    services.sign_in(manager, counter(hall, "2号窗口"))
    body = text(as_user(clerk).get("/workbench/"))
    assert body.count('data-counter="') == 3  # 2号窗口 is taken
    assert re.search(r"2号窗口.*?空闲 · 员工\d+", body, re.S)


def test_workbench_call_with_nobody_waiting_shows_error_changes_nothing(desk, hall):
    r = desk.post("/workbench/call", follow=True)
    assert flashed_errors(r) == ["1号窗口当前没有等候的号码"]
    assert 'id="call-next"' in text(r)
    assert not TicketEvent.objects.exists()


def test_workbench_serves_a_ticket_from_call_to_finish(desk, hall, device):
    t = services.issue_ticket(device, hall, "payment")
    r = desk.post("/workbench/call", follow=True)
    body = text(r)
    assert 'id="current" data-status="called" data-number="B001"' in body
    assert "已叫号" in body and 'id="recall"' in body and 'id="no-show"' in body
    desk.post(f"/workbench/tickets/{t.pk}/start")
    body = text(desk.get("/workbench/"))
    assert 'data-status="serving"' in body and 'name="category"' in body
    assert 'value="bill-pay"' in body  # two-level categories as optgroups
    r = desk.post(f"/workbench/tickets/{t.pk}/finish", {"category": "bill-pay"}, follow=True)
    assert flashed_errors(r) == []
    t.refresh_from_db()
    assert t.status == Ticket.Status.DONE and t.business_category.code == "bill-pay"
    assert 'id="call-next"' in text(r)


def test_workbench_finish_without_category_shows_error_changes_nothing(desk, hall, device):
    t = services.issue_ticket(device, hall, "payment")
    desk.post("/workbench/call")
    desk.post(f"/workbench/tickets/{t.pk}/start")
    events = TicketEvent.objects.count()
    r = desk.post(f"/workbench/tickets/{t.pk}/finish", {"category": ""}, follow=True)
    assert r.status_code == 200
    body = text(r)
    errors = flashed_errors(r)
    assert len(errors) == 1 and "请选择办理的业务" in errors[0]
    assert "Unknown business category" not in errors[0]  # the interface's language only
    # shown beside the finish form, not only at the top of the page
    assert body.index('id="finish-form"') < body.index(errors[0]) < body.index("transfer-form")
    t.refresh_from_db()
    assert t.status == Ticket.Status.SERVING and t.business_category is None
    assert TicketEvent.objects.count() == events


def test_workbench_no_show_needs_recalls_first(desk, hall, device):
    t = services.issue_ticket(device, hall, "payment")
    desk.post("/workbench/call")
    r = desk.post(f"/workbench/tickets/{t.pk}/no_show", follow=True)
    assert flashed_errors(r) == ["须重呼 2 次后才能过号（已重呼 0 次）"]
    desk.post(f"/workbench/tickets/{t.pk}/recall")
    desk.post(f"/workbench/tickets/{t.pk}/recall")
    assert "已重呼 2 次" in text(desk.get("/workbench/"))
    desk.post(f"/workbench/tickets/{t.pk}/no_show")
    t.refresh_from_db()
    assert t.status == Ticket.Status.NO_SHOW


def test_workbench_transfer_needs_a_target_then_moves_the_ticket(desk, hall, device):
    t = services.issue_ticket(device, hall, "payment")
    desk.post("/workbench/call")
    r = desk.post(f"/workbench/tickets/{t.pk}/transfer", {"note": "办宽带"}, follow=True)
    assert flashed_errors(r) == ["请选择转往的业务类型或窗口"]
    assert '<details class="transfer" open>' in text(r)
    desk.post(f"/workbench/tickets/{t.pk}/transfer", {"service_type": "business"})
    t.refresh_from_db()
    assert t.status == Ticket.Status.WAITING and t.service_type.code == "business"


def test_workbench_action_on_unknown_ticket_is_an_error_not_a_500(desk):
    r = desk.post("/workbench/tickets/999999/start", follow=True)
    assert r.status_code == 200
    assert flashed_errors(r) == ["号码 999999 不存在"]
    r = desk.post("/workbench/tickets/1/explode", follow=True)
    assert "未知操作" in text(r)


def test_workbench_sign_out_refused_while_serving(desk, hall, device):
    services.issue_ticket(device, hall, "payment")
    desk.post("/workbench/call")
    r = desk.post("/workbench/sign-out", follow=True)
    assert "尚未办结" in flashed_errors(r)[0]
    assert 'id="counter-name"' in text(r)  # still signed in


def test_workbench_issues_a_ticket_for_a_customer(desk, hall):
    r = desk.post("/workbench/issue", {"service_type": "consult"}, follow=True)
    assert "已取号 C001（咨询）" in text(r)
    assert Ticket.objects.get().channel == Ticket.Channel.COUNTER
    r = desk.post("/workbench/issue", {"service_type": "consult", "phone": "1"}, follow=True)
    assert "手机号码格式不正确" in flashed_errors(r)[0]
    assert Ticket.objects.count() == 1


def test_workbench_shows_the_customer_masked(desk, hall, device):
    make_customer("gold", phone="13800000066", name="张伟")
    services.issue_ticket(device, hall, "payment", phone="13800000066")
    body = text(desk.post("/workbench/call", follow=True))
    assert "138****0066" in body and "13800000066" not in body and "张*" in body
    assert "VIP · 金卡" in body
    assert 'id="reveal"' not in body  # a clerk may not unmask


@pytest.fixture
def complaint_desk(hall, device):
    staff = make_staff("complaint_desk", hall)
    services.sign_in(staff, counter(hall, "1号窗口"))
    customer = make_customer("gold", phone="13800000077", name="李娜")
    services.issue_ticket(device, hall, "consult", phone="13800000077")
    c = as_user(staff)
    c.post("/workbench/call")
    return c, customer


def test_reveal_needs_a_reason(complaint_desk):
    c, customer = complaint_desk
    assert 'id="reveal"' in text(c.get("/workbench/"))
    r = c.post(f"/workbench/customers/{customer.pk}/reveal", {"reason": " "})
    assert r.status_code == 422
    assert "查看完整号码须填写原因" in text(r) and "A reason is required" not in text(r)
    assert "13800000077" not in text(r)
    assert not AuditLog.objects.exists()


def test_reveal_with_reason_shows_full_number_and_writes_audit(complaint_desk):
    c, customer = complaint_desk
    r = c.post(f"/workbench/customers/{customer.pk}/reveal", {"reason": "回访核实"})
    assert r.status_code == 200
    assert "13800000077" in text(r) and "李娜" in text(r)
    log = AuditLog.objects.get()
    assert log.reason == "回访核实" and log.object_id == str(customer.pk)
    assert "13800000077" not in text(c.get("/workbench/"))  # masked again on the next view


def test_reveal_only_the_customer_at_the_counter(complaint_desk):
    c, _customer = complaint_desk
    other = make_customer("none", phone="13800000088")
    r = c.post(f"/workbench/customers/{other.pk}/reveal", {"reason": "好奇"})
    assert r.status_code == 422 and "13800000088" not in text(r)
    assert not AuditLog.objects.exists()


def test_reveal_refused_for_a_clerk(desk, hall, device):
    customer = make_customer("gold", phone="13800000099")
    services.issue_ticket(device, hall, "payment", phone="13800000099")
    desk.post("/workbench/call")
    r = desk.post(f"/workbench/customers/{customer.pk}/reveal", {"reason": "想看"})
    assert r.status_code == 422 and "您的角色无权" in text(r)
    assert "13800000099" not in text(r)
    assert not AuditLog.objects.exists()


def test_workbench_waiting_count(desk, hall, device):
    services.issue_ticket(device, hall, "payment")
    services.issue_ticket(device, hall, "vip")  # not served at 1号窗口
    assert 'data-n="1"' in text(desk.get("/workbench/partial"))


def test_dead_ends_are_house_pages_in_chinese_with_the_menu_and_a_way_back(hall):
    """403, 404 and 500 in the house style: Chinese, the top bar with the role's menu, and a way
    back — never Django's bare pages."""
    from django.test import RequestFactory

    from servicehall.web.views import server_error

    user = make_staff("clerk", hall)
    clerk = as_user(user)
    missing = clerk.get("/no-such-page/")
    assert missing.status_code == 404
    body = missing.content.decode()
    assert "页面不存在" in body and 'id="go-home"' in body and 'href="/workbench/"' in body
    refused = clerk.get("/board/test-hall/")  # a clerk has no board
    assert refused.status_code == 403
    body = refused.content.decode()
    assert "无权打开此页面" in body and 'id="go-back"' in body and 'href="/workbench/"' in body
    request = RequestFactory().get("/workbench/")
    request.user = user
    broken = server_error(request)  # the handler500 of urls.py
    body = broken.content.decode()
    assert broken.status_code == 500 and "系统出错了" in body and 'href="/workbench/"' in body
    bare = server_error(RequestFactory().get("/"))  # its context cannot be built: still a page
    assert bare.status_code == 500 and "系统出错了" in bare.content.decode()


def test_a_form_without_its_token_gets_a_house_page_with_a_way_back(hall, device):
    """The customer's cancel with cookies lost: not Django's developer page (no viewport, "set
    DEBUG=True"), but the house's 403 in Chinese with a way back."""
    t = services.issue_ticket(device, hall, "payment")
    r = Client(enforce_csrf_checks=True).post(f"/t/{t.token}/cancel")
    body = text(r)
    assert r.status_code == 403 and "页面已过期" in body and 'id="go-back"' in body
    assert "DEBUG" not in body and 'name="viewport"' in body
