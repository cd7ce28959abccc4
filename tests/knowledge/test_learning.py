"""K2: the assistant learns from an operator's labelled questions on top of its phrase lists."""

import json

import pytest

from servicehall.catalog import triples
from servicehall.knowledge import assistant, evaluation, kbqa, learning
from tests.knowledge.kb_fixture import SYNONYMS, TRIPLES
from tests.servers import shared_data

pytestmark = pytest.mark.django_db


def row(question, attribute, entity, constraint=None):
    return json.dumps(
        {
            "question": question,
            "attribute": attribute,
            "entity": entity,
            "constraint_names": constraint,
            "answer_type": "属性值",
        },
        ensure_ascii=False,
    )


# An operator's customers say "咋整" for "how do I get it", which no phrase list knows, and
# call the Plus ring-back tone "来电音乐" although the synonym list gives that name to the basic one.
EXAMPLES = [
    row("畅游流量包咋整", "档位介绍-开通方式", "畅游流量包"),
    row("悦听彩铃咋整啊", "档位介绍-开通方式", "悦听彩铃"),
    row("彩铃咋整", "档位介绍-开通方式", "悦听彩铃"),
    row("畅游包是什么", "档位介绍-业务简介", "畅游流量包"),
    row("来电音乐多少钱", "档位介绍-价格", "悦听彩铃Plus"),
    row("来电音乐怎么开通", "档位介绍-开通方式", "悦听彩铃Plus"),
    row("来电音乐是什么", "档位介绍-业务简介", "悦听彩铃Plus"),
]


@pytest.fixture
def index():
    triples.load(triples.parse(TRIPLES, SYNONYMS))
    return kbqa.load_catalogue()


def test_k2_phrase_lists_alone_miss_what_only_the_examples_teach(index):
    q = kbqa.parse(index, "来电音乐咋整")
    assert q.product.name == "悦听彩铃" and q.attributes == ["业务简介"]


def test_k2_learns_phrasing_and_what_a_name_means_from_labelled_questions(index):
    learned = learning.learn(index, learning.parse_examples(EXAMPLES))
    assert learned.examples == len(EXAMPLES)
    q = kbqa.parse(index, "来电音乐咋整")
    assert q.product.name == "悦听彩铃Plus"
    assert q.attributes == ["开通方式"]
    assert kbqa.answer_values(q) == ["发送KTYTP到10086"]


def test_k2_the_questions_answered_are_never_learnt_from(index):
    examples = learning.parse_examples(EXAMPLES)
    learned = learning.learn(index, examples, exclude={e.question for e in examples})
    assert learned.examples == 0 and learned.attributes is None
    assert kbqa.parse(index, "来电音乐咋整").product.name == "悦听彩铃"


def test_k2_stored_examples_teach_the_assistant(index):
    assert assistant.reply("来电音乐咋整").product == "悦听彩铃"
    learning.store_examples(learning.parse_examples(EXAMPLES), "operator.jsonl")
    reply = assistant.reply("来电音乐咋整")
    assert reply.product == "悦听彩铃Plus" and "KTYTP" in reply.text


def test_examples_file_skips_what_teaches_nothing():
    lines = [
        EXAMPLES[0],
        "not json",
        json.dumps({"question": "没有标注"}),
        "",
        json.dumps(
            {"question": "A和B一样吗", "attribute": "档位介绍-价格", "answer_type": "比较句"}
        ),
    ]
    assert [e.question for e in learning.parse_examples(lines)] == ["畅游流量包咋整"]


def test_k2_learning_from_three_quarters_helps_on_the_held_out_quarter():
    """The held-out quarter (id % 4 == 0) was never looked at while writing the phrase lists;
    the figures are in the README."""
    data = shared_data("ccks2021-telecom-kbqa")
    triples.import_dir(data)
    index = kbqa.load_catalogue()
    rows = [json.loads(line) for line in (data / "questions_dev.jsonl").open(encoding="utf-8")]
    held_out = [r for r in rows if r["id"] % 4 == 0]
    before = evaluation.evaluate(index, held_out)["mean_f1"]
    train = [json.dumps(r, ensure_ascii=False) for r in rows if r["id"] % 4]
    learning.learn(index, learning.parse_examples(train))
    after = evaluation.evaluate(index, held_out)
    assert after["mean_f1"] >= 0.92 and after["mean_f1"] > before + 0.02


