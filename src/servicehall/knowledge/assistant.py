"""The intelligent assistant (K2): one customer message in, one reply out.

A message that is not for us (scope.py) is told what the assistant can help with and offered a
person. Otherwise the order of trust: a plan question the catalogue answers (kbqa) → the article
that answers it (search.by_meaning) → a question back with related reading and a person. Every
reply's confidence is a calibrated probability that it is right; below `CONFIDENCE` no fact and
no article is given as the answer. Asking for a person ("人工", "转人工") always hands over. Bad
input (empty, overlong, no Chinese and no known product) gets a polite answer, never an exception.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.db import DatabaseError, transaction

from servicehall.core.masking import mask_phone
from servicehall.core.ttl import TTLCache
from servicehall.customers.selectors import recent_bills

from . import kbqa, scope, search

log = logging.getLogger(__name__)
MAX_LENGTH = 500
# Every reply's confidence is a calibrated probability that it is right (the README's
# reliability table): a catalogue answer's from knowledge/scope.py, an article's from
# knowledge/search.py. Below CONFIDENCE the assistant gives no fact and no article as the answer:
# it asks back, lists related articles as such, and offers a person.
CONFIDENCE = 0.5
# Below this probability that a message is about our services at all (scope.py), the assistant
# says what it is for and offers a person.
IN_SCOPE = 0.5
# An article is related reading when it is this close in meaning (e5 cosine) and no further
# than RELATED_MARGIN behind the closest: the embedding's similarities are compressed (unrelated
# texts still score about 0.83), so an absolute floor alone lets strangers in.
RELATED_SIMILARITY = 0.87
SUBJECT_ONLY = 3  # characters: a message this short names a subject, it asks nothing yet
RELATED_MARGIN = 0.03


def close(hits: list) -> list:
    """Of hits by meaning (best first), those close enough to be related reading."""
    if not hits:
        return []
    floor = max(RELATED_SIMILARITY, hits[0].score - RELATED_MARGIN)
    return [h for h in hits if h.score >= floor]


# Asking for a person in so many words (the chat then opens a case at once): not "人工智能",
# "人工费" or "营业厅工作人员几点下班".
HUMAN_RE = re.compile(
    r"人工(?!智能|费|成本|安装|上门)|真人|客服人员|找客服|坐席|(我要|我想|要)投诉|投诉你们"
)
GREETING_RE = re.compile(r"^(你好|您好|在吗|hi|hello|嗨|哈喽)[!！。.?？~]*$", re.I)
THANKS_RE = re.compile(r"^(谢谢|多谢|感谢|好的|知道了|明白了|ok)[!！。.~]*$", re.I)
CJK_RE = re.compile(r"[\u4e00-\u9fff]")
# Something is broken: the knowledge base's self-help comes before the catalogue's product facts.
FAULT_RE = re.compile(
    r"坏了|故障|报修|报障|断网|掉线|上不了网|不能上网|无法上网|没有?信号|网速慢|网很慢|红灯|打不通|"
    r"打不出|接不到|收不到短信|用不了"
)
ID_VALUE_RE = re.compile(r"^[\u4e00-\u9fffA-Za-z]+_\d+$")
# The customer asks about their own line: plan, bill, usage.
OWN_RE = re.compile(
    r"我的(套餐|话费|账单|流量|消费|资费)|(我|本机|我这个号)(现在)?(用的|办的|是)(什么|哪个)套餐|"
    r"(上个?月|本月|这个月|近三个月|最近|每个月).{0,6}(话费|账单|消费|扣了|扣费|花了)|"
    r"话费(是)?多少|查(一下|询)?(我的)?(话费|账单|套餐)|(我)?用了多少流量"
)

# The catalogue and the labelled questions change seldom and learning from them takes seconds.
# A process keeps its view and checks every few seconds whether the rows it was built from
# changed (kbqa.catalogue_stamp: another process's edit or import); if so it relearns in the
# background while the old view keeps answering. Changes made in the process itself are seen
# at once (apps.py). While relearning fails, the old view serves an hour at most; then a
# request learns (or fails) itself.
STAMP_SECONDS = 5
_stamp_cache: TTLCache[tuple] = TTLCache(STAMP_SECONDS)
_index_cache: TTLCache[kbqa.Index] = TTLCache(24 * 3600, max_stale=3600)

LABELS = {
    "价格": ("价格", "price"),
    "流量": ("流量", "data"),
    "语音时长": ("通话时长", "voice minutes"),
    "带宽": ("带宽", "bandwidth"),
    "有效期": ("有效期", "validity"),
    "上线时间": ("上线时间", "on sale from"),
    "下线时间": ("下线时间", "off sale from"),
    "业务简介": ("业务介绍", "introduction"),
    "开通方式": ("开通方式", "how to open"),
    "开通条件": ("开通条件", "conditions to open"),
    "取消方式": ("取消方式", "how to cancel"),
    "取消条件": ("取消条件", "conditions to cancel"),
    "有效期规则": ("有效期规则", "validity rule"),
    "使用方法": ("使用方法", "how to use"),
    "内含其它服务": ("包含的其他服务", "included services"),
    "办理数量": ("可办理数量", "how many"),
    "限速规则": ("限速规则", "speed limit"),
    "生效规则": ("生效规则", "when it takes effect"),
    "结转规则": ("结转规则", "carry-over"),
    "封顶规则": ("封顶规则", "cap"),
    "使用范围": ("使用范围", "where it applies"),
    "适用app": ("适用的APP", "apps"),
    "叠加规则": ("叠加规则", "stacking"),
}


def catalogue_index() -> kbqa.Index:
    index = _index_cache.get("index", kbqa.load_index, stale_ok=True)
    try:
        stamp = _stamp_cache.get("stamp", kbqa.catalogue_stamp)
    except DatabaseError:  # cannot tell whether it changed: the view we have answers
        log.warning("the catalogue stamp could not be read", exc_info=True)
        return index
    if index.stamp != stamp:
        _index_cache.refresh("index", kbqa.load_index)  # this answer still uses the old view
    return index


def forget_catalogue(**_kwargs) -> None:
    """A change to the catalogue (a signal, or an import's bulk writes): forget the view now,
    and again when the change commits, so a view learnt in between from the old rows (another
    request, before the commit) is not kept."""
    for cache in (_stamp_cache, _index_cache):
        cache.forget()
        transaction.on_commit(cache.forget)


@dataclass
class Reply:
    kind: str  # "answer", "article", "clarify", "not_ours", "handover", "polite",
    # "identify", "own", "with_agent" (chat.say: a person has the chat)
    text: str
    text_en: str
    confidence: float = 0.0
    product: str | None = None
    attributes: list[str] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    articles: list[dict] = field(default_factory=list)  # the answer's article(s), best first
    # articles about the same subject that do not answer the question ("you may also want")
    related: list[dict] = field(default_factory=list)
    offer_handover: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


def _unit(attribute: str, value: str) -> str:
    if attribute == "价格":
        return f"{value}元"
    if attribute == "流量" and value.isdigit():
        mb = int(value)
        if mb >= 999_999_999:
            return "不限量"
        return f"{mb // 1024}GB" if mb >= 1024 and mb % 1024 == 0 else f"{mb}MB"
    if attribute == "语音时长":
        return f"{value}分钟"
    if attribute == "带宽":
        return f"{value}Mbps"
    if attribute == "有效期" and value.isdigit():
        hours = int(value)
        return f"{hours // 24}天" if hours % 24 == 0 and hours >= 24 else f"{hours}小时"
    if attribute in ("上线时间", "下线时间") and len(value) == 8 and value.isdigit():
        if value.startswith("2099"):
            return "长期有效"
        return f"{value[:4]}年{int(value[4:6])}月{int(value[6:])}日"
    if ID_VALUE_RE.match(value):
        return f"（见知识条目 {value}）"
    return value


# A comparison that asks which side: what it asks, in both languages, and "they are equal".
_WHICH = {
    "more_data": ("流量更多的", "the one with more data", "流量一样多"),
    "less_data": ("流量更少的", "the one with less data", "流量一样多"),
    "cheaper": ("更便宜的", "the cheaper one", "价格一样"),
    "dearer": ("更贵的", "the dearer one", "价格一样"),
}


# The numbers a comparison weighs (kbqa.WEIGHS), as the attributes that show them.
_KEY_ATTRIBUTE = {"price": "价格", "data_mb": "流量"}


def _amount(key: str, value: float) -> str:
    """59元, 40GB."""
    return _unit(_KEY_ATTRIBUTE[key], kbqa.fmt_value(value))


def _extent(key: str, value: float | None, highest: bool) -> tuple[str, str]:
    if value is None:
        return "暂无", "not on file"
    shown = _amount(key, value)
    return (f"最高{shown}", f"up to {shown}") if highest else (f"{shown}起", f"from {shown}")


def _side_values(t: kbqa.TierView, attributes: list[str]) -> str:
    """One side of a comparison: its values of what is compared ("59元、30GB、200分钟")."""
    return "、".join(
        "；".join(_unit(x, v).rstrip("。") for v in t.values.get(x, [])) or "暂无"
        for x in attributes
    )


def _compose_versus(query: kbqa.Query, values: list[str]) -> tuple[str, str]:
    """Two products compared: each one's range on what is weighed, and which wins."""
    a, b = query.compare
    if query.compare_kind == "same":
        (left, right), lines = query.compare_tiers, []
        if len(left) == len(right) == 1:  # a tier of each: what was asked, side by side
            label = "、".join(LABELS.get(x, (x, x))[0] for x in query.attributes)
            for name, t in ((a, left[0]), (b, right[0])):
                lines.append(f"{name} {t.name} {_side_values(t, query.attributes)}")
            same = values == ["yes"]
            return (
                f"{a}和{b}，{label}{'相同' if same else '不同'}（{'；'.join(lines)}）。",
                f"{a} and {b} {'have the same' if same else 'differ in'} {label}.",
            )
        for name, tiers in ((a, left), (b, right)):
            prices = [kbqa.extent(tiers, "price", h) for h in (False, True)]
            data = [kbqa.extent(tiers, "data_mb", h) for h in (False, True)]
            lines.append(f"{name}：{_range('price', prices)}，{_range('data_mb', data)}")
        return (
            f"{a}和{b}是两款不同的产品（{'；'.join(lines)}）。",
            f"{a} and {b} are different products.",
        )
    key, highest, sides = kbqa.versus_extents(query)
    shown = []
    for (name, value), tiers in zip(sides, query.compare_tiers, strict=True):
        if len(tiers) == 1 and value is not None:  # one tier: its figure ("畅享5G 39元档 10GB")
            tier = "" if tiers[0].name == name else f" {tiers[0].name}"
            shown.append(f"{name}{tier} {_amount(key, value)}")
        else:
            shown.append(f"{name} {_extent(key, value, highest)[0]}")
    shown_zh = "；".join(shown)
    shown_en = "; ".join(f"{n} {_extent(key, v, highest)[1]}" for n, v in sides)
    zh_what, en_what, same = _WHICH[query.compare_kind]
    if len(values) == 2:
        return f"{a}和{b}{same}（{shown_zh}）。", f"{a} and {b}: the same ({shown_en})."
    winner = "、".join(values) or "暂无数据"
    return (
        f"{a}和{b}，{zh_what}是：{winner}（{shown_zh}）。",
        f"{a} vs {b}: {en_what} is {', '.join(values) or 'not on file'} ({shown_en}).",
    )


def _range(key: str, low_high: list[float | None]) -> str:
    low, high = low_high
    if low is None:
        return f"{LABELS[_KEY_ATTRIBUTE[key]][0]}暂无"
    return _amount(key, low) if low == high else f"{_amount(key, low)}–{_amount(key, high)}"


_SUPERLATIVE = {
    ("price", "min"): ("最便宜的是", "The cheapest"),
    ("price", "max"): ("最贵的是", "The dearest"),
    ("data_mb", "max"): ("流量最多的是", "The most data"),
    ("data_mb", "min"): ("流量最少的是", "The least data"),
}


def _compose(query: kbqa.Query) -> tuple[str, str, list[str]]:
    """The answer in words: per attribute, per tier when the tiers differ."""
    product = query.product
    assert product is not None
    values = kbqa.answer_values(query)
    if query.versus is not None:
        return (*_compose_versus(query, values), values)
    if query.compare:
        sides = kbqa.compare_sides(query)
        (a, _), (b, _) = sides
        attributes = query.attributes
        if query.compare_kind in _WHICH:
            attributes = [_KEY_ATTRIBUTE[kbqa.WEIGHS[query.compare_kind][0]]]
        # what each side has, the attributes neither has left out ("59元档 59元、30GB、200分钟")
        attributes = [
            x for x in attributes if any(t and t.values.get(x) for _, t in sides)
        ] or attributes[:1]
        label_zh = "、".join(LABELS.get(x, (x, x))[0] for x in attributes)
        label_en = ", ".join(LABELS.get(x, (x, x))[1] for x in attributes)
        shown = "；".join(f"{name} {_side_values(t, attributes)}" for name, t in sides if t)
        if query.compare_kind == "same":
            same = values == ["yes"]
            zh = f"{product.name}的{a}和{b}，{label_zh}{'相同' if same else '不同'}（{shown}）。"
            en = f"{product.name}: {a} and {b} {'have the same' if same else 'differ in'} {label_en}."
        elif len(values) == 2:
            zh = f"{product.name}的{a}和{b}{_WHICH[query.compare_kind][2]}（{shown}）。"
            en = f"{product.name}: {a} and {b} are the same here ({label_en})."
        else:
            zh_what, en_what, _ = _WHICH[query.compare_kind]
            zh = f"{product.name}的{a}和{b}，{zh_what}是：{'、'.join(values) or '暂无数据'}（{shown}）。"
            en = f"{product.name}, {a} vs {b}: {en_what} is {', '.join(values) or 'not on file'}."
        return zh, en, values
    lines_zh, lines_en = [], []
    for attribute in query.attributes:
        label_zh, label_en = LABELS.get(attribute, (attribute, attribute))
        if attribute in kbqa.RULE_KINDS:
            found = kbqa.values(query, attribute)
            text = "；".join(_unit(attribute, v) for v in found) or "暂无相关规定"
            lines_zh.append(f"{label_zh}：{text}")
            lines_en.append(f"{label_en}: {text}")
            continue
        per_tier = []
        for t in query.tiers:
            vs = t.values.get(attribute, [])
            if vs:
                per_tier.append((t.name, "；".join(_unit(attribute, v) for v in vs)))
        distinct = {text for _, text in per_tier}
        if not per_tier:
            lines_zh.append(f"{label_zh}：暂无资料")
            lines_en.append(f"{label_en}: not on file")
        elif len(distinct) == 1:
            lines_zh.append(f"{label_zh}：{per_tier[0][1]}")
            lines_en.append(f"{label_en}: {per_tier[0][1]}")
        else:
            parts = "；".join(f"{name} {text}" for name, text in per_tier)
            lines_zh.append(f"{label_zh}：{parts}")
            lines_en.append(f"{label_en}: {parts}")
    picked = next((c for c in query.constraints if c.op in ("min", "max")), None)
    if picked is not None and query.tiers:  # "哪个档最便宜": say which
        zh_what, en_what = _SUPERLATIVE[(picked.attribute, picked.op)]
        names = "、".join(dict.fromkeys(t.name for t in query.tiers))
        lines_zh.insert(0, f"{zh_what}：{names}")
        lines_en.insert(0, f"{en_what}: {names}")
    zh = f"【{product.name}】" + "\n".join(lines_zh)
    en = f"[{product.name}] " + "\n".join(lines_en)
    return zh, en, values


def _article_reply(meaning: search.Meaning, audience: str) -> Reply:
    """The article that answers — its opening, which says what it is about, not the sentence
    that repeats the question's words —, and the next ones as related reading."""
    top = meaning.hits[0]
    link = help_link(top.article_id, audience)
    return Reply(
        "article",
        f"【{top.title}】{search.opening(top.article_id)}\n全文见 {link}",
        f"{top.title}: {link}",
        meaning.confidence,
        articles=[_as_dict(top)],
        related=[_as_dict(h) for h in close(meaning.hits) if h is not top],
        offer_handover=True,
    )


def help_link(article_id: int, audience: str = "public") -> str:
    """Where a customer reads an article whole, without signing in (web: help); staff read it on
    the knowledge-base page (a staff-only article has no public page)."""
    from django.conf import settings
    from django.urls import reverse

    if audience == "staff":
        return settings.PUBLIC_URL + reverse("web:kb-article", args=[article_id])
    return settings.PUBLIC_URL + reverse("web:help", args=[article_id])


def _own_line(phone: str | None) -> Reply:
    """The customer's own plan and bills (V2: only on the line they proved is theirs; the number
    shown masked)."""
    if not phone:
        return Reply(
            "identify",
            "查询您本人的套餐和账单，需要先验证手机号：请在下方输入手机号获取短信验证码。",
            "To see your own plan and bills, verify your number first: we text you a code.",
            offer_handover=False,
        )
    bills = recent_bills(phone)
    shown = mask_phone(phone)
    if not bills:
        return Reply(
            "own",
            f"暂未查到号码 {shown} 的账单记录，如有疑问可转人工客服。",
            f"No bills on file for {shown}.",
            1.0,
            offer_handover=True,
        )
    lines = [f"您的号码 {shown}："]
    plan = next((b.plan for b in bills if b.plan), None)
    if plan:
        lines.append(f"当前套餐：{plan}")
    for b in bills:
        usage = []
        if b.voice_minutes is not None:
            usage.append(f"通话{b.voice_minutes}分钟")
        if b.data_mb is not None:
            usage.append(f"流量{b.data_mb / 1024:.1f}GB")
        if b.sms is not None:
            usage.append(f"短信{b.sms}条")
        extra = f"（{'，'.join(usage)}）" if usage else ""
        lines.append(f"{b.month.year}年{b.month.month}月账单 {b.amount}元{extra}")
    tip = _plan_tip(phone)
    if tip:
        lines.append(tip)
    en = f"Your line {shown}: {len(bills)} recent bills" + (f", plan {plan}" if plan else "")
    return Reply("own", "\n".join(lines), en, 1.0, values=[str(b.amount) for b in bills])


def _plan_tip(phone: str) -> str | None:
    """M3: a cheaper plan that fits, offered while the customer looks at their bill."""
    from servicehall.catalog.services import recommend

    rec = recommend(phone)
    if not rec.recommended or rec.plan is None:
        return None
    return (
        f"按您近几个月的用量，改用「{rec.plan.product} {rec.plan.name}」每月约可节省 {rec.saving}元，"
        "如需办理可转人工客服。"
    )


# What is happening now, asked before any self-help: each takes the customer's words and their
# verified line (or None) and gives (Chinese, English) or None. The incidents app adds the open
# incident where the customer is ("没信号" in a district with a declared outage, E1).
NOTICES: list[Callable[[str, str | None], tuple[str, str] | None]] = []


def reply(message: str, *, phone: str | None = None, audience: str = "public") -> Reply:
    """`phone`: the customer's own line, when they have verified it in this conversation;
    `audience` "staff" (agent assist at the counter) answers from staff-only articles too."""
    text = (message or "").strip()
    if not text:
        return Reply(
            "polite",
            "请输入您想咨询的问题，例如“畅享套餐多少钱”。",
            "Please type your question, e.g. 'How much is the plan?'",
        )
    if len(text) > MAX_LENGTH:
        return Reply(
            "polite",
            f"问题太长了（最多 {MAX_LENGTH} 字），请简要描述您想咨询的内容。",
            f"That is too long (at most {MAX_LENGTH} characters); please keep it short.",
        )
    if HUMAN_RE.search(text):
        return Reply(
            "handover",
            "好的，正在为您转接人工客服，请稍候。您的对话记录会一并转给工作人员。",
            "Connecting you to a person; they will see this conversation.",
            offer_handover=True,
        )
    if GREETING_RE.match(text):
        return Reply(
            "polite",
            "您好！我是智能客服，可以为您解答套餐资费、业务办理、账单等问题。",
            "Hello! I can answer questions on plans, prices, services and bills.",
        )
    if THANKS_RE.match(text):
        return Reply("polite", "不客气，还有其他问题随时问我。", "You are welcome.")
    for notice in NOTICES:
        found = notice(text, phone)
        if found is not None:
            return Reply("notice", found[0], found[1], 1.0)

    index = catalogue_index()
    query = kbqa.parse(index, text)
    if OWN_RE.search(text) and not (query.named and query.confidence >= 0.8):
        return _own_line(phone)
    if not CJK_RE.search(text) and not query.named:  # "How much is the 59 yuan plan?"
        return Reply(
            "polite",
            "抱歉，目前仅支持中文咨询。您可以输入“人工”联系工作人员。",
            "Sorry, I understand Chinese questions only; type 人工 for a person.",
            offer_handover=True,
        )
    in_scope = scope.probability(text, scope.names_in(query))
    # The scope model learnt how customers ask; staff at the counter ask in their own words
    # ("账单异常提醒怎么处理") and see every reply's confidence: for them it only weighs in.
    if in_scope < IN_SCOPE and audience != "staff":
        return _not_ours(in_scope)
    # The candidates, each with the calibrated probability that it answers: the catalogue's
    # answer first (its facts are exact), else the article closest in meaning; a fault
    # ("宽带坏了怎么办") is self-help first, whatever the catalogue says.
    learnt = index.learned is not None
    answer = scope.confidence(query, in_scope, learnt) if query.product is not None else 0.0
    fault = FAULT_RE.search(text) is not None
    meaning = search.by_meaning(text, audience=audience) if fault or answer < CONFIDENCE else None
    article = meaning.confidence if meaning else 0.0
    # One or two words ("号码", "套餐") name a subject, not a question: asked back, with the
    # articles about it as related reading.
    if article >= CONFIDENCE and (fault or answer < CONFIDENCE) and len(text) > SUBJECT_ONLY:
        return _article_reply(meaning, audience)
    if answer >= CONFIDENCE and kbqa.answer_values(query):  # "暂无资料" answers nothing
        zh, en, values = _compose(query)
        return Reply(
            "answer", zh, en, round(answer, 4), query.product.name, list(query.attributes), values
        )
    related = _related(meaning)
    if query.product is not None:
        return _with_related(
            Reply(
                "clarify",
                f"您是想咨询“{query.product.name}”吗？请说得具体一些（例如资费、怎么开通、怎么取消），"
                "或输入“人工”转人工客服。",
                f"Do you mean '{query.product.name}'? Say more (price, how to open or cancel), "
                "or type 人工 for a person.",
                round(max(answer, article), 4),
                query.product.name,
                offer_handover=True,
            ),
            related,
            audience,
        )
    return _with_related(
        Reply(
            "clarify",
            "抱歉，我没有理解您的问题。您是想咨询套餐资费、业务办理，还是账单话费？"
            "可以换个说法，或输入“人工”转人工客服。",
            "Sorry, I did not understand: is it about plans and prices, a service, or your bill? "
            "Rephrase, or type 人工 for a person.",
            round(article, 4),
            offer_handover=True,
        ),
        related,
        audience,
    )


def _not_ours(in_scope: float) -> Reply:
    """Not something the assistant is for: say what it can help with, and offer a person."""
    return Reply(
        "not_ours",  # Message.kind holds 10 characters
        "抱歉，这个问题我帮不上忙。我是营业厅的智能客服，可以为您解答套餐资费、业务办理、账单话费、"
        "宽带故障和营业厅的营业时间、地址等问题；需要工作人员帮助请输入“人工”。",
        "Sorry, I cannot help with that. I answer questions on plans and prices, services, bills, "
        "broadband faults and our halls' hours and addresses; type 人工 for a person.",
        round(in_scope, 4),
        offer_handover=True,
    )


def _related(meaning) -> list[dict]:
    """The articles closest in meaning, as "you may also want" — never as the answer."""
    return [_as_dict(h) for h in close(meaning.hits)] if meaning else []


def _as_dict(h: search.Hit) -> dict:
    return {"id": h.article_id, "title": h.title, "snippet": h.snippet, "score": h.score}


def _with_related(r: Reply, related: list[dict], audience: str) -> Reply:
    if related:  # one a line, the link apart, so a chat page makes it a link
        r.related = related
        r.text += "\n您可能还想了解：" + "".join(
            f"\n【{a['title']}】 {help_link(a['id'], audience)}" for a in related
        )
        r.text_en += " You may also want: " + "; ".join(a["title"] for a in related)
    return r
