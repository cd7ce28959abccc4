"""The checks of a complaint's three stages (P1), registered in the case engine's CHECKS by
ComplaintsConfig.ready(): each validates what its stage records, keeps it in the complaint's
ComplaintRecord (columns a report counts) and returns the clean payload the engine writes as the
stage's event. A refusal is raised before anything is written (the engine's transaction rolls
back whatever the check did). The order of the stages themselves is the workflow's: an action
the state does not allow is the engine's 409.

- accept (受理): the four steps 倾听 → 询问 → 安抚 → 确认, all of them, in that order (the form
  sends them in the order ticked; an item "listen@<ISO time>" carries the time it was ticked,
  and then the times decide the order), the customer's own words and what they ask for;
- clarify (理解澄清): the causes found in the handbook's order (客户方原因 → 客观原因 → 双方原因 →
  公司原因, each that applies), the policy explained, and the basis: a published knowledge-base
  article or a named policy;
- resolve (解决处理): holds or not with the reason, the remedy, the policy basis (有根有据) and the
  reply time told to the customer (a future time: it becomes the case's promised reply); the
  case's resolution is composed from them, and the shared closed loop follows;
- settle_grumble (抱怨): the explanation that settled it on the spot; the record says grumble."""

from __future__ import annotations

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from servicehall.cases.models import Case
from servicehall.cases.services.common import _future_time
from servicehall.core import validate
from servicehall.core.errors import Code as CoreCode
from servicehall.core.errors import ServiceError
from servicehall.knowledge.errors import Code as KnowledgeCode
from servicehall.knowledge.models import Article, Status

from .errors import Code
from .models import ComplaintRecord

STEPS = (  # the accept stage's four steps, in the handbook's order (顺序不能颠倒)
    ("listen", "倾听", "listen"),
    ("ask", "询问", "ask"),
    ("calm", "安抚", "calm"),
    ("confirm", "确认", "confirm"),
)
CAUSES = (  # where a cause is looked for, in the handbook's order
    ("customer", "客户方原因", "the customer's side"),
    ("objective", "客观原因", "objective causes"),
    ("both", "双方原因", "both sides"),
    ("company", "公司原因", "the company's side"),
)
LABELS = {
    "words": ("客户原话", "the customer's own words"),
    "request": ("客户诉求", "what the customer asks for"),
    "explanation": ("向客户解释的政策", "the policy explained"),
    "policy": ("政策依据", "the policy"),
    "reason": ("判断理由", "the reason"),
    "remedy": ("处理措施", "the remedy"),
    "basis": ("政策依据", "the policy basis"),
    "resolution": ("当场解释的内容", "the explanation given"),
}
MAX_TEXT = 4000


def _text(payload: dict, field: str, *, limit: int = MAX_TEXT, required: bool = True) -> str:
    zh, en = LABELS[field]
    return validate.text(payload.get(field), field, zh, en, limit=limit, required=required)


def _bad(code, zh: str, en: str, field: str) -> ServiceError:
    return ServiceError(code, zh, en, field=field, status=422)


