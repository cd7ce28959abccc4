"""K2: `servicehall import-articles FILE` — an operator's questions and answers (a JSON object
title → answer, or a CSV title,answer) become published articles the assistant and search find
at once; importing again is harmless; a bad file is refused whole, naming the line or key, with
nothing written."""

import json
import threading

import pytest
from django.db import connection

from servicehall import cli
from servicehall.core.audit import system_actor
from servicehall.core.errors import ServiceError
from servicehall.knowledge import articles_file, search, services
from servicehall.knowledge.models import Article, ArticleEvent, Category, Status
from tests.conftest import client_for
from tests.factories import make_staff
from tests.servers import shared_data

pytestmark = pytest.mark.django_db

BOM = b"\xef\xbb\xbf"
CSV = (
    "标题,答案\n"
    "营业厅几点关门,周一至周日 9:00-18:00，法定节假日以公告为准。\n"
    '销户要带什么,"本人有效身份证件原件；\n销户前须结清话费。"\n'
    "补卡要带什么,本人有效身份证件原件，补卡费10元。\n"
)


def run(data: bytes, name: str, **options) -> dict:
    return services.import_articles(articles_file.read(data, name), source=name, **options)


def live(title: str) -> Article:
    return Article.objects.get(published__title=title, status=Status.PUBLISHED)


def test_k2_the_real_operator_faq_imports_as_39_published_articles_search_finds():
    path = shared_data("operator-faq", "qa.json")
    qa = json.loads(path.read_text(encoding="utf-8"))
    assert run(path.read_bytes(), path.name) == {"created": 39, "updated": 0, "unchanged": 0}
    articles = Article.objects.filter(status=Status.PUBLISHED, audience="public", kind="faq")
    assert articles.count() == 39
    # as plain text: the FAQ's HTML (<br/>, links, escaped twice) is words and addresses
    assert {a.published.title: a.published.body for a in articles} == {
        title: articles_file.plain(answer) for title, answer in qa.items()
    }
    bodies = "".join(a.published.body for a in articles)
    assert "<br" not in bodies and "&lt;" not in bodies and "href" not in bodies
    assert "【点击这里】（https://wap.js.10086.cn/TCJYWCX_CPTC.thtml）" in bodies
    for title in ("亲情网业务规则", "忘记密码了该怎么办", "流量比较划算的套餐"):
        hits = search.search(title, limit=1)  # the public search: what the assistant reads
        assert [h.article_id for h in hits] == [live(title).pk]
    event = ArticleEvent.objects.get(article=live("亲情网业务规则"))
    assert (event.kind, event.actor.username, event.to_status) == (
        "imported",
        "import",
        "published",
    )
    assert "qa.json" in event.note


def test_k2_csv_with_chinese_header_and_bom_and_the_kind_audience_category_asked(hall):
    category = Category.objects.filter(parent__isnull=False).first()
    result = run(
        BOM + CSV.encode(), "hall-faq.csv", kind="article", audience="staff", category=category.code
    )
    assert result == {"created": 3, "updated": 0, "unchanged": 0}
    closing = live("销户要带什么")
    assert closing.published.body == "本人有效身份证件原件；\n销户前须结清话费。"
    assert (closing.kind, closing.audience, closing.category) == ("article", "staff", category)
    assert search.search("销户", audience="staff")[0].article_id == closing.pk
    assert search.search("销户") == []  # staff only: not for customers
    # the reviewer reads where it came from on the article's history
    page = client_for(make_staff("hall_manager", hall)).get(f"/kb/{closing.pk}/")
    assert "已导入" in page.content.decode() and "hall-faq.csv" in page.content.decode()


def test_k2_an_english_header_in_any_order_is_read_too():
    data = b"answer,title\n\xe5\x91\xa8\xe4\xb8\x80\xe8\x87\xb3\xe5\x91\xa8\xe6\x97\xa5,hours\n"
    assert run(data, "x.csv")["created"] == 1
    assert live("hours").published.body == "周一至周日"


def test_k2_importing_again_is_harmless_and_a_changed_answer_is_a_new_version():
    run(CSV.encode(), "faq.csv")
    assert run(CSV.encode(), "faq.csv") == {"created": 0, "updated": 0, "unchanged": 3}
    assert Article.objects.count() == 3 and ArticleEvent.objects.count() == 3
    changed = CSV.replace("补卡费10元", "补卡免费") + "携号转网,在网满规定期限即可申请。\n"
    assert run(changed.encode(), "faq-v2.csv") == {"created": 1, "updated": 1, "unchanged": 2}
    card = live("补卡要带什么")
    assert (card.published.number, card.published.body) == (2, "本人有效身份证件原件，补卡免费。")
    assert card.versions.count() == 2 and card.events.count() == 2
    assert search.search("补卡免费")[0].article_id == card.pk  # the new text serves at once
    assert Article.objects.count() == 4


