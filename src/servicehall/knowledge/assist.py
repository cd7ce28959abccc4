"""Agent assist (K3): the articles/FAQs and service scripts that match a case's text, for the
panel beside the case. The case page shows them to whoever may read the knowledge base."""

from __future__ import annotations

from . import assistant, chat
from .models import Kind
from .search import search

ASSIST_CHARS = 300  # of a case's text: its subject and the start of the description
ASSIST_ARTICLES = 3
ASSIST_SCRIPTS = 2
# A case's text is long and wordy: of its matches keep those within this share of the best
# one, so a single shared everyday word does not fill the panel.
ASSIST_RELATIVE = 0.4


def suggestions(subject: str, description: str) -> dict:
    """{"articles": [Hit…], "scripts": [Hit…]} for a case. A chat hand-over is matched on what
    the customer wrote, not on the assistant's answers in its transcript."""
    text = f"{subject}\n{chat.customer_words(description)}"[:ASSIST_CHARS]
    hits = search(text, limit=20, audience="staff")

    def best(group: list, n: int) -> list:
        return [h for h in group if h.score >= ASSIST_RELATIVE * group[0].score][:n]

    return {
        "articles": best([h for h in hits if h.kind != Kind.SCRIPT], ASSIST_ARTICLES),
        "scripts": best([h for h in hits if h.kind == Kind.SCRIPT], ASSIST_SCRIPTS),
    }


def ask(text: str) -> assistant.Reply:
    """K3 at the counter: what the assistant would answer this question, with the same
    retrieval and confidence as the customer's chat, for the clerk to read out or check."""
    return assistant.reply(text)
