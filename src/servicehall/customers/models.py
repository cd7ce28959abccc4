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
    class Group(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual")
        FAMILY = "family", _("Family")
        ENTERPRISE = "enterprise", _("Group / enterprise")

    name = models.CharField(_("name"), max_length=50)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    tier = models.CharField(_("VIP tier"), max_length=10, choices=Tier.choices, default=Tier.NONE)
    group = models.CharField(
        _("customer group"), max_length=12, choices=Group.choices, default=Group.INDIVIDUAL
    )
    # where they live (V2: shown masked, `masking.mask_address`), placed in a region (P5, E1)
    address = models.CharField(_("address"), max_length=200, blank=True)
    region = models.ForeignKey(
        "org.Region", null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("region")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        permissions = [("view_unmasked_pii", "Can view phone and ID numbers unmasked (audited)")]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def is_vip(self) -> bool:
        return self.tier != Tier.NONE

    @property
    def tier_rank(self) -> int:
        return TIER_RANK[self.tier]


class PhoneNumber(models.Model):
    """A line of the customer (V1). The number is the key a customer is identified by at the kiosk."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(_("number"), max_length=11, unique=True)
    is_primary = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")

    def __str__(self) -> str:
        from servicehall.core.masking import mask_phone

        return mask_phone(self.number)


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
