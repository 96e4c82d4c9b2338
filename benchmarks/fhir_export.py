"""FHIR bulk export: at least 2,000 resources/s, and memory stays flat as the submissions grow (streamed).

Run from the project root (a scratch database: seed_scale fills it):
    DATABASE_URL=sqlite:////tmp/fhir-bench.sqlite3 .venv/bin/python benchmarks/fhir_export.py [--sizes 1000 10000]
For each size: seeds a clinic with that many submissions (review cases in every state), exports its cases as
NDJSON to a temporary folder (manage.py fhir_export), then as the staff page's zip download (read and thrown
away, as a client would receive it), and reports resources/s and the peak Python memory of each (tracemalloc).
Budget: the NDJSON export (what Bulk Data $export runs) makes at least 2,000 resources/s at every size; for
each, the peak at the largest size is under twice the peak at the smallest.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    from clinics.models import Clinic
    from intake.models import IntakeSubmission
    from screening.fhir import bulk_export, bulk_zip
    from screening.models import ReviewCase

    call_command("migrate", verbosity=0)
    peaks: dict[str, list[int]] = {"ndjson files": [], "zip download": []}
    rates: list[float] = []
    for size in args.sizes:
        slug = f"fhir-bench-{size}"
        call_command("seed_scale", submissions=size, clinic=slug, verbosity=0)
        clinic = Clinic.objects.get(slug=slug)
        cases = ReviewCase.objects.filter(clinic=clinic).count()
        submissions = IntakeSubmission.objects.filter(clinic=clinic).count()

        def export(traced: bool, clinic=clinic) -> tuple[dict[str, int], float, int]:
            """One NDJSON export to a temporary folder: counts, seconds, peak traced memory (0 untraced)."""
            with tempfile.TemporaryDirectory() as folder:
                handles = []

                def open_file(kind: str) -> object:
                    handle = open(Path(folder) / f"{kind}.ndjson", "w", encoding="utf-8")  # noqa: SIM115
                    handles.append(handle)
                    return handle

                if traced:
                    tracemalloc.start()
                started = time.perf_counter()
                counts = bulk_export(clinic=clinic, open_file=open_file)
                seconds = time.perf_counter() - started
                peak = tracemalloc.get_traced_memory()[1] if traced else 0
                if traced:
                    tracemalloc.stop()
                for handle in handles:
                    handle.close()
            return counts, seconds, peak

        # Timed without tracemalloc (it slows Python several times over); the memory peak from a traced run.
        counts, seconds, _ = export(traced=False)
        _, _, peak = export(traced=True)
        peaks["ndjson files"].append(peak)
        resources = sum(counts.values())
        rates.append(resources / seconds)
        print(
            f"{size:>7} submissions ({submissions} in the clinic, {cases} with a case): ndjson files, "
            f"{resources:>7} resources in {seconds:6.1f} s ({resources / seconds:6.0f} resources/s), "
            f"peak memory {peak / 2**20:6.1f} MiB"
        )
        tracemalloc.start()
        started = time.perf_counter()
        size_bytes = sum(len(chunk) for chunk in bulk_zip(clinic=clinic))
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        peaks["zip download"].append(peak)
        print(
            f"{size:>7} submissions, {cases:>6} cases: zip download, {size_bytes / 2**20:6.1f} MiB in "
            f"{seconds:6.1f} s ({cases / seconds:6.0f} cases/s), peak memory {peak / 2**20:6.1f} MiB"
        )
    ok = min(rates) >= 2000
    print(f"slowest ndjson export: {min(rates):.0f} resources/s ({'ok' if ok else 'UNDER BUDGET'}, budget 2,000)")
    for name, found in peaks.items():
        ratio = found[-1] / found[0]
        ok = ok and ratio < 2
        print(
            f"{name}: peak at {args.sizes[-1]} / peak at {args.sizes[0]} = {ratio:.2f} "
            f"({'ok' if ratio < 2 else 'OVER BUDGET'})"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
