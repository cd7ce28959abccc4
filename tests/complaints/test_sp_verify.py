"""The subscription verifier (P4, L4): properties over generated evidence (hypothesis) and one
example per reason. Pure functions: no database here."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from servicehall.complaints.subscriptions.verify import Record, verify

TZ = ZoneInfo("Asia/Shanghai")
LINE, OTHER = "13800000001", "13800000002"
SP, SVC, SVC2 = "901234", "MUSIC10", "NEWS5"
CODE = "10661234"  # the SP's access code
T0 = datetime(2026, 8, 2, 10, 0, tzinfo=TZ)


def rec(kind, minutes, frm=CODE, to=LINE, svc=SVC, amount=None, period=""):
    return Record(kind, T0 + timedelta(minutes=minutes), frm, to, SP, svc, amount, period)


def order(m=0, **kw):
    return rec("order", m, frm=LINE, to=CODE, **kw)


def request(m=1, **kw):
    return rec("request", m, **kw)


def confirm(m=2, frm=LINE, **kw):
    return rec("confirm", m, frm=frm, to=CODE, **kw)


def charge(m=60 * 24, amount="10.00", **kw):
    return rec("charge", m, amount=Decimal(amount), **kw)


def delivery(m=60 * 48, **kw):
    return rec("delivery", m, **kw)


def codes(verdict):
    return [r["code"] for r in verdict.reasons]


# --- examples: one per reason ---------------------------------------------------------------


def test_p4_authorised_with_the_users_own_confirmation():
    v = verify(LINE, SP, SVC, [order(), request(), confirm(), charge(), delivery()])
    assert v.authorised and v.reasons == [] and v.refund == Decimal("0.00")
    assert v.charges_total == Decimal("10.00")


def test_p4_no_order():
    v = verify(LINE, SP, SVC, [request(), confirm(), charge(), delivery()])
    assert not v.authorised and codes(v) == ["no_order"]
    assert v.refund == Decimal("20.00")


def test_p4_no_confirmation_request():
    v = verify(LINE, SP, SVC, [order(), confirm(), charge(), delivery()])
    assert not v.authorised and "no_request" in codes(v)


def test_p4_no_confirmation():
    v = verify(LINE, SP, SVC, [order(), request(), charge(), delivery()])
    assert not v.authorised and codes(v) == ["no_confirmation"]


def test_p4_confirmation_before_the_request():
    v = verify(LINE, SP, SVC, [order(), request(m=10), confirm(m=5), charge(), delivery()])
    assert not v.authorised and codes(v) == ["confirmation_before_request"]


def test_p4_confirmation_from_another_number():
    """The 09:25 customer: the platform asked her, the 'yes' came from someone else's phone."""
    v = verify(LINE, SP, SVC, [order(), request(), confirm(frm=OTHER), charge(), delivery()])
    assert not v.authorised
    assert codes(v) == ["no_confirmation", "confirmation_other_number"]
    assert v.refund == Decimal("20.00")  # 10 yuan refunded double


def test_p4_confirmation_outside_the_window():
    late = confirm(m=1 + 24 * 60 + 1)
    v = verify(LINE, SP, SVC, [order(), request(), late, charge(), delivery()])
    assert not v.authorised and codes(v) == ["confirmation_outside_window"]
    assert "24" in v.reasons[0]["zh"] and "24" in v.reasons[0]["en"]
    # the window is configurable: 48 h accepts it
    assert verify(
        LINE, SP, SVC, [order(), request(), late, charge(), delivery()], window=timedelta(hours=48)
    ).authorised


def test_p4_confirmation_for_another_service():
    v = verify(LINE, SP, SVC, [order(), request(), confirm(svc=SVC2), charge(), delivery()])
    assert not v.authorised and codes(v) == ["confirmation_other_service"]


