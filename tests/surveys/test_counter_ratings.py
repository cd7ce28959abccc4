"""The counter's rating device (评价器, S1): one rating per ticket, only for a service just
finished at that counter, given from a hall device account; the ratings feed the staff
satisfaction figures beside the case surveys and the hall board's figure against 95 %."""

from datetime import timedelta

import pytest
from django.utils import timezone

from servicehall.cases import services as cases
from servicehall.core.errors import Conflict, NotFound, ServiceError
from servicehall.queueing import services as queue
from servicehall.queueing.models import Ticket
from servicehall.surveys import selectors, services
from servicehall.surveys.models import CounterRating, Survey
from tests.conftest import client_for
from tests.factories import counter, make_hall, make_staff


def served(hall, clerk, device, name="1号窗口", code="payment"):
    """A ticket issued, called, served and finished by `clerk` at counter `name`."""
    c = counter(hall, name)
    queue.sign_in(clerk, c)
    t = queue.issue_ticket(device, hall, code)
    t = queue.call_next(clerk, c)
    queue.start_service(clerk, t.pk)
    return queue.finish_service(clerk, t.pk, "bill-pay"), c


def test_s1_rating_after_finish_is_stored_for_the_clerk_who_served(hall, clerk, device):
    t, c = served(hall, clerk, device)
    r = services.rate_service(
        device, c, t.pk, scores={"overall": "5", "professionalism": "4"}, comment=" 很耐心 "
    )
    r = CounterRating.objects.get(pk=r.pk)
    assert (r.ticket_id, r.counter_id, r.hall_id, r.staff_id) == (t.pk, c.pk, hall.pk, clerk.pk)
    assert (r.overall, r.professionalism, r.empathy, r.comment) == (5, 4, None, "很耐心")


def test_s1_one_rating_per_ticket(hall, clerk, device):
    t, c = served(hall, clerk, device)
    services.rate_service(device, c, t.pk, scores={"overall": 4})
    with pytest.raises(Conflict) as e:
        services.rate_service(device, c, t.pk, scores={"overall": 1})
    assert e.value.code == "already_rated"
    assert CounterRating.objects.get().overall == 4


def test_s1_only_a_ticket_finished_at_that_counter_in_the_last_10_minutes(hall, clerk, device):
    t, c = served(hall, clerk, device)
    with pytest.raises(NotFound):  # another counter's device
        services.rate_service(device, counter(hall, "2号窗口"), t.pk, scores={"overall": 5})
    with pytest.raises(NotFound):
        services.rate_service(device, c, "abc", scores={"overall": 5})
    waiting = queue.issue_ticket(device, hall, "payment")
    with pytest.raises(NotFound):  # not finished
        services.rate_service(device, c, waiting.pk, scores={"overall": 5})
    Ticket.objects.filter(pk=t.pk).update(finished_at=timezone.now() - timedelta(minutes=11))
    with pytest.raises(Conflict) as e:
        services.rate_service(device, c, t.pk, scores={"overall": 5})
    assert e.value.code == "rating_closed" and "10分钟" in e.value.zh
    assert not CounterRating.objects.exists()


def test_s1_overall_required_dimensions_optional_but_in_range(hall, clerk, device):
    t, c = served(hall, clerk, device)
    for scores, field in (
        ({}, "overall"),
        ({"overall": 6}, "overall"),
        ({"overall": 5, "empathy": 0}, "empathy"),
    ):
        with pytest.raises(ServiceError) as e:
            services.rate_service(device, c, t.pk, scores=scores)
        assert e.value.code == "invalid_score" and e.value.field == field
    assert not CounterRating.objects.exists()


def test_s1_a_clerk_cannot_rate_and_a_device_only_in_its_hall(hall, clerk, device):
    t, c = served(hall, clerk, device)
    with pytest.raises(ServiceError) as e:
        services.rate_service(clerk, c, t.pk, scores={"overall": 5})
    assert e.value.status == 403
    elsewhere = make_staff("device", make_hall("other-hall"))
    with pytest.raises(ServiceError) as e:
        services.rate_service(elsewhere, c, t.pk, scores={"overall": 5})
    assert e.value.status == 404 and e.value.code == "unknown_counter"  # not its hall's
    assert not CounterRating.objects.exists()


