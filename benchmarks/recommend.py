"""Plan recommendation benchmark (issue 4, M2): one million customers × 50 plans. Prints one
JSON line.

    .venv/bin/python benchmarks/recommend.py [--quick] [--customers N] [--sample S]

The headline: `seconds`, the vectorised batch (`catalog.pricing.recommend_batch`) pricing every
customer's last three months under every plan and choosing the recommendation, for 1,000,000
customers and 50 plans (`--quick`: 50,000 customers); and `mismatches`, how many of a random
sample of `--sample` customers (default 10,000; quick 2,000) the batch answers differently from
the straightforward per-customer computation in Decimal (`catalog.pricing.recommend`) — plan,
current cost, new cost, saving or reason. It must be 0. Target: `seconds` under 60. The exit
status is 1 when there is a mismatch or something went wrong.

Database. A fresh one (servicehall.testing.fresh_database): SQLite in a temporary data dir, or a
new PostgreSQL database beside DATABASE_URL's, dropped afterwards. In a subprocess against it:
migrate; import a generated catalogue of 50 priced tiers through the catalogue importer (CSV in
our format): 8 products on one price ladder (9–399 yuan; 1–300 GB and 0–3,000 minutes growing
with the price, a step up or down at random), overage prices varied,
6 smart-terminal tiers with a promotion (credit on ≥ 3 paid calls a month, 24-month contract),
4 group-only and 3 family-only tiers — plus 3 off-sale tiers and 2 add-on packs that must not
be priced; `selectors.load_plans(today)` gives the 50 plans.

Customers (numpy, seeded): 95 % with 3 months of usage, 3 % with 2, 1 % with 1, 1 % none;
groups 85 % individual, 10 % family, 5 % enterprise; minutes and MB lognormal (medians 250 min,
12 GB), SMS 0–80, paid calls Poisson(8) with 30 % of lines making none; bills: the usage's
worth on an older plan (20 yuan + 0.10 a minute + 2 a GB) × 0.8 / 1.0 / 1.2 / 1.6 (30/30/25/15 %)
plus noise, to the fen. `generate_s` is that, not timed in `seconds`.

End to end (`cli_*`): the first `--cli` customers (default 100,000; quick 10,000) written as the
bill-format CSV (号码, 月份, 金额, 通话分钟, 流量MB, 短信, 主叫次数) and run through
`servicehall recommend --input … --output …` in a subprocess — parsing, the customer base's
groups, pricing, explanations, the output file — checked to have one row per line.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from servicehall.testing import report, run_step, setup_django

N_PLANS = 50
LADDER_PRICE = [9, 19, 29, 39, 49, 59, 79, 99, 129, 169, 199, 239, 299, 399]
LADDER_GB = [1, 3, 5, 10, 15, 20, 30, 40, 60, 80, 100, 150, 200, 300]
LADDER_MIN = [0, 30, 50, 100, 100, 200, 300, 500, 800, 1000, 1500, 2000, 2500, 3000]


def _near(rng: random.Random, level: int) -> int:
    return min(len(LADDER_PRICE) - 1, max(0, level + rng.choice([-1, 0, 0, 1])))


def log(msg: str) -> None:
    print(f"[recommend] {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ the generated catalogue


def catalogue_csv(seed: int) -> str:
    """50 priced tiers and 5 that must not be priced, in the import format."""
    rng = random.Random(seed)
    header = (
        "产品,类型,档位,月费,流量MB,通话分钟,短信,流量超出(元/MB),通话超出(元/分钟),"
        "短信超出(元/条),合约期(月),适用客户,上架日期,下架日期,优惠名称,每月返还(元),返还月数,"
        "赠费总额(元),每月主叫次数,首次预存(元),预存时限(小时)"
    )
    lines = [header]
    products = [  # name, kind, tiers, groups, promotion?
        ("极简卡", "主套餐", 5, "", False),
        ("青春卡", "主套餐", 6, "", False),
        ("畅享5G", "主套餐", 10, "", False),
        ("全球通尊享", "主套餐", 8, "", False),
        ("流量王", "主套餐", 8, "", False),
        ("智享合约", "营销活动", 6, "", True),
        ("政企尊享", "主套餐", 4, "集团", False),
        ("家庭融合", "主套餐", 3, "家庭", False),
    ]
    assert sum(p[2] for p in products) == N_PLANS
    for name, kind, n, groups, promo in products:
        for k in range(n):
            # a price ladder: allowances grow with the price, a level up or down either way
            level = rng.randrange(len(LADDER_PRICE))
            price = LADDER_PRICE[level]
            data = LADDER_GB[_near(rng, level)] * 1024
            voice = LADDER_MIN[_near(rng, level)]
            sms = rng.choice([0, 0, 50, 100, 200])
            dover = rng.choice(["0.0030", "0.0050", "0.0100", "0.0293"])
            vover = rng.choice(["0.10", "0.15", "0.19", "0.25"])
            sover = rng.choice(["0.10", "0.10", "0.15"])
            row = [name, kind, f"{price}元档{k + 1}", str(price), str(data), str(voice), str(sms)]
            row += [dover, vover, sover]
            if promo:
                credit = min(price, rng.choice([20, 33, 50, 70]))
                row += ["24", groups, "2026-01-01", "", "智能终端优惠", str(credit), "24"]
                row += [str(credit * 24), "3", "200", "48"]
            else:
                row += ["", groups, "2026-01-01", "", "", "", "", "", "", "", ""]
            lines.append(",".join(row))
    for k in range(3):  # off sale: never priced
        lines.append(
            f"旧版4G,主套餐,已下架{k},9,102400,3000,0,0.0050,0.15,0.10,,,2024-01-01,2026-01-01"
            + ",,,,,,,"
        )
    for k in range(2):  # add-on packs: never priced as plans
        lines.append(f"流量加油包,流量包,{k + 1}GB,{5 * (k + 1)},{1024 * (k + 1)}" + "," * 16)
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ the customers


def generate(n: int, seed: int):
    import numpy as np

    from servicehall.catalog import pricing

    rng = np.random.default_rng(seed)
    months = pricing.MONTHS
    n_months = rng.choice([3, 2, 1, 0], size=n, p=[0.95, 0.03, 0.01, 0.01]).astype(np.int64)
    mask = np.arange(months)[None, :] < n_months[:, None]
    voice = (rng.lognormal(np.log(250), 0.9, size=(n, months))).astype(np.int64)
    data = (rng.lognormal(np.log(12 * 1024), 1.0, size=(n, months))).astype(np.int64)
    sms = rng.integers(0, 81, size=(n, months))
    calls = rng.poisson(8, size=(n, months)) * (rng.random(n) >= 0.3)[:, None]
    # what the line pays today: roughly its usage's worth on an older plan, some overpaying
    worth = 20 + voice.mean(axis=1) * 0.1 + data.mean(axis=1) / 1024 * 2.0  # yuan
    factor = rng.choice([0.8, 1.0, 1.2, 1.6], size=n, p=[0.3, 0.3, 0.25, 0.15])
    amount = ((worth * factor)[:, None] * 100 + rng.normal(0, 300, size=(n, months))).clip(0)
    amount = amount.astype(np.int64)
    group = rng.choice([0, 1, 2], size=n, p=[0.85, 0.10, 0.05]).astype(np.int8)
    return pricing.UsageArrays(
        numbers=[f"1{5_000_000_000 + i:010d}" for i in range(n)],
        group=group,
        n=n_months,
        amount_fen=amount * mask,
        voice=voice * mask,
        data=data * mask,
        sms=sms * mask,
        paid_calls=calls * mask,
    )


def write_usage_csv(usage, count: int, path: str) -> None:
    months = ["2026-08", "2026-09", "2026-10"]
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["号码", "月份", "金额", "通话分钟", "流量MB", "短信", "主叫次数"])
        for i in range(count):
            for j in range(int(usage.n[i])):
                out.writerow(
                    [
                        usage.numbers[i],
                        months[3 - int(usage.n[i]) + j],
                        f"{int(usage.amount_fen[i, j]) / 100:.2f}",
                        int(usage.voice[i, j]),
                        int(usage.data[i, j]),
                        int(usage.sms[i, j]),
                        int(usage.paid_calls[i, j]),
                    ]
                )


# ------------------------------------------------------------------ the measured step


def internal_run(n: int, sample: int, cli: int, seed: int, workdir: str) -> dict:
    setup_django()
    from django.core.management import call_command
    from django.utils import timezone

    from servicehall.catalog import importer, pricing, selectors

    t0 = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    imported = importer.store(importer.parse(catalogue_csv(seed).encode(), "catalogue.csv"))
    plans = selectors.load_plans(timezone.localdate())
    setup_s = time.perf_counter() - t0
    log(f"catalogue: {imported['tiers']} tiers imported, {len(plans)} priced; {n:,} customers …")
    t0 = time.perf_counter()
    usage = generate(n, seed)
    generate_s = time.perf_counter() - t0
    log("batch …")
    t0 = time.perf_counter()
    result = pricing.recommend_batch(usage, plans)
    seconds = time.perf_counter() - t0
    log(f"batch: {seconds:.2f} s; checking {sample:,} customers against the reference …")
    rng = random.Random(seed)
    picks = rng.sample(range(n), min(sample, n))
    mismatches, examples = 0, []
    t0 = time.perf_counter()
    for i in picks:
        ref = pricing.recommend(usage.usage(i), plans)
        got = pricing.as_recommendation(result, i, usage, plans)
        if not pricing.same(ref, got):
            mismatches += 1
            if len(examples) < 3:
                examples.append({"customer": i, "reference": str(ref), "batch": str(got)})
    reference_s = time.perf_counter() - t0
    reasons = {r: int((result.reason == k).sum()) for k, r in enumerate(pricing.REASONS)}
    ok = result.reason == pricing.REASONS.index(pricing.Reason.OK)
    out = {
        "plans": len(plans),
        "tiers_imported": imported["tiers"],
        "seconds": seconds,
        "mismatches": mismatches,
        "mismatch_examples": examples,
        "sample": len(picks),
        "reference_ms_per_customer": reference_s / max(1, len(picks)) * 1000,
        "reasons": reasons,
        "mean_saving_yuan": float(result.saving_fen[ok].mean() / 100) if ok.any() else None,
        "generate_s": generate_s,
        "setup_s": setup_s,
    }
    if cli:
        path = os.path.join(workdir, "usage.csv")
        write_usage_csv(usage, min(cli, n), path)
        out["cli_input"] = path
        out["cli_customers"] = min(cli, n)
        out["cli_lines"] = int((usage.n[: min(cli, n)] > 0).sum())
    return out


# ------------------------------------------------------------------ main


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="50,000 customers, a few seconds")
    ap.add_argument("--customers", type=int, help="default 1,000,000, quick 50,000")
    ap.add_argument("--sample", type=int, help="checked against the reference (10,000; 2,000)")
    ap.add_argument("--cli", type=int, help="customers run end to end (100,000; quick 10,000)")
    ap.add_argument("--seed", type=int, default=20261123)
    ap.add_argument("--internal", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.internal:
        n, sample, cli, seed, workdir = args.internal
        out = internal_run(int(n), int(sample), int(cli), int(seed), workdir)
        print(json.dumps(out, default=str))
        return 0

    from servicehall.testing import fresh_database

    n = args.customers or (50_000 if args.quick else 1_000_000)
    sample = args.sample or (2_000 if args.quick else 10_000)
    cli = args.cli if args.cli is not None else (10_000 if args.quick else 100_000)
    if not 0 < n < 1_000_000_000:
        ap.error("--customers must be between 1 and 999,999,999")
    started = time.perf_counter()
    data_dir = tempfile.mkdtemp(prefix="servicehall-bench-")
    signal.signal(signal.SIGTERM, _interrupt)
    problems = []
    try:
        with fresh_database("servicehall-rec", data_dir) as (env, db):
            log(f"fresh {db} database")
            run = run_step(
                __file__,
                env,
                str(n),
                str(sample),
                str(cli),
                str(args.seed),
                data_dir,
                timeout=3600,
            )
            cli_out = {}
            if cli:
                output = os.path.join(data_dir, "recs.csv")
                log(f"end to end: servicehall recommend on {run['cli_customers']:,} lines …")
                t0 = time.perf_counter()
                proc = subprocess.run(
                    [
                        os.path.join(os.path.dirname(sys.executable), "servicehall"),
                        "recommend",
                        "--input",
                        run["cli_input"],
                        "--output",
                        output,
                    ],
                    env=env,
                    stdout=subprocess.PIPE,
                    text=True,
                    timeout=3600,
                )
                cli_s = time.perf_counter() - t0
                with open(output, encoding="utf-8-sig") as f:
                    rows = sum(1 for _ in f) - 1
                summary = json.loads(proc.stdout.strip().splitlines()[-1])
                if proc.returncode != 0:
                    problems.append(f"servicehall recommend exited {proc.returncode}")
                cli_out = {
                    "cli_customers": run["cli_customers"],
                    "cli_lines_out": rows,
                    "cli_recommended": summary.get("recommended"),
                    "cli_seconds": round(cli_s, 1),
                }
                if rows != run["cli_lines"]:
                    problems.append(f"recs.csv has {rows} rows for {run['cli_lines']} lines")
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    if run["mismatches"]:
        problems.append(f"{run['mismatches']} mismatches against the reference")
    if run["plans"] != N_PLANS:
        problems.append(f"{run['plans']} plans priced, expected {N_PLANS}")
    out = {
        "benchmark": "recommend",
        "database": db,
        "customers": n,
        "plans": run["plans"],
        "seconds": round(run["seconds"], 2),
        "mismatches": run["mismatches"],
        "sample": run["sample"],
        "within_target": run["seconds"] < 60,
        "customers_per_s": round(n / run["seconds"]),
        "reference_ms_per_customer": round(run["reference_ms_per_customer"], 3),
        "reasons": run["reasons"],
        "mean_saving_yuan": None
        if run["mean_saving_yuan"] is None
        else round(run["mean_saving_yuan"], 2),
        **cli_out,
        "generate_s": round(run["generate_s"], 1),
        "setup_s": round(run["setup_s"], 1),
        "mismatch_examples": run["mismatch_examples"],
        "total_s": round(time.perf_counter() - started, 1),
    }
    return report(__file__, out, problems, log)


if __name__ == "__main__":
    sys.exit(main())
