from celery import shared_task


@shared_task(acks_late=True)
def ping() -> str:
    """Round trip through the broker and a worker; used by the health tests."""
    return "pong"


# Account e-mails live in their own module; importing them here registers them with the worker.
from .tasks_auth import email_verification_send, sign_up_attempt_notice  # noqa: E402, F401
