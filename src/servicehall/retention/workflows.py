"""The retention case's workflow (R1–R3), registered with the case engine (cases/workflows.py)
when the app is ready: the first level by whoever received the customer (the clerk at the
counter, the chat desk); on failure at once the second level — the care desk, the complaint
desk for a complaint-caused case, a high-value customer's account manager (services.route) —;
retained, or left at the customer's insistence. The customer may insist at either level: the
`insist` transition is offered in every open state and asks for nothing (services.insist)."""

from __future__ import annotations

from servicehall.cases.workflows import Transition, Workflow

SECOND_LEVEL_PERM = "retention.retain_second_level"

RETENTION = Workflow(
    kind="retention",
    acts_on_account=False,  # the customer is verified in the retention record itself (C3)
    name_zh="挽留",
    name_en="Retention",
    prefix="WL",
    initial="first_level",
    states={
        "first_level": ("初级挽留", "First-level retention"),
        "second_level": ("二级挽留", "Second-level retention"),
        "retained": ("挽留成功", "Retained"),
        "left": ("客户坚持离网（已转办）", "Left at the customer's insistence"),
    },
    closed=frozenset({"retained", "left"}),
    transitions=(
        Transition(
            "retain_first",
            ("first_level",),
            "retained",
            "初级挽留成功",
            "Retained at the first level",
            effect="retention_retained",
            check="retention_retain",
        ),
        Transition(
            "fail_first",
            ("first_level",),
            "second_level",
            "初级挽留未成功，立即转二级挽留",
            "First level failed: to the second level at once",
            effect="retention_escalate",
            check="retention_fail",
        ),
        Transition(
            "retain_second",
            ("second_level",),
            "retained",
            "二级挽留成功",
            "Retained at the second level",
            effect="retention_retained",
            check="retention_retain",
            perm=SECOND_LEVEL_PERM,
        ),
        Transition(
            "insist",
            ("first_level", "second_level"),
            "left",
            "客户坚持离网：按客户意愿转办",
            "The customer insists: hand the request on",
            effect="retention_left",
            check="retention_insist",
        ),
    ),
    script_zh={
        "first_level": "非常理解您的想法，能告诉我您考虑离网的主要原因吗？我看看有没有更适合您的办法。",
        "second_level": "您好，我是客户关怀专席，刚才同事已把您的情况转给我，我根据您的实际使用情况为您算了一下……",
        "retained": "感谢您继续选择我们，有任何问题随时联系我们。",
        "left": "尊重您的选择，您的业务申请已为您转办。欢迎您随时回来。",
    },
)
