"""The workbench's pause, 特呼, waiting list and transfer summary through the pages (Q2, Q4,
C8): what the clerk sees, in Chinese, beside the form it came from."""

import pytest

from servicehall.queueing import services
from servicehall.queueing.models import Ticket
from tests.conftest import client_for
from tests.factories import counter, make_staff


def text(r) -> str:
    return r.content.decode()


@pytest.fixture
def desk(hall, clerk):
    c = client_for(clerk)
    assert c.post(f"/workbench/sign-in/{counter(hall, '1号窗口').pk}").status_code == 302
    return c


def test_q2_pause_needs_a_note_for_other_then_shows_paused_and_resume(desk, hall):
    r = desk.post("/workbench/pause", {"reason": "other", "note": ""}, follow=True)
    body = text(r)
    assert "暂停原因为“其他”时请填写说明" in body
    # shown beside the pause form, which stays open
    assert body.index('id="pause-form"') < body.index("暂停原因为“其他”") < body.index("为客户取号")
    assert 'id="pause-details" open' in body
    r = desk.post("/workbench/pause", {"reason": "break"}, follow=True)
    body = text(r)
    assert 'id="pause-box"' in body and "休息" in body and 'id="call-next"' not in body
    assert ">break<" not in body and " break " not in body  # words, not the internal code
    board = client_for(make_staff("hall_manager", hall)).get(f"/board/{hall.code}/")
    assert "暂停中" in text(board) and "休息" in text(board)
    r = desk.post("/workbench/resume", follow=True)
    assert 'id="call-next"' in text(r)


def test_q2_special_call_from_the_list_and_a_refusal_in_words(desk, hall, device):
    first = services.issue_ticket(device, hall, "payment")
    second = services.issue_ticket(device, hall, "payment")
    body = text(desk.get("/workbench/"))
    assert body.index(f'data-number="{first.number}"') < body.index(
        f'data-number="{second.number}"'
    )
    assert "特呼" in body
    r = desk.post("/workbench/call-number", {"number": "Z999"}, follow=True)
    assert "今天本厅没有号码 Z999" in text(r)
    r = desk.post("/workbench/call-number", {"number": second.number}, follow=True)
    assert Ticket.objects.get(pk=second.pk).status == "called"
    assert f'data-number="{second.number}"' in text(r)


def test_q4_waiting_list_partial_counts_and_caps(desk, hall, device):
    for _ in range(33):
        services.issue_ticket(device, hall, "payment")
    body = text(desk.get("/workbench/queue"))
    assert body.count("<tr data-number=") == 30
    assert 'id="queue-more">另有 3 个' in body


def test_c8_transfer_summary_shown_to_the_receiving_counter(desk, hall, clerk, device):
    t = services.issue_ticket(device, hall, "business")
    desk.post("/workbench/call")
    desk.post(f"/workbench/tickets/{t.pk}/start")
    c2 = counter(hall, "2号窗口")
    r = desk.post(
        f"/workbench/tickets/{t.pk}/transfer", {"counter": c2.pk, "note": ""}, follow=True
    )
    assert "请填写转来说明" in text(r)
    assert 'id="transfer-note-input"' in text(r) and "required" in text(r)
    desk.post(f"/workbench/tickets/{t.pk}/transfer", {"counter": c2.pk, "note": "客户要办宽带提速"})
    other = make_staff("clerk", hall)
    services.sign_in(other, c2)
    page = client_for(other)
    body = text(page.post("/workbench/call", follow=True))
    assert "转来说明" in body and "客户要办宽带提速" in body
    assert "1号窗口" in body.split('id="transfer-note-from"')[1][:200]
    assert clerk.staff.full_name in body.split('id="transfer-note-from"')[1][:200]
