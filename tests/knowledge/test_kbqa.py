"""K2: understanding plan questions and answering them from the catalogue."""

import json
import sys

import pytest

from servicehall.catalog import triples
from servicehall.knowledge import evaluation, kbqa
from tests.knowledge.kb_fixture import SYNONYMS, TRIPLES
from tests.servers import shared_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def index():
    triples.load(triples.parse(TRIPLES, SYNONYMS))
    return kbqa.load_index()


def ask(index, question):
    return set(kbqa.answer_values(kbqa.parse(index, question)))


def test_k2_price_of_a_product_named_by_alias(index):
    assert ask(index, "彩铃多少钱一个月？") == {"5"}


def test_k2_constraint_by_price_picks_the_tier(index):
    assert ask(index, "20元的畅游包怎么开通") == {"发送KTCY20到10086"}


def test_k2_data_in_gb_matches_megabytes(index):
    assert ask(index, "畅游流量包3个G的那个多少钱") == {"10"}


def test_k2_sub_service_constraint(index):
    assert ask(index, "畅游流量包年包什么时候上线的") == {"20260101"}


def test_k2_several_attributes_at_once(index):
    assert ask(index, "畅游流量包年包怎么开通，多少钱") == {"营业厅办理", "200"}


def test_k2_data_and_minutes_asked_together(index):
    assert ask(index, "10元的畅游流量包有多少流量和通话") == {"3072", "100"}


def test_k2_cheapest_tier(index):
    assert ask(index, "最便宜的畅游流量包有多少流量") == {"3072"}


def test_k2_comparison_same_or_not(index):
    assert ask(index, "畅游包月包和年包的取消方式一样吗") == {"no"}


def test_k2_comparison_which_has_more_data(index):
    # each side is its first-listed (basic) tier, as the operator's labelled answers compare:
    # the basic monthly pack has 3 GB, the yearly one 10 GB
    assert ask(index, "畅游流量包月包和年包哪个流量多") == {"年包"}
    assert ask(index, "畅游流量包月包和年包哪个便宜") == {"月包"}
    # the same name twice compares that name's first two tiers (3 GB and 10 GB)
    assert ask(index, "畅游流量包月包和月包的流量一不一样") == {"no"}


def test_k2_product_rule_and_included_services(index):
    assert ask(index, "畅游流量没用完下个月还能用吗") == {"当月未用完的流量可结转至次月"}
    assert ask(index, "来电音乐还送什么服务") == {"来电显示", "漏话提醒"}


def test_k2_misspelt_name_is_still_found(index):
    q = kbqa.parse(index, "悦听采铃plus怎么开")
    assert q.product.name == "悦听彩铃Plus"
    assert kbqa.answer_values(q) == ["发送KTYTP到10086"]
    assert q.confidence < 0.9  # not found whole: less sure


@pytest.mark.parametrize(
    "question", ["", "   ", "a" * 5000, "hello world", "？？？", "😀😀", "1234"]
)
def test_k2_bad_input_never_raises(index, question):
    q = kbqa.parse(index, question)
    assert isinstance(kbqa.answer_values(q), list)


def test_k2_answer_f1_is_set_f1_case_insensitive():
    assert evaluation.f1(["A", "b"], ["a", "b"]) == 1.0
    assert evaluation.f1(["a"], ["a", "b"]) == pytest.approx(2 / 3)
    assert evaluation.f1([], ["a"]) == 0.0


def test_k2_real_questions_score_well_on_the_public_graph():
    """The real CCKS 2021 graph and dev questions; the measured figure is in the README."""
    data = shared_data("ccks2021-telecom-kbqa")
    triples.import_dir(data)
    index = kbqa.load_index()
    rows = [json.loads(line) for line in (data / "questions_dev.jsonl").open(encoding="utf-8")]
    result = evaluation.evaluate(index, rows)
    assert result["questions"] == 3952
    assert result["mean_f1"] >= 0.9


def _star_card_and_plus_membership():
    graph = "\n".join(
        [
            "<星卡>\t<档位介绍表>\t<tier:x_0>",
            "<星卡>\t<档位介绍表>\t<tier:x_1>",
            "<tier:x_0>\t<子业务>\t<上网版>",
            "<tier:x_0>\t<价格>\t<19>",
            "<tier:x_1>\t<子业务>\t<Plus版>",
            "<tier:x_1>\t<价格>\t<39>",
            "<星享会员>\t<档位介绍表>\t<tier:m_0>",
            "<tier:m_0>\t<价格>\t<18>",
        ]
    )
    triples.load(triples.parse(graph, "星享会员\tplus|plus会员\n"))
    return kbqa.load_catalogue()


