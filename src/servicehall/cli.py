"""`servicehall` command: demo, serve, worker, import-bills, import-customers, import-evidence,
import-kb, import-articles, import-calls, recommend, token, purge, audit verify, staffing, shifts
plan, reports (rebuild, catch-up, daily, monthly), quality sample, and Django's own commands
(manage)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import NoReturn


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicehall.settings")
    import django

    django.setup()


def _progress_bar(title: str):
    """A `progress(stage, done, total)` callback drawing a bar on stderr (tqdm), with `close`."""
    from tqdm import tqdm

    bar = tqdm(desc=title, unit=" rows", file=sys.stderr, dynamic_ncols=True)

    def progress(stage: str, done: int, total: int) -> None:
        if total and bar.total != total:
            bar.total = total
        bar.n = done
        bar.refresh()

    progress.close = bar.close
    return progress


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def serve(host: str, port: int, workers: int) -> None:
    import uvicorn

    # The client address (rate limits, audit) is the connection's own, unless it comes from a
    # proxy named here: then uvicorn takes it from that proxy's X-Forwarded-For. Nobody else's
    # header is believed (uvicorn's default would trust 127.0.0.1).
    proxies = os.environ.get("SERVICEHALL_TRUSTED_PROXIES", "").strip()
    uvicorn.run(
        "servicehall.asgi:application",
        host=host,
        port=port,
        workers=workers if workers > 1 else None,
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or None,
        log_level=os.environ.get("SERVICEHALL_LOG", "info").lower(),
        access_log=False,
        lifespan="off",  # Django has no ASGI lifespan handlers
    )


def start_jobs_in_process() -> None:
    """The demo runs its periodic jobs (the SLA sweep) in threads of the web process, so a hall
    needs nothing else installed (docs/ARCHITECTURE.md). Deployments run `servicehall worker` instead."""
    from django.utils.module_loading import autodiscover_modules
    from huey.contrib.djhuey import HUEY

    autodiscover_modules("tasks")  # as `run_huey` does: registers the periodic tasks
    HUEY.create_consumer(workers=1, worker_type="thread", periodic=True, max_delay=1.0).start()


def refuse(zh: str, en: str) -> NoReturn:
    """A refusal on the command line: one line on stderr, Chinese then English, exit status 2
    (a file or an argument the user must fix — never a traceback)."""
    line = f"错误：{zh} / Error: {en}".replace("\r", " ").replace("\n", " ")
    print(line, file=sys.stderr)
    sys.exit(2)


def refuse_error(exc: BaseException, path: str = "") -> NoReturn:
    """`refuse` for what importing a file may raise: a ServiceError (a bad file or row, a
    missing permission), an OS error (no such file, a directory, unreadable), a staff user
    that does not exist."""
    from servicehall.core.errors import ServiceError

    if isinstance(exc, ServiceError):
        refuse(exc.zh, exc.en)
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc)
        refuse(f"无法读取或写入文件 {path}：{reason}", f"cannot read or write {path}: {reason}")
    refuse(str(exc), str(exc))


def staff_user(username: str):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        refuse(f"没有用户名为“{username}”的员工", f"no staff user named '{username}'")
    return user


def purge_command(dry_run: bool, as_json: bool) -> None:
    """`servicehall purge`: the report per record type, a progress line on stderr while a long
    run deletes."""
    import json

    from servicehall.records.services import purge

    def progress(record_type: str, done: int, total: int) -> None:
        print(f"… {record_type}: {done}/{total}", file=sys.stderr, flush=True)

    report = purge(dry_run=dry_run, progress=progress)
    if as_json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return
    print(
        ("试运行：未做任何改动 / dry run: nothing changed" if dry_run else "已清理 / purged")
        + f"  ({report['at'][:19]})"
    )
    for t in report["types"]:
        verb = "would be " + t["action"] if dry_run else t["action"]
        print(
            f"{t['label_zh']} / {t['label_en']}: {t['months']} 个月 months, "
            f"before {t['cutoff']} — expired {t['expired']}, "
            f"{verb} {t['done'] if not dry_run else t['expired'] - t['kept_count']}, "
            f"kept {t['kept_count']}"
        )
        for k in t["kept"]:
            print(f"    kept {k['item']} ×{k['count']}: {k['zh']} / {k['en']}")


def quality_sample_command(month_text: str, username: str | None) -> None:
    """`servicehall quality sample --month YYYY-MM`: the checks added per rule, as JSON."""
    import json

    from servicehall.core import validate
    from servicehall.core.errors import ServiceError
    from servicehall.quality.services import sample

    user = staff_user(username) if username else None
    try:
        month = validate.month(month_text, "month")
        if month is None:
            refuse("请用 --month 指定月份（YYYY-MM）", "give the month with --month (YYYY-MM)")
        added = sample(month, user)
    except ServiceError as exc:
        refuse_error(exc)
    print(json.dumps({"month": f"{month:%Y-%m}", "added": added}, ensure_ascii=False))


def waits_command(path: str, first: str | None, last: str | None) -> None:
    """`servicehall eval waits`: one JSON line of the estimate's and the naive estimate's
    errors on a real queue (queueing/wait_replay.py); progress on stderr."""
    import json

    from servicehall.core import validate
    from servicehall.core.errors import ServiceError
    from servicehall.queueing.wait_replay import read_calls, replay

    try:
        days = [
            validate.calendar_date(v, f) if v else None
            for v, f in ((first, "--from"), (last, "--to"))
        ]
    except ServiceError as exc:
        refuse(f"{exc.field}：{exc.zh}", f"{exc.field}: {exc.en}")
    try:
        calls = read_calls(path)
    except (ServiceError, OSError) as exc:
        refuse_error(exc, path)
    print(f"{len(calls)} calls read", file=sys.stderr, flush=True)

    def progress(done: int, total: int) -> None:
        print(f"… {done}/{total}", file=sys.stderr, flush=True)

    report = replay(calls, first=days[0], last=days[1], progress=progress)
    print(json.dumps(report, ensure_ascii=False))


# --- the hotline's call records (S2, L6) ------------------------------------------------------


def import_calls_command(path: str, queue: str | None) -> None:
    """`servicehall import-calls FILE`: the ACD's records into the hotline dashboard; a progress
    bar on stderr while it writes, one summary line at the end, exit 2 on a refused file."""
    from servicehall.core.errors import ServiceError
    from servicehall.hotline.calls import import_calls
    from servicehall.queueing.calls_file import SKIPPED

    bars = []  # drawn once the file has been read and checked: a refusal stays one line

    def progress(stage: str, done: int, total: int) -> None:
        if not bars:
            bars.append(_progress_bar("导入来电 / importing calls"))
        bars[0](stage, done, total)

    try:
        with open(path, "rb") as f:
            result = import_calls(f, path, queue=queue, progress=progress)
    except (ServiceError, OSError) as exc:
        refuse_error(exc, path)
    finally:
        for bar in bars:
            bar.close()
    skipped = result["skipped"]
    why_zh = "，".join(f"{SKIPPED[k][0]} {n}" for k, n in sorted(skipped.items()))
    why_en = ", ".join(f"{SKIPPED[k][1]} {n}" for k, n in sorted(skipped.items()))
    n_skipped = sum(skipped.values())
    print(
        f"读取 {result['read']} 行，来电 {result['calls']}：新增 {result['added']}，"
        f"已存在 {result['already']}，文件内重复 {result['repeated']}；跳过 {n_skipped} 行"
        + (f"（{why_zh}）" if n_skipped else "")
        + f" / rows read {result['read']}, calls {result['calls']}: added {result['added']}, "
        f"already there {result['already']}, repeated in the file {result['repeated']}; "
        f"skipped {n_skipped} rows" + (f" ({why_en})" if n_skipped else "")
    )


# --- staffing (S4) ---------------------------------------------------------------------------


def _staffing_number(option: str, text: str, low: float, high: float, whole: bool = False):
    """An option's value as a number in [low, high] (0 < share < 1 is checked by the caller),
    else a bilingual refusal naming the option."""
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        kind_zh, kind_en = ("整数", "a whole number") if whole else ("数", "a number")
        refuse(
            f"{option} 应为 {low:g} 到 {high:g} 之间的{kind_zh}（现为“{text[:20]}”）",
            f"{option} must be {kind_en} from {low:g} to {high:g} (not {text[:20]!r})",
        )
    return value


WEEKDAYS = {  # --weekend's names: English, Chinese (周/星期), ISO numbers 1–7
    **{n: i for i, n in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    **{f"{p}{c}": i for p in ("周", "星期") for i, c in enumerate("一二三四五六日")},
    "周天": 6,
    "星期天": 6,
    **{str(i + 1): i for i in range(7)},
}


def _week_option(text: str | None):
    """--weekend: the call centre's own days off (a plain week, no holidays), or the business
    calendar when not given."""
    from servicehall.queueing import forecast

    if text is None:
        return forecast.BUSINESS_CALENDAR
    names = [n.strip().lower() for n in text.replace("，", ",").split(",") if n.strip()]
    unknown = [n for n in names if n not in WEEKDAYS]
    if unknown or not names or len({WEEKDAYS[n] for n in names}) > 6:
        refuse(
            f"--weekend 应为休息的星期几（最多六天），以逗号分隔，如 fri,sat 或 周五,周六"
            f"（无法识别：“{text[:30]}”）",
            f"--weekend must name the days off, comma-separated, like fri,sat or 5,6 (ISO), "
            f"at most six (not {text[:30]!r})",
        )
    return forecast.Week(frozenset(WEEKDAYS[n] for n in names))


def _day_option(option: str, text: str | None, default):
    from servicehall.core import validate
    from servicehall.core.errors import ServiceError

    if not text:
        return default
    try:
        return validate.calendar_date(text, option)
    except ServiceError as exc:
        refuse_error(exc, option)


def reports_command(args) -> None:
    """`servicehall reports rebuild|catch-up` (S2)."""
    import json
    from datetime import timedelta

    from django.utils import timezone

    from servicehall.org.models import Hall
    from servicehall.reports import rollup

    if args.what == "catch-up":
        touched = rollup.catch_up()
        print(json.dumps({str(d): len(h) for d, h in sorted(touched.items())}))
        return
    if args.what in ("daily", "monthly"):
        from servicehall.core import validate
        from servicehall.core.errors import ServiceError
        from servicehall.reports import documents

        rollup.catch_up()
        try:
            if args.what == "daily":
                day = _day_option("--date", args.date, timezone.localdate())
                made = documents.daily_all(day)
            else:
                last = timezone.localdate().replace(day=1) - timedelta(days=1)
                month = validate.month(args.month or "", "--month") or last.replace(day=1)
                made = documents.monthly_all(month)
        except ServiceError as exc:
            refuse_error(exc)
        print(json.dumps({"reports": made}))
        return
    start = _day_option("--from", args.start, timezone.localdate() - timedelta(days=1))
    end = _day_option("--to", args.end, start)
    if end < start:
        refuse("--to 早于 --from", "--to is before --from")
    halls = None
    if args.hall:
        hall = Hall.objects.filter(code=args.hall).first()
        if hall is None:
            refuse(f"营业厅“{args.hall}”不存在", f"Unknown hall {args.hall!r}")
        halls = [hall.pk]
    total = (end - start).days + 1
    bar = _progress_bar("重建报表 / rebuilding the rollups (days)")
    days = rollup.rebuild_range(
        start, end, halls, progress=lambda day: bar("days", (day - start).days + 1, total)
    )
    bar.close()
    print(json.dumps({"days": days, "from": str(start), "to": str(end)}))


def staffing_command(args) -> None:
    """`servicehall staffing`: the next days' forecast and agents per interval (S4)."""
    import json

    from servicehall.core.errors import ServiceError
    from servicehall.queueing import calls_file, forecast

    interval = _staffing_number("--interval", args.interval, 15, 60, whole=True)
    if interval not in forecast.INTERVALS:
        refuse(
            "--interval 只能是 15、30 或 60（分钟）", "--interval must be 15, 30 or 60 (minutes)"
        )
    t = _staffing_number("--target-seconds", args.target_seconds, 0, 86_400)
    share = _staffing_number("--target-share", args.target_share, 0, 1)
    if not 0 < share < 1:
        refuse(
            "--target-share 应为 0 到 1 之间的比例，如 0.75",
            "--target-share must be a share between 0 and 1, like 0.75",
        )
    days = _staffing_number("--days", args.days, 1, 28, whole=True)
    week = _week_option(args.weekend)
    try:
        with open(args.input, "rb") as f:
            calls = calls_file.read_calls(f, args.input)
    except (ServiceError, OSError) as exc:
        refuse_error(exc, args.input)
    for option, values, zh, en, field in (
        ("--type", args.type, "业务类型", "type", "type"),
        ("--priority", args.priority, "优先级", "priority", "priority"),
    ):
        if values:
            wanted = {x.strip().upper() for x in values}
            calls = [c for c in calls if getattr(c, field).upper() in wanted]
            if not calls:
                refuse(
                    f"文件中没有{zh}为 {'、'.join(sorted(wanted))} 的排队来电（{option}）",
                    f"the file has no queued call of {en} {', '.join(sorted(wanted))} ({option})",
                )
    _migrate()  # the business calendar lives in the hall's database
    rows, error = forecast.plan(calls, interval, t, share, days, week)
    est = forecast.inputs(calls, interval)
    history = sorted({c.arrival.date() for c in calls})
    summary = {
        "calls_queued": len(calls),
        "history": [history[0].isoformat(), history[-1].isoformat()],
        "interval_minutes": interval,
        "target": {"seconds": t, "share": share},
        "mean_service_s": round(est.overall_service, 1),
        "mean_patience_s": (
            None if est.overall_patience == float("inf") else round(est.overall_patience, 1)
        ),
        "held_back": error.as_dict(),
        "days_off": None if week.days_off is None else sorted(d + 1 for d in week.days_off),
    }
    if args.json:
        print(json.dumps(summary | {"intervals": [r.as_dict() for r in rows]}, ensure_ascii=False))
        return
    h = error
    first, last = history[0], history[-1]
    print(
        f"历史 {first} 至 {last}，排队来电 {len(calls)} 个；目标：{t:g} 秒内接通 {share:.0%} / "
        f"history {first} to {last}, {len(calls)} queued calls; target: {share:.0%} "
        f"answered within {t:g} s"
    )
    patience = summary["mean_patience_s"]
    print(
        f"平均服务 {est.overall_service:.0f} 秒，平均耐心 "
        + (f"{patience:.0f} 秒" if patience else "—（无人放弃）")
        + f" / mean service {est.overall_service:.0f} s, mean patience "
        + (f"{patience:.0f} s" if patience else "— (nobody hung up)")
    )
    mape = "—" if h.mape is None else f"{h.mape:.1f}%"
    print(
        f"预测误差（每天由其余各天预测）：每时段 MAE {h.mae:.1f} 个来电，MAPE {mape}"
        f"（{h.intervals_with_arrivals} 个有来电的时段）/ held-back error (each day forecast "
        f"from the others): MAE {h.mae:.1f} calls per interval, MAPE {mape} "
        f"({h.intervals_with_arrivals} intervals with calls)"
    )
    base = "—" if h.baseline_mape is None else f"{h.baseline_mape:.1f}%"
    print(
        f"  对照（不看日历，取其余各天平均）：MAE {h.baseline_mae:.1f}，MAPE {base} / "
        f"baseline (the mean of the other days, no calendar): MAE {h.baseline_mae:.1f}, "
        f"MAPE {base}"
    )
    if h.mae > h.baseline_mae and week.days_off is None:
        print(
            "  提示：按营业日历预测反而不如不看日历——该呼叫中心若另有休息日（如境外），请用 "
            "--weekend 指定（如 fri,sat）/ hint: the business calendar made the forecast worse "
            "than ignoring it — if this call centre keeps another week (abroad), name its days "
            "off with --weekend (like fri,sat)"
        )
    for d in h.days:
        zh, en = forecast.BASIS[d["basis"]]
        print(
            f"  {d['date']}: 实际 {d['actual']}，预测 {d['forecast']:.0f}（依据{zh}）/ "
            f"actual {d['actual']}, forecast {d['forecast']:.0f} (from {en})"
        )
    print()
    print(
        f"{'时段 start':<18}{'预测 calls':>11}{'服务 AHT s':>11}{'耐心 patience s':>16}"
        f"{'坐席 Erlang C':>14}{'坐席 Erlang A':>14}"
    )
    for r in rows:
        patience = "—" if r.patience == float("inf") else f"{r.patience:.0f}"
        print(
            f"{r.start:%Y-%m-%d %a %H:%M}  {r.arrivals:>8.1f}{r.service:>11.0f}{patience:>16}"
            f"{r.agents_c:>14}{r.agents_a:>14}"
        )


