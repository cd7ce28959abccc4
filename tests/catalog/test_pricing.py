"""The pricing and the recommendation (M1, M2) against hand-computed examples, and the numpy
batch against the per-customer reference (the benchmark's `mismatches` check, as a property)."""

from datetime import date
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from servicehall.catalog import pricing
from servicehall.catalog.explain import explain
from servicehall.catalog.pricing import MonthUsage, PlanTerms, PromoTerms, Reason, Usage

OVER = {"data_overage": D("0.0050"), "voice_overage": D("0.15"), "sms_overage": D("0.10")}
BASIC = PlanTerms("basic", "测试卡", "39元档", D("39"), 10240, 100, 0, **OVER)
BIG = PlanTerms("big", "测试卡", "129元档", D("129"), 81920, 500, 100, **OVER)
SMART = PlanTerms(
    "smart",
    "智享合约",
    "126元档",
    D("126"),
    40960,
    500,
    100,
    **OVER,
    contract_months=24,
    promotion=PromoTerms(
        "智能终端优惠",
        D("50"),
        24,
        D("1200"),
        min_paid_calls=3,
        first_prepayment=D("200"),
        prepayment_hours=48,
    ),
)
GROUP_ONLY = PlanTerms(
    "corp", "政企卡", "49元档", D("49"), 40960, 500, 100, **OVER, groups=("enterprise",)
)


def month(amount, voice, data, sms=0, calls=0, m=1) -> MonthUsage:
    return MonthUsage(date(2026, m, 1), D(amount), voice, data, sms, calls)


def usage(*months, group="individual") -> Usage:
    return Usage("13900000001", tuple(months), group)


def test_m1_month_cost_with_overage():
    # 39 + 50 min × 0.15 + 2048 MB × 0.005 + 10 SMS × 0.10 = 39 + 7.50 + 10.24 + 1.00
    assert pricing.month_cost(BASIC, month("0", 150, 12288, sms=10)) == D("57.74")
    assert pricing.month_cost(BASIC, month("0", 100, 10240)) == D("39.00")


def test_m1_month_cost_rounds_half_up_to_the_fen():
    # one MB over at 0.005 yuan: 39.005 → 39.01
    assert pricing.month_cost(BASIC, month("0", 0, 10241)) == D("39.01")


def test_m1_smart_terminal_credit_needs_three_paid_calls_that_month():
    assert pricing.month_cost(SMART, month("0", 200, 20000, calls=3)) == D("76.00")  # 126 − 50
    assert pricing.month_cost(SMART, month("0", 200, 20000, calls=2)) == D("126.00")
    u = usage(
        month("150", 200, 20000, calls=5, m=1),
        month("150", 200, 20000, calls=2, m=2),
        month("150", 200, 20000, calls=3, m=3),
    )
    # (76 + 126 + 76) / 3 = 92.666… → 92.67
    assert pricing.plan_cost(SMART, u) == D("92.67")
    assert SMART.effective_fee == D("76")


def test_m2_recommends_the_cheapest_plan_that_fits():
    u = usage(*[month("150.00", 300, 30000, sms=20, calls=4, m=i) for i in (1, 2, 3)])
    rec = pricing.recommend(u, [BASIC, BIG, SMART, GROUP_ONLY])
    # BASIC does not fit (300 min > 100), GROUP_ONLY is not sold to individuals.
    assert set(rec.costs) == {"big", "smart"}
    assert rec.reason == Reason.OK
    assert rec.plan.code == "smart"
    assert (rec.current_cost, rec.new_cost, rec.saving) == (D("150.00"), D("76.00"), D("74.00"))
    zh, en = explain(rec)
    assert "智享合约 126元档" in zh and "每月可节省74.00元" in zh
    assert "每月返还50元" in zh and "实际月租76元" in zh and "主叫付费通话不少于3次" in zh
    assert "48小时内首次预存200元" in zh and "需签约24个月" in zh
    assert "适合选择包月套餐" in zh  # three equal bills: steady (M2)
    assert "74.00 yuan less a month" in en


