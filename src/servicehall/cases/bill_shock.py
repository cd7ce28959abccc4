"""Bill shock (L3, 电信条例 Art.33): a bill more than 5× the average of the line's previous three
months is abnormal and the customer must be told promptly. Importing the month's bills opens a
proactive contact case (a work order, channel `proactive`, for the care desk when there is one)
for each such line — once per line and month, however often the file is imported."""

from __future__ import annotations

from decimal import Decimal

from servicehall.core.db import write_transaction
from servicehall.core.errors import require_perm
from servicehall.customers import bills
from servicehall.customers.models import Bill

from . import services
from .models import Case
from .selectors import desks_for

FACTOR = Decimal(5)
HISTORY_MONTHS = 3


def _previous_months(month, n: int):
    y, m = month.year, month.month
    out = []
    for _ in range(n):
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
        out.append(month.replace(year=y, month=m))
    return out


def shocks(rows: list[bills.BillRow]) -> list[tuple[bills.BillRow, Decimal]]:
    """The rows whose amount is more than FACTOR × the average of the three months before
    (all three must be known), with that average. The history is read in a few queries (by
    500 numbers), not one per row: a 60,000-line file took two minutes row by row, inside the
    write transaction that holds the hall's database."""
    previous = {r: _previous_months(r.month, HISTORY_MONTHS) for r in rows}
    months = sorted({m for ms in previous.values() for m in ms})
    numbers = sorted({r.number for r in rows})
    known: dict[tuple[str, object], Decimal] = {}
    for i in range(0, len(numbers), 500):
        for number, month, amount in Bill.objects.filter(
            number__in=numbers[i : i + 500], month__in=months
        ).values_list("number", "month", "amount"):
            known[(number, month)] = Decimal(amount)
    found = []
    for r in rows:
        history = [known[(r.number, m)] for m in previous[r] if (r.number, m) in known]
        if len(history) < HISTORY_MONTHS:
            continue
        avg = sum(history) / HISTORY_MONTHS
        if avg and r.amount > FACTOR * avg:
            found.append((r, avg.quantize(Decimal("0.01"))))
    return found


def import_bills(
    user, data: bills.tables.Source, filename: str, progress: bills.Progress | None = None
) -> dict:
    """Check the whole file, then store it and open the bill-shock cases in one transaction.
    `progress` hears the checking and the writing (customers.bills.Progress). The once-per-line-
    and-month rule holds under concurrent uploads too: the bills are upserted first, in one
    order, so a second import of the same line and month waits on the first's row locks
    (PostgreSQL) or its write lock (SQLite) and then finds the case it opened."""
    require_perm(user, "customers.import_bills", "导入账单", "import bills")
    rows = bills.parse(data, filename, progress=progress)
    # the care desk, when the importer may send cases to it (the area's, or of their halls)
    desk = "care" if desks_for(user).filter(code="care").exists() else None
    opened, opened_ids = [], []
    if progress:
        progress("writing", 0, len(rows))  # checked: the writing begins (outside the transaction)
    with write_transaction():
        bills.store(rows, progress=progress)
        for r, avg in shocks(rows):
            key = f"{r.number}:{r.month:%Y-%m}"
            if Case.objects.filter(data__bill_shock=key).exists():
                continue
            ratio = (r.amount / avg).quantize(Decimal("0.1"))
            case = services.open_case(
                user,
                kind="work_order",
                channel="proactive",
                category="bill-pay",
                priority="high",
                phone=r.number,
                desk=desk,
                subject=f"账单异常：{r.month:%Y年%m月}账单为前三月平均的{ratio}倍",
                description=(
                    f"{r.month:%Y年%m月}账单 {r.amount} 元，前三个月平均 {avg} 元，"
                    f"为平均值的 {ratio} 倍（超过 {FACTOR} 倍，电信条例第三十三条）。"
                    "请及时主动联系客户，告知异常并核实原因。"
                ),
                data={"bill_shock": key, "amount": str(r.amount), "average": str(avg)},
            )
            opened.append(case.number)
            opened_ids.append(case.pk)
    return {"imported": len(rows), "bill_shock_cases": opened, "bill_shock_case_ids": opened_ids}
