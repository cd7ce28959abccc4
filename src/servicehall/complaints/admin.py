from django.contrib import admin

from .models import ForbiddenPhrase

# --- complaint stages (P1)


@admin.register(ForbiddenPhrase)
class ForbiddenPhraseAdmin(admin.ModelAdmin):
    """The phrases a note, a chat reply or a complaint stage's text may not contain; matched
    ignoring spaces and punctuation. Untick "active" (or delete) to allow one again."""

    list_display = ("phrase", "why", "active")
    list_editable = ("active",)
    list_filter = ("active",)
    search_fields = ("phrase", "why")
