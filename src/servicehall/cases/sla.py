"""Which SLA policy a case falls under, and the deadlines that follow from it (C4, C6, L2).

Among the active policies whose every filled-in field matches the case, the most specific wins
(the first-response time: the most specific among those that set one).
Specificity is a weighted count of the fields that match: the case's own category 8, its parent
category 6, case type 4, area 3, VIP tier 2, priority 2, channel 1; ties go to the older policy.
The weights make "a fault on the mobile network" beat "any fault", and "any fault" beat "any
case reported on the web".
"""

from __future__ import annotations

from datetime import datetime

from servicehall.core.calendar import OPEN_TIME_UNITS, deadline
from servicehall.customers.models import TIER_RANK, Tier
from servicehall.org import hours

from .models import Case, SlaPolicy

WEIGHTS = {"category": 8, "parent": 6, "kind": 4, "area": 3, "tier": 2, "priority": 2, "channel": 1}


def _score(p: SlaPolicy, case: Case) -> int | None:
    score = 0
    if p.kind:
        if p.kind != case.kind:
            return None
        score += WEIGHTS["kind"]
    if p.category_id:
        if p.category_id == case.category_id:
            score += WEIGHTS["category"]
        elif p.category_id == case.category.parent_id:
            score += WEIGHTS["parent"]
        else:
            return None
    if p.channel:
        if p.channel != case.channel:
            return None
        score += WEIGHTS["channel"]
    if p.priority:
        if p.priority != case.priority:
            return None
        score += WEIGHTS["priority"]
    if p.area:
        if p.area != case.area:
            return None
        score += WEIGHTS["area"]
    if p.min_tier:
        tier = case.customer.tier if case.customer_id else Tier.NONE
        if TIER_RANK[tier] < TIER_RANK[p.min_tier]:
            return None
        score += WEIGHTS["tier"]
    return score


def _best(case: Case, policies) -> SlaPolicy | None:
    best, best_score = None, -1
    for p in policies:
        s = _score(p, case)
        if s is not None and s > best_score:
            best, best_score = p, s
    return best


def policy_for(case: Case) -> SlaPolicy | None:
    return _best(case, SlaPolicy.objects.filter(is_active=True).order_by("id"))


def open_hours_for(case: Case, policy: SlaPolicy):
    """The schedule a policy's deadlines run on for this case: the case's hall's opening hours
    when the policy counts only those (`in_opening_hours`) and the hall has hours; else None,
    the plain clock."""
    if not policy.in_opening_hours or not case.hall_id:
        return None
    sched = hours.schedule(case.hall_id)
    return None if sched.manual else sched


def start_clock(case: Case, start: datetime, *, first_response: bool = True) -> None:
    """Set the case's deadlines from `start` (opening, or reopening after a dispute). The
    resolution deadline comes from the best policy; the first response from the best of those
    that set one (a consultation on the web: the online channel's 30 s).

    A policy counted in opening hours (`in_opening_hours`, org/hours.py): a deadline in
    seconds, minutes or hours is the instant the case's hall has been open that long since
    `start` — a hall consultation opened at 19:58 with 8 hours in a 09:00–18:00 hall is due at
    17:00 the next open day (its clock starts at 09:00); the warning comes at the same share
    of open time. Days and business days, and cases without a hall or whose hall has no
    hours, run on the plain clock and the business calendar as before."""
    policies = list(SlaPolicy.objects.filter(is_active=True).order_by("id"))
    p = _best(case, policies)
    case.sla_policy = p
    fr = _best(case, [x for x in policies if x.first_response])
    if first_response and fr and case.first_responded_at is None:
        case.first_response_due = deadline(
            start, fr.first_response, fr.first_response_unit, open_hours=open_hours_for(case, fr)
        )
        case.first_response_watch = case.first_response_due
    if p is None:
        case.due_at = case.warn_at = case.next_escalation_at = None
        return
    clock = open_hours_for(case, p)
    case.due_at = deadline(start, p.resolution, p.resolution_unit, open_hours=clock)
    if clock is not None and p.resolution_unit in OPEN_TIME_UNITS:
        share = p.resolution * p.warn_at_percent / 100
        case.warn_at = deadline(start, share, p.resolution_unit, open_hours=clock)
    else:
        case.warn_at = start + (case.due_at - start) * (p.warn_at_percent / 100)
    case.next_escalation_at = case.due_at
    case.escalate_every = p.escalate_every


def stop_clock(case: Case) -> None:
    case.warn_at = case.next_escalation_at = case.first_response_watch = None
