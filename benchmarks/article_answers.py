"""Articles as answers (K2, K3): does the right article come first, by words (BM25) or by
meaning (multilingual-e5-small, knowledge/search.py), and how sure may the assistant be that it
answers? Prints one JSON line.

    .venv/bin/python benchmarks/article_answers.py

The articles: the demo's public ones (demo.ARTICLES, ours) and the 39 entries of the 10086 FAQ
(../shared/data/operator-faq/qa.json, when it is there). The questions: our own
(knowledge/data/article_questions.jsonl) — each names the article that answers it, by title or
by the FAQ entry's position, or none ("畅享5G 59元档有多少流量" is the catalogue's).

Measured: `bm25_top1` and `meaning_top1`, the share of answerable questions whose article ranks
first; then the answer calibration (`search.answer_evidence`: similarity, lead over the second,
shared character pairs with the article and its title) fitted by logistic regression — the
weights printed as `calibration` are what `search.ARTICLE_CALIBRATION` holds — and measured
leaving each question out in turn (`left_one_out`: per threshold, how many questions got an
article as the answer and how many of those were right). Nothing here touches a database.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicehall.settings")
os.environ.setdefault("SERVICEHALL_DATA_DIR", str(ROOT / "var"))


def main() -> int:
    import django

    django.setup()
    import bm25s
    import numpy as np

    from servicehall.demo import ARTICLES
    from servicehall.knowledge import calibration, search

    faq_path = ROOT.parent / "shared" / "data" / "operator-faq" / "qa.json"
    faq = (
        list(json.loads(faq_path.read_text(encoding="utf-8")).items()) if faq_path.exists() else []
    )
    articles = [(t, b) for _k, audience, _c, t, b in ARTICLES if audience == "public"] + faq
    titles = [t for t, _ in articles]
    rows = [
        json.loads(line)
        for line in (ROOT / "src/servicehall/knowledge/data/article_questions.jsonl").open()
        if line.strip()
    ]
    questions = []
    for row in rows:
        if row.get("faq") is not None:
            if not faq:
                continue
            gold = faq[row["faq"]][0]
        else:
            gold = row.get("article")
        questions.append((row["question"], gold))

    started = time.perf_counter()
    vectors = search._article_vectors(articles)
    embed_s = time.perf_counter() - started
    model = search.embedder()
    query_vectors = np.stack([model.query(q) for q, _ in questions])
    similarity = query_vectors @ vectors.T

    corpus = [search.words(f"{t}\n{t}\n{b}") for t, b in articles]
    bm25 = bm25s.BM25()
    bm25.index(corpus, show_progress=False)

    def bm25_top(text: str) -> int:
        known = [w for w in search.words(text) if w in bm25.vocab_dict]
        return int(np.argmax(bm25.get_scores(known))) if known else -1

    answerable = [(i, gold) for i, (_, gold) in enumerate(questions) if gold]
    bm25_right = sum(titles[bm25_top(questions[i][0])] == gold for i, gold in answerable)
    meaning_right = sum(titles[int(np.argmax(similarity[i]))] == gold for i, gold in answerable)

    evidence = []
    for i, (question, gold) in enumerate(questions):
        best = int(np.argmax(similarity[i]))
        e = search.answer_evidence(question, similarity[i], *articles[best])
        evidence.append((e, bool(gold) and titles[best] == gold))
    weights = calibration.fit(evidence)
    held_out = []
    for j in range(len(evidence)):
        w = calibration.fit(evidence[:j] + evidence[j + 1 :])
        p = calibration.sigmoid(w @ evidence[j][0])
        held_out.append((p, evidence[j][1]))
    left_one_out = []
    for threshold in (0.3, 0.5, 0.7, 0.9):
        given = [right for p, right in held_out if p >= threshold]
        left_one_out.append(
            {
                "confidence_at_least": threshold,
                "answered": len(given),
                "right": sum(given),
                "share_right": round(sum(given) / len(given), 3) if given else None,
            }
        )
    result = {
        "articles": len(articles),
        "questions": len(questions),
        "answerable": len(answerable),
        "bm25_top1": round(bm25_right / len(answerable), 3),
        "meaning_top1": round(meaning_right / len(answerable), 3),
        "embed_articles_s": round(embed_s, 2),
        "calibration": [round(float(x), 2) for x in weights],
        "left_one_out": left_one_out,
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