def test_k2_learns_which_product_a_nickname_means_from_the_wording(index):
    """ "冲浪卡" is in no synonym list and shares no character with a name; the operator's
    labelled questions say it is 畅游流量包."""
    assert kbqa.parse(index, "冲浪卡咋整").product is None
    nick = [
        row(f"冲浪卡{ask}", attr, "畅游流量包")
        for ask, attr in [
            ("多少钱", "档位介绍-价格"),
            ("怎么开通", "档位介绍-开通方式"),
            ("是什么", "档位介绍-业务简介"),
            ("怎么取消", "档位介绍-取消方式"),
            ("能用多久", "档位介绍-有效期"),
        ]
    ]
    learning.learn(index, learning.parse_examples(EXAMPLES + nick))
    q = kbqa.parse(index, "冲浪卡咋整")
    assert q.product.name == "畅游流量包" and q.attributes == ["开通方式"]
    assert q.named is None and q.confidence < 1.0  # taken from the wording, not a name


def test_k2_where_a_name_fits_two_products_the_examples_wording_decides(db):
    """ "彩铃" names both ring-back tones here; the operator's customers say 普通彩铃 for the
    basic one and 高级彩铃 for Plus."""
    triples.load(triples.parse(TRIPLES, SYNONYMS + "悦听彩铃plus\t彩铃\n"))
    index = kbqa.load_catalogue()
    # phrase lists alone cannot tell: one of the two, whatever the customer meant
    assert kbqa.parse(index, "高级彩铃怎么开").product.name == "悦听彩铃"
    examples = [
        row(f"{kind}彩铃{ask}", attr, product)
        for kind, product in (("普通", "悦听彩铃"), ("高级", "悦听彩铃Plus"))
        for ask, attr in (
            ("多少钱", "档位介绍-价格"),
            ("怎么开通", "档位介绍-开通方式"),
            ("是什么", "档位介绍-业务简介"),
        )
    ]
    learning.learn(index, learning.parse_examples(examples))
    q = kbqa.parse(index, "高级彩铃怎么开")
    assert q.product.name == "悦听彩铃Plus" and kbqa.answer_values(q) == ["发送KTYTP到10086"]
    assert kbqa.parse(index, "普通彩铃怎么开").product.name == "悦听彩铃"


def test_k2_learns_from_the_answers_that_a_version_outweighs_a_price(index):
    """This operator answers "10元月包…" with every monthly tier: its labelled answers say so."""
    q = kbqa.parse(index, "10元月包畅游流量包怎么开通")
    assert kbqa.answer_values(q) == ["发送KTCY10到10086"]  # phrase lists: the 10-yuan tier

    def labelled(question, attribute, answer):
        r = json.loads(row(question, attribute, "畅游流量包", "价格|子业务"))
        return json.dumps(r | {"answer": answer}, ensure_ascii=False)

    examples = [
        labelled(
            "20元月包畅游包怎么开通", "档位介绍-开通方式", "发送KTCY10到10086|发送KTCY20到10086"
        ),
        labelled("10元月包畅游包有多少流量", "档位介绍-流量", "3072|10240"),
        labelled("20元的月包畅游流量包多少流量", "档位介绍-流量", "3072|10240"),
    ]
    learning.store_examples(learning.parse_examples(examples), "operator.jsonl")
    learning.learn(index, learning.stored_examples())  # what import-kb stored teaches it too
    q = kbqa.parse(index, "10元月包畅游流量包怎么开通")
    assert set(kbqa.answer_values(q)) == {"发送KTCY10到10086", "发送KTCY20到10086"}
    # a price alone (no version named) still picks its tier
    assert kbqa.answer_values(kbqa.parse(index, "20元畅游流量包怎么开通")) == ["发送KTCY20到10086"]
