"""Every name of the general drug dictionary through the medication lookup (SCREENING_RULES §6, 2027.01).

Run from the project root: .venv/bin/python benchmarks/drug_dictionary.py
Reports how many of the dictionary's names resolve to a drug, how many are claimed by two of our drugs (the
dictionary reads the name as one drug of our table, our table as another: must be 0), how many our table reads
differently from the dictionary (a salt or patch form read as its base drug, or a one-letter slip towards a
drug we flag), the cost of loading the dictionary once, and what importing the engine costs.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def import_seconds() -> float:
    """The median time a fresh process takes to import the engine (the dictionary is not loaded by it)."""
    code = "import time; t = time.perf_counter(); import screening.rules; print(time.perf_counter() - t)"
    root = Path(__file__).resolve().parent.parent
    times = sorted(
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root).stdout)
        for _ in range(5)
    )
    return times[2]


def main() -> int:
    imported = import_seconds()
    from screening.rules import dictionary, lookup
    from screening.rules.vocabulary import _from_canonical, all_drugs

    start = time.perf_counter()
    names = dictionary.names()
    loaded = time.perf_counter() - start
    ours = set(all_drugs())
    resolved = claimed_twice = read_otherwise = 0
    examples: list[str] = []
    start = time.perf_counter()
    for name, found in names.items():
        drug = lookup(name)
        if drug is None:
            continue
        resolved += 1
        theirs = _from_canonical(found)
        if drug != theirs:
            read_otherwise += 1
            if theirs in ours:
                claimed_twice += 1
                examples.append(f"{name}: {drug.generic} / {theirs.generic}")
    looked_up = time.perf_counter() - start
    print(f"{dictionary.PACKAGE} {dictionary.dictionary_version()}: {len(names):,} names")
    print(f"importing the engine: {imported * 1000:.0f} ms (fresh process, median of 5; the dictionary not loaded)")
    print(f"loading the dictionary once: {loaded:.2f} s")
    print(f"resolved: {resolved:,} of {len(names):,} ({len(names) - resolved} not)")
    print(f"claimed by two of our drugs: {claimed_twice}" + (f" ({'; '.join(examples[:10])})" if examples else ""))
    print(f"read by our table as another form or a flagged near-name: {read_otherwise}")
    print(f"lookups: {looked_up:.1f} s ({looked_up / len(names) * 1e6:.0f} us each, first time, uncached)")
    return 0 if claimed_twice == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
