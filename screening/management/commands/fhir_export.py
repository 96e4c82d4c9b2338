"""Export a clinic's cases as FHIR NDJSON files, one per resource type (Bulk Data style).

manage.py fhir_export --clinic cedar-ketamine-portland --since 2026-11-01 --until 2026-11-30 --out export/
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from clinics.models import Clinic
from core.audit import audit_record
from screening.fhir import bulk_export


def _date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--{name} must be a date like 2026-11-01, not {value!r}.") from None


class Command(BaseCommand):
    help = "Write the clinic's cases as FHIR R4 NDJSON (Patient.ndjson, QuestionnaireResponse.ndjson, ...)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--clinic", required=True, help="the clinic's slug")
        parser.add_argument("--since", help="first submission date to include (YYYY-MM-DD)")
        parser.add_argument("--until", help="last submission date to include (YYYY-MM-DD)")
        parser.add_argument("--out", required=True, help="a folder for the files (created if missing)")

    def handle(self, *args, **options) -> None:
        clinic = Clinic.objects.filter(slug=options["clinic"]).first()
        if clinic is None:
            raise CommandError(f"No clinic with the slug {options['clinic']!r}.")
        since, until = _date(options["since"], "since"), _date(options["until"], "until")
        if since and until and since > until:
            raise CommandError("--since is after --until.")
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        handles = []

        def open_file(kind: str):
            handle = (out / f"{kind}.ndjson").open("w", encoding="utf-8")
            handles.append(handle)
            return handle

        try:
            counts = bulk_export(clinic=clinic, since=since, until=until, open_file=open_file)
        finally:
            for handle in handles:
                handle.close()
        audit_record(
            action="clinic.fhir_export",
            clinic=clinic,
            obj=clinic,
            detail={"since": str(since or ""), "until": str(until or ""), "counts": counts, "via": "command"},
        )
        for kind, count in sorted(counts.items()):
            self.stdout.write(f"{kind}.ndjson: {count}")