def _print_shift_plan(title_zh: str, title_en: str, rows: list[dict], shapes, counts, req, as_json):
    """The plan of `shifts plan`: each template's count and the coverage per half hour."""
    import json

    from servicehall.queueing import shift_plans, shifts

    coverage = shifts.cover(counts, shapes, shift_plans.SLOTS, shift_plans.INTERVAL)
    busy = [i for i in range(shift_plans.SLOTS) if req[i] or coverage[i]]
    intervals = [
        {
            "at": shifts.clock(i * shift_plans.INTERVAL),
            "required": int(req[i]),
            "planned": int(coverage[i]),
        }
        for i in (range(min(busy), max(busy) + 1) if busy else [])
    ]
    total = shifts.cost(counts, shapes)
    short = [r["at"] for r in intervals if r["planned"] < r["required"]]
    if as_json:
        doc = {
            "templates": [row | {"count": n} for row, n in zip(rows, counts, strict=True)],
            "people": sum(counts),
            "cost": total,
            "short": short,
            "intervals": intervals,
        }
        print(json.dumps(doc, ensure_ascii=False))
        return
    print(f"{title_zh} / {title_en}")
    for row, n in zip(rows, counts, strict=True):
        if not n and len(rows) > 8:
            continue  # a call log's many possible starts: only those staffed
        print(
            f"  {row['name']:<6} {row['start']}–{row['end']}  × {n}"
            f"  （每班 {row['cost']:g} 元 / {row['cost']:g} yuan a shift）"
        )
    print(f"共 {sum(counts)} 人，成本 {total:g} 元 / {sum(counts)} people, cost {total:g} yuan")
    print(f"{'时段 from':<10}{'需开 required':>14}{'排班 planned':>14}")
    for r in intervals:
        flag = "  ← 缺 / short" if r["planned"] < r["required"] else ""
        print(f"{r['at']:<10}{r['required']:>14}{r['planned']:>14}{flag}")


