from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Tier(models.TextChoices):
    """VIP tiers (V1, Q3). The order of `RANK` is the calling priority."""

    NONE = "none", _("Standard")
    SILVER = "silver", _("Silver card")
    GOLD = "gold", _("Gold card")
    DIAMOND = "diamond", _("Diamond card")
    SUPREME = "supreme", _("Supreme card")


TIER_RANK = {Tier.NONE: 0, Tier.SILVER: 1, Tier.GOLD: 2, Tier.DIAMOND: 3, Tier.SUPREME: 4}
TIER_ZH = {
    Tier.NONE: "普通",
    Tier.SILVER: "银卡",
    Tier.GOLD: "金卡",
    Tier.DIAMOND: "钻石卡",
    Tier.SUPREME: "至尊卡",
}


class Customer(models.Model):
    """A customer's profile (客户档案, V1): who they are, their tier, their group, where they live,
    since when they are ours and what they spend; their lines are `PhoneNumber` rows. Every
    change is a `CustomerChange` row (services.update_customer, the import)."""

    class Group(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual")
        FAMILY = "family", _("Family")
        ENTERPRISE = "enterprise", _("Group / enterprise")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        LEFT = "left", _("Left")  # every line closed: the retention periods run from `left_at`

    # the operator's CRM number (客户编号): the key a re-import matches on; blank for a customer
    # entered here before any import
    customer_no = models.CharField(_("customer number"), max_length=32, blank=True)
    name = models.CharField(_("name"), max_length=50)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    # the ID number and the primary line read backwards: a search by their last digits is a
    # prefix search on an index (services.search_keys keeps them)
    id_number_rev = models.CharField(max_length=18, blank=True)
    tier = models.CharField(_("VIP tier"), max_length=10, choices=Tier.choices, default=Tier.NONE)
    group = models.CharField(
        _("customer group"), max_length=12, choices=Group.choices, default=Group.INDIVIDUAL
    )
    # a family's or an enterprise's member points at the family or enterprise customer (V1)
    member_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        verbose_name=_("member of"),
        db_index=False,  # Meta.indexes: only the members, not the million who are none
    )
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_customers",
        verbose_name=_("account manager"),
        db_index=False,  # Meta.indexes: only the customers who have one
    )
    # where they live (V2: shown masked, `masking.mask_address`), placed in a region (P5, E1)
    address = models.CharField(_("address"), max_length=200, blank=True)
    region = models.ForeignKey(
        "org.Region", null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("region")
    )
    joined_on = models.DateField(_("customer since"), null=True, blank=True)
    monthly_spend = models.DecimalField(
        _("monthly spending (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    # the service password (服务密码, C3), as Django's password hash; never shown
    service_password = models.CharField(max_length=128, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE
    )
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    # set when the identity data was anonymised (records: the legal period ended, or the
    # customer asked and no period ran)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        permissions = [
            ("view_unmasked_pii", "Can view phone and ID numbers unmasked (audited)"),
            ("import_customers", "Can import customers and lines from the CRM (V4)"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer_no"],
                condition=~models.Q(customer_no=""),
                name="customer_no_unique",
            )
        ]
        # searches by a name's start and an ID's last digits (selectors.search): prefix
        # searches, which PostgreSQL answers from an index only with the pattern operators.
        # A family's members and a manager's customers: partial indexes, since most customers
        # are neither (every index a new customer enters is time in a million-row import).
        indexes = [
            models.Index(fields=["name"], opclasses=["varchar_pattern_ops"], name="customer_name"),
            models.Index(
                fields=["member_of"],
                condition=models.Q(member_of__isnull=False),
                name="customer_members",
            ),
            models.Index(
                fields=["account_manager"],
                condition=models.Q(account_manager__isnull=False),
                name="customer_managed",
            ),
            models.Index(
                fields=["id_number_rev"], opclasses=["varchar_pattern_ops"], name="customer_id_tail"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    def save(self, *args, **kwargs):
        # the search key follows the number (bulk writes set it themselves: the import)
        self.id_number_rev = self.id_number[::-1]
        super().save(*args, **kwargs)

    @property
    def is_vip(self) -> bool:
        return self.tier != Tier.NONE

    @property
    def tier_rank(self) -> int:
        return TIER_RANK[self.tier]


class PhoneNumber(models.Model):
    """A line of the customer (V1): the number, the account that pays for it, its plan and
    status. The number is the key a customer is identified by at the kiosk."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("In service")
        SUSPENDED = "suspended", _("Suspended")
        CLOSED = "closed", _("Closed")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="phones")
    # unique by a constraint (Meta), not `unique=True`, which on PostgreSQL adds a second,
    # pattern-operator index that no search uses (a number's end is searched by number_rev)
    number = models.CharField(_("number"), max_length=11)
    number_rev = models.CharField(max_length=11, blank=True)
    is_primary = models.BooleanField(default=False)
    account = models.CharField(_("account"), max_length=32, blank=True)
    plan = models.CharField(_("plan"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    # the service relationship's end (L4: the records of its subscriptions run from here)
    ended_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")
        constraints = [models.UniqueConstraint(fields=["number"], name="phone_number_unique")]
        indexes = [
            models.Index(
                fields=["number_rev"], opclasses=["varchar_pattern_ops"], name="phone_tail"
            )
        ]

    def __str__(self) -> str:
        from servicehall.core.masking import mask_phone

        return mask_phone(self.number)

    def save(self, *args, **kwargs):
        self.number_rev = self.number[::-1]
        super().save(*args, **kwargs)


class CustomerChange(models.Model):
    """One change of a customer (V4: "every change keeps its history"): who, when, from where,
    and each field's value before and after. The values are personal data: shown masked like
    the customer, anonymised with them."""

    class Source(models.TextChoices):
        PAGE = "page", _("Customer page")
        IMPORT = "import", _("CRM import")
        API = "api", _("API")
        SYSTEM = "system", _("System")

    # read a customer at a time, newest first: one index (customer, at), none on `at` or `by`
    # alone — no page lists changes by date or by person, and each index is time in an import
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="changes", db_index=False
    )
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    source = models.CharField(max_length=8, choices=Source.choices)
    # {field: [before, after]}; a created customer has every field with before null
    fields = models.JSONField(default=dict)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("customer change")
        verbose_name_plural = _("customer changes")
        indexes = [models.Index(fields=["customer", "at"], name="customer_change_history")]


class Identification(models.Model):
    """How a customer was identified, by whom and for what (C3): an ID card checked, the service
    password, or a code texted to their line."""

    class Method(models.TextChoices):
        ID_CARD = "id_card", _("ID card")
        SERVICE_PASSWORD = "password", _("Service password")
        SMS_CODE = "sms_code", _("SMS code")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identifications")
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    at = models.DateTimeField(db_index=True)
    purpose = models.CharField(_("for"), max_length=60, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("identification")
        verbose_name_plural = _("identifications")


class IdentificationCode(models.Model):
    """A one-time code texted to the customer's own line to identify them (C3, method SMS code):
    only its hash is kept; 10 minutes, 5 tries, a new one voids the last."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    number = models.CharField(max_length=11)
    code_hash = models.CharField(max_length=64)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    void = models.BooleanField(default=False)

    class Meta:
        ordering = ["-sent_at", "-id"]


class Privilege(models.TextChoices):
    """What a VIP tier gives (V1); how often each tier may use each is `privileges.ALLOWANCE`."""

    CREDIT_RAISE = "credit_raise", _("Credit limit raise")
    TEMPORARY_CREDIT = "temporary_credit", _("Temporary credit")
    EMERGENCY_REOPEN = "emergency_reopen", _("Emergency reopening")
    FREE_SIM = "free_sim", _("Free SIM replacement")
    BILL_DELIVERY = "bill_delivery", _("Bill delivery")
    GREEN_CHANNEL = "green_channel", _("Airport / station green channel")


class PrivilegeUse(models.Model):
    """A privilege used (V1: "their use recorded")."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="privilege_uses")
    privilege = models.CharField(_("privilege"), max_length=20, choices=Privilege.choices)
    number = models.CharField(_("line"), max_length=11, blank=True)
    at = models.DateTimeField(db_index=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("privilege use")
        verbose_name_plural = _("privilege uses")


class Consent(models.Model):
    """What the customer agreed to and when (PIPL Art.13–14): each row a grant or a withdrawal;
    the latest row per purpose is what holds."""

    class Purpose(models.TextChoices):
        MARKETING_SMS = "marketing_sms", _("Offers by SMS")
        MARKETING_CALL = "marketing_call", _("Offers by phone")
        USAGE_ANALYSIS = "usage_analysis", _("Plan advice from usage")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    granted = models.BooleanField(_("granted"))
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=20, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")


class Bill(models.Model):
    """A line's bill for one month (V4: imported from the operator's billing exports). Kept to
    spot bill shock (L3), to answer customers about their own bills and, with the month's usage,
    to recommend the plan that fits (M2)."""

    number = models.CharField(_("number"), max_length=11, db_index=True)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="bills"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the billed month."))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=10, decimal_places=2)
    # The month's usage (M2: the plan recommendation prices it under every plan); optional in
    # the billing export, null when it did not carry it.
    voice_minutes = models.PositiveIntegerField(_("voice (minutes)"), null=True, blank=True)
    data_mb = models.BigIntegerField(_("data (MB)"), null=True, blank=True)
    sms = models.PositiveIntegerField(_("SMS sent"), null=True, blank=True)
    paid_calls = models.PositiveIntegerField(
        _("paid outgoing calls"),
        null=True,
        blank=True,
        help_text=_("Paid calls made that month (a promotion's condition, M1)."),
    )
    plan = models.CharField(
        _("plan"),
        max_length=100,
        blank=True,
        help_text=_("As the billing export names it."),
    )
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["number", "month"]
        verbose_name = _("bill")
        verbose_name_plural = _("bills")
        constraints = [models.UniqueConstraint(fields=["number", "month"], name="bill_line_month")]
        permissions = [("import_bills", "Can import monthly bills (bill-shock check, L3)")]