def test_m2_group_customers_get_group_plans_and_are_told_of_group_services():
    u = usage(*[month("150.00", 300, 30000, calls=0, m=i) for i in (1, 2, 3)], group="enterprise")
    rec = pricing.recommend(u, [BASIC, BIG, SMART, GROUP_ONLY])
    assert rec.plan.code == "corp" and rec.new_cost == D("49.00")
    assert "集团业务" in explain(rec)[0]


def test_m2_no_recommendation_for_a_small_saving():
    # on BIG already: bills of 135 against 129 on BIG → saves 6 (< 10 yuan)
    u = usage(*[month("135.00", 450, 70000, sms=100, m=i) for i in (1, 2, 3)])
    rec = pricing.recommend(u, [BIG])
    assert rec.reason == Reason.NO_SAVING and rec.saving == D("6.00")
    # 10 yuan on a 120-yuan bill is 8.3 %: below 10 % too
    rec = pricing.recommend(usage(month("139.00", 450, 70000, sms=100)), [BIG])
    assert rec.reason == Reason.NO_SAVING
    rec = pricing.recommend(usage(month("143.40", 450, 70000, sms=100)), [BIG])
    assert rec.reason == Reason.OK and rec.saving == D("14.40")


def test_m2_never_a_plan_the_customer_would_outgrow():
    # BASIC is far cheaper even with overage, but 150 minutes > 100 included: not recommended
    u = usage(month("200.00", 150, 5000))
    assert pricing.recommend(u, [BASIC]).reason == Reason.NO_FITTING_PLAN
    assert pricing.recommend(usage(), [BASIC]).reason == Reason.NO_USAGE


def test_m2_unpaid_calls_price_the_promotion_without_its_credit():
    u = usage(*[month("200.00", 300, 30000, calls=0, m=i) for i in (1, 2, 3)])
    rec = pricing.recommend(u, [SMART])
    assert rec.new_cost == D("126.00") and rec.credited_months == 0
    assert "返还" not in explain(rec)[0]


PLANS = st.builds(
    PlanTerms,
    code=st.uuids().map(str),
    product=st.just("产品"),
    name=st.just("档位"),
    price=st.integers(0, 40000).map(lambda c: D(c) / 100),
    data_mb=st.integers(0, 200_000),
    voice_minutes=st.integers(0, 3000),
    sms=st.integers(0, 500),
    data_overage=st.integers(0, 300).map(lambda c: D(c) / 10000),
    voice_overage=st.integers(0, 3000).map(lambda c: D(c) / 10000),
    sms_overage=st.integers(0, 2000).map(lambda c: D(c) / 10000),
    groups=st.sampled_from([(), ("enterprise",), ("family", "enterprise")]),
    promotion=st.none()
    | st.builds(
        PromoTerms,
        name=st.just("优惠"),
        monthly_credit=st.integers(0, 50000).map(lambda c: D(c) / 100),
        months=st.just(24),
        total_bonus=st.just(D(0)),
        min_paid_calls=st.integers(0, 5),
    ),
)
MONTHS_ST = st.builds(
    MonthUsage,
    month=st.just(date(2026, 1, 1)),
    amount=st.integers(0, 100000).map(lambda c: D(c) / 100),
    voice_minutes=st.integers(0, 4000),
    data_mb=st.integers(0, 250_000),
    sms=st.integers(0, 600),
    paid_calls=st.integers(0, 6),
)
USAGES = st.builds(
    Usage,
    number=st.just("13900000001"),
    months=st.lists(MONTHS_ST, min_size=0, max_size=3).map(tuple),
    group=st.sampled_from(pricing.GROUPS),
)


@settings(max_examples=200, deadline=None)
@given(plans=st.lists(PLANS, max_size=8), usages=st.lists(USAGES, min_size=1, max_size=30))
def test_m2_batch_equals_the_per_customer_computation(plans, usages):
    arrays = pricing.UsageArrays.of(usages)
    result = pricing.recommend_batch(arrays, plans, chunk=7)
    for i, u in enumerate(usages):
        ref = pricing.recommend(u, plans)
        got = pricing.as_recommendation(result, i, arrays, plans)
        assert pricing.same(ref, got), (i, ref, got)
