"""Re-screening and escalation in the background. Arguments are ids only; every task is safe to run twice."""

from celery import shared_task
from django.db import OperationalError

from .escalation import cases_escalate_due
from .services import RESCREEN_CHUNK, rescreen_run_chunk


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
)
def rescreen_clinic(run_id: int, chunk_size: int = RESCREEN_CHUNK) -> int:
    """Work through a re-screening run chunk by chunk (one transaction each); returns the chunks done.

    The run keeps its cursor, so a redelivered or retried task carries on where the last one stopped, a
    submission already screened under the run's ruleset and policy is skipped, and a superseded or finished
    run does nothing.
    """
    chunks = 0
    while rescreen_run_chunk(run_id=run_id, size=chunk_size):
        chunks += 1
    return chunks


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=110, time_limit=120)
def cases_escalate() -> dict[str, int]:
    """Beat, every minute. Safe twice: each alert is claimed by a conditional UPDATE of its marker."""
    return cases_escalate_due()


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
)
def bulk_export_run(job_id: str) -> int:
    """Run a Bulk Data $export job part by part (screening/bulk_data.py); returns the parts written. Safe to run
    twice and after a worker was killed: the job's cursor says where the last finished part ended."""
    from .bulk_data import bulk_export_fail, bulk_export_run_part

    parts = 0
    try:
        while bulk_export_run_part(job_id=job_id):
            parts += 1
    except OperationalError:
        raise
    except Exception as error:
        bulk_export_fail(job_id=job_id, error=type(error).__name__)
        raise
    return parts


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=110, time_limit=120)
def bulk_exports_expire() -> int:
    from .bulk_data import bulk_exports_expire as expire

    return expire()