def test_k2_a_name_inside_another_products_version_is_that_version(db):
    """ "plus" names the Plus membership, but in "上网版和Plus版的王卡" it is 王卡's Plus version."""
    index = _star_card_and_plus_membership()
    assert kbqa.parse(index, "plus会员多少钱").product.name == "星享会员"
    q = kbqa.parse(index, "上网版和Plus版的星卡哪个便宜")
    assert q.product.name == "星卡" and q.compare == ("上网版", "plus版")
    assert kbqa.answer_values(q) == ["上网版"]


def test_k2_a_repeated_version_is_searched_again_once_not_once_per_repetition(db, monkeypatch):
    index = _star_card_and_plus_membership()
    calls = []
    parsing = sys.modules["servicehall.knowledge.kbqa.parse"]  # kbqa.parse is the function
    find = parsing._find_product
    monkeypatch.setattr(parsing, "_find_product", lambda i, q: calls.append(q) or find(i, q))
    q = kbqa.parse(index, "Plus版的星卡" * 60)
    assert q.product.name == "星卡" and len(calls) == 2


def test_k2_rules_filed_under_a_shorter_name_and_names_made_of_digits(db):
    graph = "\n".join(
        [
            "<冬季促销>\t<结转规则>\t<当月流量可结转至次月>",
            "<冬季促销活动>\t<档位介绍表>\t<tier:w_0>",
            "<tier:w_0>\t<价格>\t<10>",
            "<邻里礼包活动>\t<档位介绍表>\t<tier:n_0>",
            "<tier:n_0>\t<价格>\t<5>",
        ]
    )
    triples.load(triples.parse(graph, "邻里礼包活动\t888\n"))
    index = kbqa.load_catalogue()
    # one product: the rules of 冬季促销 and the tier of 冬季促销活动
    assert ask(index, "冬季促销的流量能结转吗") == {"当月流量可结转至次月"}
    assert ask(index, "冬季促销多少钱") == {"10"}
    assert ask(index, "888多少钱") == {"5"}
    assert kbqa.parse(index, "18889元的包多少钱").product is None
    assert kbqa.parse(index, "888元的包有哪些").product is None  # an amount, not the name
    assert kbqa.parse(index, "888分钟够用吗").product is None


def test_k2_tiers_named_by_price_are_compared(index):
    """ "10元和20元的哪个流量多": the tiers the prices name, each side labelled as said."""
    q = kbqa.parse(index, "畅游流量包10元和20元的哪个流量多")
    assert q.compare == ("10元", "20元") and q.compare_kind == "more_data"
    assert kbqa.answer_values(q) == ["20元"]
    assert ask(index, "畅游流量包10元的和200元的哪个便宜") == {"10元"}
    assert ask(index, "畅游流量包10元和20元的流量一样吗") == {"no"}


def test_k2_tiers_compared_by_their_own_names(db):
    """Tiers called "96元档"/"126元档" are names the parser finds whole; compared, both count."""
    graph = "\n".join(
        [
            "<合约套餐>\t<档位介绍表>\t<tier:h_0>",
            "<合约套餐>\t<档位介绍表>\t<tier:h_1>",
            "<tier:h_0>\t<产品名称>\t<96元档>",
            "<tier:h_0>\t<价格>\t<96>",
            "<tier:h_0>\t<流量>\t<40960>",
            "<tier:h_1>\t<产品名称>\t<126元档>",
            "<tier:h_1>\t<价格>\t<126>",
            "<tier:h_1>\t<流量>\t<61440>",
        ]
    )
    triples.load(triples.parse(graph, "合约套餐\t5g合约\n"))
    index = kbqa.load_catalogue()
    q = kbqa.parse(index, "5G合约96元档和126元档哪个流量多")
    assert q.compare == ("96元档", "126元档")
    assert kbqa.answer_values(q) == ["126元档"]


