"""One way to send a stored document: as an attachment, never sniffed, never cached, and audited."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest

from core.audit import audit_record

from .models import Document
from .services_documents import documents_storage


def document_response(request: HttpRequest, document: Document, *, actor: Any, via: str, **detail: str) -> FileResponse:
    """The file as a download; `via` says which door it went through (patient, staff, fhir) for the audit log."""
    audit_record(
        action="document.download",
        actor=actor,
        clinic=document.clinic,
        obj=document,
        request=request,
        detail={"via": via, "kind": document.kind, "patient_id": str(document.patient_id), **detail},
    )
    response = FileResponse(
        documents_storage().open(document.storage_name, "rb"),
        as_attachment=True,
        filename=document.download_name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    # Opened by mistake in a browser tab, a file can run nothing and load nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
