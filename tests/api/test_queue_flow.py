"""Q1–Q3 through the HTTP API, as the kiosk and a counter use it."""

from tests.factories import counter, make_customer


def test_q1_q2_ticket_cycle_through_api(hall, clerk, device, api_as):
    kiosk, desk = api_as(device), api_as(clerk)
    r = kiosk.post(f"/queue/halls/{hall.code}/tickets", {"service_type": "payment"})
    assert r.status_code == 201, r.content
    t = r.json()
    assert t["number"] == "B001" and t["ahead"] == 0 and t["status"] == "waiting"
    # no counter open yet: the estimate says so rather than inventing a number
    assert t["estimated_wait_min"] is None and t["estimate_note"]

    c1 = counter(hall, "1号窗口")
    assert desk.post(f"/queue/counters/{c1.pk}/sign-in").status_code == 200
    called = desk.post(f"/queue/counters/{c1.pk}/call-next")
    assert called.status_code == 200, called.content
    assert called.json()["number"] == "B001" and called.json()["counter"] == "1号窗口"
    assert desk.post(f"/queue/tickets/{t['id']}/start").status_code == 200
    done = desk.post(f"/queue/tickets/{t['id']}/finish", {"category": "bill-pay"})
    assert done.status_code == 200 and done.json()["status"] == "done"
    again = desk.post(f"/queue/tickets/{t['id']}/finish", {"category": "bill-pay"})
    assert again.status_code == 409
    body = again.json()
    assert (
        body["code"] == "invalid_transition" and body["allowed"] == [] and "办结" in body["message"]
    )
    kinds = [e["kind"] for e in desk.get(f"/queue/tickets/{t['id']}/events").json()]
    assert kinds == ["issued", "called", "started", "finished"]


def test_q3_vip_identified_by_phone_is_called_first(hall, clerk, device, api_as):
    gold = make_customer("gold", phone="13800000001")
    kiosk, desk = api_as(device), api_as(clerk)
    std = kiosk.post(f"/queue/halls/{hall.code}/tickets", {"service_type": "business"}).json()
    vip = kiosk.post(
        f"/queue/halls/{hall.code}/tickets", {"service_type": "business", "phone": "138 0000 0001"}
    ).json()
    assert vip["vip"] and vip["priority"] == 2 and not std["vip"]
    c1 = counter(hall, "1号窗口")
    desk.post(f"/queue/counters/{c1.pk}/sign-in")
    assert desk.post(f"/queue/counters/{c1.pk}/call-next").json()["number"] == vip["number"]
    assert gold.tickets.count() == 1


def test_q3_board_says_whether_todays_averages_meet_the_targets(
    hall, clerk, device, manager, api_as
):
    """The verdicts are the board selector's (page and API alike), not the page's arithmetic:
    one customer who waited 20 minutes puts today's average wait past the 15-minute target."""
    from datetime import timedelta

    from servicehall.queueing import services
    from servicehall.queueing.models import Ticket

    board = api_as(manager).get(f"/queue/halls/{hall.code}/board").json()
    assert board["verdicts"] == {"avg_wait_ok": True, "avg_service_ok": True}  # nothing measured
    c = counter(hall, "1号窗口")
    services.sign_in(clerk, c)
    t = services.issue_ticket(device, hall, "payment")
    Ticket.objects.filter(pk=t.pk).update(arrival_at=t.arrival_at - timedelta(minutes=20))
    services.call_next(clerk, c)
    board = api_as(manager).get(f"/queue/halls/{hall.code}/board").json()
    assert board["today"]["avg_wait_min"] >= 20 and board["verdicts"]["avg_wait_ok"] is False
    page = api_as(manager).c.get(f"/board/{hall.code}/partial").content.decode()
    assert 'class="kpi bad"><span class="v" id="avg-wait">' in page
