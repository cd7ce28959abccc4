"""Requirement → module → test map, generated from the test names (`make trace`).

A test proves a requirement when its name starts with the requirement's ID in lower case
(`test_q3_vip_priority`, several IDs chained: `test_q1_q4_hall_day`). For every ID this prints
the tests that name it, the files they live in and the servicehall apps those files exercise
(the apps they import), then the IDs no test names yet. `--markdown FILE` writes the same as a
table; `--check` exits 1 when a test names an ID that does not exist (a typo proves nothing).

    python tools/trace.py            # the map on the terminal
    python tools/trace.py --markdown docs/TRACE.md
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The requirement IDs and what each asks, in a line (the operators' manuals, REQUIREMENTS).
REQUIREMENTS = {
    "Q1": "Take a number (kiosk, tablet, phone/web/SMS); people ahead, honest estimate",
    "Q2": "Counters serve sets of service types; call, recall, no-show, transfer; no double call",
    "Q3": "Wait ≤ 15 min (VIP ≤ 10), transaction ≤ 10, average ≤ 5; VIP priority; appointments",
    "Q4": "Display screen and voice live; the hall board with every ticket past its limit",
    "Q5": "Quiet consultation area: a ticket can be moved to its queue",
    "C1": "Every contact recorded with channel, customer, staff, start and end",
    "C2": "Consultation categories and business types",
    "C3": "Identify the customer before any account action",
    "C4": "Work order with an owner (首问负责制), a promised reply time, follow-ups",
    "C5": "Closed loop: closes on the customer's confirmation; return visit and survey",
    "C6": "Response times: 30 s online, 15 min faults, 2 business days devices; calendars",
    "C7": "Escalation level by level, visible and timed",
    "C8": "Transfers carry the summary: the customer never repeats the story",
    "C9": "Reasonable suggestions: thank, reply or give a date, keep the record",
    "P1": "Complaints in three stages; upgraded complaints and appeals",
    "P2": "Appeals from outside bodies, each with its reply deadline",
    "P3": "Liability determination for an appeal",
    "P4": "Value-added subscription disputes: two-step confirmation evidence, double refund",
    "P5": "Early warning: the same problem, area and period from different people",
    "P6": "Compensation claims answered with policy-based offers, recorded",
    "R1": "Retention: reason, verification, needs, first-level attempt",
    "R2": "Second-level retention at the care desk, complaint desk or account manager",
    "R3": "Retention record per level and a monthly analysis",
    "V1": "Customer profiles, lines, plan, tenure, spending, VIP tier and privileges",
    "V2": "Personal data masked unless the role needs it; every unmasked view logged",
    "V3": "Records kept for a configured period after leaving, then purged or anonymised",
    "V4": "Customer data collected, maintained, imported from billing/CRM exports",
    "K1": "One knowledge base: articles, FAQs, plans, scripts; review and versions",
    "K2": "An assistant answers in Chinese and hands over when unsure or asked",
    "K3": "Staff get suggested answers and scripts while handling a case",
    "K4": "Self-service: number selection, bills, payment, itemised bills, card sale",
    "M1": "Catalogue of plans, allowances, overage, contracts, promotions",
    "M2": "Recommend the plan that fits from actual usage, with the saving explained",
    "M3": "Recommendations offered at the right moments, the outcome recorded",
    "S1": "Satisfaction after service on the five dimensions",
    "S2": "Dashboards and monthly reports against the targets",
    "S3": "Quality checks, rectification items, appraisal",
    "S4": "Staffing: counters and agents each hour needs",
    "E1": "Service interruptions and incidents: declare, link, tell, close together",
    "E2": "Service equipment: register, report faults, repair in two business days",
    "E3": "After-sales handset exchange",
    "L1": "Complaint and appeal deadlines (15 days, 5 working days, 30 days; age limits)",
    "L2": "Fault repair 48 h towns, 72 h rural; mobile faults 24/48 h",
    "L3": "Bill shock: more than 5× the 3-month average, tell the customer",
    "L4": "Value-added subscriptions: second confirmation, records kept",
    "L5": "Personal data: minimum access, retention, logs kept ≥ 6 months",
    "L6": "Appeals per million users; hotline answer within 15 s",
}
_PREFIX = re.compile(r"^test_((?:[a-z]\d+_)+)")


def scan(tests: Path) -> tuple[dict, dict, list]:
    """{ID: [(file, test)]}, {file: {apps}}, [(file, test, unknown id)]."""
    by_id: dict[str, list[tuple[str, str]]] = defaultdict(list)
    apps_of: dict[str, set[str]] = {}
    unknown = []
    for path in sorted(tests.rglob("test_*.py")):
        rel = str(path.relative_to(ROOT))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        apps = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                if parts[0] == "servicehall" and len(parts) > 1:
                    apps.add(parts[1])
                elif node.module == "servicehall":
                    apps.update(a.name for a in node.names)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                m = _PREFIX.match(node.name)
                if not m:
                    continue
                for rid in m.group(1).rstrip("_").split("_"):
                    rid = rid.upper()
                    if rid in REQUIREMENTS:
                        by_id[rid].append((rel, node.name))
                    else:
                        unknown.append((rel, node.name, rid))
        apps_of[rel] = apps
    return by_id, apps_of, unknown


def rows(by_id, apps_of):
    for rid, title in REQUIREMENTS.items():
        found = by_id.get(rid, [])
        files = sorted({f for f, _ in found})
        apps = sorted(set().union(*(apps_of[f] for f in files))) if files else []
        yield rid, title, apps, files, found


def markdown(by_id, apps_of) -> str:
    out = [
        "# Requirement → module → test map",
        "",
        "Generated by `make trace` (tools/trace.py) from the test names; do not edit by hand.",
        "",
        "| ID | requirement | apps the tests exercise | tests | test files |",
        "|---|---|---|---|---|",
    ]
    missing = []
    for rid, title, apps, files, found in rows(by_id, apps_of):
        if not found:
            missing.append(rid)
            continue
        out.append(
            f"| {rid} | {title} | {', '.join(apps) or '—'} | {len(found)} | "
            + "<br>".join(f"`{f}`" for f in files)
            + " |"
        )
    out += ["", f"**No test yet ({len(missing)}):** " + ", ".join(missing), ""]
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--markdown", metavar="FILE", help="write the map as a Markdown table")
    ap.add_argument("--check", action="store_true", help="fail on a test naming an unknown ID")
    args = ap.parse_args(argv)
    by_id, apps_of, unknown = scan(ROOT / "tests")
    if args.markdown:
        Path(args.markdown).write_text(markdown(by_id, apps_of), encoding="utf-8")
        print(f"wrote {args.markdown}")
    else:
        missing = []
        for rid, title, apps, files, found in rows(by_id, apps_of):
            if not found:
                missing.append(rid)
                continue
            print(f"{rid:4} {len(found):3} tests  apps: {', '.join(apps) or '-'}")
            print(f"     {title}")
            for f in files:
                print(f"       {f}")
        print(f"\nNo test yet ({len(missing)}): {', '.join(missing)}", flush=True)
    for f, test, rid in unknown:
        print(f"unknown requirement {rid!r} in {f}::{test}", file=sys.stderr)
    return 1 if args.check and unknown else 0


if __name__ == "__main__":
    sys.exit(main())
