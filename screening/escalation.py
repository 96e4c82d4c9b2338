"""Escalation of late review cases to clinic admins (the beat runs screening.tasks.cases_escalate each minute)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from clinics import access
from clinics.models import Clinic, Role
from core.outbox import outbox_add_many

from .models import IntakeAlert, Priority, ReviewCase

logger = logging.getLogger(__name__)

ESCALATE_BATCH = 500


def escalation_recipients(clinic_id: Any) -> list[Any]:
    """The clinic's active admins; its psychiatrists when it has no admin (a human must always be told)."""
    members = access.members(clinic_id, [Role.CLINIC_ADMIN, Role.PSYCHIATRIST])
    admins = [m.user for m in members if m.role == Role.CLINIC_ADMIN]
    return admins or [m.user for m in members]


@transaction.atomic
def _escalate(case_id: Any, *, still: Q, marker: str, kind: str, now: datetime) -> bool:
    """Set the case's marker if it is still unset and `still` holds, and queue the alerts with it."""
    if not ReviewCase.objects.filter(still, pk=case_id, **{f"{marker}__isnull": True}).update(**{marker: now}):
        return False  # another run did it, or the case moved on in the meantime
    case = ReviewCase.objects.select_related("clinic").get(pk=case_id)
    outbox_add_many(kind=kind, recipients=escalation_recipients(case.clinic_id), obj=case, clinic=case.clinic)
    return True


def intake_alerts_escalate_due(now: datetime, batch: int) -> int:
    """Alert the clinic admins, once per alert, when no psychiatrist acknowledged it within the clinic's minutes."""
    still = Q(case__isnull=True, acknowledged_at__isnull=True, ack_escalated_at__isnull=True)
    candidates = (
        IntakeAlert.objects.filter(still)
        .select_related("clinic")
        .order_by("created_at")
        .only("pk", "created_at", "clinic__urgent_ack_minutes")[:batch]
    )
    count = 0
    for candidate in list(candidates):
        if candidate.created_at > now - timedelta(minutes=candidate.clinic.urgent_ack_minutes):
            continue
        with transaction.atomic():
            if not IntakeAlert.objects.filter(still, pk=candidate.pk).update(ack_escalated_at=now):
                continue
            alert = IntakeAlert.objects.select_related("clinic").get(pk=candidate.pk)
            outbox_add_many(
                kind="intake_alert.ack_escalated",
                recipients=escalation_recipients(alert.clinic_id),
                obj=alert,
                clinic=alert.clinic,
            )
            count += 1
    return count


def cases_escalate_due(now: datetime | None = None) -> dict[str, int]:
    """Alert clinic admins, once per case, about overdue cases and unacknowledged urgent ones."""
    now = now or timezone.now()
    waiting = [ReviewCase.Status.OPEN, ReviewCase.Status.CLAIMED]

    overdue = Q(status__in=waiting, due_at__lte=now)
    overdue_ids = (
        ReviewCase.objects.filter(overdue, overdue_notified_at__isnull=True)
        .order_by("due_at")
        .values_list("pk", flat=True)[:ESCALATE_BATCH]
    )
    counts = {"overdue": 0, "ack_escalated": 0}
    for case_id in list(overdue_ids):
        counts["overdue"] += _escalate(
            case_id, still=overdue, marker="overdue_notified_at", kind="case.overdue", now=now
        )

    # Unacknowledged: still open (a psychiatrist who claimed the case has it in hand). Each clinic sets its own
    # minutes; there are only a few distinct values, so one indexed query per value.
    minutes_values = Clinic.objects.order_by().values_list("urgent_ack_minutes", flat=True).distinct()
    for minutes in list(minutes_values):
        unacknowledged = Q(
            status=ReviewCase.Status.OPEN,
            priority=Priority.URGENT,
            acknowledged_at__isnull=True,
            clinic__urgent_ack_minutes=minutes,
            created_at__lte=now - timedelta(minutes=minutes),
        )
        ids = (
            ReviewCase.objects.filter(unacknowledged, ack_escalated_at__isnull=True)
            .order_by("created_at")
            .values_list("pk", flat=True)[:ESCALATE_BATCH]
        )
        for case_id in list(ids):
            counts["ack_escalated"] += _escalate(
                case_id, still=unacknowledged, marker="ack_escalated_at", kind="case.ack_escalated", now=now
            )
    counts["intake_alerts"] = intake_alerts_escalate_due(now, ESCALATE_BATCH)
    if any(counts.values()):
        logger.info(
            "escalation: %(overdue)d overdue, %(ack_escalated)d unacknowledged urgent cases, "
            "%(intake_alerts)d unacknowledged intake alerts",
            counts,
        )
    return counts
