"""The rectification item's workflow (问题整改, S3), registered with the case engine when the
app is ready (apps.py): opened by the quality supervisor from a scored check, worked by its
owner (the staff member, or their hall manager) who submits the evidence of the fix — the
transition's text, with comments and attachments on the case as the engine has them —, then
verified and closed by quality, or sent back (reopened) to fix again.

The deadline is the `rectification` SLA policy (migration 0001: 5 business days, escalated
daily once missed). The item starts at escalation level 1 — the supervisor who opened it is
the first level above its owner —, so the first escalation of a missed deadline reaches the
hall manager (cases.workflows.ESCALATION_LEVELS[2])."""

from __future__ import annotations

from servicehall.cases.workflows import Transition, Workflow

VERIFY_PERM = "quality.score_check"

RECTIFICATION = Workflow(
    kind="rectification",
    name_zh="问题整改",
    name_en="Rectification",
    prefix="ZG",
    internal=True,
    initial="open",
    states={
        "open": ("待整改", "Open"),
        "fixing": ("整改中", "Being fixed"),
        "evidence": ("已提交整改证明", "Evidence submitted"),
        "reopened": ("退回重新整改", "Reopened"),
        "verified": ("已验证关闭", "Verified and closed"),
    },
    closed=frozenset({"verified"}),
    transitions=(
        Transition(
            "start_fixing",
            ("open", "reopened"),
            "fixing",
            "开始整改",
            "Start fixing",
            effect="respond",
        ),
        Transition(
            "submit_evidence",
            ("open", "fixing", "reopened"),
            "evidence",
            "提交整改证明",
            "Submit the evidence of the fix",
            requires=("resolution",),
            effect="rectification_evidence",
        ),
        Transition(
            "verify",
            ("evidence",),
            "verified",
            "验证通过并关闭",
            "Verify and close",
            requires=("note",),
            effect="close",
            perm=VERIFY_PERM,
        ),
        Transition(
            "reject",
            ("evidence",),
            "reopened",
            "整改不到位，退回",
            "Not fixed: send back",
            requires=("reason",),
            effect="rectification_reopen",
            perm=VERIFY_PERM,
        ),
    ),
    script_zh={
        "open": "质检发现的问题已登记为整改项，请在期限内完成整改并提交整改证明。",
        "reopened": "整改证明未通过验证，请按质检意见重新整改。",
    },
)
