"""Calibrated probabilities (K2): a logistic regression of "right" on a few numbers of
evidence, so that a confidence of x means about x of such replies are right. The assistant's
catalogue answers (scope.evidence) and article answers (search.answer_evidence) are calibrated
this way; the weights are fitted by `servicehall train-scope` and
`benchmarks/article_answers.py`."""

from __future__ import annotations

import numpy as np


def sigmoid(z: float) -> float:
    return float(1.0 / (1.0 + np.exp(-max(-30.0, min(30.0, float(z))))))


def fit(rows: list[tuple[np.ndarray, bool]], *, epochs: int = 300) -> np.ndarray:
    """Logistic regression (Newton's method, a little L2) of "right" on the evidence."""
    x = np.array([e for e, _ in rows])
    y = np.array([1.0 if right else 0.0 for _, right in rows])
    w = np.zeros(x.shape[1])
    for _ in range(epochs):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -30, 30)))
        grad = x.T @ (p - y) + 1e-3 * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + 1e-3 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w
