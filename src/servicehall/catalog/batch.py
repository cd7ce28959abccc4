"""The batch recommendation (M2) over an imported customer base: `servicehall recommend --input
usage.csv --output recs.csv`. The input is the bill import's format with the usage columns
(customers/bills.py: 号码, 月份, 金额, 通话分钟, 流量MB, 短信, 主叫次数), one row per line and
month; each line's customer group comes from the customer base (individual when the number is
not known). The output has one row per line: the recommended plan, the costs, the saving and the
explanation in Chinese."""

from __future__ import annotations

import csv
from datetime import date

from servicehall.customers import bills
from servicehall.customers.models import PhoneNumber

from . import pricing, selectors
from .explain import explain

OUTPUT_HEADER = [
    "号码 number",
    "月数 months",
    "当前月均 current_cost",
    "推荐档位编码 tier",
    "推荐套餐 plan",
    "推荐后月均 new_cost",
    "每月节省 saving",
    "结论 reason",
    "说明 explanation",
]


def groups_of(numbers) -> dict[str, str]:
    wanted = set(numbers)
    out = {}
    chunk = list(wanted)
    for i in range(0, len(chunk), 5000):
        out.update(
            PhoneNumber.objects.filter(number__in=chunk[i : i + 5000]).values_list(
                "number", "customer__group"
            )
        )
    return out


def run(input_path: str, output_path: str, on: date, *, progress=None) -> dict:
    """Read, price every line under every plan on sale on `on`, write; returns counts."""
    with open(input_path, "rb") as f:  # read row by row: a customer base has no row limit
        rows = bills.parse(
            f,
            input_path,
            limited=False,
            nothing_done=("未生成任何推荐", "no recommendations were written"),
        )
    numbers = {r.number for r in rows}
    usages = pricing.usages_from_bills(rows, groups_of(numbers))
    plans = selectors.load_plans(on)
    arrays = pricing.UsageArrays.of(usages)
    bar = progress(total=len(arrays) * 2, unit="line") if progress else None
    result = pricing.recommend_batch(arrays, plans, progress=bar.update if bar else None)
    recommended = 0
    with open(output_path, "w", newline="", encoding="utf-8-sig") as f:
        out = csv.writer(f)
        out.writerow(OUTPUT_HEADER)
        for i in range(len(arrays)):
            rec = pricing.as_recommendation(result, i, arrays, plans)
            recommended += rec.recommended
            plan = rec.plan if rec.recommended else None
            out.writerow(
                [
                    arrays.numbers[i],
                    len(rec.usage.months),
                    selectors.money(rec.current_cost),
                    plan.code if plan else "",
                    f"{plan.product} {plan.name}" if plan else "",
                    selectors.money(rec.new_cost) if plan else "",
                    selectors.money(rec.saving) if plan else "",
                    rec.reason,
                    explain(rec)[0],
                ]
            )
            if bar:
                bar.update(1)
    if bar:
        bar.close()
    return {"lines": len(arrays), "plans": len(plans), "recommended": recommended}
