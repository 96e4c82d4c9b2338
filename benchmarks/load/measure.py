"""Measurements: latencies per endpoint, the run's bounds, CPU per process from /proc, py-spy profiles."""

from __future__ import annotations

import argparse
import math
import os
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .common import ARTIFACTS, ROOT

if TYPE_CHECKING:
    from .stack import Stack

# --- where the CPU goes ----------------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_table() -> dict[int, tuple[str, int, float, float]]:
    """pid -> (command name, parent pid, own CPU seconds, reaped children's CPU seconds), from /proc."""
    table: dict[int, tuple[str, int, float, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        own = (int(fields[11]) + int(fields[12])) / _TICK
        children = (int(fields[13]) + int(fields[14])) / _TICK
        table[int(entry.name)] = (name, int(fields[1]), own, children)
    return table


def cpu_snapshot(stack: Stack) -> dict[str, float]:
    """CPU seconds used so far by each part of the stack (this process is the load generator)."""
    table = _proc_table()
    roots = {name: proc.pid for name, proc in stack.procs}

    def tree(root: int) -> float:
        total, todo, seen = 0.0, [root], set()
        while todo:
            pid = todo.pop()
            if pid in seen or pid not in table:
                continue
            seen.add(pid)
            total += table[pid][2] + table[pid][3]
            todo.extend(child for child, row in table.items() if row[1] == pid)
        return total

    times = os.times()
    snapshot = {"load generator": times.user + times.system}
    for name, root in roots.items():
        snapshot[name] = tree(root)
    # Backends and their postmaster (the one whose parent is not PostgreSQL): backends that ended are counted
    # in the postmaster's children's time.
    postgres = {pid: row for pid, row in table.items() if row[0] == "postgres"}
    snapshot["postgresql"] = sum(
        own + (children if parent not in postgres else 0) for _, parent, own, children in postgres.values()
    )
    snapshot["redis"] = sum(row[2] for row in table.values() if row[0].startswith("redis-server"))
    return snapshot


def cpu_per_request(before: dict[str, float], after: dict[str, float], requests: int) -> dict[str, float]:
    """CPU milliseconds per request of each part, and "all" across the machine."""
    used = {name: max(after.get(name, 0.0) - before.get(name, 0.0), 0.0) for name in after}
    per = {name: 1000 * seconds / max(requests, 1) for name, seconds in used.items()}
    per["all"] = sum(per.values())
    return per


def cpu_lines(
    title: str,
    before: dict[str, float],
    after: dict[str, float],
    requests: int,
    elapsed: float,
    budgets: dict[str, float] | None = None,
) -> list[str]:
    """CPU milliseconds per request of each part beside its budget, and how busy the machine's cores were."""
    per = cpu_per_request(before, after, requests)
    total = sum(max(after.get(name, 0.0) - before.get(name, 0.0), 0.0) for name in after)
    cores = os.cpu_count() or 1
    budgets = budgets or {}
    lines = [f"  CPU per request, {title} ({requests} requests; cores {100 * total / elapsed / cores:.0f}% busy):"]
    for name, ms in sorted(per.items(), key=lambda kv: (kv[0] == "all", -kv[1])):
        line = f"    {name:<16} {ms:7.2f} ms"
        if name in budgets:
            line += f"   budget {budgets[name]:.1f} ms {'ok' if ms <= budgets[name] else 'OVER'}"
        lines.append(line)
    return lines


@dataclass
class Stats:
    """Latencies and errors per endpoint label, shared by every user thread of a phase."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    started: float = 0.0  # when recording started (after the users' arrival, in the mix)
    ended: float = 0.0

    def add(self, label: str, seconds: float) -> None:
        if time.monotonic() - seconds < self.started:
            return  # began while the users were still arriving: not steady state (errors are always counted)
        with self.lock:
            self.latencies[label].append(seconds)

    def error(self, label: str, message: str) -> None:
        with self.lock:
            self.errors[label] += 1
            if len(self.samples) < 12:
                self.samples.append(f"{label}: {message}")

    @property
    def elapsed(self) -> float:
        return max(self.ended - self.started, 1e-9)


class Budget:
    """The run's bounds: a deadline per phase and a hard cap on requests over the whole run."""

    def __init__(self, max_requests: int) -> None:
        self.remaining = max_requests
        self.lock = threading.Lock()
        self.deadline = 0.0

    def take(self) -> bool:
        with self.lock:
            if self.remaining <= 0 or time.monotonic() >= self.deadline:
                return False
            self.remaining -= 1
            return True


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, math.ceil(q / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


# --- profile ------------------------------------------------------------------------------------------


class profiling:
    """py-spy on every gunicorn worker during one phase; prints where the workers spent their samples."""

    def __init__(self, args: argparse.Namespace, phase: str, stack: Stack, duration: float) -> None:
        self.active = args.profile == phase
        self.phase = phase
        self.stack = stack
        self.duration = duration
        self.proc: subprocess.Popen | None = None
        self.output = ARTIFACTS / f"profile-{phase}.txt"

    def __enter__(self) -> None:
        if not self.active:
            return
        py_spy = Path(sys.executable).with_name("py-spy")
        if not py_spy.exists():
            print("py-spy is not installed: .venv/bin/pip install py-spy", file=sys.stderr)
            self.active = False
            return
        master = self.stack.procs[0][1].pid
        self.proc = subprocess.Popen(
            [
                str(py_spy),
                "record",
                "--pid",
                str(master),
                "--subprocesses",
                "--rate",
                "250",
                "--format",
                "raw",
                "--nonblocking",
                "--duration",
                str(int(self.duration)),
                "--output",
                str(self.output),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def __exit__(self, *exc: object) -> None:
        if not self.active or self.proc is None:
            return
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)
        if self.output.exists():
            print("\n".join(profile_summary(self.output, self.phase)))


def profile_summary(path: Path, phase: str, top: int = 25) -> list[str]:
    """Share of the workers' samples in each project function (inclusive), from py-spy's collapsed stacks."""
    inclusive: dict[str, int] = defaultdict(int)
    own: dict[str, int] = defaultdict(int)
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        seen = set()
        for frame in frames:
            name = frame.split(" (")[0] + " (" + frame.split(" (")[-1].split(":")[0].replace(str(ROOT) + "/", "")
            if name not in seen:
                inclusive[name] += n
                seen.add(name)
        leaf = frames[-1]
        own[leaf.split(" (")[0] + " (" + leaf.split(" (")[-1].split(":")[0].replace(str(ROOT) + "/", "")] += n
    lines = [f"\nprofile of the {phase} phase: {total} samples ({path})", "  inclusive, project code:"]
    apps = ("(core/", "(clinics/", "(intake/", "(screening/", "(config/")
    project = [(k, v) for k, v in inclusive.items() if any(a in k for a in apps)]
    for name, n in sorted(project, key=lambda kv: -kv[1])[:top]:
        lines.append(f"  {100 * n / max(total, 1):5.1f}%  {name})")
    lines.append("  self time, any code:")
    for name, n in sorted(own.items(), key=lambda kv: -kv[1])[:15]:
        lines.append(f"  {100 * n / max(total, 1):5.1f}%  {name})")
    return lines
