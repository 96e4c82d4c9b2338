"""The pre-evaluation checklist: what must be in place before a patient's psychiatric evaluation, per clinic.

Staff tick items on the worklist entry and the booking page; an attended evaluation ticks its own item.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from clinics.models import Clinic
from core.audit import audit_record

from .models import PreEvaluationChecklist, WorklistEntry


@dataclass(frozen=True)
class ChecklistRow:
    item: str
    label: str
    help: str
    at: datetime | None
    by: Any


CHECKLIST_LABELS = {
    "labs_received": ("Lab results received", "Basic lab results, so the psychiatrist can check treatment is safe."),
    "consent_signed": ("Consent signed", "The treatment consent form, signed by the patient."),
    "ride_arranged": ("Ride home arranged", "Someone to drive the patient home after each treatment."),
    "evaluation_done": ("Psychiatric evaluation done", "The 60 to 90 minute evaluation with a psychiatrist."),
}


def checklist_of(*, clinic_id: Any, patient_id: Any) -> PreEvaluationChecklist | None:
    return (
        PreEvaluationChecklist.objects.filter(clinic_id=clinic_id, patient_id=patient_id)
        .select_related(*(f"{item}_by" for item in PreEvaluationChecklist.ITEMS))
        .first()
    )


def checklist_rows(checklist: PreEvaluationChecklist | None) -> list[ChecklistRow]:
    rows = []
    for item in PreEvaluationChecklist.ITEMS:
        label, help_text = CHECKLIST_LABELS[item]
        at = getattr(checklist, f"{item}_at", None) if checklist else None
        by = getattr(checklist, f"{item}_by", None) if checklist and at else None
        rows.append(ChecklistRow(item, label, help_text, at, by))
    return rows


def with_checklist_progress(entries: QuerySet[WorklistEntry]) -> QuerySet[WorklistEntry]:
    """Annotate worklist entries with `checklist_<item>` booleans (same query, no extra round trip)."""
    annotations = {}
    for item in PreEvaluationChecklist.ITEMS:
        done = PreEvaluationChecklist.objects.filter(
            clinic_id=OuterRef("clinic_id"), patient_id=OuterRef("patient_id"), **{f"{item}_at__isnull": False}
        )
        annotations[f"checklist_{item}"] = Exists(done)
    return entries.annotate(**annotations)


@transaction.atomic
def checklist_tick(
    *,
    clinic: Clinic,
    patient: Any,
    item: str,
    done: bool,
    by: Any,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> PreEvaluationChecklist:
    """Tick (who and when are kept) or untick one item; ticking twice keeps the first tick."""
    if item not in PreEvaluationChecklist.ITEMS:
        raise ValidationError("Choose an item of the checklist.")
    PreEvaluationChecklist.objects.get_or_create(clinic=clinic, patient=patient)
    checklist = PreEvaluationChecklist.objects.select_for_update().get(clinic=clinic, patient=patient)
    ticked = getattr(checklist, f"{item}_at") is not None
    if ticked == done:
        return checklist
    setattr(checklist, f"{item}_at", (now or timezone.now()) if done else None)
    setattr(checklist, f"{item}_by", by if done else None)
    checklist.save()
    audit_record(
        action="checklist.tick" if done else "checklist.untick",
        actor=by,
        clinic=clinic,
        obj=checklist,
        request=request,
        detail={"item": item, "patient_id": str(patient.pk)},
    )
    return checklist
