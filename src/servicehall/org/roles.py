"""Staff roles as Django groups. One table says what each role may do; `sync_roles`
makes the groups match it after every migrate, so a deployment never drifts from the code.

Minimum necessary access (PIPL Art.6, V2): only the desks that must call customers back see
phone and ID numbers unmasked, and every such view is audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS

from servicehall.core.ttl import TTLCache


@dataclass(frozen=True)
class Role:
    code: str
    name_zh: str
    name_en: str
    perms: tuple[str, ...]
    admin_site: bool = False
    # Where the role's work is, where it lands after signing in: workbench, cases, board,
    # kiosk or admin (web/views.py turns it into the page).
    home: str = ""
    # The role works in every hall of the deployment (an area's manager, quality, the
    # administrator, the online channels). Every other role works only in the hall of the
    # staff member's profile: having no hall gives no hall, never all of them.
    spans_halls: bool = False


CASE_WORK = ("cases.open_case", "cases.handle_case")
# The knowledge base (K1): every desk reads it; the desks that answer the hardest questions and
# the hall manager write it; quality and the hall manager review and publish (a version is
# never approved by the one who wrote it: knowledge/workflow.py).
KB_READ = "knowledge.read_knowledge"
KB_AUTHOR = (KB_READ, "knowledge.author_article")
KB_REVIEW = (KB_READ, "knowledge.review_article")

CUSTOMER_UPKEEP = (
    "customers.add_customer",
    "customers.change_customer",
    "customers.add_privilegeuse",
)
CLERK_PERMS = (
    "queueing.issue_ticket",
    "queueing.serve_counter",
    "queueing.move_to_quiet",
    "queueing.book_appointment",
    "customers.view_customer",
    # the customer's profile entered and corrected at the counter (V4: 录入, 维护), a VIP
    # privilege used (V1)
    *CUSTOMER_UPKEEP,
    "catalog.offer_plan",
    *CASE_WORK,
    KB_READ,
)

HALL_MANAGER_PERMS = (
    *CLERK_PERMS,
    "queueing.serve_vip_counter",
    "queueing.view_board",
    "queueing.manage_queue",
    "queueing.view_display",
    "cases.view_all_cases",
    # a case's attachments: deletes any of them while the case is open, not only their own
    "cases.remove_any_attachment",
    "customers.import_bills",
    "customers.import_customers",  # the CRM's export, from the imports page (V4)
    *KB_AUTHOR,
    *KB_REVIEW,
    "catalog.import_catalog",
    "complaints.handle_appeal",  # appeals (P2, P3): register them, decide the liability
    # complaints: compensation offers (P6) and the monthly report (P3, L6)
    "complaints.offer_compensation",
    "complaints.view_complaint_report",
    # early warning and incidents (P5, E1): the district's alerts, declaring and closing
    "incidents.view_alerts",
    "incidents.manage_incidents",
    # retention (R2, R3): the second level in their hall's cases; the monthly report
    "retention.retain_second_level",
    "retention.view_retention_report",
    # the service reports (S2): dashboards per hall, team, staff member; the daily and
    # monthly report documents
    "reports.view_service_report",
    # quality supervision (S3): the appraisal of the hall's staff, their checks
    "quality.view_appraisal",
    "hotline.view_hotline_report",  # S2, L6: the hotline's dashboard
)

# PIPL: a customer's file of everything held, and erasure on request (records.services), asked
# for at the hall: the hall manager and the administrator, each audited
CUSTOMER_RIGHTS = ("records.export_customer", "records.erase_customer")

ROLES: tuple[Role, ...] = (
    Role("clerk", "综合受理员", "Clerk", CLERK_PERMS, home="workbench"),
    Role(
        "vip_clerk",
        "VIP专席",
        "VIP clerk",
        (*CLERK_PERMS, "queueing.serve_vip_counter"),
        home="workbench",
    ),
    Role(
        "complaint_desk",
        "投诉专席",
        "Complaint desk",
        (
            "queueing.serve_counter",
            "queueing.move_to_quiet",
            "customers.view_customer",
            "customers.view_unmasked_pii",
            *CASE_WORK,
            *KB_AUTHOR,
            "complaints.handle_appeal",
            "complaints.offer_compensation",  # P6: offers with their basis; the answer
            # subscription disputes (P4): import the platform's evidence, verify on a complaint
            "complaints.import_evidence",
            "complaints.verify_subscription",
            "retention.retain_second_level",  # R2: complaint-caused retention cases
        ),
        home="workbench",
    ),
    Role(
        "care_desk",
        "客户关怀专席",
        "Care desk",
        (
            "queueing.serve_counter",
            "queueing.move_to_quiet",
            "customers.view_customer",
            "customers.view_unmasked_pii",
            *CUSTOMER_UPKEEP,
            *CASE_WORK,
            "customers.import_bills",
            *KB_AUTHOR,
            "catalog.offer_plan",
            "retention.retain_second_level",  # R2: second-level retention with offers
        ),
        home="cases",
    ),
    Role(
        "account_manager",
        "客户经理",
        "Account manager",
        (
            "queueing.issue_ticket",
            "queueing.book_appointment",
            "customers.view_customer",
            "customers.view_unmasked_pii",
            *CUSTOMER_UPKEEP,
            "catalog.offer_plan",
            *CASE_WORK,
            KB_READ,
            "retention.retain_second_level",  # R2: their high-value customers
        ),
        home="cases",
    ),
    Role(
        "hall_manager",
        "营业厅经理",
        "Hall manager",
        # P6: approves compensation above the threshold in their hall (an area manager,
        # working in every hall, does not: the hall's own manager knows the case)
        (*HALL_MANAGER_PERMS, "complaints.approve_compensation", *CUSTOMER_RIGHTS),
        home="board",
    ),
    Role(
        "area_manager",
        "片区经理",
        "Area manager",
        # the hall manager's work in every hall of the area (the third escalation level)
        HALL_MANAGER_PERMS,
        home="board",
        spans_halls=True,
    ),
    Role(
        "quality_supervisor",
        "质检",
        "Quality supervisor",
        (
            "queueing.view_board",
            "customers.view_customer",
            "cases.view_all_cases",
            # closures made by staff on the customer's behalf (C5): reviewed one by one
            "cases.review_closure",
            "complaints.view_complaint_report",  # P3, L6: every hall's
            "retention.view_retention_report",  # R3: every hall's
            "reports.view_service_report",  # S2: every hall's
            "hotline.view_hotline_report",  # S2, L6: the hotline's dashboard
            "incidents.view_alerts",  # P5: the alerts and incidents, read only
            # S3: sample and score checks; rectification items are cases they open and close
            "quality.score_check",
            "quality.view_appraisal",
            *CASE_WORK,
            *KB_REVIEW,
            # what the assistant told customers, read in the admin (K2 quality review)
            "knowledge.conversation.view",
            "knowledge.message.view",
        ),
        admin_site=True,
        home="board",
        spans_halls=True,
    ),
    Role(
        "administrator",
        "系统管理员",
        "Administrator",
        (
            "org.*",
            "queueing.queuepolicy.*",
            "queueing.ticket.view",
            "queueing.appointment.view",
            "customers.customer.view",
            "customers.import_bills",
            "customers.import_customers",
            "catalog.import_catalog",
            "complaints.import_evidence",  # subscription evidence (P4)
            "hotline.view_hotline_report",  # S2, L6: the hotline's dashboard
            "hotline.import_calls",  # and its call records, from the imports page
            "catalog.product.*",
            "catalog.alias.*",
            "catalog.tier.*",
            "catalog.tiertext.*",
            "catalog.productrule.*",
            "catalog.promotion.*",
            "catalog.recommendationoffer.view",
            "core.auditlog.view",
            # records (V3, L4, L5): retention periods within the legal minimums, legal holds,
            # the purge's reports; the customer's rights
            "records.retentionpolicy.view",
            "records.retentionpolicy.change",
            "records.legalhold.view",
            "records.legalhold.add",
            "records.legalhold.change",
            "records.purgerun.view",
            *CUSTOMER_RIGHTS,
            # the SMS outbox (numbers masked): what was texted, and the demo's only way to read
            # a verification code where no SMS gateway is configured
            "core.smsmessage.view",
            "cases.slapolicy.*",
            "cases.case.view",
            "complaints.appealsource.*",  # the appeal sources and their deadlines (L1)
            # complaints: the assessment's points per event (季度考核), every offer and upgrade
            "complaints.assessmentrule.*",
            "complaints.compensationoffer.view",
            "complaints.complaintupgrade.view",
            "complaints.forbiddenphrase.*",  # the phrases the complaint handbook forbids (P1)
            # quality supervision (S3): the form, the sampling rules, the appraisal weights
            "quality.qualityform.*",
            "quality.qualityitem.*",
            "quality.samplingrule.*",
            "quality.appraisalweights.*",
            "quality.qualitycheck.view",
            "quality.score_check",
            "quality.view_appraisal",
            "core.apitoken.*",
            "core.calendaryear.*",
            "core.calendarday.*",
            "core.importjob.view",  # every import job, not only their own (the imports page)
            "knowledge.category.*",
            "knowledge.labelledquestion.*",  # what the assistant learns from (K2)
            "knowledge.conversation.view",
            "knowledge.message.view",
            *KB_AUTHOR,
            *KB_REVIEW,
            "auth.user.*",
            "auth.group.view",
        ),
        admin_site=True,
        home="admin",
        spans_halls=True,
    ),
    Role(
        "channel",
        "线上渠道接入",
        "Online channel integration (web, app, SMS hall)",
        ("cases.open_case",),
        spans_halls=True,  # the online halls take customers of every hall
    ),
    Role(
        "device",
        "大厅设备",
        "Hall device (kiosk, screen, rating device)",
        # rate_service: the rating device beside a counter (评价器); no staff role has it, so
        # a clerk cannot rate their own service from the workbench login.
        ("queueing.issue_ticket", "queueing.view_display", "surveys.rate_service"),
        home="kiosk",
    ),
)
ROLE_BY_CODE = {r.code: r for r in ROLES}


def _resolve(perm_specs, Permission):
    """'app.codename' is one permission; 'app.*' every permission of an app;
    'app.model.*' / 'app.model.view' the model permissions of one model."""
    found = []
    for spec in perm_specs:
        parts = spec.split(".")
        if len(parts) == 2 and parts[1] == "*":
            found += Permission.objects.filter(content_type__app_label=parts[0])
        elif len(parts) == 3:
            app, model, action = parts
            qs = Permission.objects.filter(content_type__app_label=app, content_type__model=model)
            if action != "*":
                qs = qs.filter(codename=f"{action}_{model}")
            found += qs
        else:
            app, codename = parts
            perm = Permission.objects.filter(content_type__app_label=app, codename=codename).first()
            if perm is None:
                raise LookupError(f"role permission {spec} does not exist")
            found.append(perm)
    return found


def sync_roles(using: str = DEFAULT_DB_ALIAS) -> None:
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    for role in ROLES:
        group, _ = Group.objects.using(using).get_or_create(name=role.code)
        group.permissions.set(_resolve(role.perms, Permission))


def sync_roles_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    sync_roles(using)


def holders(role_code: str, hall_id: int | None = None):
    """The active users who have the role `role_code` (and, given a hall, whose staff profile is
    in it): who a rectification escalates to, who gets a hall's reports, who is alerted."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(
        groups__name=ROLE_BY_CODE[role_code].code, is_active=True
    )
    return users if hall_id is None else users.filter(staff__hall_id=hall_id)


