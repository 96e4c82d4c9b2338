"""The outbox on the real stack: a Celery worker on Redis sends after commit and resends what is due, and
sending stays at-most-once when the same row is queued again or claimed by several senders at once."""

import threading
import time
from collections import Counter
from email import message_from_bytes
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from core.models import Notification
from core.outbox import outbox_add, outbox_breaker_reset, outbox_deliver
from core.tasks import outbox_resend_due, outbox_send, ping
from tests.factories.notifications import notification, notify_world


def delivered(directory: Path) -> Counter:
    """Message-IDs of the e-mails the worker wrote (Django's file backend: messages separated by dashes)."""
    ids: Counter = Counter()
    for path in directory.glob("*.log"):
        for chunk in path.read_bytes().split(b"-" * 79 + b"\n"):
            if chunk.strip():
                ids[message_from_bytes(chunk)["Message-ID"]] += 1
    return ids


def wait_for(predicate, *, timeout: float = 30.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def drain() -> None:
    """Everything queued before this has been handled (the worker runs one task at a time, in order)."""
    assert ping.delay().get(timeout=30) == "pong"


@pytest.fixture
def worker_mail(tmp_path, monkeypatch) -> Path:
    directory = tmp_path / "mail"
    directory.mkdir()
    monkeypatch.setenv("EMAIL_URL", f"filemail:///{directory}")  # read by the worker process at start
    return directory


@pytest.fixture
def worker(worker_mail, celery_worker) -> Path:
    outbox_breaker_reset()
    return worker_mail


def _message_id(row) -> str:
    return f"<{row.pk}@{urlsplit(settings.SITE_URL).hostname}>"


@pytest.mark.redis
def test_a_real_worker_sends_after_commit_and_never_twice(worker):
    world = notify_world()

    with transaction.atomic():
        row = outbox_add(kind="case.urgent", recipient=world.psychiatrist, obj=world.case, clinic=world.clinic)
    wait_for(lambda: Notification.objects.filter(pk=row.pk, sent_at__isnull=False).exists(), what="the send")

    outbox_send.delay(str(row.pk))  # a duplicate message, a redelivery
    outbox_send.delay(str(row.pk))
    outbox_resend_due.delay()
    drain()

    sent = delivered(worker)
    assert sent[_message_id(row)] == 1, sent
    assert sum(sent.values()) == 1
    row.refresh_from_db()
    assert row.attempts == 1


@pytest.mark.redis
def test_a_real_worker_resends_what_was_never_queued(worker):
    world = notify_world()
    rows = [
        notification(world, "submission.received", "patient", "submission"),
        notification(world, "case.cleared", "coordinator", "entry"),
        notification(world, "case.urgent", "psychiatrist", "case"),
    ]

    outbox_resend_due.delay()
    outbox_resend_due.delay()  # the beat ran twice (or two beats)
    drain()

    sent = delivered(worker)
    assert all(sent[_message_id(r)] == 1 for r in rows), sent
    assert Notification.objects.filter(pk__in=[r.pk for r in rows], sent_at__isnull=True).count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_senders_at_once_send_one_e_mail():
    world = notify_world()
    row = notification(world, "case.urgent", "psychiatrist", "case")
    barrier = threading.Barrier(8)
    results: list[str] = []

    def sender() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(outbox_deliver(row.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results) == ["busy"] * 7 + ["sent"]
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.sent_at is not None and row.sent_at <= timezone.now()
