from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from servicehall.core.admin import MaskedFieldsAdmin, ReadOnlyAdmin
from servicehall.core.masking import mask_phone

from .models import Category, Conversation, LabelledQuestion, Message


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """The two-level category tree (articles themselves are written and reviewed on the
    knowledge pages, /kb/, where the workflow and its history live)."""

    list_display = ("code", "name_zh", "name_en", "parent", "position")
    list_filter = ("parent",)
    search_fields = ("code", "name_zh", "name_en")


@admin.register(LabelledQuestion)
class LabelledQuestionAdmin(admin.ModelAdmin):
    """The questions the assistant learns from (K2); imported with `servicehall import-kb`."""

    list_display = ("question", "product", "attributes", "source", "imported_at")
    list_filter = ("source",)
    search_fields = ("question", "product")


KINDS = {  # what the assistant did with a message (Message.kind), in words
    "answer": _("answered from the catalogue"),
    "article": _("answered with an article"),
    "handover": _("handed over to a person"),
    "clarify": _("asked back"),
    "not_ours": _("not something the assistant is for: said what it can help with"),
    "polite": _("greeted or thanked"),
    "identify": _("asked for the customer's number"),
    "own": _("answered about the customer's own line"),
    "with_agent": _("passed to the person on the chat"),
    "agent": _("a person's reply"),
}


class MessageInline(MaskedFieldsAdmin, admin.TabularInline):
    model = Message
    free_text_fields = ("text",)  # numbers the customer typed are masked (V2)
    extra = 0
    can_delete = False
    fields = ("created_at", "sender", "author", "text", "kind_in_words", "confidence", "product")
    readonly_fields = fields

    @admin.display(description=_("kind of answer"))
    def kind_in_words(self, obj):
        return KINDS.get(obj.kind, obj.kind) or "—"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Conversation)
class ConversationAdmin(MaskedFieldsAdmin, ReadOnlyAdmin):
    """What the assistant told customers, for quality review (K2): read only. The verified
    number is shown masked and cannot be searched or filtered on (V2); the conversation's token
    (the customer's key to it) and its code fields are not shown."""

    phone_fields = ("phone", "pending_phone")
    secret_fields = ("code_hash", "token")
    list_display = ("started_at", "channel", "case_number", "handed_over_at", "number", "size")
    list_filter = ("channel", ("handed_over_at", admin.EmptyFieldListFilter))
    search_fields = ("case_number",)
    fields = ("channel", "started_at", "handed_over_at", "case_number", "number")
    readonly_fields = fields
    inlines = [MessageInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n=Count("messages"))

    @admin.display(description=_("verified number"))
    def number(self, obj):
        return mask_phone(obj.phone) if obj.phone else "—"

    @admin.display(description=_("messages"), ordering="n")
    def size(self, obj):
        return obj.n
