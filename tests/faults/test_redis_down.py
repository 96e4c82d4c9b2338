"""Redis stopped while a patient submits, signs up or a colleague is invited: the request is quick and complete,
the records and their outbox rows are saved, the person sees the next step; once Redis is back, the resend
task sends each e-mail once.

Each test starts its own redis-server on a spare port (tests/faults/conftest.py `redis_server`) and points
this process's Celery app at it (`broker`); the suite's shared Redis is never touched.
"""

import threading
import time
from collections import Counter

import pytest
from django.core import mail
from django.urls import reverse

from core.models import Notification
from core.outbox import outbox_breaker_reset, outbox_enqueue
from intake.models import IntakeSubmission
from screening.models import ScreeningResult

from .conftest import http_request, session_for, submit_url, wait_for
from .mailbox import delivered

pytestmark = pytest.mark.faults


@pytest.fixture(autouse=True)
def _celery_clients_reset():
    """`broker` points this process's Celery app at the test's own Redis and restores the settings after; also
    forget the clients built meanwhile (the remote-control mailbox's producer pool, the result backend), or the
    next test that pings a worker or reads a result talks to a closed pool or a Redis that is gone."""
    yield
    from config.celery_app import app

    app.control.mailbox.__dict__.pop("producer_pool", None)
    app._backend_cache = None  # the result backend (see Celery.backend)
    app._local.__dict__.pop("backend", None)


# A dead Redis refuses the connection at once; the breaker then skips the broker for the other rows.
REQUEST_BUDGET_SECONDS = 3.0


def _submit_while_down(client, intake_world, scenario: str):
    patient, draft = intake_world.complete_draft(scenario)
    client.force_login(patient)
    started = time.monotonic()
    response = client.post(submit_url(draft), {"action": "next"})
    elapsed = time.monotonic() - started
    assert response.status_code == 302, response.status_code
    assert elapsed < REQUEST_BUDGET_SECONDS, f"the submit took {elapsed:.1f} s with Redis down"
    return patient, response


def test_with_redis_stopped_a_submission_is_saved_shown_and_its_e_mail_sent_once_redis_is_back(
    client, broker, redis_server, intake_world
):
    from core.tasks import outbox_resend_due

    redis_server.stop()
    assert not redis_server.ping()

    patient, response = _submit_while_down(client, intake_world, "eligible")

    submission = IntakeSubmission.objects.get(patient=patient)
    assert ScreeningResult.objects.filter(submission=submission).exists()
    assert response.url == reverse("patients:submission", kwargs={"submission_id": submission.pk})
    page = client.get(response.url)
    assert page.status_code == 200
    assert f"answers were sent to {intake_world.clinic.name}" in page.content.decode()
    rows = list(Notification.objects.filter(sent_at__isnull=True))
    kinds = Counter(n.kind for n in rows)
    assert kinds == {"submission.received": 1, "patient.eligible": 1}  # the patient; the coordinator
    assert mail.outbox == []

    redis_server.start()  # the same port
    assert redis_server.ping()
    outbox_breaker_reset()  # as after the breaker's 30 s
    assert outbox_resend_due() == 2

    assert sorted(m.to[0] for m in mail.outbox) == sorted([patient.email, intake_world.coordinator.email])
    assert outbox_resend_due() == 0  # the next beat finds nothing to send
    assert len(mail.outbox) == 2
    assert {m.extra_headers["Message-ID"].split("@")[0] for m in mail.outbox} == {f"<{n.pk}" for n in rows}
    # With Redis back, queueing works again (the after-commit path, not only the beat).
    assert outbox_enqueue(str(rows[0].pk)) is True


