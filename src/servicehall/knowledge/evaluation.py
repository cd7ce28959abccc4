"""The KBQA benchmark (K2): answer labelled questions against a catalogue and score them.

For each question the prediction is the set of catalogue values/IDs the assistant's parse
selects; the score is F1 between that set and the gold `answer` set (`|`-joined), averaged, and
exact match, overall and per `answer_type`. Values are compared case-insensitively and trimmed:
the labels were written against a lower-cased copy of the graph ("7天vip会员资格" for
"7天VIP会员资格"). Only `question` is read to answer.
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

from servicehall.testing import pct

from . import kbqa


def _set(values: Iterable[str]) -> set[str]:
    return {v.strip().lower() for v in values if v and v.strip()}


def f1(predicted: Iterable[str], gold: Iterable[str]) -> float:
    p, g = _set(predicted), _set(gold)
    if not p and not g:
        return 1.0
    common = len(p & g)
    if not common:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def read_questions(path: str) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SystemExit(f"{path}:{n}: not JSON ({exc.msg})") from None
            if not isinstance(row, dict) or not isinstance(row.get("question"), str):
                raise SystemExit(f"{path}:{n}: a JSON object with a 'question' string is required")
            rows.append(row)
    return rows


def evaluate(
    index: kbqa.Index,
    questions: list[dict],
    progress: Callable[[int, int], None] | None = None,
    mistakes: list | None = None,
) -> dict:
    totals = {"f1": 0.0, "em": 0}
    by_type: dict[str, dict] = defaultdict(lambda: {"n": 0, "f1": 0.0, "em": 0})
    timings = []
    for i, row in enumerate(questions):
        started = time.perf_counter()
        predicted = kbqa.answer_values(kbqa.parse(index, row["question"]))
        timings.append((time.perf_counter() - started) * 1000)
        gold = str(row.get("answer", "")).split("|")
        score = f1(predicted, gold)
        exact = _set(predicted) == _set(gold)
        totals["f1"] += score
        totals["em"] += exact
        kind = by_type[row.get("answer_type") or "?"]
        kind["n"] += 1
        kind["f1"] += score
        kind["em"] += exact
        if mistakes is not None and not exact:
            mistakes.append((score, row, predicted))
        if progress:
            progress(i + 1, len(questions))
    n = max(1, len(questions))
    timings.sort()
    return {
        "questions": len(questions),
        "mean_f1": round(totals["f1"] / n, 4),
        "exact_match": round(totals["em"] / n, 4),
        "by_answer_type": {
            k: {
                "questions": v["n"],
                "mean_f1": round(v["f1"] / v["n"], 4),
                "exact_match": round(v["em"] / v["n"], 4),
            }
            for k, v in sorted(by_type.items())
        },
        "p50_ms": round(pct(timings, 50), 2) if timings else 0.0,
        "p99_ms": round(pct(timings, 99), 2) if timings else 0.0,
    }


def _progress(done: int, total: int) -> None:
    if done == total or done % 200 == 0:
        width = 30
        filled = width * done // max(1, total)
        end = "\n" if done == total else ""
        print(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}",
            end=end,
            file=sys.stderr,
            flush=True,
        )


def run_kbqa(
    kb_dir: str,
    questions_path: str,
    mistakes_path: str | None = None,
    train_paths: list[str] | None = None,
) -> dict:
    """`servicehall eval kbqa`: import, learn, answer, print one JSON line (the figures).

    Labelled questions to learn from: the `train_paths` given, else every `*.jsonl` beside the
    graph — never the questions being answered (dropped from the examples by their text), so
    evaluating the file the examples come from measures the phrase lists alone."""
    from servicehall.catalog.triples import import_dir

    from .learning import learn, read_examples

    report = import_dir(kb_dir)
    for problem in report.problems:
        print(f"skipped {problem}", file=sys.stderr)
    index = kbqa.load_catalogue()
    questions = read_questions(questions_path)
    if train_paths is None:
        train_paths = sorted(str(p) for p in Path(kb_dir).glob("*.jsonl"))
    examples = [e for path in train_paths for e in read_examples(path)]
    started = time.perf_counter()
    learned = learn(index, examples, exclude={row["question"] for row in questions})
    print(
        f"learnt from {learned.examples} labelled questions in "
        f"{time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    mistakes: list | None = [] if mistakes_path else None
    result = evaluate(index, questions, progress=_progress, mistakes=mistakes)
    result["trained_on"] = learned.examples
    if mistakes_path:
        with open(mistakes_path, "w", encoding="utf-8") as fh:
            for score, row, predicted in sorted(mistakes, key=lambda m: m[0]):
                fh.write(
                    json.dumps(
                        {
                            "f1": round(score, 3),
                            "question": row["question"],
                            "answer": row.get("answer"),
                            "predicted": predicted,
                        },
                        ensure_ascii=False,
                    )
                    + "\n"
                )
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return result
