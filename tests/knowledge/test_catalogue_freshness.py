"""K2: a catalogue change made by another process (an admin edit on another web worker, an
import from the command line) reaches this process's assistant within seconds, not when its
view expires: it compares a stamp of the catalogue every few seconds and relearns in the
background while the old view keeps answering."""

import pytest
from django.db.models.signals import post_delete, post_save

from servicehall.catalog import triples
from servicehall.catalog.models import Product, Tier
from servicehall.knowledge import assistant
from tests.knowledge.kb_fixture import SYNONYMS, TRIPLES

# the relearning thread reads with its own connection: what the test wrote must be committed
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def elsewhere():
    """Changes as another process makes them: this process's assistant is not told (its
    signal receivers are off); only the database changes."""
    from django.apps import apps

    models = [apps.get_model("catalog", n) for n in ("Alias", "Product", "ProductRule", "Tier")]
    models += [
        apps.get_model("catalog", "TierText"),
        apps.get_model("knowledge", "LabelledQuestion"),
    ]
    for model in models:
        for signal in (post_save, post_delete):
            assert signal.disconnect(sender=model, dispatch_uid=f"assistant-{model.__name__}")
    yield
    apps.get_app_config("knowledge").ready()  # the receivers again


def price(question):
    return assistant.reply(question).values


def test_k2_an_edit_made_by_another_process_is_answered_within_seconds(elsewhere):
    triples.load(triples.parse(TRIPLES, SYNONYMS))
    assistant.forget_catalogue()
    assert price("畅游流量包年包多少钱") == ["200"]

    tier = Tier.objects.get(code="tier:cy_2")
    tier.price = 180
    tier.save()  # another worker's admin: saved, this process not told
    assert price("畅游流量包年包多少钱") == ["200"]  # within the stamp's few seconds: as it was

    assistant._stamp_cache.forget()  # … the seconds pass
    assert price("畅游流量包年包多少钱") == ["200"]  # the old view answers while it relearns
    assistant._index_cache.wait()
    assert price("畅游流量包年包多少钱") == ["180"]


def test_a_tier_edit_marks_its_product_edited(elsewhere):
    triples.load(triples.parse(TRIPLES, SYNONYMS))
    product = Product.objects.get(name="畅游流量包")
    before = product.updated_at
    tier = product.tiers.first()
    tier.data_mb = 1
    tier.save()
    product.refresh_from_db()
    assert product.updated_at > before


def test_k2_when_the_stamp_cannot_be_read_the_view_it_has_answers(monkeypatch):
    from django.db import DatabaseError

    from servicehall.knowledge import kbqa

    triples.load(triples.parse(TRIPLES, SYNONYMS))
    assistant.forget_catalogue()
    assert price("畅游流量包年包多少钱") == ["200"]

    def broken():
        raise DatabaseError("connection lost")

    monkeypatch.setattr(kbqa, "catalogue_stamp", broken)
    assistant._stamp_cache.forget()
    assert price("畅游流量包年包多少钱") == ["200"]  # not a 500
