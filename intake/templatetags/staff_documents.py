"""The patient's documents at a clinic, for staff pages of lower apps (the coordinators' worklist entry).

Scheduling sits below intake and imports nothing of it; its template loads this library by name, as pages link
named URLs of the apps above them.

{% load staff_documents %}
{% patient_documents_panel patient clinic attach_url %}     one query; attach_url optional
"""

from typing import Any

from django import template

from ..selectors_documents import documents_for_staff

register = template.Library()


@register.inclusion_tag("intake/_staff_documents.html")
def patient_documents_panel(patient: Any, clinic: Any, attach_url: str = "") -> dict[str, Any]:
    return {
        "documents": list(documents_for_staff(clinic=clinic, patient=patient)),
        "clinic": clinic,
        "attach_url": attach_url,
    }
