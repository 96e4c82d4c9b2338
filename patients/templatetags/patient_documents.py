"""The patient's document tasks on their home page.

{% load patient_documents %}
{% document_tasks user %}     what the psychiatrist asked for, each with an upload link; then the documents link
"""

from typing import Any

from django import template

from intake.models import Document
from intake.selectors_documents import document_clinics_for_patient
from screening.selectors_documents import document_requests_open

register = template.Library()


@register.inclusion_tag("patients/_document_tasks.html")
def document_tasks(user: Any) -> dict[str, Any]:
    """Three queries: the requests (two) and the count."""
    return {
        "requests": document_requests_open(patient=user),
        "count": Document.objects.filter(patient=user).count(),
        "several_clinics": len(document_clinics_for_patient(user=user)) > 1,
    }
