"""Reads for patients' documents, scoped to who asks: the patient's own, or a clinic's staff for that clinic.

A document someone may not see is as invisible as a missing one (the views answer 404).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from clinics.models import Clinic

from .models import Document, IntakeDraft


def documents_for_patient(*, user: Any) -> QuerySet[Document]:
    return Document.objects.select_related("clinic").filter(patient=user).order_by("-uploaded_at")


def document_for_patient(*, user: Any, document_id: Any) -> Document | None:
    return Document.objects.select_related("clinic").filter(pk=document_id, patient=user).first()


def documents_for_staff(*, clinic: Clinic, patient: Any) -> QuerySet[Document]:
    """The patient's documents at this clinic (never another clinic's), newest first."""
    return (
        Document.objects.select_related("uploaded_by").filter(clinic=clinic, patient=patient).order_by("-uploaded_at")
    )


def document_for_staff(*, clinic: Clinic, document_id: Any) -> Document | None:
    return Document.objects.select_related("patient").filter(pk=document_id, clinic=clinic).first()


def document_clinics_for_patient(*, user: Any) -> list[Clinic]:
    """The clinics the patient has started an intake with: where their documents can go."""
    ids = IntakeDraft.objects.filter(patient=user).values("clinic_id")
    return list(Clinic.objects.filter(pk__in=ids).order_by("name"))
