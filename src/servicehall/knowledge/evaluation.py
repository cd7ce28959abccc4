"""The KBQA benchmark (K2): answer labelled questions against a catalogue and score them.

For each question the prediction is the set of catalogue values/IDs the assistant's parse
selects; the score is F1 between that set and the gold `answer` set (`|`-joined), averaged, and
exact match, overall and per `answer_type`. Values are compared case-insensitively and trimmed:
the labels were written against a lower-cased copy of the graph ("7天vip会员资格" for
"7天VIP会员资格"). Only `question` is read to answer.
"""

from __future__ import annotations

import itertools
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


def per_type(by_type: dict, **shares: str) -> dict:
    """Per answer type: how many questions, their mean F1, and each share asked for (name in
    the figures → the count kept per type)."""
    return {
        k: {"questions": v["n"], "mean_f1": round(v["f1"] / v["n"], 4)}
        | {name: round(v[kept] / v["n"], 4) for name, kept in shares.items()}
        for k, v in sorted(by_type.items())
    }


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
        "by_answer_type": per_type(by_type, exact_match="em"),
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


# --- the whole assistant (K2): `servicehall eval assistant` ---------------------------------

ANSWERED = ("answer", "article")  # the reply kinds that give a product fact or an article


def reply_values(r) -> list[str]:
    """What a reply answered, scored against the labels: a catalogue answer's values; an article
    or anything else answers no catalogue value."""
    return list(r.values) if r.kind == "answer" else []


def _folds(rows: list[dict], k: int) -> list[list[dict]]:
    """The labelled questions in k folds by their id (id % k), as the README's held-out quarter."""
    out: list[list[dict]] = [[] for _ in range(k)]
    for n, row in enumerate(rows):
        key = row.get("id", n)
        out[(key if isinstance(key, int) else n) % k].append(row)
    return out


RELIABILITY_EDGES = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)


def reliability(rows: list[tuple[float, bool]], edges=RELIABILITY_EDGES) -> list[dict]:
    """The reliability table of the replies given (confidence, right): per band of confidence
    [x, next x), how many, their mean confidence and the share right — calibrated when the two
    agree — and, as the issue asks it, the share right among all given at confidence ≥ x."""
    out = []
    for low, high in zip(edges, (*edges[1:], 1.01), strict=True):
        band = [(c, right) for c, right in rows if low <= c < high]
        given = [right for c, right in rows if c >= low]
        out.append(
            {
                "confidence_from": low,
                "replies": len(band),
                "mean_confidence": round(sum(c for c, _ in band) / len(band), 4) if band else None,
                "right": round(sum(r for _, r in band) / len(band), 4) if band else None,
                "right_at_least": round(sum(given) / len(given), 4) if given else None,
            }
        )
    return out


