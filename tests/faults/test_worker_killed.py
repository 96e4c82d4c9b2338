"""A Celery worker SIGKILLed in the middle of sending a batch: after a restart every message goes out
exactly once (none lost, none twice), even when the same sends are queued again."""

import time
from collections import Counter

import pytest

from core.models import Notification

from .conftest import submit_url, wait_for
from .mailbox import delivered

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.usefixtures("on_postgres")]

MAIL_DELAY = 1.0  # seconds per message: a slow mail server, so the kill lands mid-send
LEASE = 4.0  # seconds: the outbox lease of the test's workers (5 minutes in production)


def test_a_killed_worker_loses_and_duplicates_nothing(client, broker, start_worker, mail_log, transactional_db):
    from core.outbox import outbox_enqueue
    from core.tasks import outbox_resend_due
    from tests.faults.conftest import IntakeWorld

    world = IntakeWorld(psychiatrists=5)
    first = start_worker(mail_delay=MAIL_DELAY, lease_seconds=LEASE)

    # An urgent submission: six e-mails (the patient, five psychiatrists), queued after commit, one per task.
    patient, draft = world.complete_draft("urgent")
    client.force_login(patient)
    assert client.post(submit_url(draft), {"action": "next"}).status_code == 302
    rows = list(Notification.objects.filter(channel=Notification.Channel.EMAIL))
    assert len(rows) == 6

    # Kill the worker half-way through the second message (the first one is on disk by then).
    wait_for(lambda: len(delivered(mail_log)) >= 1, timeout=30, interval=0.05, what="the first delivery")
    time.sleep(MAIL_DELAY / 2)
    first.kill()
    done_before = len(delivered(mail_log))
    assert done_before < len(rows), "the worker finished the batch before it was killed: nothing was tested"
    assert Notification.objects.filter(sent_at__isnull=True).count() == len(rows) - done_before

    # Restarted, with the sends queued again (as a redelivery would) and the beat's resend running twice:
    # the leases keep every row to one sender.
    start_worker(mail_delay=0.0, lease_seconds=LEASE)
    time.sleep(LEASE)  # the killed worker's lease on the row it was sending runs out
    for row in rows:
        outbox_enqueue(str(row.pk))
    outbox_resend_due.delay()
    outbox_resend_due.delay()
    wait_for(lambda: Notification.objects.filter(sent_at__isnull=True).count() == 0, timeout=60, what="every row sent")
    time.sleep(2)  # anything sent twice would be on disk by now

    counts = Counter(mid.split("@")[0].lstrip("<") for mid in delivered(mail_log))
    assert {str(row.pk): counts.get(str(row.pk), 0) for row in rows} == {str(row.pk): 1 for row in rows}
    assert sum(counts.values()) == len(rows)