def shifts_command(args) -> None:
    """`servicehall shifts plan`: the least-cost shift plan of a hall's day (stored, as the
    page's button), or of a day after a call log (printed only)."""
    from servicehall.core import validate
    from servicehall.core.errors import ServiceError
    from servicehall.org.models import Hall
    from servicehall.queueing import calls_file, forecast, shift_plans, shifts

    try:
        day = validate.calendar_date(args.date, "date")
    except ServiceError as exc:
        refuse(f"--date：{exc.zh}", f"--date: {exc.en}")
    if day is None:
        refuse("请用 --date 指定日期，如 2026-12-01", "give the day with --date, like 2026-12-01")
    if args.hall:
        _migrate()
        hall = Hall.objects.filter(code=args.hall).first()
        if hall is None:
            refuse(
                f"没有代码为“{args.hall}”的营业厅（--hall）",
                f"no hall with code {args.hall!r} (--hall)",
            )
        try:
            plan = shift_plans.make_plan_from_command_line(hall, day)
        except ServiceError as exc:
            refuse(exc.zh, exc.en)
        tmpl = shift_plans.templates(hall)
        rows = [
            {
                "name": t.name,
                "start": f"{t.start:%H:%M}",
                "end": f"{t.end:%H:%M}",
                "paid_break_minutes": t.paid_break_minutes,
                "cost": float(t.cost),
            }
            for t in tmpl
        ]
        counts = [int(plan.counts.get(str(t.pk), 0)) for t in tmpl]
        _print_shift_plan(
            f"{hall.name} {day} 成本最低排班（已保存）",
            f"{hall.code} {day}: least-cost shift plan (saved)",
            rows,
            [shift_plans.shape(t) for t in tmpl],
            counts,
            plan.required,
            args.json,
        )
        return
    t = _staffing_number("--target-seconds", args.target_seconds, 0, 86_400)
    share = _staffing_number("--target-share", args.target_share, 0, 1)
    if not 0 < share < 1:
        refuse(
            "--target-share 应为 0 到 1 之间的比例，如 0.75",
            "--target-share must be a share between 0 and 1, like 0.75",
        )
    week = _week_option(args.weekend)
    try:
        with open(args.input, "rb") as f:
            calls = calls_file.read_calls(f, args.input)
    except (ServiceError, OSError) as exc:
        refuse_error(exc, args.input)
    last = max(c.arrival.date() for c in calls)
    ahead = (day - last).days
    if not 1 <= ahead <= 28:
        refuse(
            f"--date 须在记录最后一天（{last}）之后 1 到 28 天内",
            f"--date must be 1 to 28 days after the log's last day ({last})",
        )
    _migrate()  # the business calendar lives in the hall's database
    rows_c, _ = forecast.plan(calls, shift_plans.INTERVAL, t, share, ahead, week)
    req = [0] * shift_plans.SLOTS
    for r in rows_c:
        if r.start.date() == day:
            req[forecast.slot_of(r.start, shift_plans.INTERVAL)] = r.agents_c
    busy = [i for i, v in enumerate(req) if v]
    if not busy:
        refuse(f"{day} 预测无来电，无需排班", f"no calls are forecast on {day}: nothing to plan")
    opens = min(busy) * shift_plans.INTERVAL
    closes = (max(busy) + 1) * shift_plans.INTERVAL
    spans = shift_plans.spans_every_half_hour(opens, closes)
    shapes = [shifts.Shape(n, a, z, float(c)) for n, a, z, _, c in spans]
    try:
        counts = shifts.plan(req, shapes, shift_plans.INTERVAL)
    except ServiceError as exc:
        refuse(exc.zh, exc.en)
    rows = [
        {
            "name": n,
            "start": shifts.clock(a),
            "end": shifts.clock(z),
            "paid_break_minutes": b,
            "cost": float(c),
        }
        for n, a, z, b, c in spans
    ]
    _print_shift_plan(
        f"{day} 成本最低排班（按来电记录，Erlang C：{t:g} 秒内接通 {share:.0%}）",
        f"{day}: least-cost shift plan from the call log (Erlang C: {share:.0%} within {t:g} s)",
        rows,
        shapes,
        counts,
        req,
        args.json,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="servicehall", description="ServiceHall 营业厅客户服务系统"
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("demo", help="migrate, load the demo hall, print logins and serve")
    d.add_argument("--host", default="127.0.0.1")
    d.add_argument("--port", type=int, default=8000)
    d.add_argument("--no-serve", action="store_true", help="prepare the data only")
    d.add_argument(
        "--history-days",
        type=int,
        default=None,
        help="days of queue and cases before today for the reports (default 35; 0: none)",
    )
    s = sub.add_parser("serve", help="serve with uvicorn (migrates first)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--workers", type=int, default=1)
    sub.add_parser("worker", help="run the Huey worker for background and periodic jobs")
    b = sub.add_parser(
        "import-bills", help="import monthly bills (CSV/Excel); opens bill-shock cases (L3)"
    )
    b.add_argument("file")
    b.add_argument("--user", required=True, help="the staff member importing (owns the cases)")
    cu = sub.add_parser(
        "import-customers",
        help="import customers and lines from the CRM's export (CSV/Excel, README 'Importing "
        "customers'): bad rows reported, the rest taken; re-importing changes only what changed",
    )
    cu.add_argument("file")
    cu.add_argument("--user", default="admin", help="the staff member importing")
    ev_imp = sub.add_parser(
        "import-evidence",
        help="import value-added subscription evidence (CSV/Excel, "
        "docs/formats/subscription-evidence.md): a bad row refuses the whole file; idempotent",
    )
    ev_imp.add_argument("file")
    ev_imp.add_argument("--user", default="admin", help="the staff member importing")
    r = sub.add_parser(
        "recommend", help="recommend plans for every line of a usage file (CSV/Excel, M2)"
    )
    r.add_argument(
        "--input", required=True, help="bills with usage: 号码,月份,金额,通话分钟,流量MB…"
    )
    r.add_argument("--output", required=True, help="the recommendations (CSV)")
    r.add_argument("--date", help="price the plans on sale on this day (default today)")
    t = sub.add_parser("token", help="issue an API bearer token for a staff user")
    t.add_argument("username")
    t.add_argument("--name", default="cli")
    ro = sub.add_parser(
        "role",
        help="give a staff user exactly these roles, audited; the only way to grant a role that "
        "sees full numbers (complaint_desk, care_desk, account_manager)",
    )
    ro.add_argument("username")
    ro.add_argument("roles", nargs="*", help="role codes (org/roles.py); none: no role")
    ro.add_argument("--reason", required=True, help="the authorisation (e.g. the ticket number)")
    kb = sub.add_parser(
        "import-kb",
        help="import a product knowledge graph (triples.txt + synonyms.txt) and the labelled "
        "questions beside it (*.jsonl) the assistant learns from",
    )
    kb.add_argument("dir")
    kb.add_argument("--strict", action="store_true", help="refuse the import on any bad line")
    ia = sub.add_parser(
        "import-articles",
        help="import questions and answers as published knowledge articles: a JSON object "
        "title → answer, or a CSV with a header title,answer (标题,答案); a bad entry refuses "
        "the whole file; importing again is harmless",
    )
    ia.add_argument("file")
    ia.add_argument("--kind", default="faq", help="faq (default), article or script")
    ia.add_argument("--audience", default="public", help="public (default) or staff")
    ia.add_argument("--category", help="a knowledge category's code (default: none)")
    wa = sub.add_parser(
        "warn",
        help="early warning over a file of contacts (CSV: text,created_at,region[,id,category,"
        "customer]): one JSON line per alert — the same problem from different customers in "
        "one area in a short window, against the area's own baseline",
    )
    wa.add_argument("--input", required=True, help="the contacts, a CSV file")
    wa.add_argument(
        "--window", type=int, action="append", help="minutes; repeat for several (30, 60, 180)"
    )
    wa.add_argument("--min-customers", type=int, default=3, help="different customers (3)")
    wa.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="−log10 p a window must reach to alert (4.5; +log10 of the windows' number)",
    )
    wa.add_argument(
        "--warm-up-days", type=float, default=None, help="no alert in the file's first days (7)"
    )
    ev = sub.add_parser("eval", help="measure the assistant on labelled questions")
    ev_sub = ev.add_subparsers(dest="what", required=True)
    kq = ev_sub.add_parser("kbqa", help="KBQA: load --kb into a fresh catalogue, answer, score")
    kq.add_argument("--kb", required=True, help="directory with triples.txt (and synonyms.txt)")
    kq.add_argument("--questions", required=True, help="JSONL: question, answer, answer_type")
    kq.add_argument("--mistakes", help="write the questions answered wrongly to this file")
    kq.add_argument(
        "--train",
        action="append",
        help="labelled questions (JSONL) to learn from; default: *.jsonl in --kb "
        "(the questions answered are never learnt from)",
    )
    ew = ev_sub.add_parser(
        "waits",
        help="replay a real queue (bank call-centre CSV/xlsx) through the kiosk's wait estimate",
    )
    ew.add_argument("--input", required=True, help="calls in the bank format (see README)")
    ew.add_argument("--from", dest="first", help="score calls queued from this date (YYYY-MM-DD)")
    ew.add_argument("--to", dest="last", help="score calls queued up to this date, inclusive")
    ea = ev_sub.add_parser(
        "assistant",
        help="the whole assistant: labelled and out-of-scope questions through the chat's reply path",
    )
    ea.add_argument("--kb", required=True, help="directory with triples.txt (and synonyms.txt)")
    ea.add_argument("--articles", help="articles to import first: JSON title → answer, or CSV")
    ea.add_argument("--questions", required=True, help="JSONL: question, answer (labelled)")
    ea.add_argument("--out-of-scope", dest="oos", help="JSONL: questions nothing answers")
    ea.add_argument("--train", action="append", help="labelled questions to learn from")
    ea.add_argument(
        "--folds", type=int, default=0, help="k: answer each id %% k fold learning from the others"
    )
    ea.add_argument("--dump", help="write every reply (question, kind, confidence, score) here")
    ts = sub.add_parser(
        "train-scope",
        help="train what the assistant is for (knowledge/scope.py) and calibrate its confidence",
    )
    ts.add_argument("--kb", required=True, help="directory with triples.txt (and synonyms.txt)")
    ts.add_argument("--questions", required=True, help="JSONL: labelled in-scope questions")
    ts.add_argument("--out-of-scope", dest="oos", required=True, help="JSONL: questions to refuse")
    ts.add_argument("--articles", help="FAQ titles to count as in scope: JSON title → answer")
    ts.add_argument("--folds", type=int, default=4)
    ts.add_argument("--out", help="where to write the model (default: the package's own)")
    pu = sub.add_parser(
        "purge",
        help="remove or anonymise records past their retention period (V3, L4, L5) and print "
        "the report; --dry-run only says what it would do",
    )
    pu.add_argument("--dry-run", action="store_true", help="change nothing, report only")
    pu.add_argument("--json", action="store_true", help="print the report as JSON")
    au = sub.add_parser("audit", help="the audit log: verify its hash chain")
    au_sub = au.add_subparsers(dest="what", required=True)
    au_sub.add_parser(
        "verify",
        help="walk the hash chain: exit 0 when intact, 1 naming the first row deleted, altered "
        "or slipped in",
    )
    st = sub.add_parser(
        "staffing",
        help="forecast the hotline's calls per interval for the next week from a call log (the "
        "bank call-centre format) and the agents needed by Erlang C and Erlang A (S4)",
    )
    st.add_argument("--input", required=True, help="the call log, CSV or .xlsx")
    st.add_argument("--interval", default="30", help="minutes: 15, 30 (default) or 60")
    st.add_argument("--target-seconds", default="20", help="answered within (20 s)")
    st.add_argument("--target-share", default="0.75", help="share answered in time (0.75)")
    st.add_argument("--days", default="7", help="days to plan after the history (7)")
    st.add_argument("--type", action="append", help="only calls of this type (repeatable)")
    st.add_argument(
        "--priority", action="append", help="only calls of this priority, e.g. 2 (VIP; repeatable)"
    )
    st.add_argument(
        "--weekend",
        help="the call centre's days off, like fri,sat (default: the business calendar, China's "
        "weekends and holidays)",
    )
    st.add_argument("--json", action="store_true", help="one JSON document")
    sh = sub.add_parser("shifts", help="shift plans (S4)")
    sh_sub = sh.add_subparsers(dest="what", required=True)
    sp = sh_sub.add_parser(
        "plan",
        help="the least-cost shift plan of a day: a hall's (from its ticket history; saved as "
        "the day's plan) or a call log's (the bank call-centre format; printed only)",
    )
    source = sp.add_mutually_exclusive_group(required=True)
    source.add_argument("--hall", help="the hall's code")
    source.add_argument("--input", help="a call log, CSV or .xlsx (as `staffing`)")
    sp.add_argument("--date", required=True, help="the day, YYYY-MM-DD")
    sp.add_argument("--target-seconds", default="20", help="with --input: answered within (20 s)")
    sp.add_argument("--target-share", default="0.75", help="with --input: share in time (0.75)")
    sp.add_argument("--weekend", help="with --input: the call centre's days off, like fri,sat")
    sp.add_argument("--json", action="store_true", help="one JSON document")
    rp = sub.add_parser("reports", help="the service reports (S2): rollups and documents")
    rp_sub = rp.add_subparsers(dest="what", required=True)
    rb = rp_sub.add_parser(
        "rebuild",
        help="rebuild the rollup tables from the raw rows for a range of days (idempotent: "
        "running it again writes the same rows)",
    )
    rb.add_argument("--from", dest="start", help="first day, YYYY-MM-DD (default: yesterday)")
    rb.add_argument("--to", dest="end", help="last day, YYYY-MM-DD (default: --from)")
    rb.add_argument("--hall", help="only this hall (its code)")
    rp_sub.add_parser("catch-up", help="roll up the events written since the last run")
    rd = rp_sub.add_parser(
        "daily", help="make every hall's daily report (PDF and Excel) now, as the 18:05 job does"
    )
    rd.add_argument("--date", help="the day, YYYY-MM-DD (default: today)")
    rm = rp_sub.add_parser("monthly", help="make every hall's monthly report (PDF and Excel)")
    rm.add_argument("--month", help="the month, YYYY-MM (default: last month)")
    qa = sub.add_parser("quality", help="quality supervision (S3)")
    qa_sub = qa.add_subparsers(dest="what", required=True)
    qs_ = qa_sub.add_parser(
        "sample",
        help="sample a month's handled tickets and cases for quality checks by the rules in use "
        "(idempotent: running it again adds nothing)",
    )
    qs_.add_argument("--month", required=True, help="YYYY-MM")
    qs_.add_argument("--user", help="the supervisor (their halls only); default: every hall")
    ic = sub.add_parser(
        "import-calls",
        help="import the hotline's call records (CSV/Excel, README 'Hotline'): a bad cell "
        "refuses the file; re-importing adds nothing",
    )
    ic.add_argument("file")
    ic.add_argument(
        "--queue", help="put every call of the file in this queue (default: its type column)"
    )
    m = sub.add_parser("manage", help="run a Django management command", add_help=False)
    m.add_argument("args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)

    if args.cmd in ("eval", "train-scope"):
        # A fresh catalogue in a throw-away SQLite database: the evaluation never touches the
        # hall's own data, whatever DATABASE_URL says.
        import tempfile

        os.environ["SERVICEHALL_DATA_DIR"] = tempfile.mkdtemp(prefix="servicehall-eval-")
        for name in ("DATABASE_URL", "REDIS_URL"):
            os.environ.pop(name, None)
        os.environ.setdefault("SERVICEHALL_LOG", "WARNING")
    if args.cmd == "demo":  # no SMS gateway: the outbox is the demo's phone (settings)
        os.environ.setdefault("SERVICEHALL_SMS_OUTBOX_CODES", "1")
        # the links in texts and chat answers point at the demo as it is served
        os.environ.setdefault("SERVICEHALL_PUBLIC_URL", f"http://{args.host}:{args.port}")
    _setup()
    if args.cmd == "demo":
        from servicehall.demo import load_demo, logins_text, open_for_demo

        _migrate()
        created = load_demo(args.history_days)
        print(
            "已创建演示营业厅 / demo hall created"
            if created
            else "演示数据已存在 / demo data already present"
        )
        print(open_for_demo())
        print(logins_text())
        if not args.no_serve:
            print(f"\n打开 / open: http://{args.host}:{args.port}/\n", flush=True)
            start_jobs_in_process()
            serve(args.host, args.port, 1)
    elif args.cmd == "serve":
        _migrate()
        serve(args.host, args.port, args.workers)
    elif args.cmd == "reports":
        reports_command(args)
    elif args.cmd == "worker":
        from django.core.management import call_command

        call_command("run_huey")
    elif args.cmd == "quality":
        quality_sample_command(args.month, args.user)
    elif args.cmd == "import-bills":
        import json

        from servicehall.cases.bill_shock import import_bills
        from servicehall.core.errors import ServiceError

        user = staff_user(args.user)
        try:
            with open(args.file, "rb") as f:  # read row by row, its size checked first
                result = import_bills(user, f, args.file)
        except (ServiceError, OSError) as exc:
            refuse_error(exc, args.file)
        print(json.dumps(result, ensure_ascii=False))
    elif args.cmd == "import-customers":
        import json

        from servicehall.core import tables
        from servicehall.core.errors import ServiceError
        from servicehall.customers.crm import COLUMN_NAMES, import_customers

        user = staff_user(args.user)
        bar = _progress_bar("导入客户 / importing customers")
        try:
            with open(args.file, "rb") as f:  # no row limit: the CRM's whole export
                result = import_customers(user, f, args.file, progress=bar, limited=False)
        except (ServiceError, OSError) as exc:
            bar.close()
            extra = getattr(exc, "extra", {})
            for text in tables.error_lines(
                extra.get("errors") or [], extra.get("error_count", 0), COLUMN_NAMES
            ):
                print(text, file=sys.stderr)
            refuse_error(exc, args.file)
        bar.close()
        for text in tables.error_lines(result["errors"], result["error_count"], COLUMN_NAMES):
            print(text, file=sys.stderr)  # the rows not imported, each with why
        print(json.dumps({k: v for k, v in result.items() if k != "errors"}, ensure_ascii=False))
    elif args.cmd == "import-evidence":
        import json

        from servicehall.complaints.subscriptions.services import import_evidence
        from servicehall.core.errors import ServiceError

        user = staff_user(args.user)
        try:
            with open(args.file, "rb") as f:  # no row limit: the platform's whole export
                result = import_evidence(user, f, args.file, limited=False)
        except (ServiceError, OSError) as exc:
            from servicehall.complaints.subscriptions.evidence import error_lines

            for text in error_lines(exc):  # every bad row, by line and column
                print(text, file=sys.stderr)
            refuse_error(exc, args.file)
        print(json.dumps(result, ensure_ascii=False))
    elif args.cmd == "recommend":
        import json
        from datetime import date

        from django.utils import timezone
        from tqdm import tqdm

        from servicehall.catalog.batch import run
        from servicehall.core.errors import ServiceError

        try:
            on = date.fromisoformat(args.date) if args.date else timezone.localdate()
        except ValueError:
            refuse("--date 日期格式应为 2026-11-01", "--date: expected a date like 2026-11-01")
        try:
            result = run(args.input, args.output, on, progress=tqdm)
        except (ServiceError, OSError) as exc:
            refuse_error(exc, getattr(exc, "filename", None) or args.input)
        print(json.dumps(result, ensure_ascii=False))
    elif args.cmd == "token":
        from django.contrib.auth import get_user_model

        from servicehall.core.models import ApiToken

        user = get_user_model().objects.get(username=args.username)
        print(ApiToken.issue(user, args.name))
    elif args.cmd == "role":
        from django.contrib.auth import get_user_model

        from servicehall.core.audit import system_actor
        from servicehall.org.services import set_roles

        user = get_user_model().objects.get(username=args.username)
        changed = set_roles(
            system_actor("server"), user, args.roles, from_admin=False, reason=args.reason
        )
        print("已修改 / changed" if changed else "未变 / unchanged")
    elif args.cmd == "purge":
        purge_command(args.dry_run, args.json)
    elif args.cmd == "audit":
        from servicehall.core.audit import verify

        verdict = verify(progress=lambda n: print(f"… {n}", file=sys.stderr, flush=True))
        print(f"{verdict.zh} / {verdict.en}")
        sys.exit(0 if verdict.ok else 1)
    elif args.cmd == "import-kb":
        import json
        from pathlib import Path

        from servicehall.catalog.triples import import_dir
        from servicehall.core.errors import ServiceError
        from servicehall.knowledge.learning import read_examples, store_examples

        try:
            report = import_dir(args.dir, strict=args.strict)
        except (ServiceError, OSError) as exc:
            refuse_error(exc, args.dir)
        for problem in report.problems:
            print(problem, file=sys.stderr)
        labelled = {}
        for p in sorted(Path(args.dir).glob("*.jsonl")):
            try:
                labelled[p.name] = store_examples(read_examples(p), p.name)
            except (ServiceError, OSError, UnicodeDecodeError) as exc:
                refuse_error(exc, str(p))
        summary = report.as_dict() | {"problems": len(report.problems)}
        print(json.dumps(summary | {"labelled_questions": labelled}, ensure_ascii=False))
    elif args.cmd == "import-articles":
        import json

        from servicehall.core.errors import ServiceError
        from servicehall.knowledge import articles_file
        from servicehall.knowledge.services import import_articles

        try:
            with open(args.file, "rb") as f:  # its size checked before it is read
                entries = articles_file.read(f, args.file)
            result = import_articles(
                entries,
                source=args.file,
                kind=args.kind,
                audience=args.audience,
                category=args.category,
            )
        except (ServiceError, OSError) as exc:
            refuse_error(exc, args.file)
        print(json.dumps(result, ensure_ascii=False))
    elif args.cmd == "warn":
        import json

        from servicehall.core.errors import ServiceError
        from servicehall.incidents import contacts_file, detector
        from servicehall.incidents.detector import detect

        windows = tuple(args.window or detector.WINDOWS)
        threshold = detector.THRESHOLD if args.threshold is None else args.threshold
        warm_up = detector.WARM_UP_DAYS if args.warm_up_days is None else args.warm_up_days
        if not all(5 <= w <= 1440 for w in windows):
            refuse("--window 须在 5 到 1440 分钟之间", "--window must be 5 to 1440 minutes")
        if not 1 <= threshold <= 50:  # also NaN
            refuse("--threshold 须在 1 到 50 之间", "--threshold must be between 1 and 50")
        if not 2 <= args.min_customers <= 1000:
            refuse("--min-customers 须在 2 到 1000 之间", "--min-customers must be 2 to 1000")
        if not 0 <= warm_up <= 365:
            refuse("--warm-up-days 须在 0 到 365 之间", "--warm-up-days must be 0 to 365")
        try:
            contacts = list(contacts_file.rows(args.input))
        except (ServiceError, OSError) as exc:
            refuse_error(exc, args.input)
        contacts.sort(key=lambda row: row[0])  # stable: file order within a minute
        print(f"{len(contacts)} contacts read", file=sys.stderr, flush=True)
        for alert in detect(
            contacts,
            windows=windows,
            min_customers=args.min_customers,
            threshold=threshold,
            warm_up_days=warm_up,
        ):
            print(json.dumps(alert.as_dict(), ensure_ascii=False))
    elif args.cmd == "eval" and args.what == "waits":
        waits_command(args.input, args.first, args.last)
    elif args.cmd == "eval":
        from servicehall.knowledge.evaluation import run_assistant, run_kbqa

        _migrate()
        if args.what == "kbqa":
            run_kbqa(args.kb, args.questions, args.mistakes, args.train)
        else:
            run_assistant(
                args.kb,
                args.articles,
                args.questions,
                args.oos,
                train_paths=args.train,
                folds=args.folds,
                dump_path=args.dump,
            )
    elif args.cmd == "train-scope":
        from servicehall.knowledge.evaluation import run_train_scope

        _migrate()
        run_train_scope(
            args.kb,
            args.questions,
            args.oos,
            articles_path=args.articles,
            folds=args.folds,
            out=args.out,
        )
    elif args.cmd == "staffing":
        staffing_command(args)
    elif args.cmd == "import-calls":
        import_calls_command(args.file, args.queue)
    elif args.cmd == "shifts":
        shifts_command(args)
    elif args.cmd == "manage":
        from django.core.management import execute_from_command_line

        execute_from_command_line(["servicehall manage", *args.args])


if __name__ == "__main__":
    main(sys.argv[1:])
