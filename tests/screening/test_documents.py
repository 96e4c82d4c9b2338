"""Documents on the psychiatrist's side: the case page lists them and attaches one, asking for more information
can ask for a document (the patient's home says which, and their upload answers it), and the case Bundle, the
bulk export and the FHIR API carry each document as a DocumentReference behind an access-checked link."""

from __future__ import annotations

import base64
import hashlib
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.documentreference import DocumentReference

from clinics.services import api_token_create
from core.models import AuditEvent
from demo.documents import sample_pdf, sample_png
from intake.models import Document
from intake.services_documents import document_upload
from screening.cases import review_case_claim, review_case_request_info
from screening.models import ReviewDecision
from tests.factories import UserFactory, login_staff
from tests.intake.submissions import case_of, send, staffed_clinic

pytestmark = pytest.mark.django_db

LAB_REPORT = sample_pdf("Comprehensive metabolic panel", ["Sodium 140 mmol/L", "Potassium 4.1 mmol/L"])


@pytest.fixture
def clinic():
    return staffed_clinic()


@pytest.fixture
def patient():
    return UserFactory(full_name="Alex Example")


@pytest.fixture
def case(clinic, patient):
    return case_of(send(clinic, patient, "needs_review"))


def add(patient, clinic, kind="labs", content=LAB_REPORT, name="labs.pdf", by=None) -> Document:
    return document_upload(
        patient=patient,
        clinic=clinic,
        kind=kind,
        upload=SimpleUploadedFile(name, content),
        uploaded_by=by or patient,
    )


def case_url(case, name: str = "case") -> str:
    return reverse(f"screening:{name}", kwargs={"clinic_slug": case.clinic.slug, "case_id": case.pk})


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_case_page_lists_the_patients_documents_with_download_links(client, clinic, patient, case):
    document = add(patient, clinic)
    login_staff(client, clinic.psychiatrist)

    page = client.get(case_url(case))

    assert page.status_code == 200
    words = text(page)
    assert "Documents 1" in words
    assert "Recent lab results" in words and "from the patient" in words
    assert reverse("screening:document", kwargs={"clinic_slug": clinic.slug, "document_id": document.pk}) in (
        page.content.decode()
    )


def test_another_clinics_documents_of_the_same_patient_are_not_on_the_case(client, clinic, patient, case):
    elsewhere = staffed_clinic(name="Other Clinic")
    send(elsewhere, patient, "needs_review")
    add(patient, elsewhere, kind="ecg", content=sample_png(), name="ecg.png")
    login_staff(client, clinic.psychiatrist)

    assert "No documents yet." in text(client.get(case_url(case)))


def test_a_psychiatrist_attaches_a_document_to_the_case(client, clinic, patient, case):
    login_staff(client, clinic.psychiatrist)

    response = client.post(
        case_url(case, "case_document_attach"),
        {"kind": "ecg", "file": SimpleUploadedFile("fax.png", sample_png(), content_type="image/png")},
    )

    assert response.status_code == 302
    document = Document.objects.get(patient=patient)
    assert (document.clinic, document.kind, document.uploaded_by) == (clinic, "ecg", clinic.psychiatrist)
    assert AuditEvent.objects.filter(action="document.attach", object_id=str(document.pk)).exists()
    assert "attached by Dr. Priya Raman" in text(client.get(case_url(case)))


def test_attaching_a_refused_file_shows_why_on_the_case_page(client, clinic, case):
    login_staff(client, clinic.psychiatrist)

    response = client.post(
        case_url(case, "case_document_attach"),
        {"kind": "labs", "file": SimpleUploadedFile("labs.pdf", b"#!/bin/sh\nrm -rf /\n")},
    )

    assert response.status_code == 200
    assert "This file is not a PDF, JPEG or PNG" in text(response)
    assert not Document.objects.exists()


