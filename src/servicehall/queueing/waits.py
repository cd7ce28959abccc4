"""The wait estimate (Q1), pure: the queue's state at the moment a number is taken in, seconds
out. The kiosk, the display and "my ticket" get it through `selectors.estimate_wait` (which reads
the state from the database); `servicehall eval waits` (`wait_replay.py`) replays a real queue's
calls through the very same function, so the error it prints is the error the kiosk makes.

The model, in three steps (README "Honest waits"):

1. **How fast the line moves.** The people served per second: the services started in the last
   RATE_WINDOW_S when at least MIN_STARTS were (that rate already holds the counters really open,
   breaks, wrap-up work between customers and the hour's pace), otherwise the open counters ÷ the
   mean service time.
2. **How many will really be served before you.** The people ahead by the calling rule (the
   caller counts whoever goes first now; those who come later with a higher priority and
   overtake are not foreseen — slowing the pace by their arrival rate made the estimate worse
   on the bank's calls), less the share of recent waiters who gave up before being served —
   those ahead who abandon shorten your wait. Plus half a person when every server is busy: whoever is in service is
   on average half done. `queue_s` = that number ÷ the rate.
3. **A calibration on what really happened.** The estimate is INTERCEPT_S + QUEUE_WEIGHT ×
   queue_s + LES_WEIGHT × the wait of the last customer called ("last to enter service": the
   queue's own recent experience; queue_s stands in when nobody was called lately). The three
   constants are the least-absolute-error fit on the first four days of the bank call centre's
   week 1 (days 5–7 checked, README). They were learnt where the pace was observed, so they
   apply only then; at the start of a day (the counters' rate) the estimate is queue_s itself.
   Nobody ahead and a counter free: 0.

`naive_seconds` is the estimate before this one (people ahead × mean service ÷ busy servers), kept
to measure against.
"""

from __future__ import annotations

from dataclasses import dataclass

RATE_WINDOW_S = 1800.0  # services started in the last half hour give the line's pace
MIN_STARTS = 10  # fewer starts than this in the window: the counters' own rate instead
RECENT_SERVICES = 30  # the mean service time is over the last this many services finished
RECENT_OUTCOMES = 200  # the abandonment share is over the last this many who left the line
LAST_WAIT_MAX_AGE_S = 3600.0  # an older "last wait" says nothing of now
INTERCEPT_S = 5.8
QUEUE_WEIGHT = 1.08
LES_WEIGHT = 0.14


@dataclass(frozen=True)
class QueueState:
    """What is known of a line when a customer joins it; nothing from after that moment."""

    ahead: int  # people a server takes before this one now, by the calling rule
    servers: float  # servers taking this line now (open counters; busy agents when unknown)
    busy: int  # of them, how many are serving someone now
    mean_service_s: float  # mean service time of the recent services
    recent_starts: int = 0  # services started in the last RATE_WINDOW_S
    abandon_share: float = 0.0  # share of recent waiters who left before being served (0–1)
    last_wait_s: float | None = None  # the wait of the last customer called, if lately


def service_rate(state: QueueState) -> tuple[float, bool] | None:
    """People served per second, and whether that pace was observed (enough services started
    lately) rather than taken from the counters; None when no server takes this line and none
    has lately."""
    if state.recent_starts >= MIN_STARTS:
        return state.recent_starts / RATE_WINDOW_S, True
    if state.servers <= 0 or state.mean_service_s <= 0:
        return None
    return state.servers / state.mean_service_s, False


def estimate_seconds(state: QueueState) -> float | None:
    """The expected wait in seconds of a customer joining the line in `state`; None when no
    server takes this line (the kiosk says so rather than guess; it asks only with a counter
    open)."""
    pace = service_rate(state)
    if pace is None:
        return None
    rate, observed = pace
    all_busy = state.busy >= state.servers
    if state.ahead == 0 and not all_busy:
        return 0.0  # a counter is free and nobody is before you
    share = min(max(state.abandon_share, 0.0), 1.0)
    queue_s = (state.ahead * (1.0 - share) + (0.5 if all_busy else 0.0)) / rate
    if not observed:
        return queue_s  # the calibration was learnt on an observed pace only
    les = state.last_wait_s if state.last_wait_s is not None else queue_s
    return max(0.0, INTERCEPT_S + QUEUE_WEIGHT * queue_s + LES_WEIGHT * les)


def naive_seconds(ahead: int, mean_service_s: float, busy: int) -> float:
    """People ahead × mean service ÷ busy servers (at least one): the yardstick."""
    return ahead * mean_service_s / max(busy, 1)