def run_assistant(
    kb_dir: str,
    articles_path: str | None,
    questions_path: str,
    oos_path: str | None,
    *,
    train_paths: list[str] | None = None,
    folds: int = 0,
    dump_path: str | None = None,
) -> dict:
    """`servicehall eval assistant`: a fresh catalogue and articles, every question through the
    chat's own reply path (`assistant.reply`), one JSON line of figures.

    Labelled questions learnt from are stored as the hall's own (`LabelledQuestion` rows), as
    `import-kb` stores them, so the reply path learns them as in production. With `folds` k the
    questions are split by id % k and each fold is answered by what the other folds teach;
    otherwise as `eval kbqa` (the `train_paths`, else the *.jsonl beside the graph, never the
    questions answered)."""
    from servicehall.catalog.triples import import_dir

    from . import assistant, scope
    from .learning import read_examples, store_examples

    report = import_dir(kb_dir)
    for problem in report.problems:
        print(f"skipped {problem}", file=sys.stderr)
    if articles_path:
        _import_articles(articles_path)
    questions = read_questions(questions_path)
    oos = read_questions(oos_path) if oos_path else []
    # rounds: (labelled questions asked, out-of-scope asked, examples learnt, scope model)
    if folds and folds > 1:
        # each fold answered by what the others teach: the labelled examples and the scope model
        # (retrained without the fold's labelled and out-of-scope questions)
        split, oos_split = _folds(questions, folds), [oos[k::folds] for k in range(folds)]
        named = _named_in(kbqa.load_catalogue(), questions, oos)
        extra = _scope_extra(articles_path, named)
        rounds = []
        for k in range(folds):
            train = [q for f, rows in enumerate(split) if f != k for q in rows]
            outside = [named(q) for f, rows in enumerate(oos_split) if f != k for q in rows]
            model = scope.train([named(q) for q in train] + extra, outside) if oos else None
            if model is not None and scope.model() is not None:
                model.calibration = scope.model().calibration
            rounds.append((split[k], oos_split[k], _examples(train), model))
    else:
        if train_paths is None:
            train_paths = sorted(str(p) for p in Path(kb_dir).glob("*.jsonl"))
        asked = {row["question"] for row in questions}
        train = [e for path in train_paths for e in read_examples(path) if e.question not in asked]
        rounds = [(questions, oos, train, None)]
    totals = {"f1": 0.0, "answered": 0, "oos_answered": 0}
    by_type: dict[str, dict] = defaultdict(lambda: {"n": 0, "f1": 0.0, "answered": 0})
    oos_answered: list[str] = []
    timings: list[float] = []
    calibration: list[tuple[float, bool]] = []
    dumped: list[dict] = []
    done, total = 0, len(questions) + len(oos)
    shipped = scope.model()
    for asked_rows, oos_rows, examples, model in rounds:
        store_examples(examples, "eval")
        scope.use(model or shipped)
        assistant.catalogue_index()  # learn now, not inside the first timed reply
        batch = [(row, True) for row in asked_rows] + [(row, False) for row in oos_rows]
        for row, labelled in batch:
            started = time.perf_counter()
            r = assistant.reply(row["question"])
            timings.append((time.perf_counter() - started) * 1000)
            answered = r.kind in ANSWERED
            if labelled:
                gold = str(row.get("answer", "")).split("|")
                score = f1(reply_values(r), gold)
                totals["f1"] += score
                totals["answered"] += answered
                kind = by_type[row.get("answer_type") or "?"]
                kind["n"] += 1
                kind["f1"] += score
                kind["answered"] += answered
                right = _set(reply_values(r)) == _set(gold)
            else:
                score, right = 0.0, False
                totals["oos_answered"] += answered
                if answered:
                    oos_answered.append(row["question"])
            if answered:
                calibration.append((r.confidence, right))
            if dump_path:
                dumped.append(
                    {
                        "question": row["question"],
                        "labelled": labelled,
                        "source": row.get("source") or row.get("answer_type"),
                        "kind": r.kind,
                        "confidence": r.confidence,
                        "f1": round(score, 3),
                        "right": right,
                        "answer": row.get("answer"),
                        "values": reply_values(r),
                        "product": r.product,
                        "articles": [a["title"] for a in r.articles],
                        "evidence": _evidence(row["question"]),
                    }
                )
            done += 1
            _progress(done, total)
    scope.use(shipped)
    timings.sort()
    nq, no = max(1, len(questions)), max(1, len(oos))
    result = {
        "questions": len(questions),
        "mean_f1": round(totals["f1"] / nq, 4),
        "answered": round(totals["answered"] / nq, 4),
        "out_of_scope": len(oos),
        "out_of_scope_answered": round(totals["oos_answered"] / no, 4),
        "p50_ms": round(pct(timings, 50), 2) if timings else 0.0,
        "p99_ms": round(pct(timings, 99), 2) if timings else 0.0,
        "folds": folds if folds and folds > 1 else None,
        "by_answer_type": per_type(by_type, answered="answered"),
        "out_of_scope_answered_questions": oos_answered[:20],
        "reliability": reliability(calibration),
    }
    if dump_path:
        with open(dump_path, "w", encoding="utf-8") as fh:
            for row in dumped:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return result


def _named_in(index, *row_lists):
    """question row → (question, the catalogue's names in it: scope.names_in), parsed once."""
    from . import scope

    found = {
        row["question"]: scope.names_in(kbqa.parse(index, row["question"]))
        for rows in row_lists
        for row in rows
    }

    def named(row) -> tuple[str, tuple[str, ...]]:
        text = row if isinstance(row, str) else row["question"]
        return text, found[text] if text in found else scope.names_in(kbqa.parse(index, text))

    return named


