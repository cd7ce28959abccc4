"""Catalogue import (M1): our own CSV/Excel format, one row per tier.

Columns (a header row, Chinese or English names; order free; * required):

    产品/product*  类型/kind*  档位/tier*  月费/price* (yuan)  编码/code
    流量MB/data_mb  通话分钟/minutes  短信/sms
    流量超出(元/MB)/data_overage  通话超出(元/分钟)/voice_overage  短信超出(元/条)/sms_overage
    带宽(Mbps)/bandwidth_mbps  有效期(小时)/validity_hours
    子业务/sub_services and 城市/cities (lists: 月包、年包 or 爱奇艺|优酷)
    合约期(月)/contract_months  适用客户/groups (个人、家庭、集团; empty: everyone)
    上架日期/on_sale  下架日期/off_sale (2026-01-01)
    优惠名称/promotion  每月返还(元)/monthly_credit  返还月数/promotion_months
    赠费总额(元)/total_bonus  每月主叫次数/min_paid_calls  首次预存(元)/first_prepayment
    预存时限(小时)/prepayment_hours

类型 is 主套餐/plan, 流量包/pack, 增值业务/service, 营销活动/campaign or 宽带/broadband. A tier's
code defaults to "产品/档位". A row with a promotion needs its credit and months; a given total
bonus must equal credit × months (the smart-terminal offers: 50 × 24 = 1,200).

As with bills (customers/bills.py), the whole file is checked first: any bad row refuses the
import, listing every bad row by line number and column, and nothing is written. An accepted file
creates or updates products by name and tiers by code — only the attributes whose columns the
file has; the promotions of the tiers in the file become those the file gives them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

from servicehall.core import tables, validate
from servicehall.core.db import write_transaction
from servicehall.core.errors import ServiceError, require_perm
from servicehall.customers.bills import PROGRESS_EVERY, Progress

from ..core.errors import Code as CoreCode
from .models import Product, Promotion, Tier

COLUMNS = {  # key: (accepted header names, normalised), required
    "product": ({"product", "产品", "产品名称"}, True),
    "kind": ({"kind", "类型", "产品类型"}, True),
    "tier": ({"tier", "tier_name", "tiername", "档位", "档位名称"}, True),
    "price": ({"price", "月费", "月费(元)", "价格", "价格(元)"}, True),
    "code": ({"code", "编码", "档位编码"}, False),
    "data_mb": ({"data_mb", "data(mb)", "流量mb", "流量(mb)", "流量"}, False),
    "voice_minutes": ({"minutes", "voice_minutes", "通话分钟", "语音(分钟)", "通话(分钟)"}, False),
    "sms": ({"sms", "短信", "短信(条)", "短信条数"}, False),
    "bandwidth_mbps": ({"bandwidth_mbps", "bandwidth", "带宽(mbps)", "带宽(m)", "带宽"}, False),
    "validity_hours": ({"validity_hours", "有效期(小时)", "有效期"}, False),
    "sub_services": ({"sub_services", "子业务"}, False),
    "cities": ({"cities", "城市", "适用城市"}, False),
    "data_overage": ({"data_overage", "流量超出(元/mb)", "超出流量(元/mb)"}, False),
    "voice_overage": ({"voice_overage", "通话超出(元/分钟)", "语音超出(元/分钟)"}, False),
    "sms_overage": ({"sms_overage", "短信超出(元/条)"}, False),
    "contract_months": ({"contract_months", "合约期(月)", "合约期"}, False),
    "groups": ({"groups", "适用客户", "适用客户群", "客户群"}, False),
    "on_sale": ({"on_sale", "上架日期"}, False),
    "off_sale": ({"off_sale", "下架日期"}, False),
    "promotion": ({"promotion", "优惠名称", "优惠"}, False),
    "monthly_credit": ({"monthly_credit", "每月返还(元)", "每月返还"}, False),
    "promotion_months": ({"promotion_months", "返还月数"}, False),
    "total_bonus": ({"total_bonus", "赠费总额(元)", "赠费总额"}, False),
    "min_paid_calls": ({"min_paid_calls", "每月主叫次数"}, False),
    "first_prepayment": ({"first_prepayment", "首次预存(元)", "首次预存"}, False),
    "prepayment_hours": ({"prepayment_hours", "预存时限(小时)", "预存时限"}, False),
}
KINDS = {
    "plan": Product.Kind.PLAN,
    "主套餐": Product.Kind.PLAN,
    "套餐": Product.Kind.PLAN,
    "pack": Product.Kind.PACK,
    "流量包": Product.Kind.PACK,
    "加油包": Product.Kind.PACK,
    "service": Product.Kind.SERVICE,
    "增值业务": Product.Kind.SERVICE,
    "campaign": Product.Kind.CAMPAIGN,
    "营销活动": Product.Kind.CAMPAIGN,
    "合约": Product.Kind.CAMPAIGN,
    "broadband": Product.Kind.BROADBAND,
    "宽带": Product.Kind.BROADBAND,
}
GROUPS = {
    "individual": "individual",
    "个人": "individual",
    "family": "family",
    "家庭": "family",
    "enterprise": "enterprise",
    "group": "enterprise",
    "集团": "enterprise",
    "政企": "enterprise",
}
PROMO_FIELDS = (
    "monthly_credit",
    "promotion_months",
    "total_bonus",
    "min_paid_calls",
    "first_prepayment",
    "prepayment_hours",
)


@dataclass
class TierRow:
    line: int
    product: str
    kind: str
    tier: str
    code: str
    values: dict = field(default_factory=dict)  # Tier fields
    promotion: dict | None = None  # Promotion fields


def _normalise(header: str) -> str:
    return re.sub(r"\s+", "", header).lower().replace("（", "(").replace("）", ")")


def _list(text: str) -> list[str] | bool:
    parts = list(dict.fromkeys(p.strip() for p in re.split(r"[、,，;；|]+", text) if p.strip()))
    return False if len(parts) > 20 or any(len(p) > 50 for p in parts) else parts


def _groups(text: str) -> list[str] | bool:
    parts = [p.strip().lower() for p in re.split(r"[、,，;；/|\s]+", text) if p.strip()]
    if any(p not in GROUPS for p in parts):
        return False
    return sorted({GROUPS[p] for p in parts})


COLUMN_NAMES = {  # a column in words (Chinese, English), for the row-level error report
    "product": ("产品", "Product"),
    "kind": ("类型", "Kind"),
    "tier": ("档位", "Tier"),
    "price": ("月费", "Monthly fee"),
    "code": ("编码", "Code"),
    "data_mb": ("流量MB", "Data (MB)"),
    "voice_minutes": ("通话分钟", "Voice minutes"),
    "sms": ("短信", "Text messages"),
    "bandwidth_mbps": ("带宽(Mbps)", "Bandwidth (Mbps)"),
    "validity_hours": ("有效期(小时)", "Validity (hours)"),
    "sub_services": ("子业务", "Sub-services"),
    "cities": ("城市", "Cities"),
    "data_overage": ("流量超出(元/MB)", "Data overage (yuan/MB)"),
    "voice_overage": ("通话超出(元/分钟)", "Voice overage (yuan/min)"),
    "sms_overage": ("短信超出(元/条)", "Text overage (yuan each)"),
    "contract_months": ("合约期(月)", "Contract (months)"),
    "groups": ("适用客户", "Customer groups"),
    "on_sale": ("上架日期", "On sale from"),
    "off_sale": ("下架日期", "Off sale from"),
    "promotion": ("优惠名称", "Promotion"),
    "monthly_credit": ("每月返还(元)", "Monthly credit (yuan)"),
    "promotion_months": ("返还月数", "Credit months"),
    "total_bonus": ("赠费总额(元)", "Total bonus (yuan)"),
    "min_paid_calls": ("每月主叫次数", "Calls made a month"),
    "first_prepayment": ("首次预存(元)", "First prepayment (yuan)"),
    "prepayment_hours": ("预存时限(小时)", "Prepayment within (hours)"),
}
PROBLEMS = {  # field: what is expected there (Chinese, English)
    "product": ("必填，最多100字", "required, at most 100 characters"),
    "kind": (
        "应为 主套餐/流量包/增值业务/营销活动/宽带",
        "one of plan, pack, service, campaign, broadband",
    ),
    "tier": (
        "必填，最多100字，同一产品内不重复",
        "required, at most 100 characters, unique within the product",
    ),
    "price": (
        "应为0至99999999.99之间的金额（最多2位小数，不用科学计数法）",
        "an amount from 0 to 99999999.99 with at most 2 decimals (no exponent)",
    ),
    "code": ("最多200字，不重复", "at most 200 characters, unique"),
    "data_mb": ("应为不小于0的整数", "a whole number ≥ 0"),
    "voice_minutes": ("应为不小于0的整数", "a whole number ≥ 0"),
    "sms": ("应为不小于0的整数", "a whole number ≥ 0"),
    "bandwidth_mbps": ("应为不小于0的整数（Mbps）", "a whole number ≥ 0 (Mbit/s)"),
    "validity_hours": ("应为不小于0的整数（小时）", "a whole number ≥ 0 (hours)"),
    "sub_services": ("每项最多50字，最多20项", "at most 20 items of at most 50 characters"),
    "cities": ("每项最多50字，最多20项", "at most 20 items of at most 50 characters"),
    "data_overage": (
        "应为0至9999.9999之间的单价（最多4位小数）",
        "a price from 0 to 9999.9999, 4 decimals at most",
    ),
    "voice_overage": (
        "应为0至9999.9999之间的单价（最多4位小数）",
        "a price from 0 to 9999.9999, 4 decimals at most",
    ),
    "sms_overage": (
        "应为0至9999.9999之间的单价（最多4位小数）",
        "a price from 0 to 9999.9999, 4 decimals at most",
    ),
    "contract_months": ("应为不小于0的整数", "a whole number ≥ 0"),
    "groups": ("应为 个人、家庭、集团 之一或多个", "individual, family and/or enterprise"),
    "on_sale": ("日期格式应为 2026-01-01（1900至2199年）", "a date like 2026-01-01 (1900–2199)"),
    "off_sale": (
        "日期格式应为 2026-01-01（1900至2199年），且晚于上架日期",
        "a date like 2026-01-01 (1900–2199) after on_sale",
    ),
    "promotion": ("有优惠数据时须填写优惠名称", "a promotion's figures need its name"),
    "monthly_credit": ("有优惠时必填，不大于月费", "required with a promotion, at most the price"),
    "promotion_months": (
        "有优惠时必填，为正整数，返还总额不超过99999999.99元",
        "required with a promotion, a whole number > 0, the total at most 99999999.99",
    ),
    "total_bonus": ("应等于每月返还 × 返还月数", "must equal monthly_credit × promotion_months"),
    "min_paid_calls": ("应为不小于0的整数", "a whole number ≥ 0"),
    "first_prepayment": (
        "应为0至99999999.99之间的金额（最多2位小数）",
        "an amount from 0 to 99999999.99 with at most 2 decimals",
    ),
    "prepayment_hours": ("应为不小于0的整数", "a whole number ≥ 0"),
}
INTS = ("data_mb", "voice_minutes", "sms", "contract_months", "min_paid_calls", "promotion_months")
INTS += ("prepayment_hours", "bandwidth_mbps", "validity_hours")
LISTS = ("sub_services", "cities")
INT_MAX = {"data_mb": 10**15}  # a BigIntegerField; the others are integer columns
# (decimal places, the column's max_digits): Tier.price and the promotion's money 10/2, the
# overage prices 8/4
MONEY = {"price": (2, 10), "first_prepayment": (2, 10), "monthly_credit": (2, 10)}
MONEY |= {"total_bonus": (2, 10)}
MONEY |= {"data_overage": (4, 8), "voice_overage": (4, 8), "sms_overage": (4, 8)}
MONEY_MAX = Decimal("99999999.99")
TIER_FIELD = {
    "data_overage": "data_overage_yuan_per_mb",
    "voice_overage": "voice_overage_yuan_per_min",
    "sms_overage": "sms_overage_yuan",
}
COLUMN_OF = {f: k for k, f in TIER_FIELD.items()}  # Tier field → its column, where they differ


def _value(key: str, text: str):
    """A number or date cell (core.validate: bounded digits, no exponent, NaN or Infinity, the
    column's digits; years MIN_YEAR–MAX_YEAR): the value, None when empty, False when bad."""
    try:
        if key in INTS:
            return validate.whole_number(text, key, maximum=INT_MAX.get(key, validate.MAX_INT))
        if key in MONEY:
            places, digits = MONEY[key]
            return validate.decimal_number(text, key, places=places, max_digits=digits, unit="元")
        return validate.calendar_date(text, key)
    except ServiceError:
        return False


def _check_row(line: int, cell: dict[str, str]) -> tuple[TierRow | None, list[str]]:
    """The row as a TierRow, or the fields at fault."""
    bad: list[str] = []
    val: dict = {}
    for key, text in cell.items():
        if key in INTS or key in MONEY or key in ("on_sale", "off_sale"):
            val[key] = _value(key, text)
        elif key == "groups":
            val[key] = _groups(text)
        elif key in LISTS:
            val[key] = _list(text)
        else:
            val[key] = text
    for key, v in val.items():
        if v is False:
            bad.append(key)
    product, tier = cell.get("product", ""), cell.get("tier", "")
    if not product or len(product) > 100:
        bad.append("product")
    kind = KINDS.get(cell.get("kind", "").strip().lower())
    if kind is None:
        bad.append("kind")
    if not tier or len(tier) > 100:
        bad.append("tier")
    if val.get("price") is None:
        bad.append("price")
    code = cell.get("code", "") or f"{product}/{tier}"
    if len(code) > 200:
        bad.append("code")
    on, off = val.get("on_sale"), val.get("off_sale")
    if on and off and off <= on:
        bad.append("off_sale")
    promo = None
    name = cell.get("promotion", "")
    given = [k for k in PROMO_FIELDS if val.get(k) not in (None, False)]
    if name:
        credit, months = val.get("monthly_credit"), val.get("promotion_months")
        if credit is None:
            bad.append("monthly_credit")
        elif credit and val.get("price") and credit > val["price"]:
            bad.append("monthly_credit")
        if months is None or months == 0:
            bad.append("promotion_months")
        total = val.get("total_bonus")
        if credit and months and total is not None and total != credit * months:
            bad.append("total_bonus")
        elif credit and months and credit * months > MONEY_MAX:  # the column would overflow
            bad.append("promotion_months")
        if len(name) > 100:
            bad.append("promotion")
        if not bad:
            promo = {
                "name": name,
                "monthly_credit": credit,
                "months": months,
                "total_bonus": total if total is not None else credit * months,
                "min_paid_calls": val.get("min_paid_calls") or 0,
                "first_prepayment": val.get("first_prepayment"),
                "prepayment_hours": val.get("prepayment_hours"),
            }
    elif given:
        bad.append("promotion")
    if bad:
        return None, list(dict.fromkeys(bad))
    values = {
        "price": val["price"],
        "data_mb": val.get("data_mb"),
        "voice_minutes": val.get("voice_minutes"),
        "sms": val.get("sms"),
        "bandwidth_mbps": val.get("bandwidth_mbps"),
        "validity_hours": val.get("validity_hours"),
        "sub_services": val.get("sub_services") or [],
        "cities": val.get("cities") or [],
        "contract_months": val.get("contract_months"),
        "groups": val.get("groups") or [],
        "on_sale": on,
        "off_sale": off,
    }
    for key, model_field in TIER_FIELD.items():
        values[model_field] = val.get(key)
    # a column the file does not have leaves that attribute as it is (set in the admin, or by
    # an earlier file): a re-import of prices never wipes validity or versions
    values = {f: v for f, v in values.items() if COLUMN_OF.get(f, f) in cell}
    return TierRow(line, product, kind, tier, code, values, promo), []


def parse(data: tables.Source, filename: str, progress: Progress | None = None) -> list[TierRow]:
    """Every row checked (read row by row, within settings IMPORT_LIMITS["catalogue"]), every
    bad cell named; a tier or code twice names the line it first appeared on."""
    limits = settings.IMPORT_LIMITS["catalogue"]
    header_line, header, rows, total = tables.open_table(data, filename, limits["bytes"], progress)
    cols = tables.columns(
        header,
        header_line,
        {key: accepted for key, (accepted, _required) in COLUMNS.items()},
        COLUMN_NAMES,
        required={key for key, (_accepted, required) in COLUMNS.items() if required},
        normalise=_normalise,
    )
    out: list[TierRow] = []
    errors: list[dict] = []
    kinds: dict[str, str] = {}
    seen_tiers: dict[tuple[str, str], int] = {}  # → the line it first appeared on
    seen_codes: dict[str, int] = {}
    done = 0
    for done, (line, r) in enumerate(rows, start=1):
        if done > limits["rows"]:
            raise tables.too_many_rows(limits["rows"], line)
        if progress and done % PROGRESS_EVERY == 1:
            progress("checking", done - 1, max(total, done - 1))
        cell = {k: (r[j].strip() if j < len(r) else "") for k, j in cols.items()}
        row, bad = _check_row(line, cell)
        hints: dict[str, tuple[str, str]] = {}
        if row is not None:
            if (first := seen_tiers.get((row.product, row.tier))) is not None:
                bad.append("tier")
                hints["tier"] = (f"与第{first}行的产品和档位重复", f"the same tier as line {first}")
            elif (first := seen_codes.get(row.code)) is not None:
                bad.append("code")
                hints["code"] = (f"与第{first}行的编码重复", f"the same code as line {first}")
            if kinds.setdefault(row.product, row.kind) != row.kind:
                bad.append("kind")
        for key in bad:
            zh, en = hints.get(key) or PROBLEMS[key]
            errors.append(
                {
                    "line": line,
                    "field": key,
                    "value": cell.get(key, "")[:100],
                    "message": zh,
                    "message_en": en,
                }
            )
        if row is not None and not bad:
            seen_tiers[(row.product, row.tier)] = line
            seen_codes[row.code] = line
            out.append(row)
    if progress:
        progress("checking", done, done)
    if errors:
        first = errors[0]
        column = COLUMN_NAMES[first["field"]]
        bad_lines = len({e["line"] for e in errors})
        raise ServiceError(
            CoreCode.BAD_ROWS,
            f"第{first['line']}行“{column[0]}”列有误（{first['value'][:30]}）：{first['message']}；"
            f"共{bad_lines}行有误，未导入任何数据",
            f"Line {first['line']}, column {column[1]} ({first['value'][:30]!r}): "
            f"{first['message_en']}; {bad_lines} bad rows in all; nothing was imported",
            field="file",
            status=422,
            extra={"errors": errors[:200], "error_count": len(errors)},
        )
    if not out:
        raise ServiceError(
            CoreCode.EMPTY_FILE, "文件中没有档位", "The file has no tiers", field="file", status=422
        )
    return out


def store(rows: list[TierRow], progress: Progress | None = None) -> dict:
    """Create or update the rows' products, tiers and promotions (inside a write transaction)."""
    products: dict[str, Product] = {}
    created = {"products": 0, "tiers": 0}
    for row in rows:
        if row.product not in products:
            product, new = Product.objects.get_or_create(
                name=row.product, defaults={"kind": row.kind}
            )
            if not new and product.kind != row.kind:
                product.kind = row.kind
                product.save(update_fields=["kind", "updated_at"])
            products[row.product] = product
            created["products"] += new
    promotions = 0
    for position, row in enumerate(rows):
        if progress and position % 100 == 0:
            progress("writing", position, len(rows))
        tier, new = Tier.objects.update_or_create(
            code=row.code,
            defaults={
                "product": products[row.product],
                "name": row.tier,
                "position": position,
                **row.values,
            },
        )
        created["tiers"] += new
        Promotion.objects.filter(tier=tier).exclude(
            name=row.promotion["name"] if row.promotion else None
        ).delete()
        if row.promotion:
            Promotion.objects.update_or_create(
                tier=tier, name=row.promotion["name"], defaults=row.promotion
            )
            promotions += 1
    if progress:
        progress("writing", len(rows), len(rows))
    return {
        "tiers": len(rows),
        "products": len(products),
        "new_products": created["products"],
        "new_tiers": created["tiers"],
        "promotions": promotions,
    }


def import_catalog(
    user, data: tables.Source, filename: str, progress: Progress | None = None
) -> dict:
    """Check the whole file, then write it in one transaction (M1); `progress` hears both."""
    require_perm(user, "catalog.import_catalog", "导入产品目录", "import the catalogue")
    rows = parse(data, filename, progress=progress)
    if progress:
        progress("writing", 0, len(rows))  # checked: the writing begins (outside the transaction)
    with write_transaction():
        return store(rows, progress=progress)
