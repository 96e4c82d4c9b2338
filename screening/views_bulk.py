"""Bulk Data `$export` at the FHIR base (HL7 Bulk Data Access IG 2.0), for a clinic's API key or a SMART
Backend Services access token: kick-off, status (202 with X-Progress, then the manifest), files, cancel."""

from __future__ import annotations

import json
import os
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse

from clinics.models import BulkExport
from intake.views_fhir import base_url, fhir_view, operation_outcome

from . import bulk_data

NDJSON_FORMATS = {"application/fhir+ndjson", "application/ndjson", "ndjson"}


def _kickoff(request: HttpRequest) -> HttpResponse:
    reader = request.fhir_reader
    if "respond-async" not in request.headers.get("Prefer", ""):
        return operation_outcome(400, "invalid", "Send 'Prefer: respond-async': the export runs in the background.")
    output = request.GET.get("_outputFormat")
    if output and output not in NDJSON_FORMATS:
        return operation_outcome(400, "not-supported", "_outputFormat must be application/fhir+ndjson.")
    try:
        types = bulk_data.parse_types(request.GET.getlist("_type"))
        since = bulk_data.parse_since(request.GET.get("_since"))
    except bulk_data.KickoffError as error:
        return operation_outcome(400, "invalid", str(error))
    if not all(reader.allows(kind) for kind in types):
        return operation_outcome(403, "forbidden", "This access token's scopes do not cover every type asked for.")
    job = bulk_data.bulk_export_start(
        clinic=reader.clinic, reader=reader, request_url=request.build_absolute_uri(), since=since, types=types
    )
    response = HttpResponse(status=202)
    response["Content-Location"] = f"{base_url(request)}/bulkstatus/{job.pk}"
    return response


PARAMETERS = {"_type", "_since", "_outputFormat"}


@fhir_view(parameters=PARAMETERS)
def group_export(request: HttpRequest, group_id: str) -> HttpResponse:
    """Group/<clinic slug>/$export: the group is the clinic's patients (anyone with a submission there)."""
    if group_id != request.fhir_reader.clinic.slug:
        return operation_outcome(404, "not-found", f"Group/{group_id} is not known here.")
    return _kickoff(request)


@fhir_view(parameters=PARAMETERS)
def patient_export(request: HttpRequest) -> HttpResponse:
    """Patient/$export: every patient the token's clinic has (the same as its Group)."""
    return _kickoff(request)


def _job(request: HttpRequest, job_id: Any) -> BulkExport | None:
    job = BulkExport.objects.filter(pk=job_id, clinic=request.fhir_reader.clinic).first()
    return job if bulk_data.visible(job, request.fhir_reader) else None


@fhir_view(methods=("GET", "HEAD", "DELETE"))
def export_status(request: HttpRequest, job_id: Any) -> HttpResponse:
    job = _job(request, job_id)
    if job is None:
        return operation_outcome(404, "not-found", "No such export (finished ones expire; cancelled ones are gone).")
    if request.method == "DELETE":
        bulk_data.bulk_export_cancel(job=job)
        return HttpResponse(status=202)
    if job.status == BulkExport.Status.FAILED:
        return operation_outcome(500, "exception", "The export failed; start a new one.")
    if job.status != BulkExport.Status.DONE:
        response = HttpResponse(status=202)
        done, total = job.patients_done, job.patients_total
        response["X-Progress"] = f"{job.status}: {done} of {total} patients"
        response["Retry-After"] = "5"
        response["Cache-Control"] = "no-store"
        return response
    response = HttpResponse(
        json.dumps(bulk_data.manifest(job, base=base_url(request))), content_type="application/json"
    )
    response["Expires"] = job.expires_at.strftime("%a, %d %b %Y %H:%M:%S GMT")
    response["Cache-Control"] = "no-store"
    return response


@fhir_view()
def export_file(request: HttpRequest, job_id: Any, name: str) -> HttpResponse:
    job = _job(request, job_id)
    entry = next((f for f in job.files if os.path.basename(f["name"]) == name), None) if job else None
    if entry is None or job.status != BulkExport.Status.DONE:
        return operation_outcome(404, "not-found", "No such file (the export's files expire).")
    handle = bulk_data.storage().open(entry["name"], "rb")
    response = FileResponse(handle, content_type="application/fhir+ndjson")
    response["Cache-Control"] = "no-store"
    return response
