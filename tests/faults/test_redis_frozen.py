"""Redis frozen (SIGSTOP) while patients submit: no request hangs, nothing is lost, and once Redis answers
again every notification is sent exactly once."""

import time
from collections import Counter

import pytest

from core.models import Notification
from intake.models import IntakeSubmission
from screening.models import ScreeningResult

from .conftest import submit_url, wait_for
from .mailbox import delivered

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.usefixtures("on_postgres")]

# settings.CELERY_BROKER_TRANSPORT_OPTIONS: 2 s to connect, 2 s per socket read, one retry. A request may
# pay that once; after the first failure the outbox's breaker stops asking the broker at all.
BROKER_TIMEOUTS_SECONDS = 8.0


def _message_ids(notifications) -> set[str]:
    return {f"<{n.pk}@" for n in notifications}


def _sent_once(mail_log, notifications) -> Counter:
    counts = Counter(mid.split("@")[0] + "@" for mid in delivered(mail_log))
    return Counter({key: counts.get(key, 0) for key in _message_ids(notifications)})


def test_a_frozen_redis_delays_no_request_and_loses_nothing(
    client, broker, start_worker, redis_server, mail_log, intake_world
):
    from core.tasks import outbox_resend_due

    start_worker()

    # Redis answering: the path works end to end (the worker sends what the submit queued). The scenarios
    # here notify at once ("case.new" waits for its digest window, an hour, by design).
    patient, draft = intake_world.complete_draft("urgent")
    client.force_login(patient)
    assert client.post(submit_url(draft), {"action": "next"}).status_code == 302
    before = list(Notification.objects.all())
    assert len(before) == 1 + len(intake_world.psychiatrists)  # the patient, every psychiatrist
    wait_for(lambda: Notification.objects.filter(sent_at__isnull=True).count() == 0, timeout=30, what="the sends")

    # Redis frozen: three patients submit; each request comes back within the broker's timeouts.
    redis_server.freeze()
    frozen_drafts = []
    try:
        for scenario in ("urgent", "eligible", "ineligible"):
            patient, draft = intake_world.complete_draft(scenario)
            client.force_login(patient)
            started = time.monotonic()
            response = client.post(submit_url(draft), {"action": "next"})
            elapsed = time.monotonic() - started
            assert response.status_code == 302, response.status_code
            assert elapsed < BROKER_TIMEOUTS_SECONDS, f"a submit waited {elapsed:.1f} s on a frozen Redis"
            print(f"submit ({scenario}) with Redis frozen: {elapsed:.2f} s")
            frozen_drafts.append(draft)
        # Everything the patients sent is in PostgreSQL: submissions, results, and the outbox rows, unsent.
        for draft in frozen_drafts:
            submission = IntakeSubmission.objects.get(draft=draft)
            assert ScreeningResult.objects.filter(submission=submission).count() == 1
        waiting = Notification.objects.filter(sent_at__isnull=True)
        assert waiting.count() >= len(frozen_drafts)
    finally:
        redis_server.thaw()

    # Redis back: the beat's resend task (run here through the broker, as beat would) sends the rows.
    wait_for(redis_server.ping, timeout=10, what="Redis to answer after SIGCONT")
    outbox_resend_due.delay()
    wait_for(lambda: Notification.objects.filter(sent_at__isnull=True).count() == 0, timeout=45, what="every row sent")
    time.sleep(2)  # a late duplicate (a publish Redis read after the thaw) would land by now

    everything = list(Notification.objects.all())
    counts = _sent_once(mail_log, everything)
    assert all(n.last_error == "" for n in everything), [n.last_error for n in everything]
    assert set(counts.values()) == {1}, f"each message exactly once, got {dict(counts)}"
