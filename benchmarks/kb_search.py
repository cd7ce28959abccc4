"""Knowledge search benchmark (K1, K3): `knowledge.search.search` over a knowledge base of
synthetic telecom articles. Prints one JSON line.

    .venv/bin/python benchmarks/kb_search.py [--quick] [--articles N] [--queries Q]
    DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/servicehall_kb \\
        .venv/bin/python benchmarks/kb_search.py

A fresh database (servicehall.testing.fresh_database: a temporary SQLite data dir, or a new
PostgreSQL database beside the one DATABASE_URL names, dropped after). In a subprocess against
it: migrate, then `--articles` published articles (default 2,000, quick 300) written straight
into the tables — titles and bodies put together at random from telecom topics, actions and
details, with the real operator FAQ of ../shared/data/operator-faq added when it is there.

Measured in that process, as a web process meets them: `cold_ms` — the first search, which
loads jieba (from its cache in the data dir after the first run ever) and builds the index;
`index_ms` — a rebuild alone (what a publication costs each process); then `--queries` searches
(default 2,000, quick 300) of three kinds in turn — a title's two longest words, a customer's
phrasing built from a topic's synonym, and a case's subject and description (agent assist, up
to 300 characters) — timed one by one: `p50_ms`, `p99_ms`. `empty_share` is the share of queries
with no hit. The exit status is 1 only when something went wrong.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

from servicehall.testing import fresh_database, pct, r1, report, run_step, setup_django

TOPICS = [
    "宽带",
    "光纤",
    "流量",
    "套餐",
    "停机保号",
    "携号转网",
    "国际漫游",
    "发票",
    "补卡",
    "话费",
    "积分",
    "亲情网",
    "副卡",
    "密码",
    "实名登记",
    "信号",
    "详单",
    "缴费",
    "靓号",
    "合约",
]
ACTIONS = ["办理", "变更", "取消", "查询", "开通", "报障", "退订", "升级", "迁移", "恢复"]
DETAILS = [
    "需要机主本人携带身份证件到营业厅办理。",
    "可以通过网上营业厅或手机营业厅自助办理。",
    "次月一日起生效，当月按原规则计费。",
    "城镇地区四十八小时内处理完毕，农村地区七十二小时。",
    "合约期内不能降档，到期后可以自由变更。",
    "欠费时无法办理，请先缴清欠款。",
    "集团客户请联系客户经理统一办理。",
    "办理成功后会收到短信通知。",
    "费用按月收取，退订后次月不再收费。",
    "如有疑问可以到附近营业厅咨询。",
]
CUSTOMER_WORDS = {
    "宽带": "家里网络",
    "流量": "上网",
    "套餐": "资费",
    "取消": "不要了",
    "补卡": "手机卡丢了",
}
FAQ = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "operator-faq" / "qa.json"


def corpus(n: int, rng: random.Random) -> list[tuple[str, str]]:
    out = []
    if FAQ.exists():
        out += list(json.loads(FAQ.read_text(encoding="utf-8")).items())
    while len(out) < n:
        topic, action = rng.choice(TOPICS), rng.choice(ACTIONS)
        title = f"{topic}{action}{rng.choice(['须知', '规则', '流程', '常见问题', ''])}{len(out)}"
        body = f"{topic}{action}说明：" + "".join(rng.sample(DETAILS, 4))
        out.append((title, body))
    return out[:n]


def setup(n: int, seed: int) -> dict:
    setup_django()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from servicehall.knowledge.models import Article, ArticleVersion

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench-author")
    now = timezone.now()
    rng = random.Random(seed)
    docs = corpus(n, rng)
    articles = Article.objects.bulk_create(
        Article(
            kind="faq" if i % 3 else "article",
            audience="public" if i % 4 else "staff",
            status="published",
            created_by=user,
            served_changed_at=now,
        )
        for i in range(len(docs))
    )
    versions = ArticleVersion.objects.bulk_create(
        ArticleVersion(
            article=a, number=1, title=t, body=b, editor=user, created_at=now, published_at=now
        )
        for a, (t, b) in zip(articles, docs, strict=True)
    )
    for a, v in zip(articles, versions, strict=True):
        a.head = a.published = v
    Article.objects.bulk_update(articles, ["head", "published"], batch_size=500)
    return {"articles": len(docs), "titles": [t for t, _ in docs]}


def measure(n_queries: int, seed: int, titles: list[str]) -> dict:
    setup_django()
    from servicehall.knowledge import search

    rng = random.Random(seed + 1)
    t0 = time.perf_counter()
    search.search("宽带断网怎么办")
    cold_ms = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    search.build_index()
    index_ms = (time.perf_counter() - t0) * 1000
    queries = []
    for i in range(n_queries):
        if i % 3 == 0:
            words = list(dict.fromkeys(search.words(rng.choice(titles))))
            queries.append(" ".join(sorted(words, key=len, reverse=True)[:2]))
        elif i % 3 == 1:
            word, said = rng.choice(list(CUSTOMER_WORDS.items()))
            queries.append(f"{said}{rng.choice(ACTIONS)}怎么弄")
        else:
            queries.append(
                (
                    f"{rng.choice(TOPICS)}{rng.choice(ACTIONS)}问题\n客户反映"
                    + rng.choice(DETAILS) * 3
                )[:300]
            )
    times, empty = [], 0
    for q in queries:
        t0 = time.perf_counter()
        hits = search.search(q, limit=5, audience="staff" if len(times) % 2 else "public")
        times.append((time.perf_counter() - t0) * 1000)
        empty += not hits
    return {
        "cold_ms": r1(cold_ms),
        "index_ms": r1(index_ms),
        "queries": len(queries),
        "p50_ms": r1(pct(times, 50)),
        "p99_ms": r1(pct(times, 99)),
        "empty_share": round(empty / len(queries), 3),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a small run, a few seconds")
    ap.add_argument("--articles", type=int, help="published articles (default 2,000, quick 300)")
    ap.add_argument("--queries", type=int, help="searches timed (default 2,000, quick 300)")
    ap.add_argument("--seed", type=int, default=20261123)
    ap.add_argument("--internal", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.internal:
        step, *rest = args.internal
        if step == "setup":
            out = setup(int(rest[0]), args.seed)
            Path(rest[1]).write_text(json.dumps(out["titles"], ensure_ascii=False))
            out = {"articles": out["articles"]}
        else:
            out = measure(int(rest[0]), args.seed, json.loads(Path(rest[1]).read_text()))
        print(json.dumps(out))
        return 0
    n = args.articles or (300 if args.quick else 2000)
    q = args.queries or (300 if args.quick else 2000)
    with fresh_database("kb-search") as (env, db):
        titles_file = str(Path(env["SERVICEHALL_DATA_DIR"]) / "titles.json")
        built = run_step(__file__, env, "setup", str(n), titles_file)
        measured = run_step(__file__, env, "measure", str(q), titles_file)
    out = {"benchmark": "kb_search", "database": db, **built, **measured}
    return report(__file__, out, [], print)


if __name__ == "__main__":
    sys.exit(main())
