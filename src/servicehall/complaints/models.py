"""The complaint desk's records beside the Case (cases.models): see apps.py."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# --- complaint stages (P1)


class Responsible(models.TextChoices):
    """Who caused what the customer complains of (the handbook: 非本部门责任, 代理商合作商责任);
    the case stays with its owner whatever this says (首问负责, C4)."""

    HALL = "hall", _("Our hall")
    DEPARTMENT = "department", _("Another department")
    PARTNER = "partner", _("An agent or partner")


class ComplaintRecord(models.Model):
    """What each stage of a complaint recorded (one per complaint case), in columns a report
    counts without reading the timeline: the accept stage's customer words and request, the
    causes found (the handbook's four, each a flag), the basis, whether it holds, the remedy,
    who is responsible. The timeline has the same as events, with who and when."""

    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, related_name="complaint_record"
    )
    # accept (受理): the four steps with the time each was ticked, in order
    steps = models.JSONField(_("steps taken"), default=list, blank=True)
    customer_words = models.TextField(_("the customer's own words"), blank=True)
    customer_request = models.TextField(_("what the customer asks for"), blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    # clarify (理解澄清): the causes in the handbook's order, the policy explained, the basis
    cause_customer = models.BooleanField(_("the customer's side"), default=False)
    cause_objective = models.BooleanField(_("objective causes"), default=False)
    cause_both = models.BooleanField(_("both sides"), default=False)
    cause_company = models.BooleanField(_("the company's side"), default=False)
    explanation = models.TextField(_("policy explained"), blank=True)
    basis_article = models.ForeignKey(
        "knowledge.Article",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("knowledge-base article"),
    )
    basis_policy = models.CharField(_("policy"), max_length=200, blank=True)
    clarified_at = models.DateTimeField(null=True, blank=True)
    # resolve (解决处理)
    holds = models.BooleanField(_("complaint holds"), null=True, blank=True)
    holds_reason = models.TextField(_("reason"), blank=True)
    remedy = models.TextField(_("remedy"), blank=True)
    policy_basis = models.TextField(_("policy basis"), blank=True)
    reply_at = models.DateTimeField(_("reply time told to the customer"), null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # a grumble settled on the spot (抱怨): not counted as a complaint
    grumble = models.BooleanField(_("grumble"), default=False)
    # who is responsible
    responsible = models.CharField(
        _("responsible"), max_length=12, choices=Responsible.choices, default=Responsible.HALL
    )
    responsible_name = models.CharField(_("responsible party"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("complaint record")
        verbose_name_plural = _("complaint records")

    def __str__(self) -> str:
        return str(self.case_id)


class ForbiddenPhrase(models.Model):
    """A phrase the handbook forbids staff to say (忌轻易说出“你可上法院、信产部、消协告我去”):
    a note, a chat reply or a stage's text containing it is refused before it is saved.
    Matched ignoring spaces and punctuation (complaints/phrases.py). Administrators edit the
    list in the admin; the migration seeds the handbook's."""

    phrase = models.CharField(_("phrase"), max_length=100, unique=True)
    why = models.CharField(_("why it is forbidden"), max_length=300)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("forbidden phrase")
        verbose_name_plural = _("forbidden phrases")
        ordering = ["phrase"]

    def __str__(self) -> str:
        return self.phrase
