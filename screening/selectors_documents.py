"""What documents a psychiatrist asked a patient for and is still waiting for.

A request is the latest request for more information on a case nobody has decided yet, when it names a kind of
document (ReviewDecision.requested_document); an upload of that kind to that clinic after the question answers it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from intake.models import Document, DocumentKind

from .models import ReviewCase, ReviewDecision


@dataclass(frozen=True)
class DocumentRequest:
    clinic: Any
    kind: str
    asked_at: datetime

    @property
    def kind_label(self) -> str:
        return str(DocumentKind(self.kind).label)


def document_requests_open(*, patient: Any) -> list[DocumentRequest]:
    """The documents psychiatrists asked this patient for and that they have not uploaded since, oldest first.

    Two queries whatever the history: a patient has a handful of cases and at most 20 documents."""
    latest: dict[Any, ReviewDecision] = {}
    questions = (
        ReviewDecision.objects.filter(
            case__submission__patient=patient,
            case__status__in=ReviewCase.UNDECIDED,
            kind=ReviewDecision.Kind.INFO_REQUESTED,
        )
        .select_related("case__clinic")
        .order_by("at", "id")
    )
    for decision in questions:
        latest[decision.case_id] = decision
    asked = [d for d in latest.values() if d.requested_document]
    if not asked:
        return []
    uploads = list(Document.objects.filter(patient=patient).values_list("clinic_id", "kind", "uploaded_at"))
    found = [
        DocumentRequest(clinic=d.case.clinic, kind=d.requested_document, asked_at=d.at)
        for d in asked
        if not any(c == d.case.clinic_id and k == d.requested_document and at >= d.at for c, k, at in uploads)
    ]
    return sorted(found, key=lambda r: r.asked_at)


def cases_waiting_for_document(*, document: Any) -> list[ReviewCase]:
    """Undecided cases of the document's patient at its clinic whose latest question asked for this kind, before
    the document came (the cases this upload answers)."""
    questions = (
        ReviewDecision.objects.filter(
            case__clinic_id=document.clinic_id,
            case__submission__patient_id=document.patient_id,
            case__status__in=ReviewCase.UNDECIDED,
            kind=ReviewDecision.Kind.INFO_REQUESTED,
        )
        .select_related("case", "case__claimed_by", "case__clinic")
        .order_by("at", "id")
    )
    latest: dict[Any, ReviewDecision] = {}
    for decision in questions:
        latest[decision.case_id] = decision
    return [d.case for d in latest.values() if d.requested_document == document.kind and d.at <= document.uploaded_at]
