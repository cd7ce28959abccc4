"""The recommendation explained to the customer (M2), in Chinese first and English: the usage it
rests on, the cost on the plan and why, the saving, the promotion's conditions and contract, a
steady bill's package advice, group services for group customers."""

from __future__ import annotations

from decimal import Decimal

from servicehall.core.masking import mask_phone

from . import pricing
from .pricing import Reason, Recommendation


def _gb(mb: Decimal) -> str:
    return f"{mb / 1024:.1f}GB"


def _avg(values) -> Decimal:
    values = list(values)
    return Decimal(sum(values)) / len(values) if values else Decimal(0)


def usage_line(rec: Recommendation) -> tuple[str, str]:
    months = rec.usage.months
    n = len(months)
    voice = _avg(m.voice_minutes for m in months)
    data = _avg(m.data_mb for m in months)
    sms = _avg(m.sms for m in months)
    return (
        f"根据您近{n}个月的使用（月均通话{voice:.0f}分钟、流量{_gb(data)}、短信{sms:.0f}条，"
        f"月均账单{rec.current_cost:.2f}元）",
        f"From your last {n} months (on average {voice:.0f} minutes, {_gb(data)} of data and "
        f"{sms:.0f} texts a month; bills of {rec.current_cost:.2f} yuan a month)",
    )


def explain(rec: Recommendation) -> tuple[str, str]:
    """(Chinese, English) for any outcome, the reason when nothing is recommended."""
    if rec.reason == Reason.NO_USAGE:
        return (
            "暂无该号码近几个月的使用量（通话、流量），无法测算推荐套餐。",
            "No recent usage (minutes, data) for this number: no plan can be recommended.",
        )
    zh_use, en_use = usage_line(rec)
    group_zh, group_en = "", ""
    if rec.usage.group == "enterprise":
        group_zh = "您是集团客户，还可由客户经理为您办理集团业务（集团V网、集团统付等）。"
        group_en = (
            " As a group customer you can also have group services (group VPN, corporate "
            "billing) set up by your account manager."
        )
    if rec.reason == Reason.NO_FITTING_PLAN:
        return (
            f"{zh_use}，目前在售套餐均不能覆盖您的通话和流量用量，建议保持现有套餐。{group_zh}",
            f"{en_use}, no plan on sale covers your minutes and data: keep your plan.{group_en}",
        )
    plan = rec.plan
    if rec.reason == Reason.NO_SAVING:
        return (
            f"{zh_use}，最省的合适套餐为「{plan.product} {plan.name}」，每月约{rec.new_cost:.2f}元，"
            f"节省不足{pricing.MIN_SAVING:.0f}元或{pricing.MIN_SAVING_PERCENT}%，"
            f"现有套餐已较合适。{group_zh}",
            f"{en_use}, the cheapest plan that fits ({plan.product} {plan.name}, "
            f"{rec.new_cost:.2f} yuan a month) saves less than {pricing.MIN_SAVING:.0f} yuan or "
            f"{pricing.MIN_SAVING_PERCENT} %: the current plan suits.{group_en}",
        )
    overage = rec.new_cost - (
        plan.effective_fee if rec.credited_months == len(rec.usage.months) else plan.price
    )
    zh = [
        f"{zh_use}，改用「{plan.product} {plan.name}」（月费{plan.price:.0f}元，"
        f"含通话{plan.voice_minutes}分钟、流量{_gb(Decimal(plan.data_mb))}、短信{plan.sms}条），"
        f"每月约{rec.new_cost:.2f}元，每月可节省{rec.saving:.2f}元，一年约{rec.saving * 12:.0f}元。"
    ]
    en = [
        f"{en_use}, {plan.product} {plan.name} (fee {plan.price:.0f} yuan with "
        f"{plan.voice_minutes} minutes, {_gb(Decimal(plan.data_mb))} and {plan.sms} texts) would "
        f"cost about {rec.new_cost:.2f} yuan a month: {rec.saving:.2f} yuan less a month, about "
        f"{rec.saving * 12:.0f} a year."
    ]
    if overage > 0 and rec.credited_months in (0, len(rec.usage.months)):
        zh.append(f"其中含超出套餐的费用约{overage:.2f}元。")
        en.append(f" That includes about {overage:.2f} yuan beyond the allowances.")
    promo = plan.promotion
    if promo and rec.credited_months:
        zh.append(
            f"享「{promo.name}」：每月返还{promo.monthly_credit:.0f}元，共{promo.months}个月"
            f"（合计{promo.total_bonus:.0f}元），实际月租{plan.effective_fee:.0f}元"
        )
        en.append(
            f" With the {promo.name} offer: {promo.monthly_credit:.0f} yuan credited a month for "
            f"{promo.months} months ({promo.total_bonus:.0f} in all), an effective fee of "
            f"{plan.effective_fee:.0f} yuan"
        )
        conditions_zh, conditions_en = [], []
        if promo.min_paid_calls:
            conditions_zh.append(f"每月使用合约手机主叫付费通话不少于{promo.min_paid_calls}次")
            conditions_en.append(f"at least {promo.min_paid_calls} paid calls a month")
        if promo.first_prepayment:
            hours = f"{promo.prepayment_hours}小时内" if promo.prepayment_hours else ""
            conditions_zh.append(f"{hours}首次预存{promo.first_prepayment:.0f}元")
            conditions_en.append(
                f"a first prepayment of {promo.first_prepayment:.0f} yuan"
                + (f" within {promo.prepayment_hours} hours" if promo.prepayment_hours else "")
            )
        if conditions_zh:
            zh.append("；条件：" + "，".join(conditions_zh))
            en.append("; conditions: " + ", ".join(conditions_en))
        zh.append("。")
        en.append(".")
        if rec.credited_months < len(rec.usage.months):
            zh.append(
                f"按您的主叫次数，近{len(rec.usage.months)}个月中有{rec.credited_months}个月"
                "可获返还，已按此测算。"
            )
            en.append(
                f" By your paid calls, {rec.credited_months} of the last "
                f"{len(rec.usage.months)} months would have earned the credit; priced so."
            )
    if plan.contract_months:
        zh.append(f"需签约{plan.contract_months}个月。")
        en.append(f" A {plan.contract_months}-month contract.")
    if pricing.is_steady(rec.usage):
        zh.append("您近几个月账单较稳定，适合选择包月套餐。")
        en.append(" Your bills are steady: a monthly package suits you.")
    return "".join(zh) + group_zh, "".join(en) + group_en