def test_asking_for_a_document_puts_it_on_the_patients_task_list_until_they_upload_it(client, clinic, patient, case):
    review_case_claim(case_id=case.pk, user=clinic.psychiatrist)
    login_staff(client, clinic.psychiatrist)
    asked = client.post(
        case_url(case, "case_request_info"),
        {"patient_message": "Could you send your most recent blood tests?", "requested_document": "labs"},
    )
    assert asked.status_code == 302
    decision = ReviewDecision.objects.get(case=case, kind="info_requested")
    assert decision.requested_document == "labs"
    assert "Asked for Recent lab results: not uploaded yet." in text(client.get(case_url(case)))

    client.force_login(patient)
    home = text(client.get(reverse("patients:dashboard")))
    assert "The psychiatrist asked for: Recent lab results" in home
    documents_page = client.get(reverse("patients:documents") + f"?kind=labs&clinic={clinic.slug}")
    assert 'value="labs" selected' in documents_page.content.decode()

    uploaded = client.post(
        reverse("patients:documents"), {"kind": "labs", "file": SimpleUploadedFile("labs.pdf", LAB_REPORT)}
    )

    assert uploaded.status_code == 302
    assert "The psychiatrist asked for" not in text(client.get(reverse("patients:dashboard")))
    login_staff(client, clinic.psychiatrist)
    assert "not uploaded yet" not in text(client.get(case_url(case)))


def test_a_document_of_another_kind_does_not_answer_the_request(client, clinic, patient, case):
    review_case_claim(case_id=case.pk, user=clinic.psychiatrist)
    review_case_request_info(
        case_id=case.pk, user=clinic.psychiatrist, patient_message="Please send your ECG.", requested_document="ecg"
    )
    add(patient, clinic, kind="labs")
    client.force_login(patient)

    assert "The psychiatrist asked for: ECG (heart tracing)" in text(client.get(reverse("patients:dashboard")))


# --- FHIR ------------------------------------------------------------------------------------------------------


def _check_reference(resource: DocumentReference, document: Document, content: bytes, url: str) -> None:
    attachment = resource.content[0].attachment
    assert resource.subject.reference == f"Patient/{document.patient_id}"
    assert resource.type.coding[0].code == "11502-2"  # LOINC: laboratory report
    assert attachment.contentType == "application/pdf"
    assert attachment.size == len(content)
    assert attachment.hash == hashlib.sha1(content, usedforsecurity=False).digest()  # parsed from its base64
    assert attachment.title == "labs.pdf"
    assert attachment.url.endswith(url)
    assert resource.date is not None


def test_the_case_bundle_has_a_document_reference_linking_the_staff_download(client, clinic, patient, case):
    document = add(patient, clinic)
    login_staff(client, clinic.psychiatrist)

    bundle = Bundle.model_validate_json(client.get(case_url(case, "case_fhir")).content)

    references = [e.resource for e in bundle.entry if e.resource.get_resource_type() == "DocumentReference"]
    assert len(references) == 1
    url = reverse("screening:document", kwargs={"clinic_slug": clinic.slug, "document_id": document.pk})
    _check_reference(references[0], document, LAB_REPORT, url)
    # The link works for staff of the clinic, as a download.
    assert client.get(url)["Content-Disposition"].startswith("attachment;")