def test_k2_a_title_being_edited_gets_the_file_published_over_it(hall):
    """An article of that title someone is editing: the file's answer is published as a new
    version; the draft stays in the history, and its editor's stale form is refused (409)."""
    author = make_staff("care_desk", hall)
    run(CSV.encode(), "faq.csv")
    card = live("补卡要带什么")
    services.edit_article(author, card.pk, version=1, body="草稿中的新说法")
    result = run(CSV.replace("补卡费10元", "补卡费5元").encode(), "faq.csv")
    assert result == {"created": 0, "updated": 1, "unchanged": 2}
    card.refresh_from_db()
    assert (card.status, card.published.number, card.published.body) == (
        "published",
        3,
        "本人有效身份证件原件，补卡费5元。",
    )
    with pytest.raises(ServiceError) as e:
        services.edit_article(author, card.pk, version=2, body="过时的表单")
    assert e.value.code == "stale_version"


LONG = "问" * 121
BAD_FILES = [  # (file name, bytes, code, field, where: line or key, words in the message)
    ("x.json", b'{"a": "b",,}', "bad_file", "file", {"line": 1}, "不是有效的JSON"),
    ("x.json", b'["a", "b"]', "bad_file", "file", {}, "JSON对象"),
    ("x.json", b'{"ok": "fine", "n": 3}', "bad_file", "file", {"key": "n"}, "键“n”"),
    ("x.json", b'{"ok": "fine", "": "x"}', "required", "title", {"key": ""}, "请填写标题"),
    ("x.json", '{"空": "  "}'.encode(), "required", "answer", {"key": "空"}, "键“空”"),
    ("x.json", f'{{"{LONG}": "x"}}'.encode(), "too_long", "title", {"key": LONG}, "120"),
    ("x.json", b'{"a": "x\\u0000y"}', "invalid_character", "answer", {"key": "a"}, "NUL"),
    ("x.json", b'{"a": "1", "b": "2", "a": "3"}', "duplicate_title", "title", {}, "重复"),
    ("x.json", b"\xff\xfe{}", "bad_file", "file", {"line": 1}, "UTF-8"),
    ("x.json", b"  ", "empty_file", "file", {}, "文件为空"),
    ("x.csv", "标题,答案\n甲,1\n,2\n".encode(), "required", "title", {"line": 3}, "第3行"),
    ("x.csv", "标题,答案\n甲,1\n乙,\n".encode(), "required", "answer", {"line": 3}, "第3行"),
    ("x.csv", f"标题,答案\n甲,{'答' * 20001}\n".encode(), "too_long", "answer", {"line": 2}, ""),
    ("x.csv", "标题,答案\n甲,1\n乙\x00,2\n".encode(), "bad_file", "file", {"line": 3}, "第3行"),
    (
        "x.csv",
        "标题,答案\n甲,1\n乙,2\n甲,3\n".encode(),
        "duplicate_title",
        "title",
        {"line": 4},
        "第2行",
    ),
    ("x.csv", "问题,回答\n甲,1\n".encode(), "missing_column", "file", {"line": 1}, "表头"),
    ("x.csv", "标题\n甲\n".encode(), "missing_column", "file", {"line": 1}, "答案"),
]


@pytest.mark.parametrize(("name", "data", "code", "field", "where", "words"), BAD_FILES)
def test_k2_a_bad_file_is_refused_whole_naming_where_and_nothing_is_written(
    name, data, code, field, where, words
):
    before = CSV.encode()
    run(before, "before.csv")  # what an earlier import left must stay as it was
    with pytest.raises(ServiceError) as e:
        run(data, name)
    err = e.value
    assert (err.code, err.field, err.status) == (code, field, 422)
    assert words in err.zh and err.en and err.en != err.zh
    if where:
        assert where.items() <= err.extra["errors"][0].items()
    assert Article.objects.count() == 3 and ArticleEvent.objects.count() == 3


def test_k2_a_good_start_and_one_bad_entry_writes_nothing():
    data = (CSV + "新标题,\n").encode()
    with pytest.raises(ServiceError) as e:
        run(data, "x.csv")
    assert e.value.en.startswith("Line 6: Please fill in the answer")
    assert not Article.objects.exists()


