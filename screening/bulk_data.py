"""HL7 Bulk Data Access (IG 2.0) `$export` for one clinic: kick-off, the worker's job, status, files, cancel.

The job is run by the worker (screening.tasks.bulk_export_run) a part at a time: each part is the next
FHIR_EXPORT_PART_PATIENTS patients after the job's cursor, written as one NDJSON file per resource type to the
private documents storage, then the cursor and the file list are saved in one transaction. A worker killed mid-part
leaves the cursor where the last finished part ended; the redelivered task writes that part again under the
same names and carries on, so nothing is lost or written twice. Files expire FHIR_EXPORT_HOURS after the job
ends (bulk_exports_expire, on the beat) and are removed at once when the client cancels (DELETE).
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone

from clinics.models import BulkExport
from core.audit import audit_record
from core.outbox import delay_on_commit_safely

from .fhir import RESOURCE_TYPES, bulk_data, bulk_lines_of

EXPORT_TYPES = RESOURCE_TYPES  # what $export gives (Binary files are reached through DocumentReference urls)
FOLDER = "fhir-exports"


class KickoffError(ValueError):
    """A kick-off request the server cannot run as asked; the message says what to send instead."""


def storage() -> Any:
    return storages["documents"]


def parse_types(values: list[str]) -> list[str]:
    wanted = [t.strip() for value in values for t in value.split(",") if t.strip()]
    unknown = sorted(set(wanted) - set(EXPORT_TYPES))
    if unknown:
        raise KickoffError(f"_type {', '.join(unknown)} is not exported here. Types: {', '.join(EXPORT_TYPES)}.")
    return [t for t in EXPORT_TYPES if t in wanted] if wanted else list(EXPORT_TYPES)


def parse_since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise KickoffError(f"_since={value} is not a FHIR instant, e.g. 2026-11-01T00:00:00Z.") from None
    if when.tzinfo is None:
        raise KickoffError("_since needs its time zone, e.g. 2026-11-01T00:00:00Z.")
    return when


@transaction.atomic
def bulk_export_start(
    *, clinic: Any, reader: Any, request_url: str, since: datetime | None, types: list[str]
) -> BulkExport:
    job = BulkExport.objects.create(
        clinic=clinic,
        api_token=reader.api_token,
        smart_client=reader.smart_client,
        request_url=request_url,
        since=since,
        types=types,
        patients_total=_submissions(clinic, since).values("patient_id").distinct().count(),
    )
    audit_record(
        action="clinic.fhir_bulk_export",
        clinic=clinic,
        obj=job,
        detail={"by": reader.label, "types": types, "since": since.isoformat() if since else ""},
    )
    delay_on_commit_safely("screening.tasks.bulk_export_run", str(job.pk))
    return job


def _submissions(clinic: Any, since: datetime | None) -> Any:
    from intake.models import IntakeSubmission

    rows = IntakeSubmission.objects.filter(clinic=clinic)
    return rows.filter(submitted_at__gte=since) if since else rows


def file_name(job: BulkExport, kind: str, part: int) -> str:
    return f"{FOLDER}/{job.pk}/{kind}-{part:05d}.ndjson"


def bulk_export_run_part(*, job_id: Any) -> bool:
    """Write the next part of the job; True while there is more to do. A cancelled, failed or finished job,
    or one that no longer exists, does nothing."""
    job = BulkExport.objects.select_related("clinic").filter(pk=job_id).first()
    if job is None or job.status in (BulkExport.Status.DONE, BulkExport.Status.CANCELLED, BulkExport.Status.FAILED):
        return False
    if job.status == BulkExport.Status.QUEUED:
        BulkExport.objects.filter(pk=job.pk, status=BulkExport.Status.QUEUED).update(status=BulkExport.Status.RUNNING)
    rows = _submissions(job.clinic, job.since).filter(submitted_at__lte=job.transaction_time)
    if job.cursor:
        rows = rows.filter(patient_id__gt=job.cursor)
    size = settings.FHIR_EXPORT_PART_PATIENTS
    patients = list(rows.values_list("patient_id", flat=True).distinct().order_by("patient_id")[:size])
    if not patients:
        _finish(job)
        return False
    part = len({f["part"] for f in job.files}) + 1
    written = _write_part(job, patients, part)
    with transaction.atomic():
        current = BulkExport.objects.select_for_update().get(pk=job.pk)
        if current.status == BulkExport.Status.CANCELLED:
            for entry in written:  # cancelled meanwhile: drop what we wrote
                storage().delete(entry["name"])
            return False
        if current.cursor != job.cursor:
            return True  # a second delivery wrote this part (the same names, the same lines): go on from its cursor
        current.files = [*current.files, *written]
        current.cursor = patients[-1]
        current.patients_done += len(patients)
        current.save(update_fields=["files", "cursor", "patients_done"])
    return True


def _write_part(job: BulkExport, patients: list[Any], part: int) -> list[dict[str, Any]]:
    """The part's NDJSON, one temporary file per type (streamed: one resource in memory at a time), then saved
    to the storage under fixed names (a rerun of the part replaces them)."""
    handles: dict[str, Any] = {}
    counts: dict[str, int] = {}
    try:
        found = bulk_data(
            clinic=job.clinic,
            kinds=job.types,
            patients=patients,
            since_instant=job.since,
            until_instant=job.transaction_time,
        )
        for kind, line in bulk_lines_of(found):
            if kind not in handles:
                handles[kind] = tempfile.TemporaryFile("w+b")  # noqa: SIM115 (closed below)
            handles[kind].write(line.encode() + b"\n")
            counts[kind] = counts.get(kind, 0) + 1
        written = []
        for kind, handle in handles.items():
            name = file_name(job, kind, part)
            files = storage()
            if files.exists(name):
                files.delete(name)
            handle.seek(0)
            saved = files.save(name, File(handle, name=os.path.basename(name)))
            written.append({"type": kind, "name": saved, "count": counts[kind], "part": part})
        return written
    finally:
        for handle in handles.values():
            handle.close()


def _finish(job: BulkExport) -> None:
    now = timezone.now()
    BulkExport.objects.filter(pk=job.pk, status__in=[BulkExport.Status.QUEUED, BulkExport.Status.RUNNING]).update(
        status=BulkExport.Status.DONE,
        finished_at=now,
        expires_at=now + timedelta(hours=settings.FHIR_EXPORT_HOURS),
    )


def bulk_export_fail(*, job_id: Any, error: str) -> None:
    BulkExport.objects.filter(pk=job_id, status__in=[BulkExport.Status.QUEUED, BulkExport.Status.RUNNING]).update(
        status=BulkExport.Status.FAILED, error=error, finished_at=timezone.now(), expires_at=timezone.now()
    )


def _remove_files(job: BulkExport) -> None:
    files = storage()
    for entry in job.files:
        files.delete(entry["name"])


def bulk_export_cancel(*, job: BulkExport) -> None:
    """DELETE on the status URL: the job stops after the part it is writing, and its files are removed."""
    with transaction.atomic():
        job = BulkExport.objects.select_for_update().get(pk=job.pk)
        files = list(job.files)
        job.status, job.files, job.finished_at = BulkExport.Status.CANCELLED, [], timezone.now()
        job.save(update_fields=["status", "files", "finished_at"])
    for entry in files:
        storage().delete(entry["name"])
    audit_record(action="clinic.fhir_bulk_export_cancel", clinic=job.clinic, obj=job, detail={})


def bulk_exports_expire(*, now: datetime | None = None) -> int:
    """Remove the files of every finished job past its expiry; returns how many jobs were cleared."""
    now = now or timezone.now()
    cleared = 0
    for job in BulkExport.objects.filter(expires_at__lte=now).exclude(files=[]):
        _remove_files(job)
        BulkExport.objects.filter(pk=job.pk).update(files=[])
        cleared += 1
    return cleared


def visible(job: BulkExport | None, reader: Any) -> bool:
    """Whether `reader` may see the job: the same SMART client or API key that asked for it, not expired."""
    if job is None or job.status == BulkExport.Status.CANCELLED:
        return False
    if job.expires_at and job.expires_at <= timezone.now():
        return False
    if reader.smart_client is not None:
        return job.smart_client_id == reader.smart_client.pk
    return reader.api_token is not None and job.api_token_id == reader.api_token.pk


def manifest(job: BulkExport, *, base: str) -> dict[str, Any]:
    return {
        "transactionTime": job.transaction_time.isoformat(),
        "request": job.request_url,
        "requiresAccessToken": True,
        "output": [
            {"type": f["type"], "url": f"{base}/bulkfiles/{job.pk}/{os.path.basename(f['name'])}", "count": f["count"]}
            for f in sorted(job.files, key=lambda f: (EXPORT_TYPES.index(f["type"]), f["part"]))
        ],
        "error": [],
    }
