"""Ten posts of the same final wizard step at the same moment (a double click, ten tabs, a retrying proxy):
exactly one submission, one screening result, one review case, and one outbox row per recipient."""

import threading

import pytest
from django.db import connection
from django.test import Client

from core.models import Notification
from intake.models import IntakeDraft, IntakeSubmission
from screening.models import ReviewCase, ScreeningResult

from .conftest import IntakeWorld, submit_url

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.usefixtures("on_postgres")]

POSTS = 10


def _concurrently(count: int, action) -> list:
    """Run `action(i)` in `count` threads released together; each thread uses its own DB connection."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = action(index)
        except Exception as exc:  # reported by the assertions below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    return results


@pytest.mark.parametrize("scenario", ["needs_review", "eligible"])
def test_ten_concurrent_submits_make_one_submission(transactional_db, scenario):
    world = IntakeWorld(psychiatrists=3)
    patient, draft = world.complete_draft(scenario)
    clients = []
    for _ in range(POSTS):  # ten tabs: ten sessions of the same patient
        client = Client()
        client.force_login(patient)
        clients.append(client)

    responses = _concurrently(POSTS, lambda i: clients[i].post(submit_url(draft), {"action": "next"}))

    errors = [r for r in responses if isinstance(r, Exception)]
    assert not errors, errors
    submission = IntakeSubmission.objects.get(draft=draft)
    assert {r.status_code for r in responses} == {302}
    # Every tab lands on the same, single submission's page.
    assert {r["Location"].split("?")[0].rstrip("/").rsplit("/", 2)[-1] for r in responses} <= {
        str(submission.pk),
        "help-now",
    }
    assert IntakeDraft.objects.get(pk=draft.pk).submitted_at is not None
    assert ScreeningResult.objects.filter(submission=submission).count() == 1
    cases = ReviewCase.objects.filter(submission=submission).count()
    assert cases == (1 if scenario == "needs_review" else 0)
    rows = list(Notification.objects.values_list("recipient_id", "kind"))
    assert len(rows) == len(set(rows)), "an outbox row was written twice"
    recipients = {recipient for recipient, _ in rows}
    expected = {patient.pk} | (
        {p.pk for p in world.psychiatrists} if scenario == "needs_review" else {world.coordinator.pk}
    )
    assert recipients == expected


def test_a_lock_on_the_clinic_does_not_hold_up_patients_submitting(transactional_db):
    """A policy change or a re-screen run locks the clinic's row while it works; patients submitting at the
    same moment must not queue behind it (nor behind each other: each submit locks only its own draft)."""
    import psycopg2

    world = IntakeWorld()
    patient, draft = world.complete_draft("needs_review")
    db = connection.settings_dict
    other = psycopg2.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"] or None, dbname=db["NAME"]
    )
    try:
        with other.cursor() as cursor:  # another transaction holds the clinic row until we say so
            cursor.execute(  # as policy_publish and rescreen_start do
                "SELECT id FROM clinics_clinic WHERE id = %s FOR NO KEY UPDATE", [str(world.clinic.pk)]
            )
        client = Client()
        client.force_login(patient)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")  # waiting on the clinic's lock fails the request instead
        response = client.post(submit_url(draft), {"action": "next"})
    finally:
        other.rollback()
        other.close()
        connection.close()  # the session's lock_timeout goes with its connection

    assert response.status_code == 302
    submission = IntakeSubmission.objects.get(draft=draft)
    assert response["Location"].rstrip("/").endswith(str(submission.pk))
    assert ReviewCase.objects.filter(submission=submission).count() == 1
