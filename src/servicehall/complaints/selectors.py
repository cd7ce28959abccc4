"""The complaint desk's reads."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
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


def complaints_in(halls, period: tuple[date, date]) -> QuerySet[Case]:
    """The complaints opened in `halls` (halls or their ids) from period[0] to period[1]
    (dates, both included, local time): what the monthly report counts. A grumble settled on
    the spot (抱怨) is not a complaint and is left out."""
    start, end = period
    tz = timezone.get_current_timezone()
    since = datetime.combine(start, time.min, tzinfo=tz)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    return (
        Case.objects.filter(kind="complaint", hall__in=halls)
        .filter(created_at__gte=since, created_at__lt=until)
        .exclude(status=GRUMBLE)
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
    }


def published_articles(limit: int = 300) -> list[tuple[int, str]]:
    """The published knowledge-base articles a stage may rest on, by title."""
    rows = (
        Article.objects.filter(status=Status.PUBLISHED, published__isnull=False)
        .values_list("pk", "published__title")
        .order_by("published__title")[:limit]
    )
    return list(rows)
