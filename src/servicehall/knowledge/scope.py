"""Is a message something the assistant is for (K2)? The probability that a customer's message is
a question about our plans, services, bills or halls — not chit-chat, an order for a phone's
voice assistant ("打开酷狗并随机播放"), or a question about an operator's annual report that happens
to be full of telecom words.

A logistic regression over the message's characters (1- to 3-grams, hashed into `BUCKETS`
weights, plus its length), with the product the catalogue finds named in it masked ("□多少钱"):
so the model learns how customers ask, not which products one operator sells, and a hall's own
catalogue is in scope by its names. Trained by `servicehall train-scope` on:

- in scope: the labelled plan questions (CCKS 2021, `../shared/data`), the 10086 FAQ titles and
  our own questions about the halls (`in_scope.txt`, written for this project);
- out of scope: the 1,617 development questions of `../shared/data/out-of-scope`.

Only the weights ship (`scope_model.npz`: float16, no text of the data sets is in it). The
evaluation (`servicehall eval assistant --folds k`) retrains per fold, never on the questions it
then measures. The assistant uses the probability as one input of its confidence (assistant.py).
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .calibration import sigmoid
from .kbqa import normalize

BUCKETS = 1 << 16
MODEL_FILE = Path(__file__).with_name("scope_model.npz")
IN_SCOPE_FILE = Path(__file__).parent / "data" / "in_scope.txt"
_LENGTH = BUCKETS  # one more weight: the length of the message (log)


def names_in(query) -> tuple[str, ...]:
    """The catalogue's names a parsed question uses, as it writes them: the product found whole
    and the two sides of a comparison."""
    return tuple(n for n in (query.named, *(query.compare or ())) if n)


def grams(text: str, names: tuple[str, ...] = ()) -> np.ndarray:
    """The hashed character 1–3-grams of a message, each once, with the message's start and end
    marked ("^打", "放$") and the catalogue's names in it (`names_in`) masked."""
    t = normalize(text)
    for name in sorted(names, key=len, reverse=True):
        t = t.replace(normalize(name), "□")
    t = "^" + t[:200] + "$"
    out = {t[i : i + n] for n in (1, 2, 3) for i in range(len(t) - n + 1)} - {"^", "$"}
    return np.fromiter(
        (zlib.crc32(g.encode()) % BUCKETS for g in out), dtype=np.int64, count=len(out)
    )


def _length(text: str) -> float:
    return float(np.log1p(len(text)))


def evidence(query, in_scope: float, learnt: bool = True) -> np.ndarray:
    """What the confidence of a catalogue answer is computed from: how sure the message is in
    scope (as log-odds), how sure the parse is of the product, whether the product is named
    whole, whether it is a comparison, and whether the product was guessed from the name's
    characters alone — not named, and no labelled questions learnt to back the guess."""
    p = min(max(in_scope, 1e-4), 1 - 1e-4)
    return np.array(
        [
            1.0,
            float(np.log(p / (1 - p))),
            float(query.confidence),
            float(bool(query.named)),
            float(query.compare is not None or query.versus is not None),
            float(not query.named and not learnt),
        ]
    )


@dataclass
class Model:
    weights: np.ndarray  # BUCKETS + 1 (the length)
    bias: float
    # weights over `evidence`: the calibrated probability that a catalogue answer is right
    calibration: np.ndarray | None = None

    def probability(self, text: str, names: tuple[str, ...] = ()) -> float:
        z = self.bias + float(self.weights[grams(text, names)].sum())
        return sigmoid(z + float(self.weights[_LENGTH]) * _length(text))

    def confidence(self, query, in_scope: float, learnt: bool = True) -> float:
        if self.calibration is None:
            return float(query.confidence)
        return sigmoid(float(self.calibration @ evidence(query, in_scope, learnt)))

    def save(self, path: Path = MODEL_FILE) -> None:
        np.savez_compressed(
            path,
            weights=self.weights.astype(np.float16),
            bias=np.float32(self.bias),
            calibration=np.asarray(self.calibration, dtype=np.float64),
        )


Example = tuple[str, tuple[str, ...]]  # a message and the catalogue's names in it


def train(
    inside: Iterable[Example], outside: Iterable[Example], *, epochs: int = 12, l2: float = 1e-5
) -> Model:
    """Logistic regression by AdaGrad over the hashed grams; the two sides weighed equally (so
    the prior is even whatever the counts)."""
    rows = [(grams(t, names), _length(t), 1.0) for t, names in inside]
    n_in = len(rows)
    rows += [(grams(t, names), _length(t), 0.0) for t, names in outside]
    n_out = len(rows) - n_in
    if not n_in or not n_out:
        raise ValueError("both in-scope and out-of-scope examples are needed")
    weight_of = {1.0: len(rows) / (2 * n_in), 0.0: len(rows) / (2 * n_out)}
    w = np.zeros(BUCKETS + 1)
    g2 = np.full(BUCKETS + 1, 1e-8)
    b, gb2, rate = 0.0, 1e-8, 0.5
    rng = np.random.default_rng(7)
    for _ in range(epochs):
        for i in rng.permutation(len(rows)):
            idx, length, y = rows[i]
            z = b + w[idx].sum() + w[_LENGTH] * length
            p = sigmoid(z)
            g = (p - y) * weight_of[y]
            grad = g + l2 * w[idx]
            g2[idx] += grad * grad
            w[idx] -= rate * grad / np.sqrt(g2[idx])
            gl = g * length + l2 * w[_LENGTH]
            g2[_LENGTH] += gl * gl
            w[_LENGTH] -= rate * gl / np.sqrt(g2[_LENGTH])
            gb2 += g * g
            b -= rate * g / np.sqrt(gb2)
    return Model(w.astype(np.float32), float(b))


def own_questions() -> list[str]:
    """Our own in-scope questions about the halls (in_scope.txt: one a line, # comments)."""
    lines = IN_SCOPE_FILE.read_text(encoding="utf-8").splitlines()
    return [s.strip() for s in lines if s.strip() and not s.startswith("#")]


_model: Model | None = None
_lock = threading.Lock()


def model() -> Model | None:
    """The shipped model (loaded once), or the one `use` set; None when no model file is there
    (then the assistant's confidence does without it)."""
    global _model
    if _model is None and MODEL_FILE.exists():
        with _lock:
            if _model is None:
                with np.load(MODEL_FILE) as data:
                    _model = Model(
                        data["weights"].astype(np.float32),
                        float(data["bias"]),
                        data["calibration"],
                    )
    return _model


def use(m: Model | None) -> None:
    """Answer with `m` from now on (the evaluation's per-fold model); None: the shipped one."""
    global _model
    _model = m


def probability(text: str, names: tuple[str, ...] = ()) -> float:
    """The probability that `text` is for us; `names`: the catalogue's names in it (names_in)."""
    m = model()
    return m.probability(text, names) if m is not None else 1.0


def confidence(query, in_scope: float, learnt: bool = True) -> float:
    """The calibrated probability that the catalogue's answer to `query` is right; `learnt`:
    whether the catalogue view learnt from labelled questions."""
    m = model()
    return m.confidence(query, in_scope, learnt) if m is not None else float(query.confidence)