def test_k2_size_and_entry_limits_before_anything_is_written():
    with pytest.raises(ServiceError) as e:
        run(b"{" + b" " * (5 * 1024 * 1024) + b"}", "big.json")
    assert (e.value.code, e.value.status) == ("too_large", 413)
    rows = "".join(f"问题{i},答案{i}\n" for i in range(5001))
    with pytest.raises(ServiceError) as e:
        run(("标题,答案\n" + rows).encode(), "many.csv")
    assert (e.value.code, e.value.extra["errors"][0]["line"]) == ("too_many_rows", 5002)
    many = json.dumps({f"问题{i}": "答" for i in range(5001)}, ensure_ascii=False)
    with pytest.raises(ServiceError) as e:
        run(many.encode(), "many.json")
    assert e.value.code == "too_many_rows"
    assert not Article.objects.exists()


def test_k2_only_who_may_write_and_publish_imports(hall):
    entries = articles_file.read(CSV.encode(), "x.csv")
    with pytest.raises(ServiceError) as e:
        services.import_articles(entries, source="x.csv", user=make_staff("care_desk", hall))
    assert e.value.status == 403  # writes articles, but may not publish them
    assert not Article.objects.exists()
    manager = make_staff("hall_manager", hall)
    services.import_articles(entries, source="x.csv", user=manager)
    assert {e.actor_id for e in ArticleEvent.objects.all()} == {manager.pk}


def test_k2_the_command_prints_one_json_line_and_refuses_a_bad_file_with_exit_2(tmp_path, capsys):
    good = tmp_path / "hall.csv"
    good.write_bytes(BOM + CSV.encode())
    cli.main(["import-articles", str(good), "--audience", "public"])
    out = capsys.readouterr().out.strip().splitlines()
    assert [json.loads(line) for line in out] == [{"created": 3, "updated": 0, "unchanged": 0}]
    bad = tmp_path / "bad.json"
    bad.write_text('{"营业厅几点关门": "改了", "补卡": 10}', encoding="utf-8")
    said = []
    for args in (
        [str(bad)],
        [str(tmp_path / "missing.csv")],
        [str(good), "--kind", "poem"],
        [str(good), "--category", "no-such"],
    ):
        with pytest.raises(SystemExit) as e:
            cli.main(["import-articles", *args])
        assert e.value.code == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("错误：") and " / Error: " in err[0]
        said.append(err[0])
    assert "键“补卡”" in said[0] and "Key “补卡”" in said[0]
    assert "missing.csv" in said[1] and "poem" in said[2] and "no-such" in said[3]
    assert live("营业厅几点关门").published.body.startswith("周一至周日")  # nothing written
    assert ArticleEvent.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_k2_the_same_file_imported_twice_at_once_makes_each_article_once():
    rows = "".join(f"问题{i},答案{i}\n" for i in range(200))
    entries = articles_file.read(("标题,答案\n" + rows).encode(), "x.csv")
    system_actor(services.IMPORT_ACTOR)  # as after a first import: nothing else to wait on
    barrier = threading.Barrier(2)
    results = []

    def importing():
        try:
            barrier.wait()
            results.append(services.import_articles(entries, source="x.csv"))
        finally:
            connection.close()

    threads = [threading.Thread(target=importing) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r["created"] for r in results) == [0, 200]
    assert sorted(r["unchanged"] for r in results) == [0, 200]
    assert Article.objects.count() == 200


def test_k2_an_import_never_turns_a_public_article_into_staff_text():
    """A staff file whose title is a public article's: refused whole, the public text stays."""
    run("title,answer\n停机保号,停机保号每月收取少量保号费。\n".encode(), "faq.csv")
    public = live("停机保号")
    staff_csv = "title,answer\n新业务,内部说明\n停机保号,内部：口令NEIBU-001\n".encode()
    with pytest.raises(ServiceError) as refused:
        run(staff_csv, "staff.csv", audience="staff")
    assert refused.value.code == "audience_conflict" and "第3行" in refused.value.zh
    public.refresh_from_db()
    assert public.published.body == "停机保号每月收取少量保号费。"
    assert not Article.objects.filter(published__title="新业务").exists()


@pytest.mark.parametrize(
    ("data", "name", "said"),
    [
        (b'{"\\ud800": "x"}', "lone.json", "U+D800"),
        ('{"标题": "答案\\u0001"}'.encode(), "control.json", "U+0001"),
        (
            "标题,答案\n题目一,答案一\n".encode() + "题目二,答案二\n".encode("gbk"),
            "mixed.csv",
            "混有不同的编码",
        ),
    ],
)
def test_k2_characters_no_page_shows_and_mixed_encodings_are_refused(data, name, said):
    with pytest.raises(ServiceError) as refused:
        run(data, name)
    assert said in refused.value.zh
    assert not Article.objects.exists()
