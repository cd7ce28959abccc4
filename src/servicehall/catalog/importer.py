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
from datetime import date
from decimal import Decimal, InvalidOperation

from servicehall.core.db import write_transaction
from servicehall.core.errors import ServiceError, require_perm
from servicehall.customers.bills import PROGRESS_EVERY, Progress, read_rows, whole_number

from ..core.errors import Code as CoreCode
from .models import Product, Promotion, Tier

MAX_ROWS = 20_000

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
DATE_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")


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


def _money(text: str, places: int) -> Decimal | None | bool:
    text = text.replace(",", "").replace("元", "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return False
    if not value.is_finite() or value < 0 or value.as_tuple().exponent < -places:
        return False
    return value


def _date(text: str) -> date | None | bool:
    text = text.split(" ")[0].strip()  # Excel dates arrive as "2026-01-01 00:00:00"
    if not text:
        return None
    m = DATE_RE.match(text)
    if not m:
        return False
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return False


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
    "price": ("应为不小于0的金额（最多2位小数）", "an amount ≥ 0 with at most 2 decimals"),
    "code": ("最多200字，不重复", "at most 200 characters, unique"),
    "data_mb": ("应为不小于0的整数", "a whole number ≥ 0"),
    "voice_minutes": ("应为不小于0的整数", "a whole number ≥ 0"),
    "sms": ("应为不小于0的整数", "a whole number ≥ 0"),
    "bandwidth_mbps": ("应为不小于0的整数（Mbps）", "a whole number ≥ 0 (Mbit/s)"),
    "validity_hours": ("应为不小于0的整数（小时）", "a whole number ≥ 0 (hours)"),
    "sub_services": ("每项最多50字，最多20项", "at most 20 items of at most 50 characters"),
    "cities": ("每项最多50字，最多20项", "at most 20 items of at most 50 characters"),
    "data_overage": ("应为不小于0的单价（最多4位小数）", "a price ≥ 0 with at most 4 decimals"),
    "voice_overage": ("应为不小于0的单价（最多4位小数）", "a price ≥ 0 with at most 4 decimals"),
    "sms_overage": ("应为不小于0的单价（最多4位小数）", "a price ≥ 0 with at most 4 decimals"),
    "contract_months": ("应为不小于0的整数", "a whole number ≥ 0"),
    "groups": ("应为 个人、家庭、集团 之一或多个", "individual, family and/or enterprise"),
    "on_sale": ("日期格式应为 2026-01-01", "a date like 2026-01-01"),
    "off_sale": ("日期格式应为 2026-01-01，且晚于上架日期", "a date like 2026-01-01 after on_sale"),
    "promotion": ("有优惠数据时须填写优惠名称", "a promotion's figures need its name"),
    "monthly_credit": ("有优惠时必填，不大于月费", "required with a promotion, at most the price"),
    "promotion_months": ("有优惠时必填，为正整数", "required with a promotion, a whole number > 0"),
    "total_bonus": ("应等于每月返还 × 返还月数", "must equal monthly_credit × promotion_months"),
    "min_paid_calls": ("应为不小于0的整数", "a whole number ≥ 0"),
    "first_prepayment": (
        "应为不小于0的金额（最多2位小数）",
        "an amount ≥ 0 with at most 2 decimals",
    ),
    "prepayment_hours": ("应为不小于0的整数", "a whole number ≥ 0"),
}
INTS = ("data_mb", "voice_minutes", "sms", "contract_months", "min_paid_calls", "promotion_months")
INTS += ("prepayment_hours", "bandwidth_mbps", "validity_hours")
LISTS = ("sub_services", "cities")
MONEY = {"price": 2, "first_prepayment": 2, "monthly_credit": 2, "total_bonus": 2}
MONEY |= {"data_overage": 4, "voice_overage": 4, "sms_overage": 4}
TIER_FIELD = {
    "data_overage": "data_overage_yuan_per_mb",
    "voice_overage": "voice_overage_yuan_per_min",
    "sms_overage": "sms_overage_yuan",
}
COLUMN_OF = {f: k for k, f in TIER_FIELD.items()}  # Tier field → its column, where they differ