def test_s1_the_device_asks_until_rated_the_next_service_starts_or_10_minutes_pass(
    hall, clerk, device
):
    t, c = served(hall, clerk, device)
    assert selectors.rating_prompt(c).pk == t.pk
    services.rate_service(device, c, t.pk, scores={"overall": 5})
    assert selectors.rating_prompt(c) is None
    queue.issue_ticket(device, hall, "payment")
    queue.issue_ticket(device, hall, "payment")
    nxt = queue.call_next(clerk, c)
    queue.start_service(clerk, nxt.pk)
    nxt = queue.finish_service(clerk, nxt.pk, "bill-pay")
    third = queue.call_next(clerk, c)
    assert selectors.rating_prompt(c).pk == nxt.pk  # calling the next does not end it
    queue.start_service(clerk, third.pk)
    assert selectors.rating_prompt(c) is None  # the next customer sits at the counter
    later = timezone.now() + timedelta(minutes=11)
    queue.finish_service(clerk, third.pk, "bill-pay")
    assert selectors.rating_prompt(c, now=later) is None


def _survey(case, staff, hall, overall):
    now = timezone.now()
    return Survey.objects.create(
        case=case,
        token=f"t{Survey.objects.count()}",
        staff=staff,
        hall=hall,
        sent_at=now,
        expires_at=now + timedelta(days=7),
        answered_at=now if overall else None,
        overall=overall,
        resolved=True if overall else None,
    )


def test_s1_staff_stats_count_counter_ratings_beside_surveys(hall, clerk, device):
    case = cases.open_case(
        clerk, kind="work_order", channel="hotline", category="other", description="测试"
    )
    for overall in (5, 3, None):  # two answered surveys, one satisfied; one unanswered
        _survey(case, clerk, hall, overall)
    c = counter(hall, "1号窗口")
    queue.sign_in(clerk, c)
    for overall in (5, 4, 4, 2):
        queue.issue_ticket(device, hall, "payment")
        t = queue.call_next(clerk, c)
        queue.start_service(clerk, t.pk)
        queue.finish_service(clerk, t.pk, "bill-pay")
        services.rate_service(device, c, t.pk, scores={"overall": overall, "empathy": overall})
    other = make_staff("clerk", hall)  # ratings only, no survey: still listed
    t2, c2 = served(hall, other, device, "2号窗口")
    services.rate_service(device, c2, t2.pk, scores={"overall": 5})

    stats = {s["staff"]: s for s in selectors.staff_stats(timezone.now() - timedelta(days=1))}
    mine = stats[clerk.username]
    assert (mine["sent"], mine["answered"], mine["satisfaction_rate"]) == (3, 2, 0.5)
    cr = mine["counter_ratings"]
    assert cr["count"] == 4 and cr["satisfaction_rate"] == 0.75
    assert cr["overall_avg"] == 3.75 and cr["dimensions"]["empathy"] == 3.75
    assert cr["dimensions"]["tangibles"] is None
    assert mine["combined_satisfaction_rate"] == round(4 / 6, 3)  # (1 + 3) of (2 + 4)
    theirs = stats[other.username]
    assert theirs["answered"] == 0 and theirs["satisfaction_rate"] is None
    assert theirs["counter_ratings"]["count"] == 1 and theirs["combined_satisfaction_rate"] == 1.0
    assert theirs["name"] == other.staff.full_name


def test_s1_hall_ratings_today_against_95_percent(hall, clerk, device):
    assert selectors.hall_ratings_today(hall)["satisfaction_rate"] is None
    c = counter(hall, "1号窗口")
    queue.sign_in(clerk, c)
    for overall in (5, 5, 3):
        queue.issue_ticket(device, hall, "payment")
        t = queue.call_next(clerk, c)
        queue.start_service(clerk, t.pk)
        queue.finish_service(clerk, t.pk, "bill-pay")
        services.rate_service(device, c, t.pk, scores={"overall": overall})
    today = selectors.hall_ratings_today(hall)
    assert today["count"] == 3 and today["satisfaction_rate"] == 0.667 and today["ok"] is False


# ---------------------------------------------------------------- the pages and permissions


def test_s1_rating_page_asks_then_thanks_and_stores(hall, clerk, device):
    t, c = served(hall, clerk, device)
    page = client_for(device)
    body = page.get(f"/rate/{c.pk}/").content.decode()
    assert "请为本次服务评价" in body and t.number in body and clerk.staff.full_name in body
    r = page.post(f"/rate/{c.pk}/", {"ticket": t.pk, "overall": "5", "empathy": "4"})
    assert r.status_code == 302 and r["Location"].endswith("?thanks=1")
    assert "感谢您的评价" in page.get(r["Location"]).content.decode()
    assert CounterRating.objects.get(ticket=t).empathy == 4
    idle = page.get(f"/rate/{c.pk}/partial").content.decode()
    assert "请为本次服务评价" not in idle and "1号窗口" in idle and clerk.staff.full_name in idle
    again = page.post(f"/rate/{c.pk}/", {"ticket": t.pk, "overall": "1"})
    assert again.status_code == 409 and "已评价" in again.content.decode()