def assign_role(user, role_code: str) -> None:
    from django.contrib.auth.models import Group

    role = ROLE_BY_CODE[role_code]
    user.groups.add(Group.objects.get(name=role.code))
    if role.admin_site and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])


def roles_of(user) -> list[Role]:
    names = set(user.groups.values_list("name", flat=True))
    return [r for r in ROLES if r.code in names]


# ---------------------------------------------------------------- who works in which hall

SPANNING = frozenset(r.code for r in ROLES if r.spans_halls)


# (spans halls, the profile's hall id) per user id, asked on every queue and case operation
# (call-next among them): remembered 10 s per process like a token's permissions
# (core/tokens.py), forgotten at once when a profile or a user's roles change here; another
# process sees such a change within 10 s.
_membership: TTLCache[tuple[bool, int | None]] = TTLCache(10.0)


def _load_membership(user) -> tuple[bool, int | None]:
    from .models import StaffProfile

    spans = user.is_superuser or user.groups.filter(name__in=SPANNING).exists()
    hall_id = None
    if not spans:
        hall_id = StaffProfile.objects.filter(user_id=user.pk).values_list("hall_id", flat=True)
        hall_id = hall_id.first()
    return spans, hall_id


def hall_ids_of(user) -> frozenset[int] | None:
    """The halls a user works in — the one answer every scoped read and write asks
    (docs/ARCHITECTURE.md, "Who sees which hall"). None: every hall (a role that spans halls
    says so in ROLES, or a superuser). Otherwise the hall of the staff profile, or no hall at
    all."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    spans, hall_id = _membership.get(user.pk, lambda: _load_membership(user))
    if spans:
        return None
    return frozenset() if hall_id is None else frozenset((hall_id,))


def forget_membership(**kwargs) -> None:
    _membership.forget()


def works_in(user, hall_id: int | None) -> bool:
    """Whether `user` works in the hall `hall_id` (None, no hall: only the roles that span
    halls)."""
    ids = hall_ids_of(user)
    return ids is None or (hall_id is not None and hall_id in ids)


def in_halls(qs, user, field: str = "hall"):
    """`qs` narrowed to the rows of the user's halls (`field` names the row's hall)."""
    ids = hall_ids_of(user)
    return qs if ids is None else qs.filter(**{f"{field}__in": ids})
