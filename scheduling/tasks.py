"""Appointment reminders in the background. Ids only."""

from datetime import timedelta

from celery import shared_task
from django.db import transaction
from django.db.models import F
from django.utils import timezone

# --- appointment reminders (Celery beat, every 5 minutes) --------------------------------------------

REMINDERS = (
    # (event key, how long before the start, the marker field)
    ("24h", timedelta(hours=24), "reminder_24h_sent_at"),
    ("2h", timedelta(hours=2), "reminder_2h_sent_at"),
)
REMINDER_BATCH = 500


@shared_task(acks_late=True)
def appointment_reminders_due() -> int:
    """Queue each due reminder exactly once; safe to run twice, at the same time, or after a crash.

    A reminder is due when a booked appointment starts within its lead time, existed before that lead
    time began (one booked 3 hours ahead gets the 2-hour reminder only), and the 24-hour one is skipped
    once the 2-hour one is due. The marker is claimed with a conditional UPDATE in the same transaction
    as the outbox row, and the outbox row's dedupe key ("24h"/"2h") makes a second row impossible.
    """
    from core.outbox import outbox_add

    from .models import Appointment

    now = timezone.now()
    queued = 0
    for key, lead, marker in REMINDERS:
        due = Appointment.objects.filter(
            status=Appointment.Status.BOOKED,
            starts_at__gt=now,
            starts_at__lte=now + lead,
            created_at__lte=F("starts_at") - lead,
            **{f"{marker}__isnull": True},
        )
        if key == "24h":
            due = due.filter(starts_at__gt=now + timedelta(hours=2))
        for appointment_id in due.order_by("starts_at").values_list("pk", flat=True)[:REMINDER_BATCH]:
            with transaction.atomic():
                claimed = Appointment.objects.filter(
                    pk=appointment_id, status=Appointment.Status.BOOKED, **{f"{marker}__isnull": True}
                ).update(**{marker: now})
                if not claimed:
                    continue  # another run got here first, or it was cancelled a moment ago
                appointment = Appointment.objects.select_related("clinic", "patient").get(pk=appointment_id)
                outbox_add(
                    kind="appointment.reminder",
                    recipient=appointment.patient,
                    obj=appointment,
                    clinic=appointment.clinic,
                    event_key=key,
                )
                queued += 1
    return queued