def test_s1_a_clerk_cannot_post_a_rating(hall, clerk, device):
    t, c = served(hall, clerk, device)
    r = client_for(clerk).post(f"/rate/{c.pk}/", {"ticket": t.pk, "overall": "5"})
    assert r.status_code == 403
    assert not CounterRating.objects.exists()


def test_q2_a_device_cannot_call_pause_or_call_a_number(hall, device, api_as):
    t = queue.issue_ticket(device, hall, "payment")
    c = counter(hall, "1号窗口")
    page = client_for(device)
    for path in ("/workbench/call-number", "/workbench/pause", "/workbench/call"):
        assert page.post(path, {"number": t.number, "reason": "break"}).status_code == 403
    api = api_as(device)
    r = api.post(f"/queue/counters/{c.pk}/call-number", {"number": t.number})
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert Ticket.objects.get(pk=t.pk).status == "waiting"


def test_q2_api_pause_then_call_next_is_409_counter_paused(hall, clerk, device, api_as):
    queue.issue_ticket(device, hall, "payment")
    c = counter(hall, "1号窗口")
    api = api_as(clerk)
    assert api.post(f"/queue/counters/{c.pk}/sign-in").status_code == 200
    r = api.post(f"/queue/counters/{c.pk}/pause", {"reason": "other"})
    assert r.status_code == 422 and r.json()["field"] == "note"
    r = api.post(f"/queue/counters/{c.pk}/pause", {"reason": "training"})
    assert (
        r.status_code == 200 and r.json()["reason"] == "training" and r.json()["ended_at"] is None
    )
    assert api.get(f"/queue/counters/{c.pk}").json()["paused"]["reason"] == "training"
    r = api.post(f"/queue/counters/{c.pk}/call-next")
    body = r.json()
    assert r.status_code == 409 and body["code"] == "counter_paused"
    assert "暂停" in body["message"] and "paused" in body["message_en"]
    assert api.post(f"/queue/counters/{c.pk}/resume").json()["ended_at"] is not None
    assert api.post(f"/queue/counters/{c.pk}/call-next").status_code == 200


def test_s1_the_sla_page_shows_counter_ratings_beside_the_surveys(hall, clerk, device, manager):
    """The quality page's satisfaction table counts the rating device too: one rating of 5 for
    the clerk is 100 % satisfied, with no survey yet."""
    t, c = served(hall, clerk, device)
    services.rate_service(device, c, t.pk, scores={"overall": 5})
    page = client_for(make_staff("quality_supervisor", hall)).get("/cases/sla").content.decode()
    row = page[page.index(f'data-staff="{clerk.username}"') :].split("</tr>")[0]
    assert 'class="counter-ratings">1 · 100 %' in row and 'class="combined">' in row
    assert "100 %</td>" in row.split('class="combined">')[1]


def test_s1_an_earlier_service_is_not_rated_once_the_next_has_started(hall, clerk, device):
    """The device rates the service just finished: once the counter has started the next
    customer (or finished one), the earlier ticket's rating is closed."""
    first, c = served(hall, clerk, device)
    t = queue.issue_ticket(device, hall, "payment")
    t = queue.call_next(clerk, c)
    queue.start_service(clerk, t.pk)  # the next customer is being served
    with pytest.raises(Conflict) as exc:
        services.rate_service(device, c, first.pk, scores={"overall": 1})
    assert exc.value.code == "rating_closed" and "下一位" in exc.value.zh
    queue.finish_service(clerk, t.pk, "bill-pay")
    assert services.rate_service(device, c, t.pk, scores={"overall": 5}).overall == 5
    assert not CounterRating.objects.filter(ticket=first).exists()


def test_s1_a_tablet_bound_to_its_counter_rates_no_other(hall, clerk, device):
    """The review found 1号窗口's tablet rating 3号窗口: a device bound to a counter is refused
    any other (403 in words); the hall's unbound spare may stand at either."""
    t, c = served(hall, clerk, device)
    other = hall.counters.exclude(pk=c.pk).first()
    device.staff.counter = other
    device.staff.save(update_fields=["counter"])
    page = client_for(device)
    assert page.get(f"/rate/{c.pk}/").status_code == 403
    r = page.post(f"/rate/{c.pk}/", {"ticket": t.pk, "overall": "1"})
    assert r.status_code == 403 and not CounterRating.objects.exists()
    assert page.get(f"/rate/{other.pk}/").status_code == 200
    device.staff.counter = None
    device.staff.save(update_fields=["counter"])
    assert (
        client_for(device).post(f"/rate/{c.pk}/", {"ticket": t.pk, "overall": "5"}).status_code
        == 302
    )
    assert CounterRating.objects.get().overall == 5
