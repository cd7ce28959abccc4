"""A customer's fields as staff and the CRM export write them (V1, V4): what each field is
called (Chinese, English, the export's column names), how a typed or imported value is read and
checked, and what a change is (`diff`, before → after). The customer form
(`services.create_customer`, `update_customer`) and the CRM import (`crm.py`) read through here, so
a value refused on the page is refused in the file, with the same words.

Each reader takes the text of a cell or a form field and returns the stored value, or raises a
`ServiceError` naming the field. Foreign keys are written by their human key: the family or
enterprise by its customer number, the account manager by their employee number (or login), the
region by its code or its name.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model

from servicehall.core import validate
from servicehall.core.errors import ServiceError
from servicehall.org import regions
from servicehall.org.models import StaffProfile

from ..core.errors import Code as CoreCode
from .errors import Code
from .models import TIER_ZH, Customer, PhoneNumber, Tier

CUSTOMER_NO_RE = re.compile(r"^[A-Za-z0-9_\-]{1,32}$")
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# 18-character resident ID (GB 11643): 17 digits and a check character
ID_RE = re.compile(r"^\d{17}[\dX]$")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
# an enterprise's unified social credit code (GB 32100): 18 characters without I, O, S, V, Z,
# the last a check character
CREDIT_CODE_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

GROUP_WORDS = {
    "个人": Customer.Group.INDIVIDUAL,
    "个人客户": Customer.Group.INDIVIDUAL,
    "家庭": Customer.Group.FAMILY,
    "家庭客户": Customer.Group.FAMILY,
    "集团": Customer.Group.ENTERPRISE,
    "集团客户": Customer.Group.ENTERPRISE,
    "政企": Customer.Group.ENTERPRISE,
    "企业": Customer.Group.ENTERPRISE,
}
TIER_WORDS = {
    **{zh: tier for tier, zh in TIER_ZH.items()},
    "金": Tier.GOLD,
    "银": Tier.SILVER,
    "钻石": Tier.DIAMOND,
    "至尊": Tier.SUPREME,
    "无": Tier.NONE,
    "": Tier.NONE,
}
LINE_STATUS_WORDS = {
    "正常": PhoneNumber.Status.ACTIVE,
    "在用": PhoneNumber.Status.ACTIVE,
    "开通": PhoneNumber.Status.ACTIVE,
    "停机": PhoneNumber.Status.SUSPENDED,
    "暂停": PhoneNumber.Status.SUSPENDED,
    "销号": PhoneNumber.Status.CLOSED,
    "拆机": PhoneNumber.Status.CLOSED,
    "销户": PhoneNumber.Status.CLOSED,
    "": PhoneNumber.Status.ACTIVE,
}
MONEY = {"places": 2, "max_digits": 10}


def _bad(code, field: str, zh: str, en: str) -> ServiceError:
    return ServiceError(code, zh, en, field=field, status=422)


def id_number_ok(value: str) -> bool:
    """A resident ID whose check character is right (GB 11643)."""
    if not ID_RE.match(value):
        return False
    total = sum(map(operator.mul, map(int, value[:17]), ID_WEIGHTS))
    return ID_CHECK[total % 11] == value[17]


def credit_code_ok(value: str) -> bool:
    """A unified social credit code whose check character is right (GB 32100)."""
    if not CREDIT_CODE_RE.match(value):
        return False
    total = sum(CREDIT_CHARS.index(c) * w for c, w in zip(value[:17], CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARS[(31 - total % 31) % 31] == value[17]


def with_check_character(first17: str) -> str:
    """The 18-character ID for 17 digits (the demo's invented customers have valid numbers)."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return first17 + ID_CHECK[total % 11]


# --- readers: text → stored value ----------------------------------------------------------


def _text(limit: int, *, required: bool = False):
    def read(value: str, field: str, label: tuple[str, str]):
        return validate.text(value, field, *label, limit=limit, required=required)

    return read


def _customer_no(value: str, field: str, label) -> str:
    value = (value or "").strip()
    if value and not CUSTOMER_NO_RE.match(value):
        raise _bad(
            CoreCode.INVALID_INPUT,
            field,
            "客户编号只能含字母、数字、下划线和短横线（最多32位）",
            "A customer number has only letters, digits, _ and - (at most 32)",
        )
    return value


def _id_number(value: str, field: str, label) -> str:
    value = "".join((value or "").split()).upper()
    if value and not (id_number_ok(value) or credit_code_ok(value)):
        raise _bad(
            CoreCode.INVALID_INPUT,
            field,
            "证件号码有误：应为18位身份证号码（末位校验码正确）或18位统一社会信用代码",
            "Wrong ID number: an 18-character resident ID (with the right check character) "
            "or an 18-character unified social credit code",
        )
    return value


def _words(words: dict, choices, what_zh: str, what_en: str):
    def read(value: str, field: str, label) -> str:
        text = (value or "").strip()
        if text in words:
            return words[text]
        if text.lower() in choices.values:
            return text.lower()
        offered = "、".join(w for w in words if w)
        raise _bad(
            CoreCode.INVALID_CHOICE,
            field,
            f"{what_zh}“{text[:20]}”无效（可填：{offered}）",
            f"Unknown {what_en} {text[:20]!r} (one of {', '.join(choices.values)})",
        )

    return read


def _date(value: str, field: str, label) -> date | None:
    return validate.calendar_date(value, field)


def _money(value: str, field: str, label) -> Decimal | None:
    return validate.decimal_number(value, field, unit="元", **MONEY)


def _phone(value: str, field: str, label) -> str:
    number = value if value.isdigit() else re.sub(r"[\s\-()]", "", value or "")
    if number.startswith("+86"):
        number = number[3:]
    if not MOBILE_RE.match(number):
        raise _bad(
            Code.INVALID_PHONE,
            field,
            "号码应为以1开头的11位手机号码",
            "A number is 11 digits starting with 1",
        )
    return number


@dataclass
class Resolver:
    """Turns the human keys of foreign keys into rows, remembering what it looked up (an import
    of a million rows asks once per distinct key)."""

    staff: dict[str, int | None] | None = None

    def manager(self, value: str, field: str, label) -> int | None:
        key = (value or "").strip()
        if not key:
            return None
        if self.staff is None:
            self.staff = {}
        if key not in self.staff:
            found = (
                StaffProfile.objects.filter(employee_no=key)
                .values_list("user_id", flat=True)
                .first()
            )
            if found is None:
                found = (
                    get_user_model()
                    .objects.filter(username=key, is_active=True)
                    .values_list("pk", flat=True)
                    .first()
                )
            self.staff[key] = found
        if self.staff[key] is None:
            raise _bad(
                CoreCode.INVALID_INPUT,
                field,
                f"没有工号或账号为“{key[:20]}”的员工",
                f"No staff member with the employee number or login {key[:20]!r}",
            )
        return self.staff[key]

    def region(self, value: str, field: str, label) -> int | None:
        key = (value or "").strip()
        if not key:
            return None
        t = regions.tree()
        found = next((r.pk for r in t.by_id.values() if r.code == key), None)
        if found is None:
            found = t.named.get(key)
        if found is None:
            found = next((r.pk for r in t.by_id.values() if r.name == key), None)
        if found is None:
            raise _bad(
                CoreCode.UNKNOWN_REGION,
                field,
                f"没有名称或编码为“{key[:20]}”的区域",
                f"No region named or coded {key[:20]!r}",
            )
        return found

    def member(self, value: str, field: str, label) -> Customer | None:
        """The family or enterprise a customer belongs to, by its customer number."""
        key = _customer_no(value, field, label)
        if not key:
            return None
        found = Customer.objects.filter(customer_no=key).first()
        if found is None:
            raise _bad(
                Code.UNKNOWN_CUSTOMER,
                field,
                f"没有客户编号为“{key}”的客户（家庭或集团须先建档）",
                f"No customer numbered {key!r} (the family or enterprise must exist first)",
            )
        if found.group == Customer.Group.INDIVIDUAL:
            raise _bad(
                CoreCode.INVALID_INPUT,
                field,
                f"客户“{key}”是个人客户，不能有成员：成员只能属于家庭或集团客户",
                f"Customer {key!r} is an individual: members belong to a family or an enterprise",
            )
        return found


@dataclass(frozen=True)
class Field:
    key: str  # the model's attribute (a foreign key's `_id`) and the form's field
    zh: str
    en: str
    headers: frozenset[str]  # the CRM export's names for the column (lower case)
    read: Callable | str  # (text, field, (zh, en)) -> value; a str names a Resolver method

    def value(self, text: str, resolver: Resolver):
        read = getattr(resolver, self.read) if isinstance(self.read, str) else self.read
        return read(text, self.key, (self.zh, self.en))


def _f(key, zh, en, headers, read) -> Field:
    return Field(key, zh, en, frozenset({key, zh.lower(), en.lower(), *headers}), read)


CUSTOMER_FIELDS = (
    _f(
        "customer_no",
        "客户编号",
        "Customer number",
        {"客户id", "customer_id", "cust_no"},
        _customer_no,
    ),
    _f("name", "姓名", "Name", {"客户名称", "客户姓名", "名称"}, _text(50, required=True)),
    _f("id_number", "证件号码", "ID number", {"身份证号", "身份证号码", "证件号"}, _id_number),
    _f(
        "group",
        "客户类型",
        "Customer group",
        {"group", "客户群", "客户类别"},
        _words(GROUP_WORDS, Customer.Group, "客户类型", "customer group"),
    ),
    _f("member_of", "所属客户编号", "Member of", {"所属集团", "所属家庭", "parent"}, "member"),
    _f(
        "tier",
        "星级",
        "VIP tier",
        {"tier", "客户星级", "vip等级", "等级"},
        _words(TIER_WORDS, Tier, "星级", "VIP tier"),
    ),
    _f("joined_on", "入网日期", "Customer since", {"joined_on", "入网时间"}, _date),
    _f("monthly_spend", "月均消费", "Monthly spending", {"arpu", "monthly_spend"}, _money),
    _f(
        "account_manager_id",
        "客户经理",
        "Account manager",
        {"account_manager", "客户经理工号"},
        "manager",
    ),
    _f("address", "地址", "Address", {"联系地址", "住址", "装机地址"}, _text(200)),
    _f("region_id", "区域", "Region", {"region", "所属区域", "区县", "网格"}, "region"),
)
LINE_FIELDS = (
    _f("number", "号码", "Number", {"phone", "手机号码", "手机号", "服务号码"}, _phone),
    _f("account", "账户", "Account", {"账户编号", "账号", "account_no"}, _text(32)),
    _f("plan", "套餐", "Plan", {"主套餐", "资费套餐", "套餐名称"}, _text(100)),
    _f(
        "line_status",
        "号码状态",
        "Line status",
        {"status", "状态", "用户状态"},
        _words(LINE_STATUS_WORDS, PhoneNumber.Status, "号码状态", "line status"),
    ),
    _f("opened_on", "开户日期", "Opened on", {"开户时间", "开通日期"}, _date),
    _f("ended_on", "销号日期", "Closed on", {"销户日期", "拆机日期"}, _date),
)
FIELDS = {f.key: f for f in (*CUSTOMER_FIELDS, *LINE_FIELDS)}
# what a form or a file must give
REQUIRED_CUSTOMER = ("name",)


def label(key: str, english: bool) -> str:
    f = FIELDS.get(key)
    if f is None:
        return key
    return f.en if english else f.zh


# --- what a change is ------------------------------------------------------------------------


def shown(key: str, value) -> str | None:
    """A value as the history keeps it: text a person reads (a date as 2026-01-01, an amount as
    88.00, the region by its path, the manager by name, the family by its customer number)."""
    if value is None or value == "":
        return None
    if key == "region_id":
        return regions.path(value) or str(value)
    if key == "account_manager_id":
        profile = StaffProfile.objects.filter(user_id=value).first()
        return f"{profile.full_name}（{profile.employee_no}）" if profile else str(value)
    if key == "member_of":
        return value.customer_no or f"#{value.pk}" if isinstance(value, Customer) else str(value)
    if key == "group":
        return str(Customer.Group(value).label)
    if key == "tier":
        return TIER_ZH.get(value, value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def same(old, new) -> bool:
    """Whether a stored value and a new one are the same (nothing and empty text alike)."""
    return old == new or (old in (None, "") and new in (None, ""))


def diff(customer: Customer, values: dict) -> dict[str, list]:
    """{field: [before, after]} for each value that differs from what the customer has."""
    changes: dict[str, list] = {}
    for key, new in values.items():
        old = getattr(customer, key)
        if key == "member_of" and old is not None:
            old_key = old.pk
            new_key = new.pk if isinstance(new, Customer) else new
            if old_key == new_key:
                continue
        elif same(old, new):
            continue
        changes[key] = [shown(key, old), shown(key, new)]
    return changes


def region_from_address(address: str) -> int | None:
    """The finest place an address names, if any (临江市城东区滨江大道 → 滨江网格, not 城东区): an
    address in an area, which the early warning counts by (P5)."""
    t = regions.tree()
    if not address or t.pattern is None:
        return None
    found = [t.by_id[t.named[m.group(0)]] for m in t.pattern.finditer(address)]
    return max(found, key=lambda r: r.level).pk if found else None
