"""Staffing formulas (S4): Erlang C (M/M/n) and Erlang A (M/M/n+M, exponential patience).

Pure functions of rates in one time unit (use seconds throughout): `lam` arrivals per second,
`mean_service` seconds per service (μ = 1/mean_service), `mean_patience` seconds a caller waits
before hanging up (θ = 1/mean_patience), `t` the service level's answer time in seconds.

Erlang C — one FIFO queue, n agents, callers never give up (a = λ/μ erlangs, needs n > a):
- Erlang B by its recursion B(0) = 1, B(k) = a·B(k−1) / (k + a·B(k−1)) — no factorials, no
  powers, stable for any load (Jagerman, "Some properties of the Erlang loss function", Bell
  System Technical Journal 53, 1974);
- the probability of waiting C(n, a) = n·B / (n − a·(1 − B)) (Cooper, "Introduction to Queueing
  Theory", 2nd ed., 1981, §3.4);
- the service level P(W ≤ t) = 1 − C·e^(−(nμ − λ)t) and the average speed of answer
  ASA = C / (nμ − λ) (Gans, Koole, Mandelbaum, "Telephone call centers: tutorial, review and
  research prospects", M&SOM 5(2), 2003, §4.1).

Erlang A — the same with each waiting caller leaving after an exponential patience (Palm 1943;
Garnett, Mandelbaum, Reiman, "Designing a call center with impatient customers", M&SOM 4(3),
2002). The number in system is a birth–death chain: births λ, deaths min(k, n)·μ + max(k − n,
0)·θ; its stationary distribution is computed in logarithms and cut where it is negligible
(no overflow at any load; θ > 0 keeps it finite even when λ > nμ). From it (PASTA):
- P(wait > 0) = P(K ≥ n); P(abandon) = E[(K − n)⁺]·θ / λ;
- the service level — the share of ALL arrivals answered within t (a caller who hangs up
  counts as missed, however early): a caller finding j others waiting moves up through stages
  i = j … 0, leaving stage i at rate r_i = nμ + (i + 1)θ, forward with probability
  (nμ + iθ)/r_i, else abandoning. A chain's holding times do not depend on where it goes next,
  so P(answered within t | j) = Π_i (nμ + iθ)/r_i × P(Σ_i Exp(r_i) ≤ t); the whole mixture over j
  is computed at once by uniformisation (Tijms, "A First Course in Stochastic Models", 2003,
  §4.5), with Poisson weights in logarithms.
"""

from __future__ import annotations

import math

import numpy as np

TAIL = 40.0  # the chain is cut where a state's probability is below e^−40 of the largest
MAX_QUEUE = 100_000  # more callers waiting than this: refused (ValueError), not computed


def _check(lam: float, mean_service: float, n: int) -> None:
    if not (lam >= 0 and math.isfinite(lam)):
        raise ValueError(f"arrival rate must be a finite number ≥ 0, not {lam!r}")
    if not (mean_service > 0 and math.isfinite(mean_service)):
        raise ValueError(f"mean service time must be > 0, not {mean_service!r}")
    if n < 0:
        raise ValueError(f"agents must be ≥ 0, not {n!r}")


def erlang_b(n: int, a: float) -> float:
    """The Erlang B blocking probability of n servers offered a erlangs (recursion)."""
    b = 1.0
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(n: int, a: float) -> float:
    """The probability that an arrival waits, C(n, a); 1.0 when n ≤ a (the queue grows)."""
    if a <= 0:
        return 0.0
    if n <= a:
        return 1.0
    b = erlang_b(n, a)
    return n * b / (n - a * (1.0 - b))


def erlang_c_service_level(lam: float, mean_service: float, n: int, t: float) -> float:
    """P(wait ≤ t) in M/M/n: 1 − C·e^(−(nμ − λ)t); 0 when n ≤ a."""
    _check(lam, mean_service, n)
    a = lam * mean_service
    if lam == 0:
        return 1.0
    if n <= a:
        return 0.0
    c = erlang_c(n, a)
    return 1.0 - c * math.exp(-(n / mean_service - lam) * t)


def erlang_c_asa(lam: float, mean_service: float, n: int) -> float:
    """The average speed of answer (mean wait) in M/M/n: C / (nμ − λ); inf when n ≤ a."""
    _check(lam, mean_service, n)
    a = lam * mean_service
    if lam == 0:
        return 0.0
    if n <= a:
        return math.inf
    return erlang_c(n, a) / (n / mean_service - lam)


def _smallest(meets, start: int) -> int:
    """The smallest n ≥ start with meets(n), for meets monotone in n (doubling, then halving)."""
    if meets(start):
        return start
    lo, hi = start, max(start + 1, 2 * start)
    while not meets(hi):
        lo, hi = hi, hi * 2
        if hi > 10_000_000:
            raise ValueError("no number of agents up to 10,000,000 meets the target")
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if meets(mid) else (mid, hi)
    return hi


def _check_target(t: float, share: float) -> None:
    if not (t >= 0 and math.isfinite(t)):
        raise ValueError(f"answer time must be ≥ 0 seconds, not {t!r}")
    if not 0 < share < 1:
        raise ValueError(f"target share must be between 0 and 1 (exclusive), not {share!r}")


