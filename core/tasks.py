"""Core background work: send the outbox and resend what is due (escalations: screening.tasks).

Every task takes ids only, is safe to run twice or at the same time as itself (hence acks_late), and keeps
no result (nothing reads it; a result backend that is down must not slow the web request that queued it).
"""

from __future__ import annotations

import logging
import time

from celery import shared_task

from .outbox import outbox_deliver, outbox_due_ids

logger = logging.getLogger(__name__)

RESEND_BATCH = 200
# Stop taking new rows after this long, so one slow mail server cannot pile up overlapping beat runs.
RESEND_BUDGET_SECONDS = 45.0


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
    rendered: dict[tuple, object] = {}  # one event: an e-mail the same for everyone is rendered once per language
    for notification_id in notification_ids:
        if time.monotonic() - started > RESEND_BUDGET_SECONDS:
            break
        if outbox_deliver(notification_id, rendered) == "sent":
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


@shared_task(ignore_result=True, soft_time_limit=120, time_limit=180)
def audit_checkpoint() -> int | None:
    """The beat's signed checkpoint of the audit chain's head; returns the last event id it covers."""
    from .audit import audit_checkpoint as write_checkpoint

    checkpoint = write_checkpoint()
    return checkpoint.last_event_id if checkpoint is not None else None


@shared_task(ignore_result=True, soft_time_limit=600, time_limit=720)
def audit_verify() -> bool:
    """The hourly check of the whole chain against the latest checkpoint; kept for the audit page."""
    from .audit import audit_verify_and_record

    result = audit_verify_and_record()
    if result.broken is not None:
        logger.error("audit log broken at event %s: %s", result.broken.event_id, result.broken.reason)
    return result.broken is None