def test_with_redis_stopped_a_sign_up_and_an_invitation_are_kept_and_sent_once_redis_is_back(
    client, broker, redis_server, intake_world
):
    """The account e-mails go through the same outbox: a patient signing up and an administrator inviting a
    colleague both finish at once with Redis stopped, and the beat sends both e-mails, with working links,
    once Redis is back."""
    import re

    from django.contrib.auth import get_user_model
    from django.test import Client

    from clinics.models import Invitation, Role
    from core.tasks import outbox_resend_due
    from tests.factories import login_staff, make_staff

    admin = make_staff(intake_world.clinic, Role.CLINIC_ADMIN)
    staff_client = Client()
    login_staff(staff_client, admin)
    redis_server.stop()

    started = time.monotonic()
    signed_up = client.post(
        reverse("account:signup"),
        {
            "email": "new.patient@example.org",
            "password1": "amber kettle winter 58",
            "password2": "amber kettle winter 58",
        },
    )
    invited = staff_client.post(
        reverse("clinics:members", kwargs={"clinic_slug": intake_world.clinic.slug}),
        {"email": "new.doctor@example.org", "role": Role.PSYCHIATRIST},
    )
    elapsed = time.monotonic() - started

    assert signed_up.status_code == 302 and signed_up.url == reverse("account:verify_email_sent")
    assert invited.status_code == 302
    assert elapsed < 2 * REQUEST_BUDGET_SECONDS, f"sign-up and invitation took {elapsed:.1f} s with Redis down"
    patient = get_user_model().objects.get(email="new.patient@example.org")
    assert Invitation.objects.filter(email="new.doctor@example.org", accepted_at__isnull=True).exists()
    unsent = Counter(Notification.objects.filter(sent_at__isnull=True).values_list("kind", flat=True))
    assert unsent == {"account.verify_email": 1, "clinic.invitation": 1}
    assert mail.outbox == []

    redis_server.start()
    outbox_breaker_reset()
    assert outbox_resend_due() == 2
    assert outbox_resend_due() == 0

    sent = {m.to[0]: m for m in mail.outbox}
    assert sorted(sent) == ["new.doctor@example.org", "new.patient@example.org"]
    verify_path = re.search(r"https?://[^/\s]+(/account/\S+)", sent["new.patient@example.org"].body).group(1)
    assert "your e-mail is confirmed" in client.get(verify_path).content.decode()
    patient.refresh_from_db()
    assert patient.email_verified
    invite_path = re.search(r"https?://[^/\s]+(/account/\S+)", sent["new.doctor@example.org"].body).group(1)
    assert f"Join {intake_world.clinic.name}" in Client().get(invite_path).content.decode()


@pytest.mark.postgres
@pytest.mark.usefixtures("on_postgres")
def test_with_redis_stopped_nothing_is_lost_and_a_real_worker_sends_everything_once(
    client, broker, redis_server, start_worker, mail_log, intake_world
):
    from core.tasks import outbox_resend_due

    redis_server.stop()
    submitted = [_submit_while_down(client, intake_world, scenario)[0] for scenario in ("urgent", "eligible")]
    assert IntakeSubmission.objects.filter(patient__in=submitted).count() == 2
    rows = list(Notification.objects.all())
    # urgent: the patient and every psychiatrist; eligible: the patient and the coordinator
    assert len(rows) == 2 + len(intake_world.psychiatrists) + 1
    assert all(n.sent_at is None for n in rows)

    redis_server.start()
    outbox_breaker_reset()
    start_worker()
    outbox_resend_due.delay()  # what the beat does every minute
    outbox_resend_due.delay()  # and a second beat, or a second scheduler by mistake

    wait_for(
        lambda: not Notification.objects.filter(sent_at__isnull=True).exists(),
        timeout=30,
        what="the resend task to send every row",
    )
    wait_for(lambda: len(delivered(mail_log)) >= len(rows), timeout=10, what="the deliveries to be recorded")
    time.sleep(0.5)  # let the second resend finish: it must find nothing
    counts = Counter(mid.split("@")[0] for mid in delivered(mail_log))
    assert counts == Counter({f"<{n.pk}": 1 for n in rows})


