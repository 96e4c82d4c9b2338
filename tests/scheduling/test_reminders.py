"""Appointment reminders 24 hours and 2 hours before: each exactly once, none for cancelled appointments."""

import os
import subprocess
import sys
import time as clock
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from clinics.models import Role
from core.models import Notification
from scheduling.models import Appointment
from scheduling.tasks import appointment_reminders_due
from tests.conftest import ROOT, _database_url
from tests.factories import make_clinic, make_staff
from tests.factories.scheduling import on_worklist

HOUR = timedelta(hours=1)


def appointment(clinic, clinician, *, starts_in: timedelta, booked_ago: timedelta = timedelta(days=3), status="booked"):
    """An appointment row as booking leaves it, with chosen times (reminders look at nothing else)."""
    now = timezone.now()
    entry = on_worklist(clinic, decided_by=clinician)
    row = Appointment(
        clinic=clinic,
        kind=Appointment.Kind.EVALUATION,
        clinician=clinician,
        patient=entry.patient,
        entry=entry,
        starts_at=now + starts_in,
        ends_at=now + starts_in + HOUR,
        booked_by=clinician,
        status=status,
        created_at=now - booked_ago,
    )
    row.series = row.id
    row.save()
    return row


def reminders(row) -> list[str]:
    """The reminder keys queued for this appointment ("24h", "2h"), from the outbox's dedupe keys."""
    keys = Notification.objects.filter(kind="appointment.reminder", object_id=str(row.pk)).values_list(
        "dedupe_key", flat=True
    )
    return sorted(key.split(":")[3] for key in keys)


@pytest.fixture
def clinic_and_psychiatrist(db):
    clinic = make_clinic()
    return clinic, make_staff(clinic, Role.PSYCHIATRIST)


def test_each_reminder_is_queued_once_however_often_the_task_runs(clinic_and_psychiatrist):
    clinic, psychiatrist = clinic_and_psychiatrist
    tomorrow = appointment(clinic, psychiatrist, starts_in=23 * HOUR)
    soon = appointment(clinic, psychiatrist, starts_in=90 * timedelta(minutes=1))
    later = appointment(clinic, psychiatrist, starts_in=30 * HOUR)

    assert appointment_reminders_due() == 2
    assert appointment_reminders_due() == 0

    assert reminders(tomorrow) == ["24h"]
    assert reminders(soon) == ["2h"]  # the 24-hour one is no use any more once the 2-hour one is due
    assert reminders(later) == []
    tomorrow.refresh_from_db()
    assert tomorrow.reminder_24h_sent_at is not None and tomorrow.reminder_2h_sent_at is None
    note = Notification.objects.get(kind="appointment.reminder", object_id=str(tomorrow.pk))
    assert note.recipient == tomorrow.patient and note.clinic == clinic


def test_the_two_hour_reminder_follows_the_day_before_one(clinic_and_psychiatrist, monkeypatch):
    clinic, psychiatrist = clinic_and_psychiatrist
    row = appointment(clinic, psychiatrist, starts_in=23 * HOUR)
    appointment_reminders_due()

    later = timezone.now() + 22 * HOUR  # an hour before the start
    monkeypatch.setattr(timezone, "now", lambda: later)
    appointment_reminders_due()
    appointment_reminders_due()

    assert reminders(row) == ["24h", "2h"]


def test_cancelled_appointments_get_no_reminder(clinic_and_psychiatrist):
    clinic, psychiatrist = clinic_and_psychiatrist
    cancelled = appointment(clinic, psychiatrist, starts_in=HOUR, status="cancelled")
    attended = appointment(clinic, psychiatrist, starts_in=20 * HOUR, status="attended")

    assert appointment_reminders_due() == 0
    assert reminders(cancelled) == reminders(attended) == []


def test_an_appointment_booked_inside_the_reminder_window_gets_only_the_booking_e_mail(clinic_and_psychiatrist):
    clinic, psychiatrist = clinic_and_psychiatrist
    same_day = appointment(clinic, psychiatrist, starts_in=5 * HOUR, booked_ago=HOUR)
    last_minute = appointment(clinic, psychiatrist, starts_in=HOUR, booked_ago=timedelta(minutes=10))

    assert appointment_reminders_due() == 0
    assert reminders(same_day) == reminders(last_minute) == []


# --- a real Celery worker on Redis ----------------------------------------------------------------------------


def _start_worker(queue: str, log_name: str) -> subprocess.Popen:
    """A second worker process on the same queue (the restart), as tests/conftest.py starts the first."""
    from config.celery_app import app

    env = dict(os.environ, DATABASE_URL=_database_url(), REDIS_URL=settings.REDIS_URL)
    log = (ROOT / "test-artifacts" / log_name).open("w")
    name = f"{queue}-2"
    args = ["worker", "--pool=solo", "-Q", queue, "--without-gossip", "--without-mingle", "--without-heartbeat"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", *args, "-n", f"{name}@%h", "--loglevel=INFO"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = clock.monotonic() + 30
    while clock.monotonic() < deadline:
        if app.control.ping(destination=[f"{name}@{os.uname().nodename}"], timeout=0.5):
            return proc
        if proc.poll() is not None:
            break
    proc.kill()
    raise RuntimeError(f"the second worker did not start; see test-artifacts/{log_name}")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.mark.redis
def test_a_real_worker_run_twice_and_restarted_queues_each_reminder_once(celery_worker):
    from config.celery_app import app

    clinic = make_clinic()
    psychiatrist = make_staff(clinic, Role.PSYCHIATRIST)
    first = appointment(clinic, psychiatrist, starts_in=23 * HOUR)

    assert appointment_reminders_due.delay().get(timeout=30) == 1
    assert appointment_reminders_due.delay().get(timeout=30) == 0
    assert reminders(first) == ["24h"]

    # The worker goes away; meanwhile a second appointment becomes due and beat sends the task twice.
    _stop(celery_worker)
    second = appointment(clinic, psychiatrist, starts_in=HOUR + 30 * timedelta(minutes=1))
    waiting = [appointment_reminders_due.delay(), appointment_reminders_due.delay()]
    restarted = _start_worker(app.conf.task_default_queue, f"worker-reminders-{uuid.uuid4().hex[:6]}.log")
    try:
        results = sorted(r.get(timeout=30) for r in waiting)
    finally:
        _stop(restarted)

    assert results == [0, 1]
    assert reminders(first) == ["24h"]
    assert reminders(second) == ["2h"]
    assert Notification.objects.filter(kind="appointment.reminder").count() == 2
