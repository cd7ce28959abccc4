"""The kiosk slip, the customer's "my ticket" page, the device pages without the staff bar, the
display's welcome, counts and notice (Q1, Q3, Q4), through Django's test client."""

import re

from django.test import Client

from servicehall.core.models import AuditLog
from servicehall.queueing import selectors, services
from servicehall.queueing.models import Ticket, TicketEvent
from servicehall.web.kiosk import qr_svg
from tests.factories import counter, make_staff


def as_user(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def text(r) -> str:
    return r.content.decode()


def kiosk_take(device, code="payment", phone=""):
    return as_user(device).post("/kiosk/test-hall/", {"service_type": code, "phone": phone})


# ---------------------------------------------------------------- kiosk slip


def test_q1_kiosk_slip_carries_a_qr_code_of_the_ticket_page(hall, device, settings):
    settings.PUBLIC_URL = "http://hall.example.cn"
    r = kiosk_take(device)
    t = Ticket.objects.get()
    url = f"http://hall.example.cn/t/{t.token}/"
    assert selectors.my_ticket_url(t.token) == url
    page = text(r)
    assert f'data-print="{t.token}"' in page
    assert '<div class="slip-qr" id="slip-qr"><svg' in page
    assert str(qr_svg(url)) in page  # the QR code of exactly that address
    assert "扫码查看排队进度" in page


def test_q1_kiosk_slip_promises_a_text_only_when_one_will_come(hall, device):
    for _ in range(3):
        kiosk_take(device)
    assert 'id="will-text"' in text(kiosk_take(device, phone="13900001111"))  # 3 ahead
    assert 'id="will-text"' not in text(kiosk_take(device))  # no number
    device2 = make_staff("device", hall)
    assert 'id="will-text"' not in text(kiosk_take(device2, code="consult", phone="13900001112"))


def test_q1_kiosk_check_in_without_number_asks_for_it(hall, device):
    r = as_user(device).post("/kiosk/test-hall/", {"action": "check_in", "phone": ""})
    assert r.status_code == 422
    err = re.search(r'<div id="phone-error">(.*?)</div>', text(r), re.S).group(1)
    assert "请输入手机号码" in err and "Please enter" not in err  # the page speaks one language
    assert "格式不正确" not in err


# ---------------------------------------------------------------- device pages: no staff bar


def test_q1_hall_device_sees_no_staff_bar_staff_keep_theirs(hall, device, manager):
    for url in ("/kiosk/test-hall/", "/display/test-hall/"):
        page = text(as_user(device).get(url))
        assert 'class="topbar"' not in page and "/logout/" not in page
        assert not re.search(r'href="/(workbench|board|cases|kb|display|kiosk)', page)
    kiosk = text(as_user(device).get("/kiosk/test-hall/"))
    assert 'class="lang lang-switch"' in kiosk  # customers may still switch the language
    staff = text(as_user(manager).get("/kiosk/test-hall/"))
    assert 'class="topbar"' in staff and "/logout/" in staff


# ---------------------------------------------------------------- my ticket


def test_q1_my_ticket_page_shows_the_ticket_without_personal_data(hall, device, clerk):
    services.sign_in(clerk, counter(hall, "1号窗口"))
    services.issue_ticket(device, hall, "payment")
    t = services.issue_ticket(device, hall, "payment", phone="13912345678")
    r = Client().get(f"/t/{t.token}/")  # no sign-in
    assert r.status_code == 200
    page = text(r)
    assert t.number in page and "缴费" in page
    assert "测试营业厅test-hall" in page
    assert "等候中" in page and "前面还有 1 人" in page and "预计等候约" in page
    assert "13912345678" not in page and "5678" not in page
    assert "no-store" in r["Cache-Control"] or "max-age=0" in r["Cache-Control"]


def test_q1_my_ticket_unknown_token_is_a_404_page(db):
    r = Client().get("/t/not-a-real-token/")
    assert r.status_code == 404
    assert "没有找到这个号码" in text(r)
    assert Client().get("/t/not-a-real-token/partial").status_code == 404
    assert Client().post("/t/not-a-real-token/cancel").status_code == 404


def test_q1_my_ticket_follows_the_call(hall, device, clerk):
    c = counter(hall, "1号窗口")
    services.sign_in(clerk, c)
    t = services.issue_ticket(device, hall, "payment")
    services.call_next(clerk, c)
    partial = text(Client().get(f"/t/{t.token}/partial"))
    assert "请到1号窗口办理" in partial and 'data-status="called"' in partial
    assert "mt-cancel" not in partial  # a called ticket offers no cancel
    en = Client()
    en.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Please go to 1号窗口 now" in text(en.get(f"/t/{t.token}/"))


def test_q1_customer_cancels_from_the_page_with_csrf(hall, device):
    t = services.issue_ticket(device, hall, "payment")
    c = Client(enforce_csrf_checks=True)
    page = text(c.get(f"/t/{t.token}/"))
    assert "取消排队" in page and "确定取消" in page  # the confirmation step
    assert c.post(f"/t/{t.token}/cancel").status_code == 403  # no CSRF token
    assert Ticket.objects.get(pk=t.pk).status == "waiting"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    r = c.post(f"/t/{t.token}/cancel", {"csrfmiddlewaretoken": token})
    assert r.status_code == 200 and "您的号码已取消" in text(r)
    assert Ticket.objects.get(pk=t.pk).status == "cancelled"
    ev = TicketEvent.objects.get(ticket=t, kind="cancelled")
    assert ev.actor is None and ev.data == {"by": "customer"}


def test_q1_cancel_after_the_call_is_refused_with_a_clear_message(hall, device, clerk):
    c = counter(hall, "1号窗口")
    services.sign_in(clerk, c)
    t = services.issue_ticket(device, hall, "payment")
    services.call_next(clerk, c)
    r = Client().post(f"/t/{t.token}/cancel")
    assert r.status_code == 409
    assert "已叫号，请到1号窗口办理，不能取消" in text(r)
    assert Ticket.objects.get(pk=t.pk).status == "called"


# ---------------------------------------------------------------- display


def test_q4_display_welcomes_with_waiting_counts_before_the_first_call(hall, device):
    for code in ("payment", "payment", "consult"):
        services.issue_ticket(device, hall, code)
    page = text(as_user(device).get("/display/test-hall/"))
    assert re.search(r'<div id="welcome" class="welcome" >', page)  # shown
    assert re.search(r'<div id="calling" hidden>', page)
    assert '<b id="welcome-total">3</b>' in page
    assert 'data-type="payment" data-waiting="2"' in page
    assert 'data-type="consult" data-waiting="1"' in page
    assert 'data-type="business" data-waiting="0"' in page


def test_q4_display_waiting_partial_follows_the_queue(hall, device, clerk):
    c = counter(hall, "1号窗口")
    services.sign_in(clerk, c)
    services.issue_ticket(device, hall, "payment")
    services.issue_ticket(device, hall, "payment")
    services.call_next(clerk, c)
    part = text(as_user(device).get("/display/test-hall/waiting"))
    assert 'data-type="payment" data-waiting="1"' in part
    page = text(as_user(device).get("/display/test-hall/"))
    assert '<div id="welcome" class="welcome" hidden>' in page


def test_q4_manager_edits_the_display_notice_audited(hall, manager, device, clerk):
    r = as_user(manager).post("/board/test-hall/notice", {"notice": "  今日宽带业务\n17:00截止  "})
    assert r.status_code == 302
    hall.refresh_from_db()
    assert hall.notice == "今日宽带业务 17:00截止"
    log = AuditLog.objects.get(action="hall.notice")
    assert log.actor == manager and log.object_id == "test-hall"
    assert "今日宽带业务 17:00截止" in text(as_user(device).get("/display/test-hall/"))
    assert 'id="notice-form"' in text(as_user(manager).get("/board/test-hall/"))
    assert as_user(clerk).post("/board/test-hall/notice", {"notice": "x"}).status_code == 403
    too_long = as_user(manager).post("/board/test-hall/notice", {"notice": "长" * 201}, follow=True)
    assert "公告最多 200 个字" in text(too_long)
    hall.refresh_from_db()
    assert hall.notice == "今日宽带业务 17:00截止"


def test_q1_the_api_hands_the_issuer_the_customers_page(hall, device, api_as):
    """A web or app channel that takes a number for a customer gets the customer's own page
    (the slip's QR code) to hand on; reading the ticket later does not show it."""
    body = api_as(device).post(f"/queue/halls/{hall.code}/tickets", {"service_type": "payment"})
    t = Ticket.objects.get(pk=body.json()["id"])
    assert body.json()["my_ticket_url"].endswith(f"/t/{t.token}/")
    read = api_as(make_staff("clerk", hall)).get(f"/queue/tickets/{t.pk}")
    assert read.status_code == 200 and read.json().get("my_ticket_url") is None


def test_q1_a_cancelled_ticket_no_longer_promises_to_refresh(hall, device):
    t = services.issue_ticket(device, hall, "payment")
    c = Client()
    assert 'id="mt-foot"' in text(c.get(f"/t/{t.token}/"))
    services.cancel_by_customer(t.token)
    assert 'id="mt-foot"' not in text(c.get(f"/t/{t.token}/"))
