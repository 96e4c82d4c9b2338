"""Screening throughput: 10,000 seeded, schema-valid documents validated and evaluated in one process.

Run from the project root: .venv/bin/python benchmarks/screening.py [--documents N] [--rounds R]
No Django, no database: the engine is pure Python. Budget: at least 5,000 documents/s.
"""

from __future__ import annotations

import argparse
import collections
import gc
import platform
import random
import sys
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
    args = parser.parse_args()

    rng = random.Random(SEED)
    documents = [random_document(rng, SCREENED_ON) for _ in range(args.documents)]

    results = [screen(doc) for doc in documents]  # warm-up: lookup caches fill, as in a long-running worker
    invalid = sum(1 for r in results if not isinstance(r, Result))
    if invalid:
        print(f"{invalid} generated documents were invalid: the generator is broken", file=sys.stderr)
        return 1

    rates = []
    for _ in range(args.rounds):
        gc.collect()
        start = time.perf_counter()
        for doc in documents:
            screen(doc)
        rates.append(len(documents) / (time.perf_counter() - start))
    rates.sort()
    median = rates[len(rates) // 2]

    outcomes = collections.Counter(r.outcome.value for r in results)
    print(f"ruleset {RULESET}; Python {platform.python_version()} on {platform.machine()}")
    print(f"documents: {len(documents)} (seed {SEED}); outcomes: {dict(sorted(outcomes.items()))}")
    print(f"rounds: {', '.join(f'{rate:,.0f}' for rate in rates)} documents/s")
    print(f"median: {median:,.0f} documents/s ({1e6 / median:.0f} us each, validation included); budget {BUDGET:,}")
    return 0 if median >= BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
