"""Writes for patients' documents: an upload by the patient, or a file attached by the clinic's staff.

A file is accepted by its content (the first bytes), never by its name or the browser's type; it is stored
under a generated name in the private "documents" storage, and the upload is audited (codes and ids only).
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
import uuid
from typing import Any

import filetype
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from clinics import access
from clinics.models import Clinic
from core import hooks
from core.audit import audit_record
from core.models import User

from .models import DOCUMENT_MAX_BYTES, DOCUMENTS_PER_PATIENT, Document, DocumentKind, DocumentType, IntakeDraft

# filetype reads at most this many bytes to recognise a file.
_HEAD_BYTES = 261
_NAME_MAX = 120


def documents_storage() -> Any:
    return storages["documents"]


def document_content_type(head: bytes) -> str | None:
    """The accepted type the file's first bytes show (PDF, JPEG or PNG), else None."""
    guessed = filetype.guess(head)
    mime = guessed.mime if guessed is not None else None
    return mime if mime in DocumentType.values else None


def clean_display_name(name: str) -> str:
    """The uploaded name, for display only: no folders, no control characters, bounded length."""
    name = os.path.basename((name or "").replace("\\", "/"))
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = re.sub(r"\s+", " ", name).strip(" .")
    if len(name) > _NAME_MAX:
        stem, dot, ext = name.rpartition(".")
        ext = ext[:10] if dot else ""
        name = (stem if dot else name)[: _NAME_MAX - len(ext) - 2].rstrip() + "…" + (f".{ext}" if ext else "")
    return name


def _size_words(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _check_file(upload: UploadedFile) -> tuple[str, str]:
    """(content type, sha1 hex) of an acceptable file; a ValidationError on `file` otherwise."""
    if upload.size is None or upload.size == 0:
        raise ValidationError({"file": _("This file is empty. Choose the file again.")})
    if upload.size > DOCUMENT_MAX_BYTES:
        raise ValidationError(
            {
                "file": _("This file is %(size)s. Files of up to 10 MB are accepted: try a smaller scan or photo.")
                % {"size": _size_words(upload.size)}
            }
        )
    upload.seek(0)
    content_type = document_content_type(upload.read(_HEAD_BYTES))
    if content_type is None:
        raise ValidationError(
            {"file": _("This file is not a PDF, JPEG or PNG. Save or scan the document as one of these and try again.")}
        )
    upload.seek(0)
    digest = hashlib.sha1(usedforsecurity=False)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return content_type, digest.hexdigest()


def _may_upload(*, by: Any, patient: Any, clinic: Clinic) -> bool:
    """The patient themself, or active staff of the clinic; and the patient has an intake at that clinic."""
    if not IntakeDraft.objects.filter(patient=patient, clinic=clinic).exists():
        return False
    if by.pk == patient.pk:
        return True
    return access.is_staff_at(by, clinic)


@transaction.atomic
def document_upload(
    *,
    patient: Any,
    clinic: Clinic,
    kind: str,
    upload: UploadedFile,
    uploaded_by: Any,
    request: HttpRequest | None = None,
) -> Document:
    """Store one document for the patient at the clinic; refuse (ValidationError on `file` or `kind`) a file of
    another type, over 10 MB, or beyond the patient's 20. Nothing is stored when it is refused."""
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": _("Choose what kind of document this is.")})
    if not _may_upload(by=uploaded_by, patient=patient, clinic=clinic):
        raise PermissionError("not allowed to add documents for this patient at this clinic")
    content_type, sha1 = _check_file(upload)
    # One upload at a time per patient, so two at once cannot pass the limit together.
    User.objects.select_for_update().filter(pk=patient.pk).first()
    if Document.objects.filter(patient=patient).count() >= DOCUMENTS_PER_PATIENT:
        raise ValidationError(
            {
                "file": _("You already have %(count)s documents, the most we can keep. Ask the clinic to help.")
                % {"count": DOCUMENTS_PER_PATIENT}
            }
        )
    document = Document(
        patient=patient,
        clinic=clinic,
        kind=kind,
        original_name=clean_display_name(upload.name or ""),
        content_type=content_type,
        size=upload.size,
        sha1=sha1,
        uploaded_by=uploaded_by,
    )
    # A generated name, never the uploaded one; two characters of folder keep directories small.
    token = uuid.uuid4().hex
    storage = documents_storage()
    document.storage_name = storage.save(f"{token[:2]}/{token}.{document.extension}", upload)
    try:
        document.save(force_insert=True)
        audit_record(
            action="document.upload" if uploaded_by.pk == patient.pk else "document.attach",
            actor=uploaded_by,
            clinic=clinic,
            obj=document,
            request=request,
            detail={
                "kind": kind,
                "content_type": content_type,
                "size": document.size,
                "patient_id": str(patient.pk),
            },
        )
        if uploaded_by.pk == patient.pk:
            hooks.ask("document_received", document=document)
    except Exception:
        storage.delete(document.storage_name)
        raise
    return document