def test_the_bulk_export_and_the_fhir_api_serve_documents_behind_the_key(client, clinic, patient, case, tmp_path):
    document = add(patient, clinic)
    other = staffed_clinic(name="Other Clinic")
    call_command("fhir_export", clinic=clinic.slug, out=str(tmp_path))

    lines = [json.loads(line) for line in (tmp_path / "DocumentReference.ndjson").read_text().splitlines()]
    assert [line["id"] for line in lines] == [str(document.pk)]
    assert (
        lines[0]["content"][0]["attachment"]["hash"]
        == base64.b64encode(hashlib.sha1(LAB_REPORT, usedforsecurity=False).digest()).decode()
    )
    resource = DocumentReference.model_validate(lines[0])
    binary = reverse("fhir:binary", kwargs={"resource_id": str(document.pk)})
    _check_reference(resource, document, LAB_REPORT, binary)

    assert client.get(binary).status_code == 401
    other_key = api_token_create(clinic=other, name="Other EHR", created_by=other.admin)[1]
    assert client.get(binary, HTTP_AUTHORIZATION=f"Bearer {other_key}").status_code == 404
    key = api_token_create(clinic=clinic, name="OpenEMR", created_by=clinic.admin)[1]
    response = client.get(binary, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff" and response["Cache-Control"] == "no-store"
    assert b"".join(response.streaming_content) == LAB_REPORT
    event = AuditEvent.objects.get(action="document.download")
    assert event.detail["via"] == "fhir" and event.clinic == clinic


def test_coordinators_see_the_documents_on_the_worklist_entry(client, clinic, patient):
    from scheduling.models import WorklistEntry

    send(clinic, patient, "eligible")
    document = add(patient, clinic)
    entry = WorklistEntry.objects.get(patient=patient)
    login_staff(client, clinic.coordinator)

    page = client.get(reverse("scheduling:worklist_entry", kwargs={"clinic_slug": clinic.slug, "entry_id": entry.pk}))

    assert page.status_code == 200
    assert "Recent lab results" in text(page)
    download = reverse("screening:document", kwargs={"clinic_slug": clinic.slug, "document_id": document.pk})
    assert download in page.content.decode()
    assert client.get(download).status_code == 200


def test_the_psychiatrist_is_told_when_the_document_they_asked_for_arrives(clinic, patient, case):
    from core.models import Notification

    review_case_claim(case_id=case.pk, user=clinic.psychiatrist)
    review_case_request_info(
        case_id=case.pk, user=clinic.psychiatrist, patient_message="Please send your ECG.", requested_document="ecg"
    )
    add(patient, clinic, kind="labs")  # not what was asked: nobody is told
    assert not Notification.objects.filter(kind="case.document_received").exists()

    add(patient, clinic, kind="ecg", content=sample_png(), name="ecg.png")

    told = Notification.objects.filter(kind="case.document_received")
    assert [n.recipient for n in told] == [clinic.psychiatrist]
    assert told.get().object_id == str(case.pk)


def test_the_fhir_api_reads_and_searches_document_references_of_its_clinic_only(client, clinic, patient, case):
    from fhir.resources.R4B.bundle import Bundle as SearchBundle

    document = add(patient, clinic)
    other = staffed_clinic(name="Other Clinic")
    stranger = UserFactory()
    send(other, stranger, "needs_review")
    add(stranger, other, kind="ecg", content=sample_png(), name="ecg.png")
    key = api_token_create(clinic=clinic, name="OpenEMR", created_by=clinic.admin)[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    read = client.get(reverse("fhir:document_reference", args=[str(document.pk)]), **auth)
    found = client.get(reverse("fhir:document_reference_search") + f"?patient=Patient/{patient.pk}", **auth)
    everything = client.get(reverse("fhir:document_reference_search"), **auth)
    elsewhere = Document.objects.get(patient=stranger)

    assert read.status_code == 200
    _check_reference(
        DocumentReference.model_validate_json(read.content),
        document,
        LAB_REPORT,
        reverse("fhir:binary", kwargs={"resource_id": str(document.pk)}),
    )
    assert [e.resource.id for e in SearchBundle.model_validate_json(found.content).entry] == [str(document.pk)]
    assert SearchBundle.model_validate_json(everything.content).total == 1
    assert client.get(reverse("fhir:document_reference", args=[str(elsewhere.pk)]), **auth).status_code == 404
    assert AuditEvent.objects.filter(action="fhir.read", detail__type="DocumentReference").count() == 3


def test_a_coordinator_attaches_a_faxed_ecg_from_the_worklist_entry(client, clinic, patient):
    from scheduling.models import WorklistEntry

    send(clinic, patient, "eligible")
    entry = WorklistEntry.objects.get(patient=patient)
    login_staff(client, clinic.coordinator)
    attach = reverse("screening:worklist_document_attach", kwargs={"clinic_slug": clinic.slug, "entry_id": entry.pk})
    entry_url = reverse("scheduling:worklist_entry", kwargs={"clinic_slug": clinic.slug, "entry_id": entry.pk})
    assert attach in client.get(entry_url).content.decode()

    refused = client.post(attach, {"kind": "ecg", "file": SimpleUploadedFile("ecg.png", b"GIF89a" + b"\0" * 40)})
    stored = client.post(attach, {"kind": "ecg", "file": SimpleUploadedFile("ecg.png", sample_png())})

    assert refused.status_code == 200 and "This file is not a PDF, JPEG or PNG" in text(refused)
    assert 'value="ecg" selected' in refused.content.decode()
    assert stored.status_code == 302 and stored["Location"] == entry_url
    document = Document.objects.get(patient=patient)
    assert (document.kind, document.uploaded_by, document.content_type) == ("ecg", clinic.coordinator, "image/png")
    assert "ECG (heart tracing)" in text(client.get(entry_url))
