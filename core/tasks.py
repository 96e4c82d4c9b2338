from celery import shared_task


@shared_task(acks_late=True)
def ping() -> str:
    """Round trip through the broker and a worker; used by the health tests."""
    return "pong"
