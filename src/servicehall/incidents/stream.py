"""A generator of realistic Chinese complaint streams, to measure the early warning honestly (P5).

A province's districts (invented names; towns and rural counties, of different sizes) receive
contacts all the time: a daily rhythm (quiet at night, peaks mid-morning and in the evening) and a
weekly one (weekends quieter), the everyday mix of problems in customers' own words (乱扣费,
宽带断网, 没信号 …, several ways to say each, some in English, some contacts about no problem at all),
and customers who come back about the same thing. Into that background it injects clusters: one
district, one problem, many different customers within a short time — of different sizes and
speeds — and returns them as the ground truth the detector is scored against.

Everything is drawn from one seeded random generator: the same arguments give the same stream.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from .problems import PROBLEMS

# (district, relative size, rural)
DISTRICTS = (
    ("临江市/城东区", 1.0, False),
    ("临江市/城西区", 0.9, False),
    ("临江市/江北区", 0.7, False),
    ("临江市/高新区", 0.6, False),
    ("临江市/滨湖区", 0.5, False),
    ("临江市/青山县", 0.35, True),
    ("临江市/白沙县", 0.3, True),
    ("云岭市/中心区", 0.8, False),
    ("云岭市/南湖区", 0.45, False),
    ("云岭市/石门县", 0.25, True),
    ("云岭市/桃源县", 0.2, True),
    ("云岭市/北山县", 0.15, True),
)
# the everyday share of each problem among contacts; the rest ask about nothing wrong
MIX = {"扣费": 0.22, "宽带": 0.18, "信号": 0.12, "手机上网": 0.1, "营销": 0.08}
MIX |= {"短信": 0.05, "电视": 0.05, "停机": 0.05}
# contacts an hour by hour of day, relative (night quiet; 10–11 and 19–21 busiest)
HOURLY = (0.15, 0.08, 0.05, 0.04, 0.05, 0.1, 0.3, 0.6, 1.0, 1.4, 1.6, 1.5) + (
    1.2,
    1.1,
    1.3,
    1.4,
    1.3,
    1.2,
    1.3,
    1.5,
    1.5,
    1.2,
    0.8,
    0.4,
)
WEEKDAY = (1.0, 1.0, 1.0, 1.0, 1.05, 0.8, 0.75)

OPENINGS = ("", "你好，", "您好，", "请问", "我家", "我这边", "从昨天开始", "今天上午", "一直")
ENDINGS = ("", "，怎么回事", "，请尽快处理", "，什么时候能好", "？", "，麻烦看一下", "！！")
OTHER = (
    "怎么办理携号转网",
    "营业厅几点关门",
    "我想改个便宜点的套餐",
    "积分怎么兑换",
    "发票在哪里下载",
    "副卡怎么办理",
    "How do I top up my phone",
)


@dataclass(frozen=True)
class Cluster:
    region: str
    term: str
    start: datetime
    end: datetime
    size: int  # different customers


def text_for(term: str | None, rng: random.Random) -> str:
    if term is None:
        return rng.choice(OTHER)
    forms = PROBLEMS[term][2]
    return f"{rng.choice(OPENINGS)}{rng.choice(forms)}{rng.choice(ENDINGS)}"


def background(
    start: datetime, days: int, per_day: float, rng: random.Random
) -> list[tuple[datetime, str, str, str, str]]:
    """The everyday contacts: (at, region, text, customer, id), unordered."""
    rows = []
    terms, weights = zip(*MIX.items(), strict=True)
    other = 1.0 - sum(weights)
    total_size = sum(size for _, size, _ in DISTRICTS)
    hourly_sum = sum(HOURLY)
    recent: dict[tuple[str, str], list[str]] = {}
    n = 0
    for day in range(days):
        date = start + timedelta(days=day)
        for region, size, _rural in DISTRICTS:
            mean = per_day * size / total_size * WEEKDAY[date.weekday()]
            for hour in range(24):
                expected = mean * HOURLY[hour] / hourly_sum
                for _ in range(_poisson(expected, rng)):
                    at = date + timedelta(hours=hour, seconds=rng.randrange(3600))
                    term = rng.choices((*terms, None), (*weights, other))[0]
                    past = recent.setdefault((region, term or ""), [])
                    if past and rng.random() < 0.1:  # a customer coming back about it
                        customer = rng.choice(past)
                    else:
                        customer = f"{region[-3:]}{rng.randrange(10**8):08d}"
                        past.append(customer)
                        del past[:-50]
                    n += 1
                    rows.append((at, region, text_for(term, rng), customer, f"b{n}"))
    return rows


def inject(
    start: datetime,
    days: int,
    sizes: tuple[int, ...],
    durations: tuple[int, ...],
    repeat: int,
    rng: random.Random,
) -> tuple[list[Cluster], list[tuple[datetime, str, str, str, str]]]:
    """`repeat` clusters of each size × duration (minutes) at random districts, problems and
    times (not in the first week: the detector needs a history); their contacts."""
    clusters, rows = [], []
    n = 0
    for size in sizes:
        for minutes in durations:
            for _ in range(repeat):
                region = rng.choice(DISTRICTS)[0]
                term = rng.choice(list(MIX))
                begin = start + timedelta(
                    days=rng.randrange(7, days),
                    hours=rng.randrange(7, 21),
                    minutes=rng.randrange(60),
                )
                times = sorted(
                    begin + timedelta(minutes=rng.random() * minutes) for _ in range(size)
                )
                for i, at in enumerate(times):
                    n += 1
                    customer = f"c{n:06d}{i}"
                    rows.append((at, region, text_for(term, rng), customer, f"i{n}"))
                clusters.append(Cluster(region, term, times[0], times[-1], size))
    return clusters, rows


def stream(
    *,
    start: datetime = datetime(2026, 1, 5),
    days: int = 60,
    per_day: float = 2000,
    sizes: tuple[int, ...] = (3, 5, 8, 15, 30),
    durations: tuple[int, ...] = (30, 120, 360),
    repeat: int = 4,
    seed: int = 20261201,
) -> tuple[list[tuple[datetime, str, str, str, str]], list[Cluster]]:
    """(contacts in time order, the injected clusters)."""
    rng = random.Random(seed)
    rows = background(start, days, per_day, rng)
    clusters, extra = inject(start, days, sizes, durations, repeat, rng) if sizes else ([], [])
    rows.extend(extra)
    rows.sort(key=lambda r: r[0])
    return rows, clusters


def _poisson(mean: float, rng: random.Random) -> int:
    if mean > 30:  # normal approximation
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k
