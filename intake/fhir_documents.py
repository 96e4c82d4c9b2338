"""Patients' documents as FHIR R4 DocumentReferences (validated with fhir.resources, like the rest).

The file itself is never inlined: `content.attachment.url` points to an access-checked download, the staff
page for a case Bundle a psychiatrist downloads, the API's Binary (behind the clinic's key) for the bulk export.
"""

from __future__ import annotations

import base64
from typing import Any

from django.urls import reverse

from clinics.services import site_url

from .fhir import LOINC
from .models import Document, DocumentKind

# LOINC document types; "other" carries its words only.
DOCUMENT_TYPES = {
    DocumentKind.REFERRAL: ("57133-1", "Referral note"),
    DocumentKind.LABS: ("11502-2", "Laboratory report"),
    DocumentKind.ECG: ("11524-6", "EKG study"),
    DocumentKind.TREATMENT_RECORDS: ("34133-9", "Summary of episode note"),
}


def staff_download_url(document: Document) -> str:
    return site_url(
        reverse("screening:document", kwargs={"clinic_slug": document.clinic.slug, "document_id": document.pk})
    )


def api_download_url(document: Document) -> str:
    from .fhir import fhir_base

    return f"{fhir_base()}/Binary/{document.pk}"


def document_reference(document: Document, *, url: str) -> Any:
    from fhir.resources.R4B.documentreference import DocumentReference

    label = str(DocumentKind(document.kind).label)
    kind_type: dict[str, Any] = {"text": label}
    if document.kind in DOCUMENT_TYPES:
        code, display = DOCUMENT_TYPES[document.kind]
        kind_type["coding"] = [{"system": LOINC, "code": code, "display": display}]
    when = document.uploaded_at.isoformat()
    return DocumentReference.model_validate(
        {
            "resourceType": "DocumentReference",
            "id": str(document.pk),
            "status": "current",
            "type": kind_type,
            "subject": {"reference": f"Patient/{document.patient_id}"},
            "date": when,
            "description": label,
            "content": [
                {
                    "attachment": {
                        "contentType": document.content_type,
                        "url": url,
                        "size": document.size,
                        # R4: the SHA-1 of the data, base64-encoded.
                        "hash": base64.b64encode(bytes.fromhex(document.sha1)).decode(),
                        "title": document.original_name or label,
                        "creation": when,
                    }
                }
            ],
        }
    )


def document_references(*, patient_id: Any, clinic: Any, url_for: Any = api_download_url) -> list[Any]:
    """The patient's documents at the clinic, oldest first; `url_for(document)` gives each download address."""
    documents = Document.objects.select_related("clinic").filter(patient_id=patient_id, clinic=clinic)
    return [document_reference(d, url=url_for(d)) for d in documents.order_by("uploaded_at", "id")]


# --- the read API (/fhir/R4/DocumentReference), behind the clinic's key -----------------------------------------


def document_reference_read(clinic: Any, resource_id: str) -> Any | None:
    """One of the clinic's documents, or None when it is not the clinic's."""
    from .fhir_api import _uuid, _with_meta

    found = _uuid(resource_id)
    document = Document.objects.select_related("clinic").filter(pk=found, clinic=clinic).first() if found else None
    if document is None:
        return None
    return _with_meta(document_reference(document, url=api_download_url(document)), document.uploaded_at)


def document_reference_search(
    clinic: Any, *, patient: str | None, last_updated: dict[str, Any], offset: int, count: int
) -> Any:
    """The clinic's documents (one patient's with `patient`), oldest first, a page at a time."""
    from .fhir_api import Page, SearchError, _time_lookups, _uuid, _with_meta

    rows = Document.objects.select_related("clinic").filter(clinic=clinic, **_time_lookups("uploaded_at", last_updated))
    if patient is not None:
        patient_id = _uuid(patient.removeprefix("Patient/"))
        if patient_id is None:
            raise SearchError(f"patient={patient} is not a Patient id of this server (Patient/<id>).")
        rows = rows.filter(patient_id=patient_id)
    total = rows.count()
    resources = [
        _with_meta(document_reference(d, url=api_download_url(d)), d.uploaded_at)
        for d in rows.order_by("uploaded_at", "pk")[offset : offset + count]
    ]
    return Page(resources, total, offset, count)
