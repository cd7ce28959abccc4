"""The customer pages (V1, V4, C3): /customers/ finds a customer by a number's or an ID's last
digits, a name or a CRM number; /customers/<id>/ shows everything about them on one screen —
profile, lines, tier and privileges, tickets, cases and complaints, chats, satisfaction, plan
offers and the recommendation, bills, consents, how they were identified, the history of every
change — masked (V2) until someone whose role may reveals it with a reason (audited, this
response only); /customers/new and /customers/<id>/edit enter and correct them.

Each form on the customer page posts to one view calling one service and comes back to the page;
a refusal is flashed beside its form, in the interface language."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicehall.cases import selectors as case_selectors
from servicehall.catalog import selectors as catalog_selectors
from servicehall.catalog import services as catalog_services
from servicehall.catalog.explain import summary
from servicehall.core.errors import ServiceError
from servicehall.core.masking import mask_address, mask_id_number, mask_name, mask_phone
from servicehall.core.validate import object_id
from servicehall.customers import privileges, profile
from servicehall.customers import selectors as customer_selectors
from servicehall.customers import services as customer_services
from servicehall.customers.models import (
    TIER_ZH,
    Consent,
    Customer,
    CustomerChange,
    Identification,
    PhoneNumber,
    Privilege,
    Tier,
)
from servicehall.knowledge.chat import of_numbers
from servicehall.org import regions
from servicehall.org.models import staff_name
from servicehall.queueing import selectors as queue_selectors
from servicehall.retention import selectors as retention_selectors
from servicehall.surveys import selectors as survey_selectors

from . import exports
from .access import page
from .forms import attempt, error_text, sort_messages, words
from .names import english

VIEW = "customers.view_customer"
CHANGE = "customers.change_customer"
PAGE_FORMS = ("page", "reveal", "identify", "line", "privilege", "consent", "password")
CHOICES = {"group": Customer.Group.choices, "tier": Tier.choices}
# typed only to change them: the form never shows them whole (V2), an empty field keeps them
PERSONAL = ("name", "id_number", "address")


def _lang() -> str:
    return get_language() or "zh-hans"


@page(VIEW)
def customer_search(request):
    q = (request.GET.get("q") or "").strip()[:60]
    found = customer_selectors.search(q) if q else []
    more = len(found) > customer_selectors.SEARCH_LIMIT
    rows = [_row(c) for c in found[: customer_selectors.SEARCH_LIMIT]]
    if exports.wanted(request):
        return exports.respond(request, "customers", CUSTOMER_COLUMNS, rows, personal="customer")
    return render(
        request,
        "web/customers/search.html",
        {"q": q, "rows": rows, "more": more, "top_messages": sort_messages(request, ())[1]},
    )


# the search's export: the rows as the page shows them, masked
CUSTOMER_COLUMNS = [
    ("客户编号", "CRM number", "customer_no"),
    ("姓名", "Name", "name"),
    ("证件号码", "ID number", "id_number"),
    ("号码", "Numbers", "phones"),
    ("星级", "Tier", "tier"),
    ("客户类型", "Group", "group"),
    ("已离网", "Left", "left"),
]


def _row(c: Customer) -> dict:
    phones = sorted(c.phones.all(), key=lambda p: (not p.is_primary, p.number))
    return {
        "id": c.pk,
        "customer_no": c.customer_no,
        "name": mask_name(c.name),
        "id_number": mask_id_number(c.id_number),
        "phones": [mask_phone(p.number) for p in phones[:3]],
        "more_phones": max(len(phones) - 3, 0),
        "tier": TIER_ZH[c.tier] if not english() else Tier(c.tier).label,
        "vip": c.is_vip,
        "group": c.get_group_display(),
        "left": c.status == Customer.Status.LEFT,
    }


@page(VIEW)
def customer_detail(request, customer_id):
    customer = customer_services.get_customer(request.user, customer_id)
    return _detail(request, customer)


def _detail(request, customer: Customer, *, revealed: dict | None = None, status: int = 200):
    user = request.user
    shown = revealed or customer_services.present(customer, user)
    is_revealed = revealed is not None
    # what the customer spends (bills, their average): shown to the roles that advise on plans
    # from it (M2) — they see it in the plan advice anyway — and to whoever revealed (V2)
    sees_bills = is_revealed or user.has_perm(catalog_services.OFFER)
    cases = case_selectors.of_customer(user, customer)
    tickets = queue_selectors.tickets_of(user, customer)
    numbers = [p.number for p in customer.phones.all()]
    form_messages, top = sort_messages(request, PAGE_FORMS)
    return render(
        request,
        "web/customers/detail.html",
        {
            "c": customer,
            "shown": shown,
            "revealed": is_revealed,
            "can_reveal": user.has_perm("customers.view_unmasked_pii"),
            "can_change": user.has_perm(CHANGE),
            "can_privilege": user.has_perm("customers.add_privilegeuse"),
            "tier_name": Tier(customer.tier).label,
            "tenure": customer_selectors.tenure_years(customer),
            "region": regions.path(customer.region_id),
            "manager": staff_name(customer.account_manager),
            "parent": customer.member_of,
            "members": [
                {"id": m.pk, "name": mask_name(m.name), "customer_no": m.customer_no}
                for m in customer.members.order_by("pk")[:50]
            ],
            "lines": customer_selectors.lines(customer, revealed=is_revealed),
            "privileges": privileges.summary(customer),
            "privilege_choices": Privilege.choices,
            "privilege_uses": [
                {
                    "at": u.at,
                    "label": u.get_privilege_display(),
                    "line": u.number[-4:] if u.number else "",
                    "by": staff_name(u.by),
                    "note": u.note,
                }
                for u in customer_selectors.privilege_uses(customer)
            ],
            "cases": [case_selectors.row(c, timezone.now(), _lang()) for c in cases],
            "complaints": sum(1 for c in cases if c.kind.startswith("complaint")),
            "retention": retention_selectors.for_customer(user, customer),
            "can_retain": user.has_perm("cases.open_case")
            and customer.status == Customer.Status.ACTIVE,
            "can_export": user.has_perm("records.export_customer"),
            "can_erase": user.has_perm("records.erase_customer"),
            "tickets": tickets,
            "chats": of_numbers(numbers),
            "satisfaction": survey_selectors.of_customer(
                [c.pk for c in cases], [t.pk for t in tickets]
            ),
            "offers": catalog_selectors.offers_to(customer),
            "recommendation": _recommendation(user, customer),
            "bills": customer_selectors.bills(customer, revealed=is_revealed, amounts=sees_bills),
            "sees_bills": sees_bills,
            "consents": customer_selectors.consents(customer),
            "consent_purposes": Consent.Purpose.choices,
            "identifications": [
                {
                    "at": i.at,
                    "method": i.get_method_display(),
                    "by": staff_name(i.by),
                    "for": i.purpose,
                }
                for i in customer_selectors.identifications(customer)
            ],
            "id_methods": Identification.Method.choices,
            "has_password": bool(customer.service_password),
            "history": customer_selectors.history(
                customer, revealed=is_revealed, amounts=sees_bills
            ),
            "line_statuses": PhoneNumber.Status.choices,
            "form_messages": form_messages,
            "top_messages": top,
        },
        status=status,
    )


def _recommendation(user, customer: Customer) -> dict | None:
    """The plan that fits the customer's own usage, with the saving (M2), for roles that offer
    plans; None without a line or bills."""
    if not user.has_perm(catalog_services.OFFER):
        return None
    number = catalog_selectors.primary_number(customer)
    if number is None:
        return None
    try:
        return summary(catalog_services.recommend_for_number(user, number))
    except ServiceError:
        return None


@page("customers.view_unmasked_pii")
@require_POST
def customer_reveal(request, customer_id):
    """The customer unmasked for this response only, with a reason (V2, audited)."""
    customer = customer_services.get_customer(request.user, customer_id)
    try:
        revealed = customer_services.reveal(
            request.user,
            customer.pk,
            reason=request.POST.get("reason", ""),
            ip=request.META.get("REMOTE_ADDR"),
        )
    except ServiceError as exc:
        messages.error(
            request, error_text(exc), extra_tags=f"form-reveal field-{exc.field or 'form'}"
        )
        return _detail(request, customer, status=429 if exc.status == 429 else 422)
    return _detail(request, customer, revealed=revealed)


def _back(customer_id, anchor: str = ""):
    url = reverse("web:customer", kwargs={"customer_id": customer_id})
    return redirect(url + (f"#{anchor}" if anchor else ""))


@page(VIEW)
@require_POST
def customer_identify(request, customer_id):
    customer = customer_services.get_customer(request.user, customer_id)
    p = request.POST
    attempt(
        request,
        lambda: customer_services.identify(
            request.user,
            customer,
            p.get("method", ""),
            proof=p.get("proof", ""),
            purpose=p.get("purpose", ""),
        ),
        _("Customer identified."),
        form="identify",
    )
    return _back(customer.pk, "identify")


@page(VIEW)
@require_POST
def customer_identify_code(request, customer_id):
    """Text the customer a code to identify them by (C3)."""
    customer = customer_services.get_customer(request.user, customer_id)
    sent = attempt(
        request,
        lambda: customer_services.send_identification_code(request.user, customer.pk),
        form="identify",
    )
    if sent:
        messages.success(
            request,
            _("Code texted to %(number)s: ask the customer to read it out.") % {"number": sent},
            extra_tags="form-identify",
        )
    return _back(customer.pk, "identify")


@page(CHANGE)
@require_POST
def customer_line(request, customer_id):
    customer = customer_services.get_customer(request.user, customer_id)
    data = {k: request.POST.get(k, "") for k in customer_services.LINE_KEYS}
    line_id = object_id(request.POST.get("line"))
    if line_id is not None:  # a line of theirs, chosen by its last digits
        phone = customer.phones.filter(pk=line_id).first()
        data["number"] = phone.number if phone else ""
    attempt(
        request,
        lambda: customer_services.save_line(request.user, customer.pk, data),
        _("Line saved."),
        form="line",
    )
    return _back(customer.pk, "lines")


@page("customers.add_privilegeuse")
@require_POST
def customer_privilege(request, customer_id):
    customer = customer_services.get_customer(request.user, customer_id)
    p = request.POST
    line_id = object_id(p.get("line"))
    phone = customer.phones.filter(pk=line_id).first() if line_id else None
    attempt(
        request,
        lambda: customer_services.record_privilege_use(
            request.user,
            customer.pk,
            p.get("privilege", ""),
            number=phone.number if phone else "",
            note=p.get("note", ""),
        ),
        _("Privilege use recorded."),
        form="privilege",
    )
    return _back(customer.pk, "privileges")


@page(CHANGE)
@require_POST
def customer_consent(request, customer_id):
    customer = customer_services.get_customer(request.user, customer_id)
    p = request.POST
    attempt(
        request,
        lambda: customer_services.set_consent(
            request.user,
            customer.pk,
            p.get("purpose", ""),
            p.get("granted") == "1",
            channel=p.get("channel") or "counter",
        ),
        _("Consent recorded."),
        form="consent",
    )
    return _back(customer.pk, "consents")


@page(CHANGE)
@require_POST
def customer_password(request, customer_id):
    customer = customer_services.get_customer(request.user, customer_id)
    attempt(
        request,
        lambda: customer_services.set_service_password(
            request.user, customer.pk, request.POST.get("password", "")
        ),
        _("Service password set."),
        form="password",
    )
    return _back(customer.pk, "identify")


def _form_fields(customer: Customer | None, data=None) -> list[dict]:
    """The profile form's fields: the value typed (after a refusal), else what is stored —
    except a name, ID number and address, never shown whole here (placeholders masked)."""
    rows = []
    for f in profile.CUSTOMER_FIELDS:
        value = ""
        if data is not None:
            value = data.get(f.key, "")
        elif customer is not None and f.key not in PERSONAL:
            value = _stored_text(customer, f.key)
        masked = ""
        if customer is not None and f.key in PERSONAL:
            masked = {"name": mask_name, "id_number": mask_id_number, "address": mask_address}[
                f.key
            ](getattr(customer, f.key)) or ""
        choices = CHOICES.get(f.key)
        if f.key == "region_id":  # districts and grids by their path, empty: the address's
            choices = [("", "—"), *_region_choices()]
        rows.append(
            {
                "key": f.key,
                "choices": choices,
                "label": f.en if english() else f.zh,
                "value": value,
                "masked": masked,
                "personal": f.key in PERSONAL,
            }
        )
    return rows


def _region_choices() -> list[tuple[str, str]]:
    from servicehall.org.models import Region

    tree = regions.tree()
    places = [r for r in tree.by_id.values() if r.level >= Region.Level.DISTRICT]
    return sorted(((r.code, regions.path(r.pk)) for r in places), key=lambda c: c[1])


def _stored_text(customer: Customer, key: str) -> str:
    if key == "member_of":
        return customer.member_of.customer_no if customer.member_of else ""
    if key == "account_manager_id":
        m = customer.account_manager
        return getattr(getattr(m, "staff", None), "employee_no", "") or (m.username if m else "")
    if key == "region_id":
        r = regions.get(customer.region_id)
        return r.code if r else ""
    value = getattr(customer, key)
    return "" if value is None else str(value)


@page("customers.add_customer")
def customer_new(request):
    data = None
    status = 200
    if request.method == "POST":
        data = {
            k: request.POST.get(k, "")
            for k in (*customer_services.PROFILE_KEYS, "number", "plan", "account")
        }
        try:
            customer = customer_services.create_customer(request.user, data)
        except ServiceError as exc:
            messages.error(
                request, error_text(exc), extra_tags=f"form-page field-{exc.field or 'form'}"
            )
            status = exc.status if exc.status < 500 else 422
        else:
            messages.success(request, _("Customer created."), extra_tags="form-page")
            return _back(customer.pk)
    form_messages, top = sort_messages(request, ("page",))
    return render(
        request,
        "web/customers/form.html",
        {
            "customer": None,
            "fields": _form_fields(None, data),
            "line": data or {},
            "form_messages": form_messages,
            "top_messages": top,
        },
        status=status,
    )


@page(CHANGE)
def customer_edit(request, customer_id):
    customer = customer_services.get_customer(request.user, customer_id)
    data = None
    status = 200
    if request.method == "POST":
        data = {k: request.POST.get(k, "") for k in customer_services.PROFILE_KEYS}
        given = {k: v for k, v in data.items() if k not in PERSONAL or v.strip()}
        if given.get("address") and given.get("region_id") == _stored_text(customer, "region_id"):
            given.pop("region_id")  # a new address with the region left as it was: its place
        try:
            _c, changes = customer_services.update_customer(
                request.user,
                customer.pk,
                given,
                version=request.POST.get("version"),
                source=CustomerChange.Source.PAGE,
            )
        except ServiceError as exc:
            messages.error(
                request, error_text(exc), extra_tags=f"form-page field-{exc.field or 'form'}"
            )
            status = exc.status if exc.status < 500 else 422
        else:
            messages.success(
                request,
                words("已保存修改", "Changes saved")
                if changes
                else words("没有修改", "Nothing changed"),
                extra_tags="form-page",
            )
            return _back(customer.pk, "history" if changes else "")
    form_messages, top = sort_messages(request, ("page",))
    return render(
        request,
        "web/customers/form.html",
        {
            "customer": customer,
            "shown": customer_services.present(customer, request.user),
            "fields": _form_fields(customer, data),
            "form_messages": form_messages,
            "top_messages": top,
        },
        status=status,
    )
