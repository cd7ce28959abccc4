"""The complaint's workflow (P1), registered with the case engine (cases/workflows.py) when the
app is ready: the handbook's three stages in order — accept (受理: 倾听, 询问, 安抚, 确认),
understand and clarify (理解澄清), resolve (解决处理) — then the closed loop every follow-up type
shares (confirmation, return visit, survey). A grumble (抱怨) that an explanation settles on the
spot is recorded from the same case and closed as such: it is not counted as a complaint.

Each stage's transition names the fields it needs; its check (Transition.check, a key of the
engine's CHECKS, registered by this app) validates what the stage records."""

from __future__ import annotations

from dataclasses import replace

from servicehall.cases.workflows import LOOP_STATES, Transition, Workflow, closed_loop


def _resolve_with_basis(loop: tuple[Transition, ...]) -> tuple[Transition, ...]:
    """The shared closed loop, its resolve taking the resolve stage's fields (stages.py composes
    the resolution the engine's `resolve` effect stamps, so the survey follows unchanged)."""
    return tuple(
        replace(
            t,
            label_zh="解决处理（办结）",
            label_en="Resolve",
            requires=("holds", "reason", "remedy", "basis", "reply_at"),
            check="complaint_resolve",
        )
        if t.action == "resolve"
        else t
        for t in loop
    )


COMPLAINT = Workflow(
    kind="complaint",
    acts_on_account=False,
    name_zh="投诉",
    name_en="Complaint",
    prefix="TS",
    initial="accepting",
    default_desk="complaint",  # intake sends it to the complaint desk unless another is chosen
    states={
        "accepting": ("受理", "Accepting"),
        "clarifying": ("理解澄清", "Understanding and clarifying"),
        "resolving": ("解决处理", "Resolving"),
        "grumble": ("抱怨（当场解释）", "Grumble settled on the spot"),
        **LOOP_STATES,
    },
    closed=frozenset({"closed", "grumble"}),
    transitions=(
        Transition(
            "accept",
            ("accepting",),
            "clarifying",
            "受理完成（倾听·询问·安抚·确认）",
            "Accepted (listen, ask, calm, confirm)",
            requires=("steps", "words", "request"),
            check="complaint_accept",
        ),
        Transition(
            "settle_grumble",
            ("accepting",),
            "grumble",
            "当场解释，按抱怨记录",
            "Explained on the spot: record as a grumble",
            requires=("resolution",),
            effect="close",
            check="complaint_grumble",
        ),
        Transition(
            "clarify",
            ("clarifying",),
            "resolving",
            "理解澄清完成",
            "Understood and clarified",
            requires=("causes", "explanation", "basis"),
            check="complaint_clarify",
        ),
        *_resolve_with_basis(closed_loop("resolving")),
    ),
    script_zh={
        "accepting": "您好，我非常理解您现在的心情，请您慢慢说，我会认真记录您反映的每一个问题。",
        "clarifying": "我帮您查询了一下，情况是这样的……我们公司的规定是……",
        "resolving": "针对您反映的问题，我们的处理意见是……我们会在约定时间前给您答复。",
        "resolved": "您反映的问题已处理完毕，请问您对处理结果是否满意？",
        "return_visit": "您好，我是营业厅工作人员，就您前几天反映的问题做个回访，请问问题解决了吗？",
    },
)

# --- appeals (P2, P3, L1)
# An appeal (申诉, SS…) arrives from outside (complaints/appeals.py registers it with its source,
# reference and deadlines): the materials are gathered, the liability is decided (its check,
# "appeal_liability", refuses a decision without a reason or a sub-reason), and the answer goes
# back to the appeal centre, which closes it.
APPEAL = Workflow(
    kind="appeal",
    acts_on_account=False,
    name_zh="申诉",
    name_en="Appeal",
    prefix="SS",
    default_desk="complaint",  # the complaint desk handles appeals (P2) unless another is chosen
    initial="registered",
    states={
        "registered": ("已登记", "Registered"),
        "investigating": ("核查取证", "Gathering the facts"),
        "decided": ("已定责", "Liability decided"),
        "replied": ("已答复申诉机构", "Answered to the appeal centre"),
    },
    closed=frozenset({"replied"}),
    transitions=(
        Transition(
            "investigate",
            ("registered",),
            "investigating",
            "开始核查取证",
            "Start gathering the facts",
            effect="respond",
            perm="complaints.handle_appeal",
        ),
        Transition(
            "decide_liability",
            ("investigating",),
            "decided",
            "定责",
            "Decide the liability",
            requires=("liability", "reason"),
            effect="appeal_decide",
            perm="complaints.handle_appeal",
            check="appeal_liability",
        ),
        Transition(
            "reply",
            ("decided",),
            "replied",
            "答复申诉机构",
            "Answer the appeal centre",
            requires=("resolution",),
            effect="appeal_reply",
            perm="complaints.handle_appeal",
        ),
    ),
    script_zh={
        "registered": "您好，我们已收到您通过申诉渠道反映的问题，将尽快核实并在规定时限内答复。",
        "investigating": "我们正在核查您反映的情况，调取受理单、详单等材料，请您保持电话畅通。",
        "decided": "经核查，处理结论是……我们将按规定答复申诉受理机构。",
    },
)
