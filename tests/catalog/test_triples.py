"""M1/K1: importing a product knowledge graph given as triples + synonyms."""

import pytest

from servicehall.catalog import triples
from servicehall.catalog.models import Alias, Product, ProductRule, Tier, TierText
from servicehall.core.errors import ServiceError
from tests.knowledge.kb_fixture import SYNONYMS, TRIPLES

pytestmark = pytest.mark.django_db


def test_m1_import_builds_typed_tiers_texts_rules_and_aliases():
    report = triples.load(triples.parse(TRIPLES, SYNONYMS))
    assert report.problems == []
    assert (report.products, report.tiers) == (3, 5)
    year = Tier.objects.get(code="tier:cy_2")
    assert (year.price, year.data_mb, year.sub_services) == (200, 10240, ["年包"])
    assert year.on_sale.isoformat() == "2026-01-01"
    assert list(
        TierText.objects.filter(tier__code="tier:yt_0", attribute="内含其它服务").values_list(
            "value", flat=True
        )
    ) == ["来电显示", "漏话提醒"]
    assert ProductRule.objects.get(product__name="畅游流量包").kind == "结转规则"
    assert set(Alias.objects.filter(product__name="悦听彩铃").values_list("name", flat=True)) == {
        "彩铃",
        "来电音乐",
    }


def test_m1_names_differing_in_case_are_one_product():
    text = TRIPLES + "\n<悦听彩铃PLUS>\t<生效规则>\t<次月生效>"
    parsed = triples.parse(text, SYNONYMS)
    triples.load(parsed)
    plus = Product.objects.get(name="悦听彩铃Plus")
    assert plus.rules.get().value == "次月生效"
    assert plus.aliases.filter(name="悦听彩铃PLUS").exists()
    assert not Product.objects.filter(name="悦听彩铃PLUS").exists()


def test_m1_malformed_lines_are_reported_by_number_and_skipped():
    bad = TRIPLES + "\n<畅游流量包>\t<价格>\n<tier:cy_0>\t<价格>\t<十元>\n<tier:cy_0>\t<颜色>\t<红>"
    parsed = triples.parse(bad, SYNONYMS + "不存在的产品\t别名\n没有制表符\n")
    lines = [(p.file, p.line) for p in parsed.problems]
    n = len(TRIPLES.splitlines())
    assert lines == [
        ("triples.txt", n + 1),
        ("triples.txt", n + 2),
        ("triples.txt", n + 3),
        ("synonyms.txt", 4),
        ("synonyms.txt", 5),
    ]
    assert "价格" in parsed.problems[1].message_zh and "number" in parsed.problems[1].message_en
    report = triples.load(parsed)
    assert Tier.objects.get(code="tier:cy_0").price == 10  # the bad value did not overwrite it
    assert len(report.problems) == 5


def test_m1_strict_import_refuses_the_whole_file_and_writes_nothing():
    parsed = triples.parse(TRIPLES + "\nnot a triple", SYNONYMS)
    with pytest.raises(ServiceError) as err:
        triples.load(parsed, strict=True)
    assert err.value.code == "malformed_lines"
    assert err.value.extra["problems"][0]["line"] == len(TRIPLES.splitlines()) + 1
    assert Product.objects.count() == 0


def test_m1_reimport_replaces_the_products_it_names():
    triples.load(triples.parse(TRIPLES, SYNONYMS))
    triples.load(triples.parse(TRIPLES.replace("<价格>\t<200>", "<价格>\t<188>"), SYNONYMS))
    assert Tier.objects.get(code="tier:cy_2").price == 188
    assert Product.objects.count() == 3
