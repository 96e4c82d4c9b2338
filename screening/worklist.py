"""Screening's writes to the coordinators' worklist (scheduling's table): the patient joins it when screening finds
them eligible or a psychiatrist clears them, and leaves it when their case opens again before anyone called.

Kept apart from services.py so that the case lifecycle (cases.py) and the screening pipeline (services.py) can
both use it without importing each other.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.deletion import ProtectedError

from scheduling.models import WorklistEntry


def worklist_add(*, submission: Any, source: str) -> WorklistEntry:
    """Put the patient on the coordinators' worklist (once per submission)."""
    entry, _ = WorklistEntry.objects.get_or_create(
        submission=submission,
        defaults={"clinic_id": submission.clinic_id, "patient_id": submission.patient_id, "source": source},
    )
    return entry


def worklist_withdraw(*, submission: Any) -> bool:
    """Take the patient off the worklist if no coordinator has started on them yet ("to contact", no attempt).

    The untouched entry is removed, so a later worklist_add queues the patient afresh; an entry something
    else already points at is closed instead. True when the patient was taken off.
    """
    entry = WorklistEntry.objects.filter(
        submission=submission, status=WorklistEntry.Status.TO_CONTACT, attempts=0
    ).first()
    if entry is None:
        return False
    try:
        with transaction.atomic():
            entry.delete()
    except ProtectedError:
        entry.status = WorklistEntry.Status.CLOSED
        entry.save(update_fields=["status", "updated_at"])
    return True