def summary(rec: Recommendation) -> dict:
    """The recommendation as the API and the workbench show it (the number masked, V2)."""
    zh, en = explain(rec)
    plan = rec.plan
    promo = plan.promotion if plan and rec.credited_months else None
    return {
        "number": mask_phone(rec.usage.number),
        "recommended": rec.recommended,
        "reason": rec.reason,
        "months": len(rec.usage.months),
        "current_cost": rec.current_cost,
        "tier": plan.code if plan else None,
        "product": plan.product if plan else None,
        "tier_name": plan.name if plan else None,
        "monthly_fee": plan.price if plan else None,
        "new_cost": rec.new_cost,
        "saving": rec.saving,
        "yearly_saving": rec.saving * 12 if rec.saving is not None else None,
        "contract_months": plan.contract_months if plan else None,
        "promotion": None
        if promo is None
        else {
            "name": promo.name,
            "monthly_credit": promo.monthly_credit,
            "months": promo.months,
            "total_bonus": promo.total_bonus,
            "min_paid_calls": promo.min_paid_calls,
            "first_prepayment": promo.first_prepayment,
            "prepayment_hours": promo.prepayment_hours,
        },
        "steady": pricing.is_steady(rec.usage),
        "group": rec.usage.group,
        "explanation": zh,
        "explanation_en": en,
    }