def _items(value) -> list[str]:
    """A list from a form (several values) or the API (a list, or one comma-separated text)."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.replace("，", ",").split(",")
    return [str(v).strip() for v in value if str(v).strip()]


def _record(case: Case) -> ComplaintRecord:
    record, _created = ComplaintRecord.objects.get_or_create(case=case)
    return record


def _steps(value) -> list[dict]:
    names = {code: (zh, en) for code, zh, en in STEPS}
    by_zh = {zh: code for code, zh, _en in STEPS}
    ticked = []
    for item in _items(value):
        code, _sep, at_text = item.partition("@")
        code = by_zh.get(code, code)
        if code not in names:
            raise _bad(
                CoreCode.INVALID_CHOICE,
                f"未知的受理步骤：{code}（可选：倾听、询问、安抚、确认）",
                f"Unknown step {code!r}; one of listen, ask, calm, confirm",
                "steps",
            )
        at = parse_datetime(at_text) if at_text else None
        if at_text and at is None:
            raise _bad(
                CoreCode.INVALID_CHOICE,
                f"受理步骤“{names[code][0]}”的时间格式不正确：{at_text}",
                f"The time of the step {names[code][1]!r} is malformed: {at_text!r}",
                "steps",
            )
        if at is not None and timezone.is_naive(at):
            at = timezone.make_aware(at)
        ticked.append((code, at))
    if ticked and all(at is not None for _c, at in ticked):
        ticked.sort(key=lambda t: t[1])  # the times say the order
    codes = [c for c, _at in ticked]
    missing = [code for code, _zh, _en in STEPS if code not in codes]
    if missing:
        raise _bad(
            Code.STEPS_INCOMPLETE,
            f"受理须完成倾听、询问、安抚、确认四个步骤，尚缺：{'、'.join(names[c][0] for c in missing)}",
            "Accepting takes all four steps — listen, ask, calm, confirm; missing: "
            + ", ".join(names[c][1] for c in missing),
            "steps",
        )
    if codes != [code for code, _zh, _en in STEPS]:
        raise _bad(
            Code.STEPS_OUT_OF_ORDER,
            "受理步骤顺序不能颠倒：须按倾听→询问→安抚→确认依次进行，本次顺序为"
            + "→".join(names[c][0] for c in codes),
            "The steps go in the handbook's order — listen, ask, calm, confirm; these were "
            + ", ".join(names[c][1] for c in codes),
            "steps",
        )
    return [{"step": c, "at": at.isoformat() if at else None} for c, at in ticked]


def clean_accept(case: Case, user, payload: dict):
    steps = _steps(payload.get("steps"))
    words = _text(payload, "words")
    request = _text(payload, "request")
    record = _record(case)
    record.steps = steps
    record.customer_words, record.customer_request = words, request
    record.accepted_at = timezone.now()
    record.save()
    # the texts go in the event's note (masked where shown, V2), never its data
    note = f"客户原话：{words}\n客户诉求：{request}"
    return {"steps": [s["step"] for s in steps], "note": note}, None


def _causes(value) -> list[str]:
    order = [code for code, _zh, _en in CAUSES]
    names = {code: (zh, en) for code, zh, en in CAUSES}
    by_zh = {zh: code for code, zh, _en in CAUSES}
    codes = [by_zh.get(c, c) for c in _items(value)]
    if not codes:
        raise _bad(
            CoreCode.REQUIRED,
            "请填写查找到的原因（客户方原因、客观原因、双方原因、公司原因，按实际勾选）",
            "Please fill in the cause found (the customer's side, objective causes, both "
            "sides, the company's side: each that applies)",
            "causes",
        )
    for c in codes:
        if c not in names:
            raise _bad(
                CoreCode.INVALID_CHOICE,
                f"未知的原因类别：{c}（可选：{'、'.join(z for _c, z, _e in CAUSES)}）",
                f"Unknown cause {c!r}; one of {', '.join(order)}",
                "causes",
            )
    if codes != sorted(set(codes), key=order.index):
        raise _bad(
            Code.CAUSES_OUT_OF_ORDER,
            "原因须按手册顺序查找记录：客户方原因→客观原因→双方原因→公司原因（每类一次），本次为"
            + "→".join(names[c][0] for c in codes),
            "Causes are recorded in the handbook's order — the customer's side, objective "
            "causes, both sides, the company's side (each once); these were "
            + ", ".join(names[c][1] for c in codes),
            "causes",
        )
    return codes


def clean_clarify(case: Case, user, payload: dict):
    causes = _causes(payload.get("causes"))
    explanation = _text(payload, "explanation")
    article_id = validate.object_id(payload.get("article"))
    policy = _text(payload, "policy", limit=200, required=False)
    article = None
    if payload.get("article") not in (None, ""):
        article = (
            Article.objects.filter(pk=article_id, status=Status.PUBLISHED).first()
            if article_id is not None
            else None
        )
        if article is None:
            raise _bad(
                KnowledgeCode.UNKNOWN_ARTICLE,
                f"知识库中没有已发布的文章 {payload.get('article')}",
                f"No published knowledge-base article {payload.get('article')}",
                "article",
            )
    if article is None and not policy:
        raise _bad(
            CoreCode.REQUIRED,
            "请注明依据：已发布的知识库文章，或政策文件名称",
            "Please name the basis: a published knowledge-base article or a policy",
            "basis",
        )
    record = _record(case)
    for code, _zh, _en in CAUSES:
        setattr(record, f"cause_{code}", code in causes)
    record.explanation = explanation
    record.basis_article, record.basis_policy = article, policy
    record.clarified_at = timezone.now()
    record.save()
    basis = "、".join(b for b in (article and f"知识库：{article}", policy) if b)
    names = {code: zh for code, zh, _en in CAUSES}
    note = f"原因：{'→'.join(names[c] for c in causes)}\n解释：{explanation}\n依据：{basis}"
    clean = {"causes": causes, "note": note}
    if article is not None:
        clean["article"] = article.pk
    return clean, None


HOLDS = {"yes": True, "true": True, "1": True, "成立": True}
HOLDS |= {"no": False, "false": False, "0": False, "不成立": False}


def clean_resolve(case: Case, user, payload: dict):
    value = payload.get("holds")
    holds = value if isinstance(value, bool) else HOLDS.get(str(value or "").strip().lower())
    if holds is None:
        if value in (None, ""):
            raise _bad(
                CoreCode.REQUIRED,
                "请判断投诉是否成立",
                "Please say whether the complaint holds",
                "holds",
            )
        raise _bad(
            CoreCode.INVALID_CHOICE,
            f"是否成立取值无效：{value}（可选：成立、不成立）",
            f"Invalid holds {value!r}; yes or no",
            "holds",
        )
    reason = _text(payload, "reason")
    remedy = _text(payload, "remedy")
    basis = _text(payload, "basis")
    if payload.get("reply_at") in (None, ""):
        raise _bad(
            CoreCode.REQUIRED,
            "请填写告知客户的答复时间",
            "Please fill in the reply time told to the customer",
            "reply_at",
        )
    reply_at = _future_time(payload.get("reply_at"), "reply_at")
    record = _record(case)
    record.holds, record.holds_reason = holds, reason
    record.remedy, record.policy_basis, record.reply_at = remedy, basis, reply_at
    record.resolved_at = timezone.now()
    record.save()
    case.promised_at = reply_at  # the reply time told to the customer is the case's promise
    told = timezone.localtime(reply_at).strftime("%Y-%m-%d %H:%M")
    resolution = (
        f"投诉{'成立' if holds else '不成立'}：{reason}\n处理：{remedy}\n依据：{basis}\n"
        f"答复时间：{told}"
    )
    return {"resolution": resolution, "holds": holds, "reply_at": reply_at}, None


def clean_grumble(case: Case, user, payload: dict):
    explanation = _text(payload, "resolution")
    record = _record(case)
    record.grumble = True
    record.save()
    return {"resolution": explanation}, None


CHECKS = {
    "complaint_accept": clean_accept,
    "complaint_clarify": clean_clarify,
    "complaint_resolve": clean_resolve,
    "complaint_grumble": clean_grumble,
}
