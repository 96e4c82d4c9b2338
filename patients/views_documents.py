"""The patient's documents: what the psychiatrist asked for, what they sent, an upload form, and downloads."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.middleware import allow_body_size
from intake.downloads import document_response
from intake.forms_documents import DocumentUploadForm
from intake.models import DOCUMENTS_PER_PATIENT, DocumentKind
from intake.selectors_documents import document_clinics_for_patient, document_for_patient, documents_for_patient
from screening.selectors_documents import document_requests_open


def _initial(request: HttpRequest, clinics: list[Any]) -> dict[str, str]:
    """The kind (and clinic) a task link asked for, when they are valid."""
    initial = {}
    if request.GET.get("kind") in DocumentKind.values:
        initial["kind"] = request.GET["kind"]
    if request.GET.get("clinic") in {c.slug for c in clinics}:
        initial["clinic"] = request.GET["clinic"]
    return initial


@allow_body_size(lambda: settings.UPLOAD_MAX_BODY_BYTES)  # a document of up to 10 MB and the form
@login_required
@require_http_methods(["GET", "POST"])
def documents(request: HttpRequest) -> HttpResponse:
    clinics = document_clinics_for_patient(user=request.user)
    if not clinics:
        raise Http404("No intake started.")
    if request.method == "POST":
        form = DocumentUploadForm(request.POST, request.FILES, clinics=clinics)
        stored = form.is_valid() and form.upload(
            patient=request.user, clinic=form.chosen_clinic(), uploaded_by=request.user, request=request
        )
        if stored:
            messages.success(request, _("Thank you: your document was uploaded. The clinic can read it now."))
            return redirect("patients:documents")
    else:
        form = DocumentUploadForm(initial=_initial(request, clinics), clinics=clinics)
    sent = list(documents_for_patient(user=request.user))
    return render(
        request,
        "patients/documents.html",
        {
            "form": form,
            "documents": sent,
            "requests": document_requests_open(patient=request.user),
            "several_clinics": len(clinics) > 1,
            "limit": DOCUMENTS_PER_PATIENT,
            "full": len(sent) >= DOCUMENTS_PER_PATIENT,
        },
    )


@login_required
@require_GET
def document_download(request: HttpRequest, document_id: Any) -> HttpResponse:
    document = document_for_patient(user=request.user, document_id=document_id)
    if document is None:
        raise Http404("No such document.")
    return document_response(request, document, actor=request.user, via="patient")
