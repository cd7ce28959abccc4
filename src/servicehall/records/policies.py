"""The legal minimum and the default of each record type's retention, in months, and why.

The law's words (/work/shared/REQUIREMENTS.md V3, L4, L5): value-added subscription records
"at least 5 months after the service relationship ends" (L4); identity registration data
"during service and 2 years after" (L5); operation logs "≥ 6 months" (网络安全法 Art.21). The
administrator may keep longer (admin → 记录留存期限), never shorter."""

from __future__ import annotations

from .models import RecordType

MINIMUM_MONTHS: dict[str, int] = {
    RecordType.SUBSCRIPTION: 5,  # L4: 5 months after the line's service ended
    RecordType.BILLING: 5,  # L4: usage and billing records, as the subscriptions they prove
    RecordType.IDENTITY: 24,  # L5: 2 years after the customer left
    RecordType.AGREEMENT: 5,  # the vouchers of L4's subscriptions and changes
    RecordType.AUDIT: 6,  # L5: operation logs at least 6 months (网络安全法 Art.21)
    # a chat is what the customer was told online: an operation record, kept like the logs
    RecordType.CHAT: 6,
    # texts sent are the "message send records" of L4 (5 months)
    RecordType.SMS: 5,
}

DEFAULT_MONTHS: dict[str, int] = {
    RecordType.SUBSCRIPTION: 5,
    RecordType.BILLING: 5,
    RecordType.IDENTITY: 24,
    # agreements and vouchers: "as configured" — two years, as the identity they prove
    RecordType.AGREEMENT: 24,
    # a year: the last quarter's appeals and the annual assessment can still read who did what
    RecordType.AUDIT: 12,
    # a year: a complaint or an appeal about what the assistant or an agent said usually comes
    # within months, and a year covers the appeal deadlines (L1) with room
    RecordType.CHAT: 12,
    # six months: the texts hold survey links and one-time codes useless after minutes; six
    # months cover L4's five and match the operation logs
    RecordType.SMS: 6,
}

# what each type's period runs from, said in the report and on the erasure answer
RUNS_FROM = {
    RecordType.SUBSCRIPTION: (
        "线路停止服务或客户离网",
        "the line's service ended or the customer left",
    ),
    RecordType.BILLING: ("线路停止服务或客户离网", "the line's service ended or the customer left"),
    RecordType.IDENTITY: ("客户离网", "the customer left"),
    RecordType.AGREEMENT: (
        "客户离网（无客户的工单：办结）",
        "the customer left (no customer: the case closed)",
    ),
    RecordType.AUDIT: ("记录写入", "the row was written"),
    RecordType.CHAT: ("会话最后一条消息", "the conversation's last message"),
    RecordType.SMS: ("短信生成", "the text was queued"),
}
