"""The complaint desk's reads."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from servicehall.cases.models import Case
from servicehall.cases.workflows import workflow_of
from servicehall.core.masking import mask_free_text
from servicehall.knowledge.models import Article, Status

from .models import ComplaintRecord, Responsible
from .scripts import techniques
from .stages import CAUSES, STEPS

# --- complaint stages (P1)

GRUMBLE = "grumble"


# What the reports count as a complaint (P1): one that was accepted — the accept stage done by
# a person: the customer's words and request confirmed — and is not a grumble settled on the
# spot (抱怨). A hand-over nobody has taken up yet (an empty "我要投诉" from an anonymous chat)
# is not a complaint yet, so a flood of chats cannot inflate the complaint rate.
NOT_COUNTED = ("accepting", GRUMBLE)
COUNTED = Q(kind="complaint") & ~Q(status__in=NOT_COUNTED)


def complaints_in(halls, period: tuple[date, date]) -> QuerySet[Case]:
    """The complaints opened in `halls` (halls or their ids) from period[0] to period[1]
    (dates, both included, local time) that count (COUNTED)."""
    start, end = period
    tz = timezone.get_current_timezone()
    since = datetime.combine(start, time.min, tzinfo=tz)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    return Case.objects.filter(COUNTED, hall__in=halls).filter(
        created_at__gte=since, created_at__lt=until
    )


def record_of(case: Case) -> ComplaintRecord | None:
    return ComplaintRecord.objects.filter(case=case).select_related("basis_article").first()


def panel(case: Case, lang: str = "zh") -> dict:
    """What the complaint fragment of the case page shows: the stage's script, the four
    techniques, what each stage recorded, and the choices of the stage forms."""
    wf = workflow_of(case.kind)
    zh = lang.startswith("zh")
    record = record_of(case)
    causes = []
    if record is not None:
        causes = [
            (zh_name if zh else en[:1].upper() + en[1:])
            for code, zh_name, en in CAUSES
            if getattr(record, f"cause_{code}")
        ]
    # what was typed, with phone and ID numbers masked like every text of a case (V2)
    shown = {}
    if record is not None:
        texts = ("customer_words", "customer_request", "explanation", "basis_policy")
        texts += ("holds_reason", "remedy", "policy_basis")
        shown = {name: mask_free_text(getattr(record, name)) for name in texts}
    return {
        "shown": shown,
        "stage": wf.state_label(case.status, lang),
        "script": wf.script_zh.get(case.status, ""),
        "techniques": techniques(lang),
        "record": record,
        "causes_found": causes,
        "steps": [{"code": c, "zh": z, "en": e} for c, z, e in STEPS],
        "causes": [{"code": c, "zh": z, "en": e} for c, z, e in CAUSES],
        "responsible_choices": Responsible.choices,
        "responsible": record.responsible if record else Responsible.HALL,
        "responsible_name": record.responsible_name if record else "",
        "articles": published_articles(),
        **_suggested_resolution(case),
        "bill_shocks": bill_shocks(case),
    }


def bill_shocks(case: Case) -> list[dict]:
    """The customer's abnormal bills (L3: more than five times the three months before) that
    the bill import raised a contact for — what an angry customer at the complaint desk is
    often about. The contact's number, its subject (the month and the ratio) and its state;
    no amounts, so nothing here needs unmasking."""
    if case.customer_id is None:
        return []
    rows = (
        Case.objects.filter(customer_id=case.customer_id, data__has_key="bill_shock")
        .exclude(pk=case.pk)
        .order_by("-created_at")[:3]
    )
    return [{"number": c.number, "subject": c.subject, "closed": c.is_closed} for c in rows]


def _suggested_resolution(case: Case) -> dict:
    """What the resolve stage's form starts with when a disputed subscription was verified on
    the complaint (P4): the verification's outcome as the remedy and, for an unauthorised one,
    the policy the double refund rests on. Staff may change both."""
    from .subscriptions.services import VERIFICATION_BASIS, latest, remedy_for

    remedy = remedy_for(case)
    if remedy is None:
        return {"suggested_remedy": "", "suggested_basis": ""}
    unauthorised = not latest(case).authorised
    return {
        "suggested_remedy": remedy[0],
        "suggested_basis": VERIFICATION_BASIS if unauthorised else "",
    }


def published_articles(limit: int = 300) -> list[tuple[int, str]]:
    """The published knowledge-base articles a stage may rest on, by title."""
    rows = (
        Article.objects.filter(status=Status.PUBLISHED, published__isnull=False)
        .values_list("pk", "published__title")
        .order_by("published__title")[:limit]
    )
    return list(rows)
