"""Screening throughput: 10,000 seeded, schema-valid documents validated and evaluated in one process.

Run from the project root: .venv/bin/python benchmarks/screening.py [--documents N] [--rounds R] [--baseline REF]
No Django, no database: the engine is pure Python. Budget: at least 5,000 documents/s.
--baseline REF also runs the same benchmark on git commit REF (unpacked to a temporary folder), alternating
rounds with this tree's, so "before" and "after" share the same minutes of the same machine.
"""

from __future__ import annotations

import argparse
import collections
import gc
import io
import platform
import random
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from screening.rules import RULESET, Result, screen
from screening.rules.sample import random_document

BUDGET = 5_000  # documents per second
SEED = 2026
SCREENED_ON = "2026-11-02"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5, help="timed passes; the median is reported")
    parser.add_argument("--baseline", help="a git commit to measure too, round for round (e.g. HEAD~3)")
    parser.add_argument("--one-round", action="store_true", help=argparse.SUPPRESS)  # a baseline's round
    args = parser.parse_args()
    if args.baseline:
        return compare(args)

    rng = random.Random(SEED)
    documents = [random_document(rng, SCREENED_ON) for _ in range(args.documents)]

    results = [screen(doc) for doc in documents]  # warm-up: lookup caches fill, as in a long-running worker
    invalid = sum(1 for r in results if not isinstance(r, Result))
    if invalid:
        print(f"{invalid} generated documents were invalid: the generator is broken", file=sys.stderr)
        return 1

    rates = []
    if args.one_round:
        args.rounds = 1
    for _ in range(args.rounds):
        gc.collect()
        start = time.perf_counter()
        for doc in documents:
            screen(doc)
        rates.append(len(documents) / (time.perf_counter() - start))
    rates.sort()
    median = rates[len(rates) // 2]

    if args.one_round:
        print(f"RATE {rates[0]:.0f} {RULESET}")
        return 0
    outcomes = collections.Counter(r.outcome.value for r in results)
    print(f"ruleset {RULESET}; Python {platform.python_version()} on {platform.machine()}")
    print(f"documents: {len(documents)} (seed {SEED}); outcomes: {dict(sorted(outcomes.items()))}")
    print(f"rounds: {', '.join(f'{rate:,.0f}' for rate in rates)} documents/s")
    print(f"median: {median:,.0f} documents/s ({1e6 / median:.0f} us each, validation included); budget {BUDGET:,}")
    return 0 if median >= BUDGET else 1


def _one_round(root: Path, documents: int) -> tuple[float, str]:
    """One warmed-up timed pass of the benchmark of the tree at `root`, in a fresh process."""
    out = subprocess.run(
        [sys.executable, str(root / "benchmarks" / "screening.py"), "--documents", str(documents), "--one-round"],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
    ).stdout
    _, rate, ruleset = next(line for line in out.splitlines() if line.startswith("RATE")).split()
    return float(rate), ruleset


def compare(args: argparse.Namespace) -> int:
    here = Path(__file__).resolve().parent.parent
    archive = subprocess.run(["git", "archive", args.baseline], cwd=here, capture_output=True, check=True).stdout
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(base, filter="data")
        # The baseline may not know --one-round: give it this version of the benchmark.
        (base / "benchmarks" / "screening.py").write_text(Path(__file__).read_text(encoding="utf-8"))
        before: list[float] = []
        after: list[float] = []
        for _ in range(args.rounds):
            rate, old = _one_round(base, args.documents)
            before.append(rate)
            rate, new = _one_round(here, args.documents)
            after.append(rate)
    median = {name: sorted(rates)[len(rates) // 2] for name, rates in (("before", before), ("after", after))}
    print(f"Python {platform.python_version()} on {platform.machine()}; {args.documents} documents, seed {SEED}")
    print(f"before ({args.baseline}, ruleset {old}): {', '.join(f'{r:,.0f}' for r in before)} documents/s")
    print(f"after  (this tree, ruleset {new}): {', '.join(f'{r:,.0f}' for r in after)} documents/s")
    print(f"median before {median['before']:,.0f}, after {median['after']:,.0f} documents/s; budget {BUDGET:,}")
    return 0 if median["after"] >= BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
