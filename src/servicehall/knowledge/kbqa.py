"""Understanding customers' plan questions and answering them from the catalogue (K2, M1).

A question is parsed into a *query* — the product, the tiers constraints pick out (sub-service,
price, data amount, cheapest/most), the attributes asked and whether two tiers are compared — and
the query is executed on an in-memory view of the catalogue. Everything the parser knows comes
from two places: the catalogue itself (product names, aliases, tier names, sub-services and
values, so a new product is understood as soon as it is imported) and the word lists below, which
say how Chinese customers ask for each attribute. Nothing is learnt from labelled questions.

The parse carries a confidence; the assistant hands over to a person below a threshold.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

# ---------------------------------------------------------------------------------------------
# Text normalisation: full-width → half-width, lower case, no spaces, Chinese numerals before a
# unit as digits, one spelling per unit (g = GB, m = MB, 元 = 块/块钱).

_CN_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
# "一个G" is 1 GB, "哪一个" is "which one"
_CN_NUM_RE = re.compile(r"(?<![哪这那每])[零一二两三四五六七八九十百千]+(?=[元块个g分兆m])")


def _cn_to_int(s: str) -> int | None:
    total, digit = 0, None
    for ch in s:
        if ch in _CN_DIGITS:
            if digit is not None:  # "一二" is not a number we read
                return None
            digit = _CN_DIGITS[ch]
        else:
            unit = _CN_UNITS[ch]
            total += (1 if digit is None else digit) * unit
            digit = None
    return total + (digit or 0)


def _cn_numbers(text: str) -> str:
    def repl(m):
        value = _cn_to_int(m.group(0))
        return str(value) if value is not None else m.group(0)

    return _CN_NUM_RE.sub(repl, text)


_UNIT_RULES = [
    (re.compile(r"(\d)\s*(?:个)?\s*(?:gb|g|吉)"), r"\1g"),
    (re.compile(r"(\d)\s*(?:个)?\s*(?:mb|兆|m)(?![a-z])"), r"\1m"),
    (re.compile(r"(\d)\s*(?:块钱|块|元钱|圆)"), r"\1元"),
]


def normalize(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).lower()
    t = re.sub(r"\s+", "", t)
    t = t.replace("[", "").replace("]", "")
    t = _cn_numbers(t)
    for pattern, repl in _UNIT_RULES:
        t = pattern.sub(repl, t)
    return t


# ---------------------------------------------------------------------------------------------
# How customers ask for each attribute. Order matters only for overlapping phrases: the first
# pattern that covers a span claims it (so "取消不了" is a cancel condition, not a way to cancel).

NUMERIC = {
    "价格": "price",
    "流量": "data_mb",
    "语音时长": "voice_minutes",
    "带宽": "bandwidth_mbps",
    "有效期": "validity_hours",
    "上线时间": "on_sale",
    "下线时间": "off_sale",
}
RULE_KINDS = ("生效规则", "结转规则", "封顶规则", "使用范围", "适用app", "叠加规则")

_CANCEL = r"(取消|取销|去消|移除|退订|退掉|退定|退|关闭|关掉|注销|删除|删掉|停掉|去掉|解除|解绑|撤销|终止)"
_OPEN = r"(办理|开通|办|开|订购|订|加入|购买|买|申请|注册|参加|领取|添加|增加|加)"
_ATTRIBUTE_PATTERNS: list[tuple[str, str]] = [
    (
        "取消条件",
        r"("
        + _CANCEL
        + r"(不了|不掉|失败|不成功)|(能|可以|可不可以|能不能|是否能|是否可以)(提前|立刻|马上)?"
        + _CANCEL
        + r"|"
        + _CANCEL
        + r"(有|需要)?(什么|啥|哪些)?(条件|要求|限制)|(无法|不能|没法|没办法|为什么不能|为啥不能)"
        + _CANCEL
        + r"|什么时候(可以|能)"
        + _CANCEL
        + r"|可"
        + _CANCEL
        + r"|"
        + _CANCEL
        + r"(?=.{0,8}(要求|条件|限制))"
        r")([^。？?]{0,8}(要求|条件|限制))?",
    ),
    (
        "上线时间",
        r"(什么时候|何时|啥时候|啥时|哪天|几号|多久)(可以|能|才能)?(办理|开通|办|发售|上线|推出|开始|用到|用上|能用|出来|有|开)|"
        r"上线时间|上线|开始时间|发售|什么时候上的|上市|推出",
    ),
    (
        "下线时间",
        r"(什么时候|何时|啥时候|哪天)(结束|截止|下线|停止|下架|停售)|截止(时间|日期)|结束时间|下线|下架",
    ),
    (
        "价格",
        r"多少钱(才)?(能|可以)?"
        + _OPEN
        + r"?|花费|花的钱|所花的钱|花钱|价格|价钱|资费|月费|几块|几元|多钱|什么价|花多少|要钱|贵|便宜|划算|少花|"
        r"收多少|扣多少|收费|多少费用",
    ),
    (
        "开通条件",
        _OPEN
        + r"(不了|不成|失败|不成功|不上)|(能|可以|能不能|可不可以|是否能|是否可以)"
        + _OPEN
        + r"|(不能|无法|没法|没办法|为何不能|为啥不能)"
        + _OPEN
        + r"|(需要|要|有)(什么|啥|哪些)?(条件|要求|资格|限制)|条件|"
        r"谁都可以|什么人(能|可以)|是不是(都|谁都)可以|(还能|还可以)(办|开)|符合|资格",
    ),
    ("生效规则", r"生效"),
    (
        "结转规则",
        r"结转|没用完|用不完|剩余|剩下|清零|顺延|转到下|下(个)?月(还)?(可以|能)(继续)?用|转赠|共享给|流量会没|自动转移",
    ),
    ("封顶规则", r"封顶|上限|最多(能)?用多少|不限量有"),
    ("叠加规则", r"叠加|一起办|同时(办|开|订)|冲突|兼容|能一起"),
    ("限速规则", r"限速|降速|网速变慢"),
    (
        "适用app",
        r"(哪些|什么|哪个|哪款)(app|应用|软件)|适用(于)?(哪些|什么)?app|app(都)?(可以|能)用",
    ),
    (
        "使用范围",
        r"(使用|适用|可用|用的)范围|(哪些|什么)(地方|功能|视频|网站)(可以|能)用|能用在|可以用在|(可以|能)用于|"
        r"(能|可以)(看|刷|开热点|用来)|刷.{0,6}(怎么|还是)?(还是)?用了|范围",
    ),
    (
        "办理数量",
        r"(办|开|订|买|办理)(几次|几个|多少次|多少个)|最多(办|开|订|买)|重复(办理|订购|开通)|(能|可以)(办|开|订)(两|多|几)(个|次)",
    ),
    (
        "有效期规则",
        r"有效期|(用|能用|可以用)多久|多长时间|永久|当月(有效|用完)|是这个月|过期|失效|有效(吗|么)|几天有效|哪天到期|期限",
    ),
    (
        "内含其它服务",
        r"(其他|其它|别的|附带|额外)(什么)?(的)?(服务|权益|业务|功能)|内含|(送|赠送)(什么|啥|哪些)|还(送|有)(什么|啥)|"
        r"有什么(服务|权益)|送(流量|话费|语音|会员)",
    ),
    (
        "使用方法",
        r"(怎么|如何|咋|怎样)(使用|用|登录|登陆|绑定|更改|修改|设置|查看|收|选择|玩|填|改|发)|使用方法|用法|使用说明|"
        r"不知道方法|教(教)?我|(在哪|哪里)(用|看|使用)|(发|转发)(到)?.{0,6}邮箱|没(有)?收到|修改|更改|填写|登录|登陆|发票",
    ),
    (
        "取消方式",
        _CANCEL
        + r".{0,30}(怎么|如何|怎样)(办理|办|操作|弄|处理)|"
        + _CANCEL
        + r"|不要了|不想要|不用了|不想用|不需要|干掉|停用|停了|退出|削|怎么关|关了|撤",
    ),
    (
        "流量",
        r"(多少|几个|几|啥)(g|m)|流量(是否|是不是)?(相同|一样|一不一样)|流量(有)?多少|多少(的)?流量|流量(是)?多(大|少)|(含|有|带|送|给)(多少|几)?流量|流量(多|少)|"
        r"流量(的)?(是)?哪个|流量.{0,4}(最多|多点|多一些|多呀|多啊)|多少流量",
    ),
    (
        "语音时长",
        r"(多少|几)分钟|通话时长|语音时长|通话时间|分钟数|能打多久|(语音|通话)(有)?多少|(和|与|、|及)(通话|语音)",
    ),
    ("带宽", r"带宽|网速|(多少|几)(兆|m)(的)?(宽带|网)|(多少|几)兆|速率|速度"),
    (
        "开通方式",
        r"(怎么|如何|怎样|咋|怎么样)(才能|才可以|可以|能)?"
        + _OPEN
        + r"|开通方式|办理方式|办理流程|办理渠道|"
        r"(在哪|哪里|哪儿|在那)(里|儿)?(可以|能)?"
        + _OPEN
        + r"|怎么(弄|搞)|(增加|添加|加)(人|号|成员|号码|亲情)|创建|注册|"
        r"帮我(开|办)|开通一下|办理一下|(我想|我要|想继续|想再)(办理|办)|(应该|要)?(如何|怎么|怎样)操作",
    ),
    (
        "业务简介",
        r"是什么|什么是|介绍|啥意思|什么意思|有什么用|干嘛|干什么|做什么|怎么回事|是啥|啥是|什么业务",
    ),
]
# "是什么" asks for the introduction beside other attributes; "介绍一下…的开通条件" or "规则是啥样的"
# ask only for the other attribute.
_INTRO_ALONGSIDE = re.compile(r"是什么|什么是|啥意思|什么意思|有什么用")
# Asked when nothing more specific is: "我想办个X" is how to open it, "X" alone what it is.
_WEAK_OPEN = re.compile(_OPEN + r"|想要|要一个|来一个|弄")
_ATTRIBUTE_RES = [(name, re.compile(p)) for name, p in _ATTRIBUTE_PATTERNS]

_SUPERLATIVE = re.compile(r"最(便宜|优惠|低|实惠|划算|省钱|贵|高|多|少)")
_CHEAP = re.compile(r"最(便宜|优惠|低|实惠|划算|省钱)|价格最低|最少钱")
_DEAR = re.compile(r"最(贵|高档|高)")
_MOST_DATA = re.compile(r"(流量)(最多|最大)|(最多|最大)(的)?流量|含流量最多")
_LEAST_DATA = re.compile(r"(流量)(最少|最小)|(最少|最小)(的)?流量")
_COMPARE = re.compile(
    r"哪(个|一个|种|款)|一样|区别|不同|相同|差别|差异|还是|比较|对比|那个稍微|谁(更|比较)?"
)
# What "the same?" compares when no attribute is named: what a customer pays and gets.
WHOLE_TIER = ("价格", "流量", "语音时长", "带宽", "有效期")
_SAME_Q = re.compile(r"一样|相同|区别|不同|差别|差异")
_MORE_DATA = re.compile(r"流量.{0,4}(多|大)|(多|大).{0,2}流量")
_LESS_DATA = re.compile(r"流量.{0,4}(少|小)")
_CHEAPER = re.compile(r"便宜|优惠|实惠|划算|少花|省钱|低")
_DEARER = re.compile(r"贵|高")

# A parse this sure or surer is answered; below it the assistant asks or hands over. Measured on
# the public dev questions with the phrase lists alone (2026-11-29): 3,889 of 3,952 parses reach
# 0.6 and are exactly right 91.1 % of the time; the 63 below it 65 %.
SURE = 0.6

# How far the examples' product must lead the next one (perceptron votes) to stand in for a name
# not found whole; chosen on quarters of the dev file, never on the held-out one.
GUESS_MARGIN = 6.0
_NUM_RE = re.compile(r"(\d+(?:\.\d+)?)(元|g|m|兆|分钟|小时|天|个月|月|年|版)?")
_GENERIC_SUFFIXES = ("活动", "业务", "产品", "服务", "功能")


def _fmt_number(value) -> str:
    return format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)


# ---------------------------------------------------------------------------------------------
# The catalogue as the parser sees it.


@dataclass
class TierView:
    code: str
    name: str
    values: dict[str, list[str]]  # attribute → answer values (numbers formatted, IDs, texts)
    numbers: dict[str, float]  # price / data_mb / voice_minutes / …
    subs: list[str]  # normalised sub-service names
    subs_raw: list[str]
    for_everyone: bool = True  # not kept for a customer group (集团, 家庭 …)


@dataclass
class ProductView:
    name: str
    tiers: list[TierView]
    rules: dict[str, list[str]]
    kind: str = ""  # Product.Kind: plan, pack, service, campaign, broadband


@dataclass
class Surface:
    text: str  # normalised
    product: ProductView
    tier: TierView | None  # a tier's own name picks that tier
    kind: str  # "name", "alias", "tier", "short"


@dataclass
class Index:
    products: list[ProductView]
    surfaces: list[Surface]  # longest first
    features: list[tuple[Surface, dict[str, float], float]]  # fuzzy features, weights, total
    alias_count: dict[int, int]  # product → how many names it has (fewer: more specific)
    subs: dict[str, list[ProductView]] = field(default_factory=dict)  # sub-service → products
    subs_containing: dict[str, list] = field(default_factory=dict)  # name → subs holding it
    learned: object | None = None  # learning.Learned: what labelled questions taught, if any
    stamp: tuple | None = None  # catalogue_stamp() of the rows it was built from


def build_index(products: list[ProductView], aliases: dict[str, list[str]]) -> Index:
    surfaces: dict[tuple[str, int, str | None], Surface] = {}

    def add(text: str, p: ProductView, tier: TierView | None, kind: str) -> None:
        t = normalize(text)
        if len(t) < 2 or (t.isdigit() and len(t) < 3) or _SUPERLATIVE.search(t):
            return  # "最便宜" is no name, even where a synonym list says so; "666" is one
        key = (t, id(p), tier.code if tier else None)
        if key not in surfaces:
            surfaces[key] = Surface(t, p, tier, kind)

    for p in products:
        add(p.name, p, None, "name")
        for alias in aliases.get(p.name, []):
            add(alias, p, None, "alias")
        # A tier's own name picks that tier (and tiers of the same name).
        for t in p.tiers:
            if t.name != p.name:
                add(t.name, p, t, "tier")
        for text in [p.name, *aliases.get(p.name, [])]:
            for suffix in _GENERIC_SUFFIXES:
                n = normalize(text)
                if n.endswith(suffix) and len(n) - len(suffix) >= 3:
                    add(n[: -len(suffix)], p, None, "short")
    ordered = sorted(surfaces.values(), key=lambda s: -len(s.text))
    fuzzy = [s for s in ordered if len(s.text) >= 2 and s.kind != "short"]
    df: dict[str, int] = {}
    for s in fuzzy:
        for f in set(_features(s.text)):
            df[f] = df.get(f, 0) + 1
    n = len(fuzzy) + 1
    features = []
    for s in fuzzy:
        weights = {f: math.log(n / df[f]) for f in set(_features(s.text))}
        if sum(weights.values()):
            features.append((s, weights, sum(weights.values())))
    counts: dict[int, int] = {}
    for s in ordered:
        counts[id(s.product)] = counts.get(id(s.product), 0) + 1
    subs: dict[str, list[ProductView]] = {}
    for p in products:
        for sub in sorted({x for t in p.tiers for x in t.subs if len(x) >= 2}):
            subs.setdefault(sub, []).append(p)
    return Index(products, ordered, features, counts, subs)


def _features(text: str) -> list[str]:
    """Characters and character pairs, digits left out (numbers are matched as values)."""
    chars = [c for c in text if not c.isdigit() and c not in "□，,。？?！!"]
    return chars + [a + b for a, b in zip(chars, chars[1:], strict=False)]


# ---------------------------------------------------------------------------------------------
# Parsing.


@dataclass
class Constraint:
    attribute: str  # "子业务", "价格", "流量", "语音时长", "tier"
    op: str  # "=", "min", "max"
    value: str = ""


@dataclass
class Query:
    product: ProductView | None
    attributes: list[str]
    constraints: list[Constraint] = field(default_factory=list)
    compare: tuple[str, str] | None = None  # the two sides compared, as the customer named them
    # the tiers of each side, where numbers named them ("96元档和126元档"); else by sub-service
    compare_tiers: tuple[list[TierView], list[TierView]] | None = None
    compare_kind: str = ""  # "same", "more_data", "less_data", "cheaper", "dearer"
    versus: ProductView | None = None  # the other product, where two products are compared
    confidence: float = 0.0
    tiers: list[TierView] = field(default_factory=list)
    rest: str = ""  # the question with the product and sub-services masked: what is asked
    named: str | None = None  # the product name found whole in the question
    rule_attributes: list[str] = field(default_factory=list)  # what the phrase lists found


def _mask(text: str, start: int, end: int) -> str:
    return text[:start] + "□" * (end - start) + text[end:]


def _find_product(
    index: Index, q: str
) -> tuple[list[tuple[Surface, float]], float, tuple[int, int] | None]:
    """The surfaces of the most likely product found in `q` with how well each matched (1 for a
    whole name), a confidence and the span of the name found whole."""
    best: list[Surface] = []
    best_len = 0
    span = None
    for s in index.surfaces:
        if len(s.text) < best_len:
            break
        pos = q.find(s.text)
        if pos >= 0 and s.text.isdigit():
            pos = _whole_number_at(q, s.text)
        if pos >= 0:
            if len(s.text) > best_len:
                best, best_len, span = [s], len(s.text), (pos, pos + len(s.text))
            else:
                best.append(s)
    if best:
        hidden = _inside_version(index, q, best, span)
        if hidden is not None:
            return _find_product(index, hidden)
        return [(s, 1.0) for s in best], min(1.0, 0.55 + 0.1 * best_len), span
    # No name appears whole: the closest name by shared characters and character pairs, rare
    # ones counting more (misspellings, words left out: "全网优惠特权" → 全网优惠享特权活动,
    # "欢享券" → 惠享券).
    qf = set(_features(q))
    scored = []
    for s, weights, total in index.features:
        cover = sum(w for f, w in weights.items() if f in qf) / total
        if cover >= 0.45:
            scored.append((s, cover))
    if not scored:
        return [], 0.0, None
    top = max(cover for _, cover in scored)
    best = [(s, cover) for s, cover in scored if cover >= top - 0.08]
    return best, min(0.85, top), None


def _whole_number_at(q: str, digits: str) -> int:
    """Where a name made of digits ("666") stands alone in `q` (not inside "16660", nor an
    amount such as "666元" or "666分钟"), or -1."""
    m = re.search(rf"(?<![\d.]){digits}(?![\d.]|元|块|分钟|g|m|兆|小时)", q)
    return m.start() if m else -1


def _inside_version(index: Index, q: str, best: list[Surface], span) -> str | None:
    """`q` with a version name masked when the name found lies inside it and the version's
    product is named too: in "上网版和plus版的王卡" "plus" is 王卡's Plus版, not the Plus
    membership."""
    start, end = span
    containing = index.subs_containing.get(q[start:end])
    if containing is None:
        containing = [(sub, o) for sub, o in index.subs.items() if q[start:end] in sub]
        index.subs_containing[q[start:end]] = containing
    for sub, owners in containing:
        pos = q.find(sub)
        while pos >= 0:
            if pos <= start and end <= pos + len(sub) and (pos, pos + len(sub)) != (start, end):
                others = [p for p in owners if all(s.product is not p for s in best)]
                # every occurrence at once: a question repeating the version is searched
                # again once, not once per repetition
                masked = q.replace(sub, "□" * len(sub))
                if others and any(s.product in others and s.text in masked for s in index.surfaces):
                    return masked
            pos = q.find(sub, pos + 1)
    return None


def _numbers(q: str) -> list[tuple[float, str, tuple[int, int]]]:
    out = []
    for m in _NUM_RE.finditer(q):
        out.append((float(m.group(1)), m.group(2) or "", m.span()))
    return out


def _tier_matches_number(t: TierView, value: float, unit: str) -> set[str]:
    """Which attributes of tier `t` a number with `unit` matches."""
    hits = set()
    price = t.numbers.get("price")
    data = t.numbers.get("data_mb")
    voice = t.numbers.get("voice_minutes")
    if unit in ("元", "") and price is not None and abs(price - value) < 1e-6:
        hits.add("价格")
    if unit in ("元", "") and price is not None and not hits and abs(price - value) < 1:
        # people say 9.9 where the catalogue rounds to 9 (and the reverse)
        if int(price) == int(value):
            hits.add("价格~")
    if data is not None:
        if unit == "g" and abs(data - value * 1024) < 1:
            hits.add("流量")
        elif unit in ("m", "兆", "") and abs(data - value) < 1e-6:
            hits.add("流量")
        elif unit == "" and abs(data - value * 1024) < 1:
            hits.add("流量")
    if voice is not None and unit in ("分钟", "") and abs(voice - value) < 1e-6:
        hits.add("语音时长")
    speed = t.numbers.get("bandwidth_mbps")
    if speed is not None and unit in ("m", "兆", "") and abs(speed - value) < 1e-6:
        hits.add("带宽")  # "1000M宽带": megabits of a line, not megabytes of data
    return hits


def parse(index: Index, question: str) -> Query:
    q = normalize(question)
    surfaces, confidence, span = _find_product(index, q)
    masked = _mask(q, *span) if span else q

    # Candidate products; several when names are shared or only a fuzzy match was found.
    # What labelled questions taught: the operator's customers may mean another product by a
    # name than the synonym list says ("家庭亲情网" → 全国亲情网).
    learned = index.learned
    hinted = learned.products_by_name(index) if learned is not None else {}
    candidates: dict[int, ProductView] = {}
    scores: dict[int, float] = {}
    for s, score in surfaces:
        product = hinted.get(s.text, s.product)
        candidates.setdefault(id(product), product)
        scores[id(product)] = max(scores.get(id(product), 0.0), score)
    numbers = _numbers(masked)
    if not candidates or (span is None and numbers):
        # Numbers may name the product on their own: "20元20G的套餐".
        by_numbers = _products_by_numbers(index, numbers)
        if by_numbers:
            if not candidates or not (set(map(id, by_numbers)) & set(candidates)):
                candidates = {id(p): p for p in by_numbers}
                surfaces = []
                confidence = max(confidence, 0.7)
            else:
                keep = set(map(id, by_numbers)) & set(candidates)
                candidates = {k: v for k, v in candidates.items() if k in keep}
    named = q[span[0] : span[1]] if span else None
    if learned is not None and (span is None or len(candidates) > 1):
        guess, margin = learned.guess_product(index, q)
        if guess is not None and id(guess) in candidates:
            # several products fit the names found: the one the examples' wording points to
            candidates = {id(guess): guess}
        elif guess is not None and span is None and margin >= GUESS_MARGIN:
            # No name found whole: the wording the operator's customers use ("666", "20元欢享").
            candidates = {id(guess): guess}
            scores = {id(guess): 1.0}
            surfaces = []
            confidence = max(confidence, min(0.9, 0.5 + margin / 20))
    if span is None:
        # no product named whole (at most a guess): "哪个套餐最便宜" asks the whole catalogue
        best = _best_in_catalogue(index, masked)
        if best is not None:
            return best
    if not candidates:
        rules = _attributes(masked)
        return Query(None, rules, confidence=0.0, rest=masked, rule_attributes=rules)

    product = _pick(index, list(candidates.values()), masked, numbers, scores)
    tier_pick = [s.tier for s, _ in surfaces if s.product is product and s.tier is not None]

    constraints: list[Constraint] = []
    tiers = list(product.tiers)
    if tier_pick:
        names = {t.name for t in tier_pick}
        tiers = [t for t in tiers if t.name in names]
        constraints.append(Constraint("tier", "=", "|".join(sorted(names))))

    # Sub-services mentioned ("爱奇艺", "年包"), longest first so "半年包" is not also "年包".
    subs_found: list[str] = []
    sub_masked = masked
    all_subs = sorted({s for t in product.tiers for s in t.subs}, key=len, reverse=True)
    for sub in all_subs:
        while sub and sub in sub_masked:
            pos = sub_masked.find(sub)
            subs_found.append((pos, sub))
            sub_masked = _mask(sub_masked, pos, pos + len(sub))
    subs_found = [s for _, s in sorted(subs_found)]

    compare_kind = ""
    compare = None
    versus = None
    rule_attrs = _attributes(sub_masked)
    attrs = list(rule_attrs)
    distinct_subs = list(dict.fromkeys(subs_found))
    compare_tiers = None
    if _COMPARE.search(sub_masked):
        if len(subs_found) >= 2:
            compare = (subs_found[0], subs_found[1])
        else:
            # tiers named by their own names count too ("96元档和126元档" with a tier called
            # 126元档 found as the name): numbers anywhere but in the product's own names
            by_number = _sides_by_numbers(product, _numbers(_without_names(index, q, product)))
            if by_number:
                (a, left), (b, right) = by_number
                compare, compare_tiers = (a, b), (left, right)
            else:  # two products: "畅享5G和乐享青春卡哪个便宜"
                versus, compare, sub_masked = _other_product(index, q, product, span, sub_masked)
                if versus is not None:  # each side: the tiers named of it, else all its tiers
                    by_name = {product.name: product, versus.name: versus}
                    left, right = (_named_tiers(by_name[n], q) for n in compare)
                    compare_tiers = (left, right)
    if compare is not None:
        compare_kind, attrs = _compare_kind(sub_masked, attrs)
        if compare_kind == "same" and not _asked(sub_masked):
            attrs = list(WHOLE_TIER)  # "59元档和79元档一样吗": the tiers as a whole
        if versus is not None and compare_kind == "same" and not _SAME_Q.search(sub_masked):
            confidence = min(confidence, SURE - 0.1)  # "哪个短信多": not a question we weigh
    elif distinct_subs:
        if tier_pick and not any(s in t.subs for t in tiers for s in distinct_subs):
            # A sub-service named beside a tier's name outranks it: "月包和留言年包" is the
            # monthly pack of 和留言 ("和留言年包" names the product there).
            tiers = list(product.tiers)
            constraints = [c for c in constraints if c.attribute != "tier"]
        narrowed = [t for t in tiers if any(s in t.subs for s in distinct_subs)]
        # all the named sub-services must hold where possible ("芒果tv" + "年包")
        strict = [t for t in narrowed if all(s in t.subs for s in distinct_subs)]
        if strict:
            narrowed = strict
        if narrowed:
            tiers = narrowed
            for s in distinct_subs:
                constraints.append(Constraint("子业务", "=", s))

    # Numbers: price, data amount or minutes that single out tiers.
    if compare is None:
        if learned is not None:
            attrs = learned.attributes_for(sub_masked, rule_attrs, product.name)
        # Numbers inside the name matched ("20元邮箱") are part of the name, not a choice of tier,
        # unless labelled questions say otherwise for that name.
        numbers = _numbers(sub_masked)
        if learned is not None and learned.numbers_pick_tiers(named):
            numbers = _numbers(named) + numbers
        before = len(constraints)
        picked = _apply_numbers(tiers, numbers, constraints, attrs)
        if tier_pick and len(constraints) == before:
            # A price or amount that fits other tiers than the one named outweighs the tier's
            # name: "3元彩铃业务" is the 3-yuan tier even where a tier is called 彩铃业务.
            others = _apply_numbers(product.tiers, numbers, constraints, attrs)
            if len(constraints) > before:
                picked = others
                constraints[:] = [c for c in constraints if c.attribute != "tier"]
        if learned is not None and distinct_subs and learned.version_outweighs_price(product.name):
            # this operator answers with every tier of the version named, whatever the price
            if any(c.attribute == "价格" for c in constraints[before:]):
                constraints[:] = [c for c in constraints if c.attribute != "价格"]
                picked = tiers
        tiers = picked
        # Superlatives.
        for pattern, attr, op in (
            (_CHEAP, "price", "min"),
            (_DEAR, "price", "max"),
            (_MOST_DATA, "data_mb", "max"),
            (_LEAST_DATA, "data_mb", "min"),
        ):
            if pattern.search(sub_masked):
                valued = [t for t in tiers if attr in t.numbers]
                if valued:
                    pick = (min if op == "min" else max)(t.numbers[attr] for t in valued)
                    tiers = [t for t in valued if t.numbers[attr] == pick]
                    constraints.append(Constraint(attr, op))
                    if attr == "price" and "价格" in attrs and len(attrs) > 1:
                        attrs.remove("价格")
                    if attr == "data_mb" and "流量" in attrs and len(attrs) > 1:
                        attrs.remove("流量")
                break
        attrs = _answerable(product, tiers, attrs)
    return Query(
        product,
        attrs,
        constraints,
        compare,
        compare_tiers,
        compare_kind,
        versus,
        confidence,
        tiers,
        sub_masked,
        named,
        rule_attrs,
    )


# Where the catalogue has nothing under what was asked, its neighbour answers the customer:
# "能取消吗" of a product with a text on how to cancel but none on conditions gets that text.
_NEIGHBOURS = {
    "取消条件": "取消方式",
    "取消方式": "取消条件",
    "开通条件": "开通方式",
    "开通方式": "开通条件",
    "有效期规则": "有效期",
}


def _answerable(product: ProductView, tiers: list[TierView], attrs: list[str]) -> list[str]:
    def has(attribute: str) -> bool:
        if attribute in RULE_KINDS:
            return bool(product.rules.get(attribute))
        return any(t.values.get(attribute) for t in tiers)

    out = []
    for a in attrs:
        other = _NEIGHBOURS.get(a)
        out.append(other if other and not has(a) and has(other) else a)
    return list(dict.fromkeys(out))


# Superlatives over the catalogue ("哪个套餐最便宜"): the number, min or max, what is asked. Only
# plain superlatives of price and data: "最低消费", "最高能透支" ask something else.
_BEST = (
    (re.compile(r"最(便宜|实惠|划算|省钱)|价格最低|最低价"), "price", "min", "价格"),
    (re.compile(r"最贵"), "price", "max", "价格"),
    (_MOST_DATA, "data_mb", "max", "流量"),
    (_LEAST_DATA, "data_mb", "min", "流量"),
)
# Which products the customer means, by the word they use; no such word, no catalogue answer.
_KIND_WORDS = (
    (re.compile(r"流量包|加油包|叠加包|流量券"), "pack"),
    (re.compile(r"宽带"), "broadband"),
    (re.compile(r"套餐|手机卡"), "plan"),
    (re.compile(r"增值业务|会员"), "service"),
    (re.compile(r"活动|合约"), "campaign"),
)


def _best_in_catalogue(index: Index, q: str) -> Query | None:
    """No product named, a superlative asked: the best tier on sale to everyone among the
    products of the kind the customer names (套餐: main plans, 流量包: packs …), e.g.
    "哪个套餐最便宜" → 乐享青春卡 19元档."""
    found = next(((n, op, a) for pattern, n, op, a in _BEST if pattern.search(q)), None)
    kind = next((k for pattern, k in _KIND_WORDS if pattern.search(q)), None)
    if found is None or kind is None:
        return None
    key, op, attribute = found
    today = date.today().strftime("%Y%m%d")
    best: list[tuple[ProductView, TierView]] = []
    for product in index.products:
        if product.kind != kind:
            continue
        for t in product.tiers:
            on = t.values.get("上线时间", ["0"])[0] <= today < t.values.get("下线时间", ["9"])[0]
            if t.for_everyone and on and key in t.numbers:
                best.append((product, t))
    if not best:
        return None
    pick = (min if op == "min" else max)(t.numbers[key] for _, t in best)
    product, _ = next((p, t) for p, t in best if t.numbers[key] == pick)
    tiers = [t for p, t in best if p is product and t.numbers[key] == pick]
    asked = [a for a in _asked(q) if a != attribute] or [attribute]
    return Query(
        product,
        asked,
        [Constraint(key, op)],
        confidence=0.7,
        tiers=tiers,
        rest=q,
        rule_attributes=asked,
    )


def version_tiers(query: Query) -> list[TierView] | None:
    """Where the query names a version (sub-service) and a price: every tier of that version."""
    subs = [c.value for c in query.constraints if c.attribute == "子业务"]
    if query.product is None or not subs or all(c.attribute != "价格" for c in query.constraints):
        return None
    return [t for t in query.product.tiers if all(s in t.subs for s in subs)]


def _compare_kind(q: str, attrs: list[str]) -> tuple[str, list[str]]:
    """What a comparison asks ("same", "more_data", "cheaper" …) and of which attribute."""
    if _SAME_Q.search(q):
        kind = "same"
    elif _MORE_DATA.search(q):
        kind, attrs = "more_data", ["流量"]
    elif _LESS_DATA.search(q):
        kind, attrs = "less_data", ["流量"]
    elif _CHEAPER.search(q):
        kind, attrs = "cheaper", ["价格"]
    elif _DEARER.search(q):
        kind, attrs = "dearer", ["价格"]
    else:
        kind = "same"
    attrs = [a for a in attrs if a != "业务简介"] or ["业务简介"]
    # "办理X，A和B的流量一样吗": 办理 sets the scene, what is compared is the data
    attrs = [a for a in attrs if a != "开通方式"] or attrs
    if kind == "same":
        attrs = [a for a in attrs if a not in ("价格",) or len(attrs) == 1]
    return kind, attrs


def _other_product(index: Index, q: str, product: ProductView, span, masked: str):
    """Another product named whole beside `product` (by its own name or an alias, not a tier's):
    (it, the two names in the customer's order, `masked` with its name masked too), or
    (None, None, masked)."""
    rest = _without_names(index, q, product)
    for sub in {x for t in product.tiers for x in t.subs}:  # "plus" in 王卡's "Plus版"
        rest = rest.replace(sub, "□" * len(sub)) if len(sub) > 1 else rest
    for s in index.surfaces:
        if s.tier is None and s.product is not product and len(s.text) >= 2:
            pos = rest.find(s.text)
            if pos >= 0:
                first = span is None or span[0] < pos
                names = (product.name, s.product.name) if first else (s.product.name, product.name)
                return s.product, names, _mask(masked, pos, pos + len(s.text))
    return None, None, masked


def _named_tiers(product: ProductView, q: str) -> list[TierView]:
    """The product's tiers named by their own names in `q` ("畅享5G的39元档"), else all."""
    own = normalize(product.name)
    named = [t for t in product.tiers if (n := normalize(t.name)) != own and len(n) > 1 and n in q]
    return named or list(product.tiers)


def extent(tiers: list[TierView], key: str, highest: bool) -> float | None:
    """The lowest or highest `key` over `tiers` ("39元起", "最高150GB")."""
    found = [t.numbers[key] for t in tiers if key in t.numbers]
    return (max if highest else min)(found) if found else None


def _without_names(index: Index, q: str, product: ProductView) -> str:
    """`q` with the product's own names (not its tiers' names) masked."""
    for s in index.surfaces:
        if s.product is product and s.tier is None:
            pos = q.find(s.text)
            while pos >= 0:
                q = _mask(q, pos, pos + len(s.text))
                pos = q.find(s.text)
    return q


_UNIT_SAID = {"元": "元", "g": "GB", "m": "MB"}


def _sides_by_numbers(product: ProductView, numbers) -> list[tuple[str, list[TierView]]]:
    """Two tiers named by price or data ("96元档和126元档哪个流量多"), each with its label: the
    tier's own name where it has one ("96元档"), else the number as said ("20元")."""
    sides: list[tuple[str, list[TierView]]] = []
    for value, unit, _ in numbers:
        if unit not in ("元", "g", "m"):
            continue
        hit = [t for t in product.tiers if _tier_matches_number(t, value, unit) & {"价格", "流量"}]
        if hit and all(hit != other for _, other in sides):
            named = len(hit) == 1 and hit[0].name and hit[0].name != product.name
            label = hit[0].name if named else fmt_value(value) + _UNIT_SAID[unit]
            sides.append((label, hit))
    return sides[:2] if len(sides) >= 2 else []


def _products_by_numbers(index: Index, numbers) -> list[ProductView]:
    """Products with one tier matching every number given with a unit (price and data)."""
    # each amount once, the first few: "1元1元1元…" is one number, not 250
    useful = list(dict.fromkeys((v, u) for v, u, _ in numbers if u in ("元", "g", "m")))[:6]
    if not useful:
        return []
    found = []
    best = 0
    for p in index.products:
        score = 0
        for t in p.tiers:
            hits = sum(1 for v, u in useful if _tier_matches_number(t, v, u) - {"价格~"})
            score = max(score, hits)
        if score > best:
            found, best = [p], score
        elif score == best and score > 0:
            found.append(p)
    if best < min(2, len(useful)):
        return []
    return found


def _pick(index: Index, products: list[ProductView], q: str, numbers, scores) -> ProductView:
    """Among candidate products: the best name match, then the one whose tiers the question's
    sub-services and numbers fit, then the most specific (fewest names)."""
    if len(products) == 1:
        return products[0]

    def evidence(p: ProductView) -> float:
        score = 0.0
        for t in p.tiers:
            tier_score = sum(len(s) for s in t.subs if s in q)
            tier_score += sum(1 for v, u, _ in numbers if _tier_matches_number(t, v, u))
            score = max(score, tier_score)
        return score

    return max(
        products,
        key=lambda p: (scores.get(id(p), 1.0) + 0.1 * evidence(p), -index.alias_count[id(p)]),
    )


def _apply_numbers(tiers: list[TierView], numbers, constraints: list[Constraint], asked):
    for value, unit, _ in numbers:
        if unit in ("小时", "天", "个月", "月", "年", "版"):
            continue
        matched = {}
        for t in tiers:
            for attr in _tier_matches_number(t, value, unit):
                # a bare number is not the value asked for: "30叠加包多少钱" is the 30 MB pack
                if not unit and attr.rstrip("~") in asked:
                    continue
                matched.setdefault(attr, []).append(t)
        for attr in ("价格", "流量", "语音时长", "带宽", "价格~"):
            subset = matched.get(attr)
            if subset and len(subset) < len(tiers):
                tiers = subset
                constraints.append(Constraint(attr.rstrip("~"), "=", fmt_value(value)))
                break
    return tiers


def fmt_value(value: float) -> str:
    """A number as the catalogue writes it: 59, 9.9."""
    return str(int(value)) if value == int(value) else str(value)


def _attributes(q: str) -> list[str]:
    """What `q` asks: the phrase lists' attributes in order, else what a bare question means
    ("我想办个X": how to open it; "X": what it is)."""
    return _asked(q) or (["开通方式"] if _WEAK_OPEN.search(q) else ["业务简介"])


def _asked(q: str) -> list[str]:
    """The attributes the phrase lists find in `q`, in the order asked; [] if none."""
    found: list[tuple[int, str]] = []
    text = q
    for name, pattern in _ATTRIBUTE_RES:
        m = pattern.search(text)
        if m:
            found.append((m.start(), name))
            # claim every span of this attribute so weaker phrasings do not fire on it
            text = pattern.sub(lambda mm: "□" * len(mm.group(0)), text)
    names = list(dict.fromkeys(n for _, n in sorted(found)))
    if len(names) > 1 and "业务简介" in names and not _INTRO_ALONGSIDE.search(q):
        names.remove("业务简介")
    if "取消条件" in names and "取消方式" in names:
        names.remove("取消方式")
    return names


# ---------------------------------------------------------------------------------------------
# Execution.


def values(query: Query, attribute: str, tiers: list[TierView] | None = None) -> list[str]:
    if query.product is None:
        return []
    if attribute in RULE_KINDS:
        return list(query.product.rules.get(attribute, []))
    out: list[str] = []
    for t in query.tiers if tiers is None else tiers:
        out.extend(t.values.get(attribute, []))
    return out


def compare_sides(query: Query) -> list[tuple[str, TierView | None]]:
    """The two sides of a comparison: each as the customer named it (the catalogue's spelling)
    with the tier that stands for it — its first-listed one, as the operator's labelled answers
    compare; the same name twice ("合约版和合约版") is that name's first two tiers."""
    assert query.product is not None and query.compare is not None
    a, b = query.compare
    if query.compare_tiers:
        left, right = query.compare_tiers
        names = (a, b)
    else:
        left = [t for t in query.product.tiers if a in t.subs]
        right = [t for t in query.product.tiers if b in t.subs]
        names = (_raw_sub(left, a), _raw_sub(right, b))
    if a == b and len(left) > 1:
        left, right = left, left[1:]
    return [(names[0], left[0] if left else None), (names[1], right[0] if right else None)]


def answer_values(query: Query) -> list[str]:
    """The set of catalogue values that answer the query (the KBQA prediction)."""
    if query.product is None:
        return []
    if query.versus is not None:
        return _versus_values(query)
    if query.compare:
        (a, left), (b, right) = compare_sides(query)
        if query.compare_kind == "same":
            return ["yes" if _same_values(left, right, query.attributes) else "no"]
        key, want_high = WEIGHS[query.compare_kind]
        ln = left.numbers.get(key) if left else None
        rn = right.numbers.get(key) if right else None
        if ln is None or rn is None:
            return [a if ln is not None else b] if (ln is not None or rn is not None) else []
        if ln == rn:
            return [a, b]
        return [a if (ln > rn) == want_high else b]
    out: list[str] = []
    for attribute in query.attributes:
        out.extend(values(query, attribute))
    return list(dict.fromkeys(out))


def _same_values(left: TierView | None, right: TierView | None, attributes) -> bool:
    def of(t: TierView | None, a: str) -> list[str]:
        return sorted(set(t.values.get(a, []))) if t else []

    return all(of(left, a) == of(right, a) for a in attributes)


# What a comparison weighs: (the number, does the higher win?). Two products are weighed by
# their extents: the cheaper by its cheapest tier, more data by its biggest.
WEIGHS = {
    "cheaper": ("price", False),
    "dearer": ("price", True),
    "more_data": ("data_mb", True),
    "less_data": ("data_mb", False),
}


def versus_extents(query: Query) -> tuple[str, bool, list[tuple[str, float | None]]]:
    """For a comparison of two products: the number weighed, whether higher wins, and each
    product (in the customer's order) with its extent of it."""
    assert query.compare is not None and query.compare_tiers is not None
    key, highest = WEIGHS.get(query.compare_kind, ("price", False))
    sides = zip(query.compare, query.compare_tiers, strict=True)
    return key, highest, [(n, extent(tiers, key, highest)) for n, tiers in sides]


def _versus_values(query: Query) -> list[str]:
    if query.compare_kind == "same":
        left, right = query.compare_tiers
        if len(left) == len(right) == 1:  # one tier named on each side: compare what is asked
            return ["yes" if _same_values(left[0], right[0], query.attributes) else "no"]
        return ["no"]  # two products are not the same one
    key, highest, sides = versus_extents(query)
    known = [(n, v) for n, v in sides if v is not None]
    if not known:
        return []
    best = (max if highest else min)(v for _, v in known)
    return [n for n, v in known if v == best]


def _raw_sub(tiers: list[TierView], sub: str) -> str:
    for t in tiers:
        for raw, norm in zip(t.subs_raw, t.subs, strict=False):
            if norm == sub:
                return raw
    return sub


# ---------------------------------------------------------------------------------------------
# Building the view from the catalogue.


def catalogue_stamp() -> tuple:
    """What load_index reads, summed up in a few cheap queries: how many rows each table has
    and its newest id, and the products' latest edit (an edit in the admin saves the product
    with its tiers). A change made by another process shows as a different stamp."""
    from django.db.models import Count, Max

    from servicehall.catalog.models import Alias, Product, ProductRule, Tier, TierText

    from .models import LabelledQuestion

    stamp: list = []
    for model in (Alias, Tier, TierText, ProductRule, LabelledQuestion):
        row = model.objects.aggregate(n=Count("id"), last=Max("id"))
        stamp += [row["n"], row["last"]]
    row = Product.objects.aggregate(n=Count("id"), last=Max("id"), edited=Max("updated_at"))
    return (*stamp, row["n"], row["last"], row["edited"])


def load_index() -> Index:
    """The catalogue as it is in the database now, and what its labelled questions teach."""
    from .learning import learn, stored_examples

    stamp = catalogue_stamp()  # before reading: a change during the load shows as new later
    index = load_catalogue()
    index.stamp = stamp
    examples = stored_examples()
    if examples:
        learn(index, examples)
    return index


def load_catalogue() -> Index:
    """The catalogue as it is in the database now (phrase lists only, nothing learnt)."""
    from servicehall.catalog.models import Alias, Product, ProductRule, Tier, TierText

    texts: dict[int, dict[str, list[str]]] = {}
    for tier_id, attribute, value in TierText.objects.values_list("tier_id", "attribute", "value"):
        texts.setdefault(tier_id, {}).setdefault(attribute, []).append(value)
    rules: dict[int, dict[str, list[str]]] = {}
    for product_id, kind, value in ProductRule.objects.values_list("product_id", "kind", "value"):
        rules.setdefault(product_id, {}).setdefault(kind, []).append(value)
    aliases: dict[str, list[str]] = {}
    for name, alias in Alias.objects.values_list("product__name", "name"):
        aliases.setdefault(name, []).append(alias)
    tiers: dict[int, list[TierView]] = {}
    for t in Tier.objects.order_by("product_id", "position", "id"):
        tiers.setdefault(t.product_id, []).append(tier_view(t, texts.get(t.id, {})))
    products = [
        ProductView(p.name, tiers.get(p.id, []), rules.get(p.id, {}), p.kind)
        for p in Product.objects.order_by("id")
    ]
    return build_index(_merge_rule_only(products, aliases), aliases)


def _merge_rule_only(products: list[ProductView], aliases: dict[str, list[str]]):
    """A product with rules but no tiers whose name is another's without "活动" (the graph's
    畅享套餐促销优惠 beside 畅享套餐促销优惠活动) is that product: its rules and names go there."""
    by_name = {p.name: p for p in products}
    kept = []
    for p in products:
        full = next(
            (by_name[p.name + s] for s in _GENERIC_SUFFIXES if by_name.get(p.name + s)), None
        )
        if p.tiers or full is None or not full.tiers:
            kept.append(p)
            continue
        for kind, values_ in p.rules.items():
            full.rules.setdefault(kind, []).extend(values_)
        aliases.setdefault(full.name, []).extend([p.name, *aliases.pop(p.name, [])])
    return kept


def tier_view(t, texts: dict[str, list[str]]) -> TierView:
    values_: dict[str, list[str]] = {k: list(v) for k, v in texts.items()}
    numbers: dict[str, float] = {}
    for attribute, column in NUMERIC.items():
        value = getattr(t, column)
        if value is None:
            continue
        if column in ("on_sale", "off_sale"):
            values_[attribute] = [value.strftime("%Y%m%d")]
        else:
            values_[attribute] = [_fmt_number(value)]
            numbers[column] = float(value)
    if t.sub_services:
        values_["子业务"] = list(t.sub_services)
    if t.cities:
        values_["城市"] = list(t.cities)
    return TierView(
        code=t.code,
        name=t.name,
        values=values_,
        numbers=numbers,
        subs=[normalize(s) for s in t.sub_services],
        subs_raw=list(t.sub_services),
        for_everyone=not t.groups,
    )
