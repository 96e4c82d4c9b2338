"""The patient's documents on the case page (templates/screening/_documents.html).

{% load case_documents %}
{% case_documents %}     two queries; needs `case`, `membership` and `request` in the context
"""

from typing import Any

from django import template

from clinics.models import Role
from intake.forms_documents import DocumentUploadForm
from intake.models import DOCUMENTS_PER_PATIENT
from intake.selectors_documents import documents_for_staff

from ..models import ReviewCase, ReviewDecision

register = template.Library()


@register.inclusion_tag("screening/_documents.html", takes_context=True)
def case_documents(context: template.Context) -> dict[str, Any]:
    case: ReviewCase = context["case"]
    documents = list(documents_for_staff(clinic=case.clinic, patient=case.submission.patient))
    asked = next(
        (
            d
            for d in reversed(context.get("decisions") or [])
            if d.kind == ReviewDecision.Kind.INFO_REQUESTED and d.requested_document
        ),
        None,
    )
    waiting_for = None
    if asked is not None and case.status in ReviewCase.UNDECIDED:
        answered = any(d.kind == asked.requested_document and d.uploaded_at >= asked.at for d in documents)
        waiting_for = None if answered else asked.get_requested_document_display()
    return {
        "case": case,
        "clinic": case.clinic,
        "documents": documents,
        "waiting_for": waiting_for,
        "can_attach": context["membership"].role in (Role.PSYCHIATRIST, Role.CLINIC_ADMIN)
        and len(documents) < DOCUMENTS_PER_PATIENT,
        "form": context.get("document_form") or DocumentUploadForm(auto_id="id_document_%s"),
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }
