"""The plan catalogue (M1): products, their tiers (档位) with typed attributes, rule texts and the
names customers use for them.

A *product* is what the operator sells under one name (a main plan, a data pack, a value-added
service, a marketing campaign); a *tier* is one orderable variant of it with its own price and
allowances ("全国亲情网" has a 10-yuan tier and a "成员" sub-service tier). Numbers customers ask
about and the recommendation computes with are typed columns on the tier (price in yuan, data in
MB, minutes, bandwidth in Mbit/s, validity in hours, dates); texts (how to open, cancel, the
conditions …) are `TierText` rows, several per attribute allowed; product-wide rules (carry-over,
caps, effective dates …) are `ProductRule` rows. A text value may be the text itself or, for
imported knowledge graphs, the ID of a text kept elsewhere (`开通方式_98`).

A *promotion* (M1) is attached to a tier: a monthly credit for a number of months (the
smart-terminal offers: 126-yuan tier, 50 yuan credited a month for 24 months, 1,200 yuan in all,
effective rent 76) and its conditions (paid calls a month, first prepayment within hours).
A *recommendation offer* (M3) records a plan recommendation offered to a customer and their answer.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from servicehall.customers.models import Customer


class Product(models.Model):
    class Kind(models.TextChoices):
        PLAN = "plan", _("Main plan")
        PACK = "pack", _("Add-on pack")
        SERVICE = "service", _("Value-added service")
        CAMPAIGN = "campaign", _("Campaign / promotion")
        BROADBAND = "broadband", _("Broadband")

    # Names may differ only in letter case in real catalogues ("5GB" / "5Gb"): case-sensitive.
    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PLAN)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.name


class Alias(models.Model):
    """Another name customers use for a product (synonyms: "亲情号" → 全国亲情网)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(_("alias"), max_length=100)

    class Meta:
        ordering = ["product", "name"]
        verbose_name = _("alias")
        verbose_name_plural = _("aliases")
        constraints = [
            models.UniqueConstraint(fields=["product", "name"], name="alias_product_name")
        ]

    def __str__(self) -> str:
        return self.name


