"""The contact log's data migration: every call logged before it keeps its worklist entry and gains the entry's
clinic and patient, so the one log per patient and clinic starts complete."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import UserFactory, make_clinic, make_staff

BEFORE = [("scheduling", "0002_clinic_closure")]
AFTER = [("scheduling", "0004_contact_attempt_patient_required")]


@pytest.mark.django_db(transaction=True)
def test_existing_calls_take_their_entrys_clinic_and_patient():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        _calls_before_and_after(executor)
    finally:  # whatever happened, the test database goes back to the latest schema for the tests after this one
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


def _calls_before_and_after(executor: MigrationExecutor) -> None:
    # Only scheduling went back: the other apps' tables are at their latest, so their models are read there.
    intake_now = [node for node in executor.loader.graph.leaf_nodes() if node[0] == "intake"]
    old = executor.loader.project_state([*BEFORE, *intake_now]).apps
    clinic = make_clinic()
    coordinator = make_staff(clinic, "coordinator")
    patient = UserFactory()
    IntakeDraft = old.get_model("intake", "IntakeDraft")
    IntakeSubmission = old.get_model("intake", "IntakeSubmission")
    draft = IntakeDraft.objects.create(patient_id=patient.pk, clinic_id=clinic.pk)
    submission = IntakeSubmission.objects.create(
        patient_id=patient.pk, clinic_id=clinic.pk, draft=draft, document={}, consent_version="v", signed_name="P"
    )
    entry = old.get_model("scheduling", "WorklistEntry").objects.create(
        clinic_id=clinic.pk, patient_id=patient.pk, submission=submission, source="eligible"
    )
    old.get_model("scheduling", "ContactAttempt").objects.create(entry=entry, by_id=coordinator.pk, outcome="reached")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    attempt = new.get_model("scheduling", "ContactAttempt").objects.get()

    assert (attempt.clinic_id, attempt.patient_id, attempt.entry_id) == (clinic.pk, patient.pk, entry.pk)
