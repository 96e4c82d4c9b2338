"""Core background work: send the outbox, resend what is due, escalate late review cases.

Every task takes ids only, is safe to run twice or at the same time as itself (hence acks_late), and keeps
no result (nothing reads it; a result backend that is down must not slow the web request that queued it).
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import Any

from celery import shared_task
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .outbox import outbox_add_many, outbox_deliver, outbox_due_ids

logger = logging.getLogger(__name__)

RESEND_BATCH = 200
# Stop taking new rows after this long, so one slow mail server cannot pile up overlapping beat runs.
RESEND_BUDGET_SECONDS = 45.0
ESCALATE_BATCH = 500


@shared_task(acks_late=True, ignore_result=False)
def ping() -> str:
    """Round trip through the broker and a worker; used by the health tests."""
    return "pong"


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=60, time_limit=90)
def outbox_send(notification_id: str) -> str:
    """Send one outbox row; a second run, or a run on another worker, finds it claimed or sent."""
    return outbox_deliver(notification_id)


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=110, time_limit=120)
def outbox_send_many(notification_ids: list[str]) -> int:
    """Send the rows one event queued (a submit alerts every psychiatrist): one task instead of one each.
    Safe twice like outbox_send; rows left when the time budget runs out are sent by the beat."""
    started = time.monotonic()
    sent = 0
    for notification_id in notification_ids:
        if time.monotonic() - started > RESEND_BUDGET_SECONDS:
            break
        if outbox_deliver(notification_id) == "sent":
            sent += 1
    return sent


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=110, time_limit=120)
def outbox_resend_due(limit: int = RESEND_BATCH) -> int:
    """Beat, every minute: send unsent rows whose next attempt is due (never queued, failed, or digests)."""
    started = time.monotonic()
    sent = 0
    for notification_id in outbox_due_ids(limit=limit):
        if time.monotonic() - started > RESEND_BUDGET_SECONDS:
            break
        if outbox_deliver(notification_id) == "sent":
            sent += 1
    return sent


# --- escalation -------------------------------------------------------------------------------------


def escalation_recipients(clinic_id: Any) -> list[Any]:
    """The clinic's active admins; its psychiatrists when it has no admin (a human must always be told)."""
    from clinics.models import Membership, Role

    members = list(
        Membership.objects.filter(
            clinic_id=clinic_id,
            role__in=[Role.CLINIC_ADMIN, Role.PSYCHIATRIST],
            is_active=True,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("created_at")
    )
    admins = [m.user for m in members if m.role == Role.CLINIC_ADMIN]
    return admins or [m.user for m in members]


@transaction.atomic
def _escalate(case_id: Any, *, still: Q, marker: str, kind: str, now: datetime) -> bool:
    """Set the case's marker if it is still unset and `still` holds, and queue the alerts with it."""
    from screening.models import ReviewCase

    if not ReviewCase.objects.filter(still, pk=case_id, **{f"{marker}__isnull": True}).update(**{marker: now}):
        return False  # another run did it, or the case moved on in the meantime
    case = ReviewCase.objects.select_related("clinic").get(pk=case_id)
    outbox_add_many(kind=kind, recipients=escalation_recipients(case.clinic_id), obj=case, clinic=case.clinic)
    return True


def cases_escalate_due(now: datetime | None = None) -> dict[str, int]:
    """Alert clinic admins, once per case, about overdue cases and unacknowledged urgent ones."""
    from clinics.models import Clinic
    from screening.models import Priority, ReviewCase

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
    if any(counts.values()):
        logger.info("escalation: %(overdue)d overdue, %(ack_escalated)d unacknowledged urgent cases", counts)
    return counts


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=110, time_limit=120)
def cases_escalate() -> dict[str, int]:
    """Beat, every minute. Safe twice: each alert is claimed by a conditional UPDATE of its marker."""
    return cases_escalate_due()
