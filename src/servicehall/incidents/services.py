"""Every write of the early warning and the incidents (P5, E1, L2): one function per use case,
permission checked at entry, inside `write_transaction()`, an event row for every change of an
incident, live notices after commit.

The stream (`watch`): each new case — complaint, fault report, work order, consultation, a chat
handed over — is placed in a region at intake (org/regions.py). Here it is linked to an open
incident it matches (E1), the problems it reports are kept (`Report`), and the detector
(detector.py, the same code as `servicehall warn`, so the stream and the file agree) judges each
in its district: the last `LOOKBACK` counted by the database, the last hours replayed. An alert
open at the new contact is written (or brought up to date) as an `Alert` row, and the
district's hall managers and boards hear of it at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay
from django.utils import timezone

from servicehall.cases.errors import Code as CasesCode
from servicehall.cases.models import Case
from servicehall.cases.services import record_event, resolve_together
from servicehall.core import validate
from servicehall.core.db import write_transaction
from servicehall.core.errors import Code as CoreCode
from servicehall.core.errors import (
    NotFound,
    ServiceError,
    check_version,
    invalid_transition,
    require_perm,
)
from servicehall.core.events import publish_on_commit, staff_channel
from servicehall.core.sms import queue_sms
from servicehall.core.ttl import TTLCache
from servicehall.org import regions
from servicehall.org.models import Hall, Region
from servicehall.org.roles import hall_ids_of
from servicehall.queueing.services import channel_name as hall_channel

from . import detector, problems
from .errors import Code
from .models import Affected, Alert, Incident, IncidentCase, IncidentEvent, Report, Service

LOOKBACK = timedelta(days=28)  # the district's history the stream's baseline is learnt from
# the case types a service interruption causes; an appeal answers to its appeal centre, praise
# and suggestions are not about the outage
LINKABLE_KINDS = ("complaint", "fault", "work_order", "consultation")
# the problem customers report each service's loss by (problems.PROBLEMS)
SERVICE_TERMS = {
    Service.VOICE: ("信号",),
    # "上不了网" without saying phone or line: either outage's
    Service.DATA: ("手机上网", "网络"),
    Service.BROADBAND: ("宽带", "网络"),
    Service.IPTV: ("电视",),
    Service.SMS: ("短信",),
    Service.BILLING: ("扣费", "停机"),
    Service.CAMPAIGN: ("营销",),
}
# the service an alert's problem suggests (declaring from it): a home's "断网" is broadband's
TERM_SERVICE = {t: s for s, terms in SERVICE_TERMS.items() for t in terms}
# the C2 categories a service's fault is filed under: a case so filed is the service's whatever
# its words ("手机显示紧急呼叫" filed as 移动网络故障)
SERVICE_CATEGORIES = {
    Service.VOICE: ("mobile-network",),
    Service.DATA: ("mobile-network",),
    Service.SMS: ("mobile-network",),
    Service.BROADBAND: ("broadband-fault",),
    Service.IPTV: ("broadband-fault",),
}
MOBILE = frozenset({Service.VOICE, Service.DATA, Service.SMS})
REPAIRS = MOBILE | {Service.BROADBAND, Service.IPTV}  # services with a repair deadline (L2)
MIN_WORD = 2  # an incident's own linking words: a letter would link every case ("w" in "wow")
# what no outage causes, whatever its words: praise and suggestions
NOT_CAUSED = ("praise", "suggestion")
MANAGE = "incidents.manage_incidents"
VIEW = "incidents.view_alerts"
MAX_TEXT = 2000


def _now() -> datetime:
    return timezone.now()


def _bad(code, zh: str, en: str, field: str, status: int = 422) -> ServiceError:
    return ServiceError(code, zh, en, field=field, status=status)


def deadline_hours(service: str, rural: bool) -> int:
    """The repair deadline (L2): mobile service at most 48 hours (24 on average, which the
    summary reports); a fixed line 48 hours in a town, 72 in the countryside (电信条例 Art.32).
    0: not a repair (billing, a campaign)."""
    if service in MOBILE:
        return 48
    if service in REPAIRS:
        return 72 if rural else 48
    return 0


# ------------------------------------------------------------------ who hears


def _managers(district_id: int) -> list[int]:
    """The staff who handle the district's alerts: those with the permission whose halls lie in
    the district, and those who work in every hall (the area manager)."""
    halls = set(
        Hall.objects.filter(region__in=regions.under([district_id])).values_list("pk", flat=True)
    )
    perm = Q(groups__permissions__codename="manage_incidents") | Q(
        user_permissions__codename="manage_incidents"
    )
    out = []
    for user in get_user_model().objects.filter(perm, is_active=True).distinct():
        ids = hall_ids_of(user)
        if ids is None or halls & set(ids):
            out.append(user.pk)
    return out


def _tell_district(district_id: int, event: dict) -> None:
    for uid in _managers(district_id):
        publish_on_commit(staff_channel(uid), event)
    for hall_id in Hall.objects.filter(region__in=regions.under([district_id])).values_list(
        "pk", flat=True
    ):
        publish_on_commit(hall_channel(hall_id), event)


# ------------------------------------------------------------------ the stream


def _local(at: datetime) -> datetime:
    return timezone.localtime(at).replace(tzinfo=None)


def _text_of(case) -> str:
    return f"{case.subject} {case.description}"


def by_hour_of_week(reports) -> list[int]:
    """Reports counted by hour of the week in local time (Monday 00:00 is 0), by the database."""
    counts = [0] * detector.HOURS_A_WEEK
    rows = (
        reports.annotate(day=ExtractIsoWeekDay("at"), hour=ExtractHour("at"))
        .values("day", "hour")
        .annotate(n=Count("id"))
        .values_list("day", "hour", "n")
    )
    for day, hour, n in rows:
        counts[(day - 1) * 24 + hour] += n
    return counts


RHYTHM: TTLCache[list[float]] = TTLCache(3600)  # the week's rhythm changes slowly


def week_rhythm() -> list[float]:
    """Every district's reports by hour of the week (local time) over the last LOOKBACK, each
    hour's share against the mean hour — the rhythm the district's own few reports are read
    with, as a file's are (detector.py: every area's reports). Flat until there are enough to
    tell (two a slot). One aggregate query an hour per process."""

    def compute() -> list[float]:
        counts = by_hour_of_week(Report.objects.filter(at__gte=_now() - LOOKBACK))
        total = sum(counts)
        if total < 2 * detector.HOURS_A_WEEK:
            return [1.0] * detector.HOURS_A_WEEK
        mean = total / detector.HOURS_A_WEEK
        return [c / mean for c in counts]

    return RHYTHM.get("week", compute)


def watch(case_id: int) -> Alert | None:
    """One new contact (the Huey task calls it within seconds of the case's intake): link it to
    an open incident it matches, keep the problems it reports (`Report`), and look for a surge
    of each in its district. The alert open at this contact, written, or None."""
    case = Case.objects.select_related("region", "category").filter(pk=case_id).first()
    if case is None or case.region_id is None:
        return None
    link_to_open_incidents(case)
    district = regions.district_of(case.region_id)
    if district is None:
        return None
    found = note_reports([case]).get(case.pk, {})
    written = None
    for term in found:
        seen = _surge(district, term, case.created_at)
        if seen is not None:
            written = _write_alert(district, seen) or written
    return written


def _who(customer_id, phone, case_id) -> str:
    return f"c{customer_id}" if customer_id else (f"p{phone}" if phone else f"#{case_id}")


def note_reports(cases) -> dict[int, dict[str, str]]:
    """The problems each case reports, kept as `Report` rows (once per case and problem; the
    demo's history and a task run twice write nothing more). {case id: {term: words}}."""
    out, rows = {}, []
    for case in cases:
        district = regions.district_of(case.region_id)
        caused = case.kind in LINKABLE_KINDS and case.category.code not in NOT_CAUSED
        found = problems.terms(_text_of(case)) if district is not None and caused else {}
        out[case.pk] = found
        rows.extend(
            Report(
                case_id=case.pk,
                district=district,
                term=term,
                word=word[:60],
                who=_who(case.customer_id, case.contact_phone, case.pk),
                at=case.created_at,
            )
            for term, word in found.items()
        )
    if rows:
        with write_transaction():
            Report.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return out


def _surge(district: Region, term: str, at) -> detector.Alert | None:
    """The detector's verdict on one problem of one district around `at` (a new case's time):
    its history counted by hour of the week by the database (the 28 days before the last few
    hours), the last hours replayed report by report — every one since, also those after `at` —
    as `servicehall warn` reads a file."""
    since = at - LOOKBACK
    longest = timedelta(minutes=max(detector.WINDOWS))
    replay_from = timezone.localtime(at - longest).replace(minute=0, second=0, microsecond=0)
    mine = Report.objects.filter(district=district, term=term)
    hours = by_hour_of_week(mine.filter(at__gte=since, at__lt=replay_from))
    d = detector.Detector(history_start=_local(since), warm_up_days=0, rhythm=week_rhythm())
    d.seed(district.code, term, hours, _local(since))
    # every report since, also those of cases opened after this one: watches that run at once
    # or out of order (two workers, a backlog) still see the whole surge — the last sees it all
    recent = mine.filter(at__gte=replay_from).order_by("at", "pk")
    for r in recent.values_list("at", "word", "who", "case_id"):
        for _ in d.add_report(_local(r[0]), district.code, term, r[1], r[2], str(r[3])):
            pass  # a surge that ended before this contact: not news
    return d.keys[(district.code, term)].alert


def _write_alert(district: Region, seen: detector.Alert) -> Alert:
    """The alert as a row: the same surge (this district and problem, its reports continuing)
    updates its row — whatever a manager made of it stays —, a new one is created and heard."""
    tz = timezone.get_current_timezone()
    start, last = (timezone.make_aware(seen.start, tz), timezone.make_aware(seen.end, tz))
    ids = [int(c) for c in seen.contacts if c.isdigit()]
    fields = {
        "words": [w for w, _ in seen.words.most_common(8)],
        "last_at": last,
        "contacts": seen.count,
        "customers": len(seen.customers),
        "baseline": round(seen.baseline, 4),
        "score": round(seen.score, 2),
    }
    with write_transaction():
        # two workers watching two contacts of one surge at once: one row, the second updates it
        Region.objects.select_for_update().filter(pk=district.pk).first()
        same = (
            Alert.objects.select_for_update()
            .filter(
                region=district,
                term=seen.term,
                last_at__gte=start - timedelta(minutes=max(detector.WINDOWS)),
            )
            .order_by("-raised_at")
            .first()
        )
        if same is not None:
            for name, value in fields.items():
                setattr(same, name, value)
            same.save()
            same.cases.add(*ids)
            return same
        alert = Alert.objects.create(
            region=district,
            term=seen.term,
            started_at=start,
            raised_at=_now(),
            window_minutes=seen.window,
            **fields,
        )
        alert.cases.add(*ids)
        zh, en, _forms = problems.PROBLEMS[seen.term]
        _tell_district(
            district.pk,
            {
                "type": "alert",
                "alert_id": alert.pk,
                "region": district.name,
                "problem": zh,
                "problem_en": en,
                "customers": alert.customers,
            },
        )
    return alert


# ------------------------------------------------------------------ alerts


def get_alert(user, alert_id, *, for_update: bool = False) -> Alert:
    """An alert the user may see: one of the districts of their halls (or any, for the roles
    that span halls); another's answers as a missing one."""
    require_perm(user, VIEW, "查看预警", "see alerts")
    qs = Alert.objects.select_related("region")
    if for_update:
        qs = qs.select_for_update()
    alert = visible_alerts(user, qs).filter(pk=validate.object_id(alert_id) or 0).first()
    if alert is None:
        raise NotFound(
            Code.UNKNOWN_ALERT,
            f"预警 {alert_id} 不存在",
            f"Unknown alert {alert_id}",
            field="alert",
        )
    return alert


def districts_of(user) -> set[int] | None:
    """The districts of the user's halls (None: every one)."""
    ids = hall_ids_of(user)
    if ids is None:
        return None
    return {
        d.pk
        for rid in Hall.objects.filter(pk__in=ids).values_list("region_id", flat=True)
        if (d := regions.district_of(rid)) is not None
    }


def visible_alerts(user, qs=None):
    qs = Alert.objects.all() if qs is None else qs
    districts = districts_of(user)
    return qs if districts is None else qs.filter(region__in=districts)


def _alert_refusal(alert: Alert, zh: str, en: str):
    allowed = (
        [
            ("acknowledge", "确认知悉", "Acknowledge"),
            ("dismiss", "排除（须写明原因）", "Dismiss (with a reason)"),
            ("declare", "宣布故障事件", "Declare an incident"),
        ]
        if alert.status in (Alert.Status.NEW, Alert.Status.ACKNOWLEDGED)
        else []
    )
    return invalid_transition(
        f"预警 {alert.pk} 当前为“{alert.get_status_display()}”，不能{zh}",
        f"Alert {alert.pk} is {alert.status}: it cannot be {en}",
        field="action",
        status=alert.status,
        allowed=allowed,
    )


def _check_alert_version(alert: Alert, version) -> None:
    check_version(
        version,
        alert.version,
        "该预警已被他人处理，请刷新后再操作",
        "Someone else has handled this alert; reload and try again",
        required=False,
    )


def acknowledge(user, alert_id, *, version=None) -> Alert:
    require_perm(user, MANAGE, "处理预警", "handle alerts")
    with write_transaction():
        alert = get_alert(user, alert_id, for_update=True)
        _check_alert_version(alert, version)
        if alert.status != Alert.Status.NEW:
            raise _alert_refusal(alert, "确认知悉", "acknowledged")
        _handled(alert, user, Alert.Status.ACKNOWLEDGED, "")
    return alert


def dismiss(user, alert_id, *, reason: str, version=None) -> Alert:
    """Not a fault: said why (a campaign's expected calls, a known planned outage…)."""
    require_perm(user, MANAGE, "处理预警", "handle alerts")
    reason = validate.text(
        reason, "reason", "排除原因", "the reason to dismiss", limit=MAX_TEXT, meaningful=4
    )
    with write_transaction():
        alert = get_alert(user, alert_id, for_update=True)
        _check_alert_version(alert, version)
        if alert.status not in (Alert.Status.NEW, Alert.Status.ACKNOWLEDGED):
            raise _alert_refusal(alert, "排除", "dismissed")
        _handled(alert, user, Alert.Status.DISMISSED, reason)
    return alert


def _handled(alert: Alert, user, status: str, reason: str, incident=None) -> None:
    alert.status = status
    alert.handled_by = user
    alert.handled_at = _now()
    alert.reason = reason
    alert.incident = incident
    alert.version += 1
    alert.save()
    _tell_district(alert.region_id, {"type": "alert_handled", "alert_id": alert.pk})


# ------------------------------------------------------------------ incidents


def _event(incident: Incident, kind: str, actor, note: str = "", **data) -> None:
    IncidentEvent.objects.create(
        incident=incident,
        at=_now(),
        kind=kind,
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        note=note[:MAX_TEXT],
        data=data,
    )


def _time(value, field: str, label_zh: str, label_en: str, *, required: bool) -> datetime | None:
    if value in (None, ""):
        if required:
            raise _bad(CoreCode.REQUIRED, f"请填写{label_zh}", f"Please fill in {label_en}", field)
        return None
    if isinstance(value, datetime):
        at = value
    else:
        try:
            at = datetime.fromisoformat(str(value).strip())
        except ValueError:
            at = None
        if at is None or not 1970 <= at.year <= 2199:
            raise _bad(
                CasesCode.INVALID_TIME,
                f"{label_zh}的时间格式不正确，例：2026-12-02T12:00",
                f"The {label_en} is not a time; e.g. 2026-12-02T12:00",
                field,
            )
    if timezone.is_naive(at):
        at = timezone.make_aware(at, timezone.get_current_timezone())
    return at


def _regions(codes) -> list[Region]:
    codes = [c.strip() for c in (codes or []) if c and c.strip()]
    if not codes:
        raise _bad(
            CoreCode.REQUIRED,
            "请选择受影响的区域（区县或网格）",
            "Please choose the affected region(s) (district or grid)",
            "regions",
        )
    found = {r.code: r for r in Region.objects.filter(code__in=codes)}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise _bad(
            CoreCode.UNKNOWN_REGION,
            f"未知的区域：{'、'.join(unknown[:5])}",
            f"Unknown region(s): {', '.join(unknown[:5])}",
            "regions",
        )
    return list(found.values())


def _check_regions_of(user, chosen: list[Region]) -> None:
    """A hall manager declares for the districts of their halls; another district answers as
    an unknown one (who sees which hall)."""
    districts = districts_of(user)
    if districts is None:
        return
    outside = [r for r in chosen if getattr(regions.district_of(r.pk), "pk", None) not in districts]
    if outside:
        raise _bad(
            CoreCode.UNKNOWN_REGION,
            f"未知的区域：{'、'.join(r.code for r in outside)}",
            f"Unknown region(s): {', '.join(r.code for r in outside)}",
            "regions",
        )


def _next_number(now: datetime) -> str:
    day = timezone.localtime(now).strftime("%Y%m%d")
    prefix = f"GZ{day}"
    last = (
        Incident.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    n = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{n:03d}"


def default_notice(service: str, place: str, recovery: datetime | None) -> str:
    label = Service(service).label
    when = (
        f"预计{timezone.localtime(recovery):%m月%d日 %H:%M}前恢复"
        if recovery
        else "正在全力抢修，恢复后将短信通知您"
    )
    return f"【故障通知】{place}的{label}因网络故障暂时受到影响，{when}。给您带来不便，敬请谅解。"


def declare(
    user,
    *,
    service: str,
    regions_codes,
    started_at,
    cause: str = "",
    expected_recovery=None,
    title: str = "",
    notice: str = "",
    words=(),
    show_in_halls: bool = True,
    alert_id=None,
    alert_version=None,
) -> Incident:
    """Declare an incident (E1), by hand or from an alert. Refused without a service or a region,
    and when an open incident of the same service already covers one of the regions (the same
    incident declared twice: an open incident is the outage until now, whatever this start)."""
    require_perm(user, MANAGE, "宣布故障事件", "declare incidents")
    if service not in Service.values:
        raise _bad(
            CoreCode.REQUIRED if not service else CoreCode.INVALID_CHOICE,
            "请选择中断的业务（移动语音、移动数据、宽带、IPTV…）",
            "Please choose the service interrupted (mobile voice, data, broadband, IPTV…)",
            "service",
        )
    chosen = _regions(regions_codes)
    _check_regions_of(user, chosen)
    start = _time(started_at, "started_at", "开始时间", "start", required=True)
    if start > _now() + timedelta(minutes=5):
        raise _bad(
            CasesCode.INVALID_TIME,
            "开始时间不能晚于现在",
            "The start cannot be later than now",
            "started_at",
        )
    recovery = _time(
        expected_recovery, "expected_recovery", "预计恢复时间", "expected recovery", required=False
    )
    if recovery is not None and recovery <= start:
        raise _bad(
            CasesCode.INVALID_TIME,
            "预计恢复时间须晚于开始时间",
            "The expected recovery must be after the start",
            "expected_recovery",
        )
    cause = validate.text(cause, "cause", "故障原因", "the cause", limit=MAX_TEXT, required=False)
    place = "、".join(r.name for r in chosen)
    title = (
        validate.text(title, "title", "标题", "the title", limit=120, required=False)
        or f"{place} {Service(service).label}中断"
    )
    notice = validate.text(
        notice, "notice", "通知内容", "the notice", limit=300, required=False
    ) or default_notice(service, place, recovery)
    words = [w.strip() for w in (words or []) if w and w.strip()]
    short = [w for w in words if not MIN_WORD <= len(w) <= 40]
    if short or len(words) > 20:
        raise _bad(
            CoreCode.INVALID_CHOICE,
            f"关联词每个{MIN_WORD}到40个字、最多20个"
            + (f"（“{short[0][:40]}”不符）" if short else ""),
            f"Each linking word needs {MIN_WORD} to 40 characters, 20 words at most"
            + (f" ({short[0][:40]!r} is not)" if short else ""),
            "words",
        )
    covered = regions.under(r.pk for r in chosen)
    with write_transaction():
        alert = None
        if alert_id not in (None, ""):
            alert = get_alert(user, alert_id, for_update=True)
            _check_alert_version(alert, alert_version)
            if alert.status not in (Alert.Status.NEW, Alert.Status.ACKNOWLEDGED):
                raise _alert_refusal(alert, "宣布为故障事件", "declared an incident")
        # two managers declaring it at once: the districts' rows are the lock, so the second
        # sees the first's incident and is refused as a duplicate
        districts = sorted({getattr(regions.district_of(r.pk), "pk", r.pk) for r in chosen})
        list(Region.objects.select_for_update().filter(pk__in=districts).order_by("pk"))
        # an open incident is the outage until now: its time overlaps any start
        same = (
            Incident.objects.filter(status=Incident.Status.OPEN, service=service)
            .prefetch_related("regions")
            .order_by("started_at")
        )
        for other in same:
            if regions.under(r.pk for r in other.regions.all()) & covered:
                raise ServiceError(
                    Code.DUPLICATE_INCIDENT,
                    f"已有相同的故障事件 {other.number}（{other.title}）：同一业务、区域重叠、尚未关闭，"
                    "请在该事件中关联工单",
                    f"Incident {other.number} ({other.title}) already covers this: the same "
                    "service, overlapping regions, still open; link the cases there",
                    field="regions",
                    status=409,
                )
        now = _now()
        incident = Incident.objects.create(
            number=_next_number(now),
            title=title,
            service=service,
            started_at=start,
            cause=cause,
            expected_recovery=recovery,
            words=words,
            notice=notice,
            show_in_halls=show_in_halls,
            declared_by=user,
            declared_at=now,
        )
        incident.regions.set(chosen)
        _event(
            incident,
            "declared",
            user,
            cause,
            service=service,
            regions=[r.code for r in chosen],
            alert=alert.pk if alert else None,
        )
        if alert is not None:
            _handled(alert, user, Alert.Status.INCIDENT, "", incident)
        linked = _link_matching(incident, user)
        for district in {regions.district_of(r.pk) for r in chosen} - {None}:
            _tell_district(
                district.pk,
                {"type": "incident", "incident_id": incident.pk, "number": incident.number},
            )
    incident.linked_now = linked
    return incident


def get_incident(user, incident_id, *, for_update: bool = False) -> Incident:
    require_perm(user, VIEW, "查看故障事件", "see incidents")
    pk = (
        visible_incidents(user)
        .filter(pk=validate.object_id(incident_id) or 0)
        .values_list("pk", flat=True)
        .first()
    )
    qs = Incident.objects.select_for_update() if for_update else Incident.objects
    incident = qs.filter(pk=pk).first() if pk else None
    if incident is None:
        raise NotFound(
            Code.UNKNOWN_INCIDENT,
            f"故障事件 {incident_id} 不存在",
            f"Unknown incident {incident_id}",
            field="incident",
        )
    return incident


def visible_incidents(user, qs=None):
    qs = Incident.objects.all() if qs is None else qs
    districts = districts_of(user)
    if districts is None:
        return qs
    return qs.filter(regions__in=regions.under(districts)).distinct()


def _open_for_update(user, incident_id, version) -> Incident:
    incident = get_incident(user, incident_id, for_update=True)
    check_version(
        version,
        incident.version,
        "该故障事件已被他人修改，请刷新后再操作",
        "Someone else has changed this incident; reload and try again",
        required=False,
    )
    if incident.status != Incident.Status.OPEN:
        raise invalid_transition(
            f"故障事件 {incident.number} 已关闭",
            f"Incident {incident.number} is closed",
            field="action",
            status=incident.status,
            allowed=[],
        )
    return incident


# ------------------------------------------------------------------ linking


def matches(incident: Incident, case: Case, covered: set[int]) -> bool:
    """Whether a contact is one the incident caused: its region lies in the incident's, it is a
    kind an outage causes (LINKABLE_KINDS, not praise or a suggestion), it came after the start,
    and it names one of the incident's own words, or reports the service's problem
    (problems.py), or — saying no problem the dictionary knows — is filed under the service's
    fault category."""
    if case.region_id not in covered or case.kind not in LINKABLE_KINDS:
        return False
    if case.category.code in NOT_CAUSED or case.created_at < incident.started_at:
        return False
    text = _text_of(case)
    lowered = text.lower()
    if any(w.lower() in lowered for w in incident.words):
        return True
    said = set(problems.terms(text))
    if said:  # what the customer says decides: "没信号" is not an SMS outage's
        return bool(said & set(SERVICE_TERMS[incident.service]))
    return case.category.code in SERVICE_CATEGORIES.get(incident.service, ())


def _link(incident: Incident, case: Case, user, *, by_hand: bool) -> bool:
    """Inside a write transaction, the case locked. False when it is linked already."""
    if IncidentCase.objects.filter(incident=incident, case=case).exists():
        return False
    now = _now()
    IncidentCase.objects.create(
        incident=incident, case=case, linked_at=now, by_hand=by_hand, linked_by=user
    )
    case.follows = incident.number
    case.version += 1
    case.save(update_fields=["follows", "version", "updated_at"])
    record_event(case, "follows_incident", user, incident=incident.number, by_hand=by_hand)
    _affected(incident, case)
    return True


def _affected(incident: Incident, case: Case) -> None:
    """The case's customer among the affected, told once (the SMS outbox)."""
    phone = case.contact_phone
    if case.customer_id and not phone:
        phone = case.customer.phones.order_by("pk").values_list("number", flat=True).first() or ""
    key = f"c{case.customer_id}" if case.customer_id else (f"p{phone}" if phone else "")
    if not key:
        return
    row, created = Affected.objects.get_or_create(
        incident=incident,
        key=key,
        defaults={
            "customer_id": case.customer_id,
            "phone": phone,
            "region_id": case.region_id,
            "first_contact_at": case.created_at,
            "deadline_hours": deadline_hours(incident.service, regions.is_rural(case.region_id)),
        },
    )
    if row.told_at is None and phone:
        queue_sms(phone, f"{incident.notice}（事件编号 {incident.number}）", "incident_notice")
        row.told_at = _now()
        row.save(update_fields=["told_at"])


def _link_matching(incident: Incident, user) -> int:
    """Every open case the incident caused, linked (at its declaration)."""
    covered = regions.under(r.pk for r in incident.regions.all())
    n = 0
    candidates = (
        Case.objects.select_for_update()
        .select_related("category")
        .filter(
            region__in=covered,
            kind__in=LINKABLE_KINDS,
            closed_at__isnull=True,
            resolved_at__isnull=True,
            created_at__gte=incident.started_at,
            follows="",
        )
        .order_by("created_at")
    )
    for case in candidates:
        if matches(incident, case, covered) and _link(incident, case, user, by_hand=False):
            n += 1
    if n:
        _event(incident, "linked", user, count=n, automatic=True)
    return n


def link_to_open_incidents(case: Case) -> Incident | None:
    """A new contact that an open incident caused joins it at once (the stream)."""
    if case.follows or case.region_id is None:
        return None
    for incident in Incident.objects.filter(
        status=Incident.Status.OPEN, started_at__lte=case.created_at
    ).prefetch_related("regions"):
        covered = regions.under(r.pk for r in incident.regions.all())
        if matches(incident, case, covered):
            with write_transaction():
                locked = Case.objects.select_for_update().get(pk=case.pk)
                if locked.follows or locked.closed_at:
                    return None
                if _link(incident, locked, None, by_hand=False):
                    _event(incident, "linked", None, count=1, automatic=True, case=locked.number)
            return incident
    return None


def link_case(user, incident_id, case_number: str, *, version=None) -> Incident:
    """Link a case by hand (one the words did not catch)."""
    from servicehall.cases.selectors import visible

    require_perm(user, MANAGE, "关联工单", "link cases")
    number = validate.text(case_number, "case", "工单编号", "the case number", limit=20)
    with write_transaction():
        incident = _open_for_update(user, incident_id, version)
        pk = visible(user).filter(number=number).values_list("pk", flat=True).first()
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("category")
            .filter(pk=pk)
            .first()
            if pk
            else None
        )
        if case is None:
            raise NotFound(
                CasesCode.UNKNOWN_CASE,
                f"工单 {number} 不存在",
                f"Unknown case {number}",
                field="case",
            )
        if case.kind not in LINKABLE_KINDS or case.category.code in NOT_CAUSED:
            raise ServiceError(
                Code.NOT_CAUSED,
                f"工单 {number}（{case.category.name_zh}）不是故障引起的来电来访，不能关联",
                f"Case {number} ({case.category.name_en}) is not a contact an outage causes",
                field="case",
                status=422,
            )
        covered = regions.under(r.pk for r in incident.regions.all())
        if case.region_id is not None and case.region_id not in covered:
            raise ServiceError(
                Code.OUTSIDE_INCIDENT,
                f"工单 {number} 的区域（{regions.path(case.region_id)}）不在该故障事件的区域内",
                f"Case {number} is in {regions.path(case.region_id)}, outside the incident's "
                "regions",
                field="case",
                status=422,
            )
        if case.closed_at or case.follows:
            raise ServiceError(
                CoreCode.INVALID_TRANSITION,
                f"工单 {number} 已关闭或已并入故障事件 {case.follows}",
                f"Case {number} is closed or follows incident {case.follows} already",
                field="case",
                status=409,
            )
        _link(incident, case, user, by_hand=True)
        _event(incident, "linked", user, count=1, automatic=False, case=case.number)
        incident.version += 1
        incident.save(update_fields=["version"])
    return incident


# ------------------------------------------------------------------ closing


def update(
    user, incident_id, *, expected_recovery=None, cause: str = "", notice: str = "", version=None
) -> Incident:
    """What is known changes while it runs: the expected recovery, the cause, the notice the
    halls' screens and the assistant show. Customers already told are not texted again (at most
    once per incident, E1); the closing text tells them it is back."""
    require_perm(user, MANAGE, "修改故障事件", "update incidents")
    recovery = _time(
        expected_recovery, "expected_recovery", "预计恢复时间", "expected recovery", required=False
    )
    cause = validate.text(cause, "cause", "故障原因", "the cause", limit=MAX_TEXT, required=False)
    notice = validate.text(notice, "notice", "通知内容", "the notice", limit=300, required=False)
    with write_transaction():
        incident = _open_for_update(user, incident_id, version)
        if recovery is not None and recovery <= incident.started_at:
            raise _bad(
                CasesCode.INVALID_TIME,
                "预计恢复时间须晚于开始时间",
                "The expected recovery must be after the start",
                "expected_recovery",
            )
        changed = {}
        if recovery is not None and recovery != incident.expected_recovery:
            changed["expected_recovery"] = timezone.localtime(recovery).isoformat(
                timespec="minutes"
            )
            incident.expected_recovery = recovery
        if cause and cause != incident.cause:
            changed["cause"] = cause[:200]
            incident.cause = cause
        if notice and notice != incident.notice:
            changed["notice"] = notice
            incident.notice = notice
        if changed:
            incident.version += 1
            incident.save()
            _event(incident, "updated", user, **changed)
            for district in {regions.district_of(r.pk) for r in incident.regions.all()} - {None}:
                _tell_district(
                    district.pk,
                    {"type": "incident", "incident_id": incident.pk, "number": incident.number},
                )
    return incident


def close(user, incident_id, *, resolution: str, restored_at=None, version=None) -> Incident:
    """The service is back: the linked cases are resolved together (each customer still
    confirms, C5), every affected customer is told once more, whoever's outage passed the repair
    deadline is flagged for the month's rental waiver (L2), and the summary is written."""
    require_perm(user, MANAGE, "关闭故障事件", "close incidents")
    resolution = validate.text(
        resolution, "resolution", "处理结果", "what was done", limit=MAX_TEXT, meaningful=4
    )
    restored = _time(restored_at, "restored_at", "恢复时间", "restoration time", required=False)
    now = _now()
    restored = restored or now
    if restored > now + timedelta(minutes=5):
        raise _bad(
            CasesCode.INVALID_TIME,
            "恢复时间不能晚于现在",
            "Restoration cannot be later than now",
            "restored_at",
        )
    with write_transaction():
        incident = _open_for_update(user, incident_id, version)
        if restored < incident.started_at:
            raise _bad(
                CasesCode.INVALID_TIME,
                "恢复时间不能早于开始时间",
                "Restoration cannot be before the start",
                "restored_at",
            )
        notice = (
            f"【故障恢复】您反映的问题（事件编号 {incident.number}）已于"
            f"{timezone.localtime(restored):%m月%d日 %H:%M}恢复：{resolution[:80]}"
        )
        cases = Case.objects.select_for_update().filter(
            pk__in=IncidentCase.objects.filter(incident=incident).values("case_id")
        )
        resolved = 0
        for case in cases.order_by("pk"):
            if resolve_together(case, user, f"{notice}", incident=incident.number):
                resolved += 1
        for row in Affected.objects.filter(incident=incident):
            row.outage_hours = round((restored - incident.started_at) / timedelta(hours=1), 2)
            row.waive_rental = bool(row.deadline_hours) and row.outage_hours > row.deadline_hours
            row.save(update_fields=["outage_hours", "waive_rental"])
            if row.phone:
                queue_sms(row.phone, notice, "incident_restored")
        incident.status = Incident.Status.CLOSED
        incident.closed_at = restored
        incident.closed_by = user
        incident.resolution = resolution
        incident.version += 1
        _event(incident, "closed", user, resolution, resolved=resolved)
        incident.summary = summary_of(incident)
        incident.save()
        for district in {regions.district_of(r.pk) for r in incident.regions.all()} - {None}:
            _tell_district(
                district.pk,
                {"type": "incident_closed", "incident_id": incident.pk, "number": incident.number},
            )
    return incident


def summary_of(incident: Incident) -> dict:
    """The post-incident summary: the timeline, contacts by hour, customers affected and told,
    deadlines missed (the waiver list), the mean outage against the mobile 24-hour average."""
    links = IncidentCase.objects.filter(incident=incident).select_related("case")
    by_hour: dict[str, int] = {}
    for link in links:
        hour = timezone.localtime(link.case.created_at).strftime("%m-%d %H:00")
        by_hour[hour] = by_hour.get(hour, 0) + 1
    affected = list(Affected.objects.filter(incident=incident))
    end = incident.closed_at or _now()
    hours = (end - incident.started_at) / timedelta(hours=1)
    return {
        "timeline": [
            {
                "at": timezone.localtime(e.at).isoformat(timespec="minutes"),
                "kind": e.kind,
                "note": e.note[:200],
                **{k: v for k, v in e.data.items() if k in ("count", "resolved", "case")},
            }
            for e in incident.events.all()
        ],
        "contacts_by_hour": dict(sorted(by_hour.items())),
        "contacts": len(links),
        "customers": len(affected),
        "told": sum(1 for a in affected if a.told_at),
        "outage_hours": round(hours, 2),
        "deadline_hours": max((a.deadline_hours for a in affected), default=0)
        or deadline_hours(incident.service, False),
        "deadlines_missed": sum(1 for a in affected if a.waive_rental),
        "mobile_average_target_hours": 24 if incident.service in MOBILE else None,
        "within_average": (hours <= 24) if incident.service in MOBILE else None,
        "started_at": timezone.localtime(incident.started_at).isoformat(timespec="minutes"),
        "restored_at": timezone.localtime(end).isoformat(timespec="minutes"),
    }
