"""The patient record on staff pages: the clinic's medical record number."""

from typing import Any

from django import template

from intake.models import MedicalRecordNumber

register = template.Library()


@register.simple_tag
def record_number(patient: Any, clinic: Any) -> str:
    """The patient's medical record number at this clinic ("" before their first submission there)."""
    found = MedicalRecordNumber.objects.filter(clinic=clinic, patient=patient).values_list("number", flat=True).first()
    return found or ""