def test_p4_unauthorised_refunds_every_charge_double_from_the_first():
    charges = [charge(m=60 * 24 * d, period=f"2026-{8 + d // 31:02d}") for d in (1, 32, 62)]
    deliveries = [delivery(m=60 * 24 * d + 60) for d in (1, 32, 62)]
    v = verify(LINE, SP, SVC, [order(), request(), *charges, *deliveries])
    assert v.refund == Decimal("60.00") and v.charges_total == Decimal("30.00")
    assert [c["factor"] for c in v.computation] == [2, 2, 2]
    assert [c["at"] for c in v.computation] == sorted(c["at"] for c in v.computation)


def test_p4_charges_without_content_refunded_from_the_charge_date_even_when_authorised():
    """August had content, September none: September's charge is refunded (once)."""
    rows = [
        order(),
        request(),
        confirm(),
        charge(m=60 * 24, period="2026-08"),
        delivery(m=60 * 48),
        charge(m=60 * 24 * 31, period="2026-09"),
    ]
    v = verify(LINE, SP, SVC, rows)
    assert v.authorised and codes(v) == ["no_content"]
    assert v.refund == Decimal("10.00")
    assert [(c["period"], c["delivered"], c["factor"]) for c in v.computation] == [
        ("2026-08", True, 0),
        ("2026-09", False, 1),
    ]


# --- properties over generated evidence -----------------------------------------------------

KINDS = ("order", "request", "confirm", "charge", "delivery")
addresses = st.sampled_from((LINE, OTHER, CODE))
records = st.builds(
    lambda kind, minutes, frm, to, svc, cents, month: Record(
        kind,
        T0 + timedelta(minutes=minutes),
        frm,
        to,
        SP,
        svc,
        Decimal(cents) / 100 if kind == "charge" else None,
        f"2026-{month:02d}" if kind == "charge" and month else "",
    ),
    st.sampled_from(KINDS),
    st.integers(min_value=-3000, max_value=90 * 24 * 60),
    addresses,
    addresses,
    st.sampled_from((SVC, SVC2)),
    st.integers(min_value=1, max_value=100_00),
    st.integers(min_value=0, max_value=12),
)
evidence = st.lists(records, max_size=25)


def _own_confirmation(rows, window=timedelta(hours=24)):
    """Independently of the verifier: is there a confirmation from the line, for the disputed
    service, at or after a request sent to the line and within the window of one?"""
    requests = [
        r.at for r in rows if r.kind == "request" and r.service_code == SVC and r.to_addr == LINE
    ]
    return any(
        r.kind == "confirm"
        and r.from_addr == LINE
        and r.service_code == SVC
        and any(q <= r.at <= q + window for q in requests)
        for r in rows
    )


@settings(max_examples=400, deadline=None)
@given(evidence)
def test_p4_never_authorised_without_the_users_own_confirmation(rows):
    v = verify(LINE, SP, SVC, rows)
    if v.authorised:
        assert _own_confirmation(rows)
        assert any(r.kind == "order" and r.service_code == SVC for r in rows)
        c = v.confirmed_by
        assert c.from_addr == LINE and c.service_code == SVC
    else:
        assert v.reasons, "an unauthorised verdict always says why"


@settings(max_examples=400, deadline=None)
@given(evidence)
def test_p4_refund_never_exceeds_double_the_charges(rows):
    v = verify(LINE, SP, SVC, rows)
    charged = sum(
        (r.amount for r in rows if r.kind == "charge" and r.service_code == SVC), Decimal(0)
    )
    assert Decimal(0) <= v.refund <= 2 * charged
    assert v.charges_total == charged
    if not v.authorised:
        assert v.refund == 2 * charged  # from the first charge on record, double


@settings(max_examples=300, deadline=None)
@given(evidence, st.randoms(use_true_random=False))
def test_p4_the_order_of_rows_does_not_matter(rows, rnd):
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    assert verify(LINE, SP, SVC, rows) == verify(LINE, SP, SVC, shuffled)


@settings(max_examples=200, deadline=None)
@given(evidence)
def test_p4_a_genuine_confirmation_makes_it_authorised(rows):
    """The converse: an order, a request and the user's own reply in the window suffice, whatever
    else the records hold."""
    v = verify(LINE, SP, SVC, [*rows, order(m=-5000), request(m=-4990), confirm(m=-4989)])
    assert v.authorised
