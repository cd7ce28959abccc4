"""The calling rule (Q2, Q3, Q5) — the one place that decides who is called next.

Among today's waiting tickets a counter may serve (its service types, its area; a VIP-only counter
only VIP tickets; a ticket transferred to a named counter only there), the next one is the first
by these bands, then by arrival time (the original arrival, kept across transfers):

  0. transferred to this very counter;
  1. at a quiet-area counter: tickets moved to the quiet area (Q5);
  2. VIP appointments whose booked time has come, earliest booking first (Q3);
  3. tickets past their wait limit (15 min standard, 10 min VIP by default), oldest first —
     this is what keeps VIP priority from starving anyone;
  4. VIP tickets, higher tier first (至尊 > 钻石 > 金 > 银);
  5. everyone else.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from servicehall.org.models import Counter

from .models import QueuePolicy, Ticket

BAND_NAMES = {
    0: "transferred_here",
    1: "quiet_area",
    2: "appointment_due",
    3: "past_wait_limit",
    4: "vip",
    5: "arrival_order",
}


def policy_for(hall) -> QueuePolicy:
    """The hall's policy (created with the manuals' defaults on first use); no query when the
    hall was loaded with select_related("queue_policy")."""
    try:
        return hall.queue_policy
    except QueuePolicy.DoesNotExist:
        policy, _ = QueuePolicy.objects.get_or_create(hall=hall)
        return policy


def wait_limit_min(ticket: Ticket, policy: QueuePolicy) -> int:
    return policy.vip_wait_limit_min if ticket.is_vip else policy.standard_wait_limit_min


def overdue_q(policy: QueuePolicy, now: datetime) -> Q:
    """Waiting tickets that have passed their wait limit."""
    return Q(
        priority=0, arrival_at__lte=now - timedelta(minutes=policy.standard_wait_limit_min)
    ) | Q(priority__gt=0, arrival_at__lte=now - timedelta(minutes=policy.vip_wait_limit_min))


def eligible_q(counter: Counter, service_type_ids) -> Q:
    main = Q(area=Ticket.Area.MAIN, service_type_id__in=service_type_ids)
    scope = main | Q(area=Ticket.Area.QUIET) if counter.kind == Counter.Kind.QUIET else main
    q = scope & (Q(target_counter__isnull=True) | Q(target_counter=counter))
    if counter.vip_only:
        q &= Q(priority__gt=0) | Q(target_counter=counter)
    return q


def ordered(
    qs: QuerySet, policy: QueuePolicy, now: datetime, counter: Counter | None = None
) -> QuerySet:
    whens = []
    if counter is not None:
        whens.append(When(target_counter=counter, then=Value(0)))
        if counter.kind == Counter.Kind.QUIET:
            whens.append(When(area=Ticket.Area.QUIET, then=Value(1)))
    whens += [
        When(appointment_at__lte=now, then=Value(2)),
        When(overdue_q(policy, now), then=Value(3)),
        When(priority__gt=0, then=Value(4)),
    ]
    band = Case(*whens, default=Value(5), output_field=IntegerField())
    tier = Case(When(band=4, then=-F("priority")), default=Value(0), output_field=IntegerField())
    appt = Case(When(band=2, then=F("appointment_at")), default=None)
    return (
        qs.annotate(band=band)
        .annotate(tier_key=tier, appt_key=appt)
        .order_by("band", "tier_key", F("appt_key").asc(nulls_last=True), "arrival_at", "id")
    )


def candidates(counter: Counter, service_type_ids, policy: QueuePolicy, now: datetime) -> QuerySet:
    """Today's waiting tickets this counter may call, in calling order. A ticket of an earlier
    day is never called (the closing sweep marks it not served)."""
    qs = Ticket.objects.filter(
        hall_id=counter.hall_id, day=timezone.localdate(now), status=Ticket.Status.WAITING
    ).filter(eligible_q(counter, service_type_ids))
    return ordered(qs, policy, now, counter)
