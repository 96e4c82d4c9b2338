"""Row locks take only the row they need. `select_for_update()` with `select_related()` locks every joined row
too (in PostgreSQL, for the whole transaction), and a plain FOR UPDATE on a clinic blocks every insert that
points at it (the foreign-key check waits): both once made every submit at a clinic wait for the previous one
(benchmarks/README.md)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("core", "clinics", "intake", "screening")
JOINED = re.compile(r"select_for_update\(\)\s*\.select_related\(")
CLINIC = re.compile(r"Clinic\.objects\.select_for_update\((?![^)]*no_key=True)")


def _sources():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path, path.read_text()


def test_a_locked_row_with_related_rows_locks_only_itself():
    offenders = [str(path.relative_to(ROOT)) for path, text in _sources() if JOINED.search(text)]
    assert offenders == [], 'use select_for_update(of=("self",)) with select_related(): ' + ", ".join(offenders)


def test_a_clinic_is_locked_without_blocking_the_rows_that_point_at_it():
    found = [path for path, text in _sources() if "Clinic.objects.select_for_update(" in text]
    offenders = [str(path.relative_to(ROOT)) for path, text in _sources() if CLINIC.search(text)]
    assert found, "no clinic lock found: has the way clinics are locked changed? update this test"
    assert offenders == [], "lock a clinic with select_for_update(no_key=True): " + ", ".join(offenders)
