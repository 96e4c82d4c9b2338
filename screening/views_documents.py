"""Patients' documents for the clinic's staff: the access-checked download, and attaching a file to a case.

Any staff role of the document's clinic may download (coordinators prepare the evaluation with the labs and
the ECG); anyone else, another clinic's staff included, gets 404. Every download is audited.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinics.access import clinic_role_required
from clinics.models import Role
from core.middleware import allow_body_size
from intake.downloads import document_response
from intake.forms_documents import DocumentUploadForm
from intake.selectors_documents import document_for_staff
from scheduling.worklist import entry_in_clinic

from . import views

all_staff = clinic_role_required(Role.PSYCHIATRIST, Role.CLINIC_ADMIN, Role.COORDINATOR)


@require_GET
@all_staff
def document_download(request: HttpRequest, clinic_slug: str, document_id: Any) -> HttpResponse:
    document = document_for_staff(clinic=request.clinic, document_id=document_id)
    if document is None:
        raise Http404("No such document.")
    return document_response(request, document, actor=request.user, via="staff")


@allow_body_size(lambda: settings.UPLOAD_MAX_BODY_BYTES)  # a document of up to 10 MB and the form
@require_POST
@views.readers
def case_document_attach(request: HttpRequest, clinic_slug: str, case_id: Any) -> HttpResponse:
    """A psychiatrist (or clinic admin) attaches a record to the case's patient, e.g. one that came by fax."""
    case = views._case_or_404(request, case_id)
    form = DocumentUploadForm(request.POST, request.FILES, auto_id="id_document_%s")
    stored = form.is_valid() and form.upload(
        patient=case.submission.patient, clinic=case.clinic, uploaded_by=request.user, request=request
    )
    if stored:
        messages.success(request, "The document is attached to this patient's record.")
        return redirect(views._case_url(case))
    context = views._case_context(request, case)
    context["document_form"] = form
    views._audit_view(request, case, "case")
    return render(request, "screening/case.html", context)


worklist_roles = clinic_role_required(Role.COORDINATOR, Role.CLINIC_ADMIN)


@allow_body_size(lambda: settings.UPLOAD_MAX_BODY_BYTES)  # a document of up to 10 MB and the form
@require_http_methods(["GET", "POST"])
@worklist_roles
def worklist_document_attach(request: HttpRequest, clinic_slug: str, entry_id: Any) -> HttpResponse:
    """A coordinator attaches a record that reached the clinic another way (fax, e-mail, paper) to a patient on
    the worklist; back to the entry once it is stored, the form again with the reason when it is refused."""
    entry = entry_in_clinic(request.clinic, entry_id)
    if entry is None:
        raise Http404("No such worklist entry.")
    entry_url = reverse("scheduling:worklist_entry", kwargs={"clinic_slug": clinic_slug, "entry_id": entry.pk})
    form = DocumentUploadForm(request.POST or None, request.FILES or None)
    stored = (
        request.method == "POST"
        and form.is_valid()
        and form.upload(patient=entry.patient, clinic=request.clinic, uploaded_by=request.user, request=request)
    )
    if stored:
        messages.success(request, "The document is attached to this patient's record.")
        return redirect(entry_url)
    return render(
        request,
        "screening/document_attach.html",
        {
            "clinic": request.clinic,
            "membership": request.membership,
            "tab": "worklist",
            "patient": entry.patient,
            "form": form,
            "back_url": entry_url,
        },
    )