def erlang_c_agents(lam: float, mean_service: float, t: float, share: float) -> int:
    """The fewest agents with P(wait ≤ t) ≥ share under Erlang C; 0 when nobody arrives."""
    _check(lam, mean_service, 0)
    _check_target(t, share)
    if lam == 0:
        return 0
    start = math.floor(lam * mean_service) + 1
    return _smallest(lambda n: erlang_c_service_level(lam, mean_service, n, t) >= share, start)


class ErlangA:
    """M/M/n+M performance of n agents: `p_wait`, `p_abandon`, `service_level(t)`,
    `mean_wait` (over all arrivals), `mean_queue`."""

    def __init__(self, lam: float, mean_service: float, mean_patience: float, n: int):
        _check(lam, mean_service, n)
        if not (mean_patience > 0 and math.isfinite(mean_patience)):
            raise ValueError(f"mean patience must be > 0, not {mean_patience!r}")
        self.lam, self.n = float(lam), int(n)
        self.mu, self.theta = 1.0 / mean_service, 1.0 / mean_patience
        self.pi = self._stationary()  # P(K = k), k = 0 … len − 1
        k = np.arange(len(self.pi))
        waiting = np.maximum(k - self.n, 0)
        self.p_wait = float(self.pi[self.n :].sum()) if self.lam else 0.0
        self.mean_queue = float((waiting * self.pi).sum())
        self.p_abandon = self.mean_queue * self.theta / self.lam if self.lam else 0.0

    def _stationary(self) -> np.ndarray:
        lam, n, mu, theta = self.lam, self.n, self.mu, self.theta
        if lam == 0:
            return np.array([1.0])
        logs = [0.0]
        top = 0.0
        k = 0
        while True:
            k += 1
            death = min(k, n) * mu + max(k - n, 0) * theta
            logs.append(logs[-1] + math.log(lam / death))
            top = max(top, logs[-1])
            if lam < death and logs[-1] < top - TAIL:
                break
            if k - n > MAX_QUEUE:  # patience so long that only a vast queue balances the load
                raise ValueError(
                    f"more than {MAX_QUEUE} callers would wait: too few agents for this "
                    "load with so patient callers"
                )
        p = np.exp(np.array(logs) - top)
        return p / p.sum()

    def service_level(self, t: float) -> float:
        """The share of all arrivals answered within t seconds (abandonments count as missed)."""
        if self.lam == 0:
            return 1.0
        n, mu, theta = self.n, self.mu, self.theta
        now = float(self.pi[:n].sum())  # found a free agent: answered at once
        v = self.pi[n:].astype(float).copy()  # v[i]: waiting with i callers ahead
        if t <= 0 or not len(v) or n == 0:
            return now if n else 0.0
        i = np.arange(len(v))
        rate = n * mu + (i + 1) * theta  # leaving stage i
        forward = (n * mu + i * theta) / rate
        big = float(rate.max())
        moved = rate / big  # per uniformised step: the chance that stage i is left
        x = big * t
        steps = int(x + 10 * math.sqrt(x) + 20)
        answered, m = 0.0, 0
        while True:
            # stage 0 left forward: answered; stage i > 0 forward: one stage closer
            done = v[0] * moved[0] * forward[0]
            stay = v * (1 - moved)
            step = v * moved * forward
            v = stay
            v[:-1] += step[1:]
            m += 1
            # answered at step m counts when at least m uniformised events happen by t
            answered += done * _poisson_tail(x, m)
            if m >= steps or v.sum() < 1e-15:
                break
        return now + answered

    @property
    def mean_wait(self) -> float:
        """The mean time in queue over all arrivals, answered or not (Little: E[Q] / λ)."""
        return self.mean_queue / self.lam if self.lam else 0.0


_TAIL_CACHE: dict[float, np.ndarray] = {}


def _poisson_tail(x: float, m: int) -> float:
    """P(Poisson(x) ≥ m), from a cached table of the upper tail (log-space pmf)."""
    table = _TAIL_CACHE.get(x)
    if table is None or m >= len(table):
        size = int(x + 12 * math.sqrt(x) + 40)
        k = np.arange(size + 1)
        logpmf = k * math.log(x) - x - np.array([math.lgamma(j + 1) for j in k])
        pmf = np.exp(logpmf)
        tail = 1.0 - np.concatenate(([0.0], np.cumsum(pmf)[:-1]))
        table = np.clip(tail, 0.0, 1.0)
        if len(_TAIL_CACHE) > 64:
            _TAIL_CACHE.clear()
        _TAIL_CACHE[x] = table
    return float(table[m]) if m < len(table) else 0.0


def erlang_a_agents(
    lam: float, mean_service: float, mean_patience: float, t: float, share: float
) -> int:
    """The fewest agents whose share of arrivals answered within t is ≥ share (Erlang A)."""
    _check_target(t, share)
    if lam == 0:
        return 0

    def meets(n: int) -> bool:
        try:
            return n > 0 and ErlangA(lam, mean_service, mean_patience, n).service_level(t) >= share
        except ValueError:  # a queue of millions: certainly not
            return False

    return _smallest(meets, 1)
