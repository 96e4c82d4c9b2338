"""The report: a table per endpoint, CPU per request of each process, the budgets and the RESULT line."""

from __future__ import annotations

import argparse
import os

from .common import CPU_BUDGETS_MS, NOT_PAGES, P95_BUDGET_MS, RATIO_BUDGET
from .measure import Budget, Stats, cpu_lines, cpu_per_request, percentile


def table(title: str, stats: Stats) -> list[str]:
    lines = [f"\n{title} ({stats.elapsed:.1f} s)"]
    lines.append(f"{'endpoint':<44} {'n':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for label in sorted(set(stats.latencies) | set(stats.errors)):
        values = sorted(stats.latencies.get(label, []))
        p50, p95, p99 = (percentile(values, q) * 1000 for q in (50, 95, 99))
        rate = len(values) / stats.elapsed
        errors = stats.errors.get(label, 0)
        lines.append(f"{label:<44} {len(values):>7} {rate:>8.1f} {p50:>8.1f} {p95:>8.1f} {p99:>8.1f} {errors:>7}")
    return lines


def worst_page_p95(stats_list: list[Stats]) -> tuple[float, str]:
    worst, where = 0.0, "-"
    for stats in stats_list:
        for label, values in stats.latencies.items():
            if label in NOT_PAGES or not values:
                continue
            p95 = percentile(sorted(values), 95) * 1000
            if p95 > worst:
                worst, where = p95, label
    return worst, where


def print_report(
    args: argparse.Namespace,
    bare: Stats,
    submit: Stats,
    mixed: Stats,
    cpu: dict[str, tuple[dict[str, float], dict[str, float]]],
    drained: list[tuple[str, tuple[float, int]]],
    budget: Budget,
) -> int:
    """Prints the tables, CPU and outbox lines, the RESULT line and the budgets; 0 when every budget is met."""
    lines = []
    lines += table(f"Bare view, {args.users} users, no think time", bare)
    lines += table(f"Submit capacity, {args.users} users, no think time", submit)
    think_range = f"{args.think[0]}-{args.think[1]} s"
    lines += table(
        f"Realistic mix, {args.users} users (mix {args.mix}), think {think_range}, "
        f"recorded after {args.ramp:.0f} s of arrivals",
        mixed,
    )
    print("\n".join(lines))
    print()
    cpu_over = []
    for phase, stats, n in (
        ("bare", bare, len(bare.latencies.get("GET bench:bare", []))),
        ("submit", submit, len(submit.latencies.get("POST intake:submit (prepared)", []))),
        ("mixed", mixed, sum(len(v) for v in mixed.latencies.values())),
    ):
        before, after = cpu[phase]
        # The submit phase's CPU includes the worker sending its e-mails after it (busy can read over 100 %).
        title = "submit phase and its e-mails" if phase == "submit" else f"{phase} phase"
        budgets = {name: ms for (p, name), ms in CPU_BUDGETS_MS.items() if p == phase}
        print("\n".join(cpu_lines(title, before, after, n, stats.elapsed, budgets)))
        per = cpu_per_request(before, after, n)
        cpu_over += [f"{phase} {name}" for name, ms in budgets.items() if per.get(name, 0.0) > ms]
    unsent = 0
    for phase, (waited, left) in drained:
        print(f"  outbox after the {phase} phase: drained in {waited:.1f} s" + (f", {left} NOT SENT" if left else ""))
        unsent += left
    samples = bare.samples + submit.samples + mixed.samples
    if samples:
        print("\nfirst errors:\n  " + "\n  ".join(samples[:12]))
    load = "/".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nload average after: {load}; requests left in cap: {budget.remaining}")

    bare_n = len(bare.latencies.get("GET bench:bare", []))
    submit_n = len(submit.latencies.get("POST intake:submit (prepared)", []))
    bare_per_s = bare_n / bare.elapsed
    submit_per_s = submit_n / submit.elapsed
    ratio = submit_per_s / bare_per_s if bare_per_s else 0.0
    p95, where = worst_page_p95([mixed])
    mixed_gunicorn = cpu_per_request(*cpu["mixed"], sum(len(v) for v in mixed.latencies.values())).get("gunicorn", 0)
    submit_all = cpu_per_request(*cpu["submit"], submit_n)["all"]
    errors = sum(bare.errors.values()) + sum(submit.errors.values()) + sum(mixed.errors.values()) + unsent
    print(f"worst page p95: {where}")
    print(
        f"RESULT submit_per_s={submit_per_s:.1f} bare_per_s={bare_per_s:.1f} ratio={ratio:.3f} "
        f"p95_ms={p95:.1f} errors={errors} page_cpu_ms={mixed_gunicorn:.1f} submit_cpu_ms={submit_all:.1f}"
    )
    within = p95 < P95_BUDGET_MS and errors == 0 and not cpu_over
    print(
        f"budgets: p95 < {P95_BUDGET_MS:.0f} ms {'ok' if p95 < P95_BUDGET_MS else 'MISSED'}; "
        f"CPU per request {'ok' if not cpu_over else 'MISSED (' + ', '.join(cpu_over) + ')'}; "
        f"errors = 0 {'ok' if errors == 0 else 'MISSED'}; "
        f"(ratio {ratio:.3f}, {'at least' if ratio >= RATIO_BUDGET else 'under'} {RATIO_BUDGET}: not a budget)"
    )
    return 0 if within else 1