def _scope_extra(articles_path: str | None, named) -> list[tuple[str, str | None]]:
    """In scope beside the labelled questions: the articles' titles and our own questions."""
    titles = [t for t, _ in _article_rows(articles_path)] if articles_path else []
    from . import scope

    return [named(t) for t in titles + scope.own_questions()]


def _evidence(question: str) -> dict:
    """What the reply's confidence was computed from (for --dump)."""
    from . import assistant, scope

    index = assistant.catalogue_index()
    query = kbqa.parse(index, question)
    return {
        "in_scope": round(scope.probability(question, scope.names_in(query)), 4),
        "parse": query.confidence,
        "named": query.named,
        "asked": query.rule_attributes,
    }


def _examples(rows: list[dict]):
    from .learning import parse_examples

    return parse_examples(json.dumps(r, ensure_ascii=False) for r in rows)


def _article_rows(path: str) -> list[tuple[str, str]]:
    """(title, answer) of an articles file (JSON title → answer, or CSV: articles_file)."""
    from . import articles_file

    with open(path, "rb") as fh:
        return [(e.title, e.answer) for e in articles_file.read(fh, path)]


def _import_articles(path: str) -> None:
    """The articles as `servicehall import-articles` publishes them."""
    from . import articles_file
    from .services import import_articles

    with open(path, "rb") as fh:
        import_articles(articles_file.read(fh, path), source=Path(path).name)


def run_train_scope(
    kb_dir: str,
    questions_path: str,
    oos_path: str,
    *,
    articles_path: str | None = None,
    folds: int = 4,
    out: str | None = None,
) -> dict:
    """`servicehall train-scope`: the scope model (knowledge.scope) and the calibration of the
    catalogue's answers, from labelled and out-of-scope questions.

    The calibration is fitted on what each fold's question got from a parse and a scope model
    that never saw it (k folds by id % k for the labelled questions, by line for the
    out-of-scope ones), so it learns how right answers are on unseen questions; the shipped scope
    model is then trained on everything. Prints the reliability of the fitted confidence (one
    JSON line) and writes the model (default: the package's scope_model.npz)."""
    from servicehall.catalog.triples import import_dir

    from . import scope
    from .calibration import fit, sigmoid
    from .learning import learn

    import_dir(kb_dir)
    base = kbqa.load_catalogue()
    questions = read_questions(questions_path)
    oos = read_questions(oos_path)
    named = _named_in(base, questions, oos)
    inside_extra = _scope_extra(articles_path, named)
    split, oos_split = _folds(questions, folds), [oos[k::folds] for k in range(folds)]
    evidence_rows: list[tuple] = []
    for k in range(folds):
        train = [q for f, rows in enumerate(split) if f != k for q in rows]
        outside = [named(q) for f, rows in enumerate(oos_split) if f != k for q in rows]
        model = scope.train([named(q) for q in train] + inside_extra, outside)
        # each question parsed as a hall with labelled questions would, and as one without
        learnt = kbqa.load_catalogue() if k else base
        learn(learnt, _examples(train))
        bare = kbqa.load_catalogue()
        asked = [(r, True) for r in split[k]] + [(r, False) for r in oos_split[k]]
        for (row, labelled), index in itertools.product(asked, (learnt, bare)):
            query = kbqa.parse(index, row["question"])
            if query.product is None:
                continue
            right = labelled and _set(kbqa.answer_values(query)) == _set(
                str(row.get("answer", "")).split("|")
            )
            p = model.probability(row["question"], scope.names_in(query))
            evidence_rows.append((scope.evidence(query, p, index is learnt), right))
        print(f"fold {k + 1}/{folds}", file=sys.stderr, flush=True)
    calibration = fit(evidence_rows)
    final = scope.train([named(q) for q in questions] + inside_extra, [named(q) for q in oos])
    final.calibration = calibration
    final.save(Path(out) if out else scope.MODEL_FILE)
    fitted = [(sigmoid(calibration @ e), right) for e, right in evidence_rows]
    result = {
        "questions": len(questions),
        "out_of_scope": len(oos),
        "folds": folds,
        "calibration": [round(float(w), 4) for w in calibration],
        "reliability": reliability(fitted),
    }
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return result