def _check_row(line: int, cell: dict[str, str]) -> tuple[TierRow | None, list[str]]:
    """The row as a TierRow, or the fields at fault."""
    bad: list[str] = []
    val: dict = {}
    for key, text in cell.items():
        if key in INTS:
            val[key] = whole_number(text)
        elif key in MONEY:
            val[key] = _money(text, MONEY[key])
        elif key in ("on_sale", "off_sale"):
            val[key] = _date(text)
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


def parse(data: bytes, filename: str, progress: Progress | None = None) -> list[TierRow]:
    if progress:
        progress("checking", 0, 0)  # reading the file: the number of rows is not known yet
    rows = [(i, r) for i, r in read_rows(data, filename) if any(r)]
    if not rows:
        raise ServiceError(
            CoreCode.EMPTY_FILE, "文件为空", "The file is empty", field="file", status=422
        )
    header_line, header = rows[0]
    names = [_normalise(h) for h in header]
    cols: dict[str, int] = {}
    for key, (accepted, required) in COLUMNS.items():
        found = [j for j, h in enumerate(names) if h in accepted]
        if found:
            cols[key] = found[0]
        elif required:
            raise ServiceError(
                CoreCode.MISSING_COLUMN,
                f"第{header_line}行（表头）缺少“{sorted(accepted)[-1]}”列（{key}）",
                f"Line {header_line} (header): no {key} column",
                field="file",
                status=422,
                extra={
                    "errors": [
                        {
                            "line": header_line,
                            "field": key,
                            "value": "",
                        }
                    ]
                },
            )
    if len(rows) - 1 > MAX_ROWS:
        raise ServiceError(
            CoreCode.TOO_MANY_ROWS,
            f"一次最多导入{MAX_ROWS}行",
            f"At most {MAX_ROWS} rows per import",
            field="file",
            status=422,
        )
    out: list[TierRow] = []
    errors: list[dict] = []
    kinds: dict[str, str] = {}
    seen_tiers: set[tuple[str, str]] = set()
    seen_codes: set[str] = set()
    total = len(rows) - 1
    for done, (line, r) in enumerate(rows[1:]):
        if progress and done % PROGRESS_EVERY == 0:
            progress("checking", done, total)
        cell = {k: (r[j].strip() if j < len(r) else "") for k, j in cols.items()}
        row, bad = _check_row(line, cell)
        if row is not None:
            if (row.product, row.tier) in seen_tiers:
                bad.append("tier")
            elif row.code in seen_codes:
                bad.append("code")
            if kinds.setdefault(row.product, row.kind) != row.kind:
                bad.append("kind")
        for key in bad:
            zh, en = PROBLEMS[key]
            errors.append(
                {
                    "line": line,
                    "field": key,
                    "value": cell.get(key, ""),
                    "message": zh,
                    "message_en": en,
                }
            )
        if row is not None and not bad:
            seen_tiers.add((row.product, row.tier))
            seen_codes.add(row.code)
            out.append(row)
    if progress:
        progress("checking", total, total)
    if errors:
        first = errors[0]
        raise ServiceError(
            CoreCode.BAD_ROWS,
            f"第{first['line']}行“{first['field']}”有误（{first['value']}）：{first['message']}；"
            f"共{len({e['line'] for e in errors})}行有误，未导入任何数据",
            f"Line {first['line']}: bad {first['field']} ({first['value']!r}): "
            f"{first['message_en']}; {len({e['line'] for e in errors})} bad rows in all; "
            "nothing was imported",
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


def import_catalog(user, data: bytes, filename: str, progress: Progress | None = None) -> dict:
    """Check the whole file, then write it in one transaction (M1); `progress` hears both."""
    require_perm(user, "catalog.import_catalog", "导入产品目录", "import the catalogue")
    rows = parse(data, filename, progress=progress)
    if progress:
        progress("writing", 0, len(rows))  # checked: the writing begins (outside the transaction)
    with write_transaction():
        return store(rows, progress=progress)