@pytest.mark.postgres
@pytest.mark.usefixtures("on_postgres")
def test_redis_stopped_in_the_middle_of_a_stream_of_submissions(
    broker, redis_server, start_worker, start_web, mail_log, intake_world
):
    """Patients keep submitting over HTTP (gunicorn, two workers, a Celery worker sending) while Redis stops and
    later comes back: every submission is saved and answered with the next step, no request fails or waits on
    the broker, and once Redis is back every e-mail goes out exactly once."""
    from core.tasks import outbox_resend_due

    start_worker(queues=("celery",))
    web = start_web(workers=2, env={"REDIS_URL": redis_server.url, "CONN_MAX_AGE": "60"})
    scenarios = ["eligible", "urgent", "ineligible"] * 6  # notified at once ("case.new" waits for its digest)
    pending = [intake_world.complete_draft(name) for name in scenarios]
    answers: list[tuple[int, str, float]] = []
    lock = threading.Lock()

    def patient_submits() -> None:
        while True:
            with lock:
                if not pending:
                    return
                patient, draft = pending.pop(0)
            session = session_for(patient)
            started = time.monotonic()
            status, location, _ = http_request(web, "POST", submit_url(draft), session, "action=next")
            with lock:
                answers.append((status, location, time.monotonic() - started))
            time.sleep(0.05)

    threads = [threading.Thread(target=patient_submits, daemon=True) for _ in range(3)]
    for thread in threads:
        thread.start()
    wait_for(lambda: len(answers) >= 4, timeout=30, what="the first submissions")
    redis_server.stop()
    stopped_at = len(answers)
    wait_for(lambda: len(answers) >= stopped_at + 6, timeout=30, what="submissions with Redis stopped")
    redis_server.start()  # the same port, empty: whatever was queued in it is gone
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a submission never answered"

    assert len(answers) == len(scenarios)
    assert [status for status, _, _ in answers] == [302] * len(scenarios), answers
    assert all(location.startswith("/patient/sent/") for _, location, _ in answers)
    assert max(seconds for _, _, seconds in answers) < REQUEST_BUDGET_SECONDS, answers
    assert IntakeSubmission.objects.count() == len(scenarios)
    assert ScreeningResult.objects.count() == len(scenarios)

    # What the beat does every minute; a second run (a second scheduler by mistake) must send nothing again.
    outbox_resend_due.delay()
    outbox_resend_due.delay()
    wait_for(
        lambda: not Notification.objects.filter(sent_at__isnull=True).exists(),
        timeout=45,
        what="every outbox row to be sent",
    )
    rows = list(Notification.objects.all())
    # Each patient, plus every psychiatrist for the urgent ones and the coordinator for the eligible ones.
    assert len(rows) == len(scenarios) + 6 * len(intake_world.psychiatrists) + 6
    wait_for(lambda: len(delivered(mail_log)) >= len(rows), timeout=15, what="the deliveries to be recorded")
    time.sleep(1)  # a late duplicate would land by now
    counts = Counter(mid.split("@")[0] for mid in delivered(mail_log))
    assert counts == Counter({f"<{n.pk}": 1 for n in rows})


@pytest.mark.parametrize("failure", ["stopped", "frozen"])
def test_queueing_is_bounded_when_redis_is_dead_or_frozen(broker, redis_server, failure):
    """A dead Redis refuses at once; a frozen one (SIGSTOP) accepts connections and never answers, and the
    socket timeout (2 s) ends the wait. Either way outbox_enqueue returns instead of raising or hanging."""
    if failure == "stopped":
        redis_server.stop()
    else:
        redis_server.freeze()
    started = time.monotonic()
    try:
        queued = outbox_enqueue("00000000-0000-0000-0000-000000000000")
        elapsed = time.monotonic() - started
        again = time.monotonic()
        assert outbox_enqueue("00000000-0000-0000-0000-000000000001") is False
        breaker = time.monotonic() - again
    finally:
        if failure == "frozen":
            redis_server.thaw()

    assert queued is False
    assert elapsed < (1.0 if failure == "stopped" else 5.0), f"{failure}: {elapsed:.2f} s"
    assert breaker < 0.05  # the breaker is open: no second wait