class Tier(models.Model):
    """One orderable variant (档位) of a product with its typed attributes."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="tiers")
    code = models.CharField(
        _("code"), max_length=200, unique=True, help_text=_("Stable key, e.g. the source URI.")
    )
    name = models.CharField(_("tier name"), max_length=100)
    position = models.PositiveIntegerField(default=0)
    price = models.DecimalField(
        _("price (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    data_mb = models.BigIntegerField(_("data (MB)"), null=True, blank=True)
    voice_minutes = models.PositiveIntegerField(_("voice (minutes)"), null=True, blank=True)
    sms = models.PositiveIntegerField(_("SMS included"), null=True, blank=True)
    bandwidth_mbps = models.PositiveIntegerField(_("bandwidth (Mbit/s)"), null=True, blank=True)
    validity_hours = models.PositiveIntegerField(_("validity (hours)"), null=True, blank=True)
    # Overage prices (M1) for the plan recommendation; null means "not sold as a monthly plan".
    data_overage_yuan_per_mb = models.DecimalField(
        _("data overage (yuan/MB)"), max_digits=8, decimal_places=4, null=True, blank=True
    )
    voice_overage_yuan_per_min = models.DecimalField(
        _("voice overage (yuan/min)"), max_digits=8, decimal_places=4, null=True, blank=True
    )
    sms_overage_yuan = models.DecimalField(
        _("SMS overage (yuan each)"), max_digits=8, decimal_places=4, null=True, blank=True
    )
    contract_months = models.PositiveIntegerField(_("contract (months)"), null=True, blank=True)
    sub_services = models.JSONField(_("sub-services"), default=list, blank=True)
    cities = models.JSONField(_("cities"), default=list, blank=True)
    # Customer groups (Customer.Group values) the tier is sold to; empty: everyone.
    groups = models.JSONField(_("customer groups"), default=list, blank=True)
    on_sale = models.DateField(_("on sale from"), null=True, blank=True)
    off_sale = models.DateField(_("off sale from"), null=True, blank=True)

    class Meta:
        ordering = ["product", "position"]
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")

    def __str__(self) -> str:
        return self.name


class TierText(models.Model):
    """A text attribute of a tier: how to open or cancel it, conditions, introduction …"""

    class Attribute(models.TextChoices):
        INTRO = "业务简介", _("Introduction")
        HOW_TO_OPEN = "开通方式", _("How to open")
        OPEN_CONDITIONS = "开通条件", _("Conditions to open")
        HOW_TO_CANCEL = "取消方式", _("How to cancel")
        CANCEL_CONDITIONS = "取消条件", _("Conditions to cancel")
        VALIDITY_RULE = "有效期规则", _("Validity rule")
        USAGE = "使用方法", _("How to use")
        INCLUDED = "内含其它服务", _("Included services")
        QUANTITY = "办理数量", _("How many may be ordered")
        SPEED_LIMIT = "限速规则", _("Speed-limit rule")

    tier = models.ForeignKey(Tier, on_delete=models.CASCADE, related_name="texts")
    attribute = models.CharField(_("attribute"), max_length=10, choices=Attribute.choices)
    value = models.TextField(_("value"))

    class Meta:
        ordering = ["tier", "attribute", "id"]
        verbose_name = _("tier text")
        verbose_name_plural = _("tier texts")
        indexes = [models.Index(fields=["tier", "attribute"], name="tiertext_tier_attr")]

    def __str__(self) -> str:
        return f"{self.attribute}: {self.value[:30]}"


class ProductRule(models.Model):
    """A product-wide rule text (生效规则, 结转规则 …)."""

    class Kind(models.TextChoices):
        EFFECTIVE = "生效规则", _("When it takes effect")
        CARRY_OVER = "结转规则", _("Carry-over")
        CAP = "封顶规则", _("Cap")
        SCOPE = "使用范围", _("Where it can be used")
        APPS = "适用app", _("Apps it covers")
        STACKING = "叠加规则", _("Stacking with other products")

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    value = models.TextField(_("value"))

    class Meta:
        ordering = ["product", "kind", "id"]
        verbose_name = _("product rule")
        verbose_name_plural = _("product rules")

    def __str__(self) -> str:
        return f"{self.kind}: {self.value[:30]}"


class Promotion(models.Model):
    """A promotion on a tier (M1): `monthly_credit` yuan credited each month for `months` months
    (`total_bonus` in all), while its conditions hold. The pricing applies the credit in a month
    only if that month's paid calls reach `min_paid_calls`; the first prepayment is money paid
    into the account (not a cost), a condition stated to the customer."""

    tier = models.ForeignKey(Tier, on_delete=models.CASCADE, related_name="promotions")
    name = models.CharField(_("name"), max_length=100)
    monthly_credit = models.DecimalField(
        _("credit a month (yuan)"), max_digits=10, decimal_places=2
    )
    months = models.PositiveIntegerField(_("months credited"))
    total_bonus = models.DecimalField(_("total bonus (yuan)"), max_digits=10, decimal_places=2)
    min_paid_calls = models.PositiveIntegerField(
        _("paid calls a month required"),
        default=0,
        help_text=_("e.g. 3 paid calls a month from the bundled handset"),
    )
    first_prepayment = models.DecimalField(
        _("first prepayment (yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    prepayment_hours = models.PositiveIntegerField(
        _("prepayment deadline (hours)"), null=True, blank=True
    )
    on_sale = models.DateField(_("on sale from"), null=True, blank=True)
    off_sale = models.DateField(_("off sale from"), null=True, blank=True)

    class Meta:
        ordering = ["tier", "name"]
        verbose_name = _("promotion")
        verbose_name_plural = _("promotions")
        constraints = [
            models.UniqueConstraint(fields=["tier", "name"], name="promotion_tier_name"),
            models.CheckConstraint(
                condition=models.Q(monthly_credit__gte=0), name="promotion_credit_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RecommendationOffer(models.Model):
    """A plan recommendation offered to a customer and their answer (M3): the figures as they
    were computed when offered, who offered it, at which moment and on which channel."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        CONSIDERING = "considering", _("Will consider")

    class Moment(models.TextChoices):
        HANDLING = "handling", _("While handling business")
        CONSULTATION = "consultation", _("During a consultation")
        WAITING = "waiting", _("While waiting")

    class Channel(models.TextChoices):
        COUNTER = "counter", _("Counter")
        HOTLINE = "hotline", _("Hotline")
        ONLINE = "online", _("Online")

    number = models.CharField(_("number"), max_length=11, db_index=True)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="plan_offers"
    )
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="offers")
    months = models.PositiveIntegerField(_("months of usage used"))
    current_cost = models.DecimalField(_("current cost a month"), max_digits=10, decimal_places=2)
    new_cost = models.DecimalField(_("cost a month on the plan"), max_digits=10, decimal_places=2)
    saving = models.DecimalField(_("saving a month"), max_digits=10, decimal_places=2)
    explanation = models.TextField(_("explanation"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    moment = models.CharField(_("moment"), max_length=12, choices=Moment.choices)
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.COUNTER
    )
    ticket_number = models.CharField(_("queue ticket"), max_length=20, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("answered at"), db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("plan recommendation offer")
        verbose_name_plural = _("plan recommendation offers")
        permissions = [
            ("offer_plan", "Can see plan recommendations and record the customer's answer (M3)"),
            ("import_catalog", "Can import the plan catalogue (M1)"),
        ]

    def __str__(self) -> str:
        from servicehall.core.masking import mask_phone

        return f"{mask_phone(self.number)} → {self.tier} ({self.outcome})"  # titles the admin page


def touch_product(sender, instance, **_kwargs) -> None:
    """Signal receiver: a product's `updated_at` is the last edit of anything about it (its
    names, tiers, tier texts, rules), so one column tells whether the catalogue changed — the
    assistant's other processes compare it (knowledge.kbqa.catalogue_stamp). Set when the
    change commits, by the database's clock: the order of commits, whichever host made them."""
    from django.db import transaction
    from django.db.models.functions import Now

    product_id = getattr(instance, "product_id", None)
    if product_id is None and isinstance(instance, TierText):
        product_id = Tier.objects.filter(pk=instance.tier_id).values_list("product_id").first()
        product_id = product_id[0] if product_id else None
    if product_id is not None:
        transaction.on_commit(
            lambda: Product.objects.filter(pk=product_id).update(updated_at=Now())
        )
