"""The dashboard's per-day figures, recomputed in the background. Ids only."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from clinics.models import Clinic

from .funnel import funnel_days_refresh_stale

# --- the dashboard's per-day figures (Celery beat, every 5 minutes) ----------------------------------

DASHBOARD_REFRESH_DAYS = 366  # the longest period the dashboard shows
# The beat's interval: refresh what would go stale before the next run, so the page finds it fresh.
DASHBOARD_REFRESH_AHEAD = timedelta(minutes=5)


@shared_task(acks_late=True, ignore_result=True)
def dashboard_refresh() -> int:
    """Recompute every clinic's stale days of the last year; an upsert, so safe to run twice or at once."""
    refreshed = 0
    for clinic in list(Clinic.objects.order_by("pk")):
        now = timezone.now()
        today = now.astimezone(clinic.zone).date()
        start = today - timedelta(days=DASHBOARD_REFRESH_DAYS - 1)
        refreshed += funnel_days_refresh_stale(clinic, start, today, now=now, ahead=DASHBOARD_REFRESH_AHEAD)
    return refreshed
