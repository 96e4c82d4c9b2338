"""A Celery worker SIGKILLed in the middle of a Bulk Data $export: restarted (with the job queued again, as a
redelivery would), it carries on from the last finished part, and the export ends with every patient exactly
once, every file listed in the manifest and downloadable."""

import json
import time
from collections import Counter

import pytest

from .conftest import wait_for

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.usefixtures("on_postgres")]

PART_DELAY = 1.5  # seconds per part (two patients each): the kill lands after the first part, before the last


def test_a_killed_worker_export_finishes_with_every_patient_once(
    client, broker, start_worker, transactional_db, tmp_path, monkeypatch, settings
):
    from clinics.models import BulkExport
    from clinics.services import api_token_create
    from screening.tasks import bulk_export_run
    from tests.factories import UserFactory
    from tests.intake.submissions import send, staffed_clinic

    documents = tmp_path / "documents"
    monkeypatch.setenv("DOCUMENTS_ROOT", str(documents))
    monkeypatch.setenv("FHIR_EXPORT_PART_PATIENTS", "2")
    monkeypatch.setenv("FAULTS_EXPORT_PART_DELAY", str(PART_DELAY))
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": documents}},
    }
    clinic = staffed_clinic()
    patients = {str(send(clinic, UserFactory(), "eligible").patient_id) for _ in range(7)}
    key = api_token_create(clinic=clinic, name="Warehouse", created_by=clinic.admin)[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    first = start_worker()

    started = client.get("/fhir/R4/Patient/$export", HTTP_PREFER="respond-async", **auth)
    assert started.status_code == 202
    status_url = started["Content-Location"]
    job_id = status_url.rsplit("/", 1)[1]

    # Kill the worker once it has finished a part and is writing the next.
    wait_for(lambda: BulkExport.objects.get(pk=job_id).patients_done >= 2, timeout=60, interval=0.05, what="a part")
    time.sleep(PART_DELAY / 3)
    first.kill()
    job = BulkExport.objects.get(pk=job_id)
    assert job.status == BulkExport.Status.RUNNING and job.patients_done < len(patients), "nothing was tested"
    waiting = client.get(status_url, **auth)
    assert waiting.status_code == 202 and waiting["X-Progress"].startswith("running:")

    start_worker()
    bulk_export_run.delay(job_id)
    wait_for(
        lambda: BulkExport.objects.get(pk=job_id).status == BulkExport.Status.DONE,
        timeout=90,
        what="the export to finish",
    )

    manifest = client.get(status_url, **auth).json()
    exported = Counter()
    for output in manifest["output"]:
        body = b"".join(client.get(output["url"], **auth).streaming_content).decode()
        lines = [json.loads(line) for line in body.splitlines()]
        assert len(lines) == output["count"]
        exported.update(f"{r['resourceType']}/{r['id']}" for r in lines)
    assert {k.split("/", 1)[1] for k in exported if k.startswith("Patient/")} == patients
    assert set(exported.values()) == {1}  # nothing twice
    assert sum(1 for k in exported if k.startswith("QuestionnaireResponse/")) == len(patients)