def test_k2_where_nothing_is_on_file_under_what_was_asked_its_neighbour_answers(db):
    graph = "\n".join(
        [
            "<合约购机>\t<档位介绍表>\t<tier:h_0>",
            "<tier:h_0>\t<价格>\t<96>",
            "<tier:h_0>\t<取消方式>\t<合约期内不能取消，提前解约须补交返还的话费>",
            "<tier:h_0>\t<开通条件>\t<须实名登记>",
        ]
    )
    triples.load(triples.parse(graph, ""))
    index = kbqa.load_catalogue()
    assert ask(index, "合约购机能取消吗") == {"合约期内不能取消，提前解约须补交返还的话费"}
    assert ask(index, "合约购机怎么办理") == {"须实名登记"}
    assert ask(index, "合约购机多少钱") == {"96"}  # what is on file is answered as asked


def test_k2_the_best_of_the_catalogue_when_no_product_is_named(db):
    """ "哪个套餐最便宜": the cheapest main plan on sale to everyone — not a plan kept for a
    customer group, not one off sale, not a data pack."""
    from datetime import date

    from servicehall.catalog.models import Product, Tier

    def plan(name, kind, price, data_mb, **kw):
        product = Product.objects.create(name=name, kind=kind)
        Tier.objects.create(
            product=product, code=name, name=f"{price}元档", price=price, data_mb=data_mb, **kw
        )

    plan("青春卡", "plan", 19, 3072)
    plan("畅享卡", "plan", 39, 20480)
    plan("尊享卡", "plan", 199, 102400)
    plan("集团卡", "plan", 9, 1024, groups=["group"])  # not for everyone
    plan("旧卡", "plan", 8, 1024, off_sale=date(2020, 1, 1))  # no longer sold
    plan("加油包", "pack", 5, 1024)
    index = kbqa.load_catalogue()

    def best(question):
        q = kbqa.parse(index, question)
        return q.product.name if q.product else None, kbqa.answer_values(q), q.confidence

    assert best("哪个套餐最便宜") == ("青春卡", ["19"], 0.7)
    assert best("流量最多的套餐多少钱") == ("尊享卡", ["199"], 0.7)
    assert best("最便宜的流量包")[:2] == ("加油包", ["5"])
    assert best("畅享卡最便宜多少钱")[:2] == ("畅享卡", ["39"])  # a product named: its own tiers
    assert best("哪个套餐包含的流量最多")[:2] == ("尊享卡", ["102400"])  # 包含 is no 包
    # not a superlative of price or data, or no kind of product said: not a catalogue answer
    for question in ("套餐最低消费多少", "话费最高能透支多少", "哪个最便宜"):
        assert best(question)[0] is None, question


def test_k2_broadband_speed_in_megabits_picks_the_tier(db):
    from servicehall.catalog.models import Product, Tier

    line = Product.objects.create(name="家庭宽带", kind="broadband")
    for speed, price in ((300, 50), (1000, 100)):
        Tier.objects.create(
            product=line, code=f"bb{speed}", name=f"{speed}M档", price=price, bandwidth_mbps=speed
        )
    index = kbqa.load_catalogue()
    assert ask(index, "1000M宽带多少钱") == {"100"}
    assert ask(index, "300兆的家庭宽带多少钱") == {"50"}
    assert ask(index, "家庭宽带有多少兆") == {"300", "1000"}


def test_k2_two_products_compared_tier_by_tier_where_tiers_are_named(db):
    from servicehall.catalog.models import Product, Tier

    for name, tiers in (
        ("畅享卡", ((39, 10240), (59, 30720))),
        ("青春卡", ((19, 3072), (29, 15360))),
    ):
        product = Product.objects.create(name=name, kind="plan")
        for price, data in tiers:
            Tier.objects.create(
                product=product,
                code=f"{name}{price}",
                name=f"{price}元档",
                price=price,
                data_mb=data,
            )
    index = kbqa.load_catalogue()

    def compare(question):
        q = kbqa.parse(index, question)
        return kbqa.answer_values(q), q.confidence >= kbqa.SURE

    assert compare("畅享卡和青春卡哪个流量多") == (["畅享卡"], True)  # by their biggest tiers
    assert compare("畅享卡的39元档和青春卡29元档哪个流量多") == (["青春卡"], True)  # 10GB < 15GB
    assert compare("畅享卡39元档和青春卡29元档流量一样吗") == (["no"], True)
    assert compare("畅享卡和青春卡哪个便宜") == (["青春卡"], True)
    assert compare("畅享卡和青春卡哪个短信多")[1] is False  # not weighed: asked back, not guessed
