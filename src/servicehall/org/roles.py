"""Staff roles as Django groups. One table says what each role may do; `sync_roles`
makes the groups match it after every migrate, so a deployment never drifts from the code.

Minimum necessary access (PIPL Art.6, V2): only the desks that must call customers back see
phone and ID numbers unmasked, and every such view is audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS


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


CASE_WORK = ("cases.open_case", "cases.handle_case")
# The knowledge base (K1): every desk reads it; the desks that answer the hardest questions and
# the hall manager write it; quality and the hall manager review and publish (a version is
# never approved by the one who wrote it: knowledge/workflow.py).
KB_READ = "knowledge.read_knowledge"
KB_AUTHOR = (KB_READ, "knowledge.author_article")
KB_REVIEW = (KB_READ, "knowledge.review_article")

CLERK_PERMS = (
    "queueing.issue_ticket",
    "queueing.serve_counter",
    "queueing.move_to_quiet",
    "queueing.book_appointment",
    "customers.view_customer",
    "catalog.offer_plan",
    *CASE_WORK,
    KB_READ,
)

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
            *CASE_WORK,
            "customers.import_bills",
            *KB_AUTHOR,
            "catalog.offer_plan",
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
            "catalog.offer_plan",
            *CASE_WORK,
            KB_READ,
        ),
        home="cases",
    ),
    Role(
        "hall_manager",
        "营业厅经理",
        "Hall manager",
        (
            *CLERK_PERMS,
            "queueing.serve_vip_counter",
            "queueing.view_board",
            "queueing.manage_queue",
            "queueing.view_display",
            "cases.view_all_cases",
            "customers.import_bills",
            *KB_AUTHOR,
            *KB_REVIEW,
            "catalog.import_catalog",
        ),
        home="board",
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
            *KB_REVIEW,
            # what the assistant told customers, read in the admin (K2 quality review)
            "knowledge.conversation.view",
            "knowledge.message.view",
        ),
        admin_site=True,
        home="board",
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
            "catalog.import_catalog",
            "catalog.product.*",
            "catalog.alias.*",
            "catalog.tier.*",
            "catalog.tiertext.*",
            "catalog.productrule.*",
            "catalog.promotion.*",
            "catalog.recommendationoffer.view",
            "core.auditlog.view",
            # the SMS outbox (numbers masked): what was texted, and the demo's only way to read
            # a verification code where no SMS gateway is configured
            "core.smsmessage.view",
            "cases.slapolicy.*",
            "cases.case.view",
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
    ),
    Role(
        "channel",
        "线上渠道接入",
        "Online channel integration (web, app, SMS hall)",
        ("cases.open_case",),
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
