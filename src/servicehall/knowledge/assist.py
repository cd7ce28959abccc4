"""Agent assist (K3): what the knowledge base says about a case or a customer's question, for
staff — with the same retrieval by meaning and the same calibrated confidence as the
customer's assistant (knowledge/assistant.py, search.by_meaning):

- `suggestions(subject, description)`: the case page's panel, the articles/FAQs and service
  scripts closest in meaning to the case's text, the first marked as the likely answer when its
  confidence reaches the assistant's threshold;
- `ask(text)`: the counter workbench's question box, the assistant's own reply (staff articles
  included).
"""

from __future__ import annotations

from . import assistant, chat, search
from .models import Kind

ASSIST_CHARS = 300  # of a case's text: its subject and the start of the description
ASSIST_ARTICLES = 3
ASSIST_SCRIPTS = 2


def suggestions(subject: str, description: str) -> dict:
    """{"articles": [Hit…], "scripts": [Hit…], "confidence": float, "likely": article id or None}
    for a case: what is close in meaning to its text (`assistant.close`), and, when the closest reaches `assistant.CONFIDENCE`, that one as the likely answer. A chat
    hand-over is matched on what the customer wrote, not on the assistant's answers in its
    transcript."""
    text = f"{subject}\n{chat.customer_words(description)}"[:ASSIST_CHARS]
    found = search.by_meaning(text, limit=12, audience="staff")
    articles = assistant.close([h for h in found.hits if h.kind != Kind.SCRIPT])
    scripts = assistant.close([h for h in found.hits if h.kind == Kind.SCRIPT])
    likely = found.hits[0] if found.hits and found.confidence >= assistant.CONFIDENCE else None
    return {
        "articles": articles[:ASSIST_ARTICLES],
        "scripts": scripts[:ASSIST_SCRIPTS],
        "confidence": found.confidence,
        "likely": likely.article_id if likely in articles else None,
    }


def ask(text: str) -> assistant.Reply:
    """K3 at the counter: what the assistant would answer this question, with the same
    retrieval and confidence as the customer's chat, for the clerk to read out or check."""
    return assistant.reply(text, audience="staff")
