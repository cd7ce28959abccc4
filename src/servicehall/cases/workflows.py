"""Per-type workflows of the case engine, as data.

A Workflow names its states (with their Chinese and English labels), the state a new case
starts in, which states are closed, and its transitions. A Transition is an action a user (or
the system) may take from some states to one state, the permission it needs, the payload
fields it requires and the effect the engine applies (services/engine.py, EFFECTS: stamping resolution,
closing, reopening, creating a follow-up case…). Adding a case type — complaints, appeals and
retention come in a later issue — is adding a Workflow here, and at most a new effect; the
engine in services/engine.py does not change.

Besides its transitions, every open case takes the common operations of services/operations.py: comment,
transfer to another desk with a summary (C8), escalate (C7) and promise a reply time (C4).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from servicehall.core.errors import ServiceError

from .errors import Code


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    label_zh: str
    label_en: str
    requires: tuple[str, ...] = ()  # payload fields that must be given (non-empty)
    effect: str | None = None  # a key of services.EFFECTS (services/engine.py)
    perm: str = "cases.handle_case"
    system: bool = False  # taken by the engine's sweeps, never offered to users
    check: str | None = None  # a key of services.CHECKS: validates the payload itself


@dataclass(frozen=True)
class Workflow:
    kind: str
    name_zh: str
    name_en: str
    prefix: str  # case numbers: prefix + yyyymmdd + sequence
    initial: str
    states: dict[str, tuple[str, str]]
    closed: frozenset[str]
    transitions: tuple[Transition, ...]
    script_zh: dict[str, str] = field(default_factory=dict)  # 服务用语 per state
    # Cases of this type act on the customer's account (C3): for an account-action category
    # the customer must be identified before the case is opened. A consultation only answers.
    acts_on_account: bool = False
    # Texted to the customer when the case is escalated by hand ({number}: the case number).
    escalation_notice: str = ""
    # The desk (its code) a new case of this type goes to when intake names none and the
    # user may send cases there (a complaint: the complaint desk); none: it stays with its owner.
    default_desk: str = ""
    # Staff's own work, not a customer's case (quality's rectification items): opened only by
    # its module, never on the intake form, and left out of the service figures (S2).
    internal: bool = False

    @property
    def confirms(self) -> bool:
        """Whether its cases close with the customer's confirmation (the closed loop, C5): only
        those count in the resolution rate (S2) — a consultation answered, a praise passed on or
        a suggestion replied to has no confirmation to give."""
        return any(t.check == "confirmation" for t in self.transitions)

    def allowed(self, status: str, *, system: bool = False) -> list[Transition]:
        return [t for t in self.transitions if status in t.sources and (system or not t.system)]

    def transition(self, status: str, action: str) -> Transition | None:
        for t in self.transitions:
            if t.action == action and status in t.sources:
                return t
        return None

    def actions(self) -> set[str]:
        return {t.action for t in self.transitions}

    def state_label(self, status: str, lang: str = "zh") -> str:
        zh, en = self.states.get(status, (status, status))
        return zh if lang.startswith("zh") else en


# The closed loop every follow-up type shares (C5): resolved -> the customer confirms (by the
# survey link, which closes by itself, or to a member of staff on a recorded call or in person
# with a texted code, which quality reviews) -> closed; no answer in time -> a return visit; a
# dispute reopens the case and escalates it (C7).
LOOP_STATES = {
    "resolved": ("已解决待确认", "Resolved, awaiting confirmation"),
    "return_visit": ("待回访", "Return visit due"),
    "closed": ("已关闭", "Closed"),
}


def closed_loop(work_state: str) -> tuple[Transition, ...]:
    return (
        Transition(
            "resolve",
            (work_state,),
            "resolved",
            "办结",
            "Resolve",
            requires=("resolution",),
            effect="resolve",
        ),
        Transition(
            "close",
            ("resolved", "return_visit"),
            "closed",
            "客户确认后关闭",
            "Close with the customer's confirmation",
            # how the customer confirmed (a recorded call with its time, or in person with
            # the texted code) and a note: services/closure.py checks them (C5)
            requires=("method", "note"),
            effect="close",
            check="confirmation",
        ),
        Transition(
            "dispute",
            ("resolved", "return_visit"),
            work_state,
            "客户有异议，重新处理",
            "Customer disputes: reopen",
            requires=("reason",),
            effect="reopen",
        ),
        Transition(
            "start_return_visit",
            ("resolved",),
            "return_visit",
            "转回访",
            "Return visit due",
            effect="return_visit",
            system=True,
        ),
    )


CONSULTATION = Workflow(
    kind="consultation",
    name_zh="咨询",
    name_en="Consultation",
    prefix="ZX",
    initial="open",
    states={
        "open": ("受理中", "Being answered"),
        "answered": ("已答复", "Answered"),
        "converted": ("已转工单", "Turned into a work order"),
    },
    closed=frozenset({"answered", "converted"}),
    transitions=(
        Transition(
            "answer",
            ("open",),
            "answered",
            "当场答复",
            "Answer now",
            requires=("resolution",),
            effect="close",
        ),
        Transition(
            "convert",
            ("open",),
            "converted",
            "转为工单",
            "Turn into a work order",
            requires=("summary",),
            effect="convert",
        ),
    ),
    script_zh={
        "open": "您好，请问有什么可以帮您？您是咨询宽带办理还是套餐变更？",
        "answered": "请问还有什么可以帮到您的吗？感谢您的咨询。",
        "converted": "您的问题需要进一步核实，我们已为您登记工单，将在承诺时间内回复您。",
    },
)

WORK_ORDER = Workflow(
    kind="work_order",
    acts_on_account=True,
    name_zh="工单",
    name_en="Work order",
    prefix="GD",
    initial="in_progress",
    states={"in_progress": ("处理中", "In progress"), **LOOP_STATES},
    closed=frozenset({"closed"}),
    transitions=closed_loop("in_progress"),
    script_zh={
        "in_progress": "您的问题我们已经记录，将于承诺时间前给您答复，请保持电话畅通。",
        "resolved": "您反映的问题已处理完毕，请问您对处理结果是否满意？",
        "return_visit": "您好，我是营业厅工作人员，就您前几天反映的问题做个回访，请问问题解决了吗？",
    },
)

FAULT = Workflow(
    kind="fault",
    acts_on_account=True,
    name_zh="障碍申告",
    name_en="Fault report",
    prefix="ZA",
    initial="reported",
    states={
        "reported": ("已申告", "Reported"),
        "repairing": ("修复中", "Being repaired"),
        **LOOP_STATES,
    },
    closed=frozenset({"closed"}),
    transitions=(
        Transition(
            "acknowledge",
            ("reported",),
            "repairing",
            "响应并派修",
            "Respond and dispatch repair",
            effect="respond",
        ),
        *closed_loop("repairing"),
    ),
    script_zh={
        "reported": "非常抱歉给您带来不便，我们会在15分钟内响应，尽快安排修复。",
        "repairing": "维修人员正在处理，预计在承诺时限内修复，届时我们会通知您。",
        "resolved": "故障已经修复，请您试用一下，是否恢复正常？",
    },
)

SUGGESTION = Workflow(
    kind="suggestion",
    name_zh="合理化建议",
    name_en="Suggestion",
    prefix="JY",
    initial="received",
    states={
        "received": ("已收到", "Received"),
        "considering": ("研究中", "Being considered"),
        "replied": ("已答复", "Replied"),
    },
    closed=frozenset({"replied"}),
    transitions=(
        Transition(
            "acknowledge",
            ("received",),
            "considering",
            "致谢并告知答复日期",
            "Thank and give a reply date",
            requires=("promised_at",),
            effect="respond",
        ),
        Transition(
            "reply",
            ("received", "considering"),
            "replied",
            "答复建议人",
            "Reply to the proposer",
            requires=("resolution",),
            effect="close",
        ),
    ),
    escalation_notice="【营业厅】您的建议（{number}）已提交上级部门研究，我们会在答复日期前告知您结果，感谢您的支持。",
    script_zh={
        "received": "非常感谢您的宝贵建议，我们会认真研究，并在约定日期前答复您。",
        "considering": "您的建议已提交相关部门研究，我们会及时告知您结果。",
    },
)

PRAISE = Workflow(
    kind="praise",
    name_zh="表扬",
    name_en="Praise",
    prefix="BY",
    initial="received",
    states={"received": ("已收到", "Received"), "closed": ("已关闭", "Closed")},
    closed=frozenset({"closed"}),
    transitions=(
        Transition(
            "acknowledge",
            ("received",),
            "closed",
            "致谢并转达",
            "Thank and pass it on",
            requires=("resolution",),
            effect="close",
        ),
    ),
    script_zh={"received": "感谢您对我们工作的肯定，我们会将您的表扬转达给相关同事。"},
)

WORKFLOWS: dict[str, Workflow] = {
    w.kind: w for w in (CONSULTATION, WORK_ORDER, FAULT, SUGGESTION, PRAISE)
}


# C7: escalation level by level (层层上报), the same chain for every case type.
ESCALATION_LEVELS = {
    1: ("班组长", "team lead"),
    2: ("营业厅经理", "hall manager"),
    3: ("片区", "area"),
}
MAX_LEVEL = max(ESCALATION_LEVELS)


def workflow_of(kind: str) -> Workflow:
    wf = WORKFLOWS.get(kind)
    if wf is None:
        raise ServiceError(
            Code.UNKNOWN_CASE_TYPE,
            f"未知的工单类型：{kind}（可选：{'、'.join(WORKFLOWS)}）",
            f"Unknown case type {kind!r}; one of {', '.join(WORKFLOWS)}",
            field="kind",
            status=422,
        )
    return wf


def register(workflow: Workflow) -> None:
    """For the case types of later issues (complaints, appeals, retention)."""
    WORKFLOWS[workflow.kind] = workflow
