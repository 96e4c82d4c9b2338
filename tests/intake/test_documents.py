"""Patients upload the records a psychiatrist asks for: accepted by content (PDF, JPEG, PNG), 10 MB each, 20 per
patient, stored under a generated name in the private storage; downloads are attachments, never cached or
sniffed, scoped to who may see them, and audited."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import AuditEvent
from demo.documents import sample_pdf, sample_png
from intake.models import DOCUMENTS_PER_PATIENT, Document
from intake.services import draft_get_or_start
from intake.services_documents import clean_display_name, document_upload
from tests.factories import UserFactory, login_staff, make_clinic

pytestmark = pytest.mark.django_db

UPLOAD = "patients:documents"
# A Windows program's first bytes ("MZ" and the DOS stub), named like a lab report.
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program"


def stored_files() -> set[str]:
    root = Path(storages["documents"].location)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def intake(clinic, patient):
    return draft_get_or_start(patient=patient, clinic=clinic)


def upload(client, name: str, content: bytes, kind: str = "labs", content_type: str = "application/pdf"):
    return client.post(
        reverse(UPLOAD), {"kind": kind, "file": SimpleUploadedFile(name, content, content_type=content_type)}
    )


def test_a_patient_uploads_a_pdf_stored_under_a_generated_name(patient_client, patient, clinic, intake):
    pdf = sample_pdf("Comprehensive metabolic panel", ["Sodium 140 mmol/L"])
    before = stored_files()

    response = upload(patient_client, "../Alex Example labs.pdf", pdf)

    assert response.status_code == 302
    document = Document.objects.get(patient=patient)
    assert (document.clinic, document.kind, document.content_type) == (clinic, "labs", "application/pdf")
    assert document.size == len(pdf)
    assert document.sha1 == hashlib.sha1(pdf, usedforsecurity=False).hexdigest()
    assert document.original_name == "Alex Example labs.pdf"  # shown to people, never a path
    (new,) = stored_files() - before
    assert new == document.storage_name
    assert "Alex" not in new and "labs" not in new and new.endswith(".pdf")
    with storages["documents"].open(document.storage_name, "rb") as stored:
        assert stored.read() == pdf
    page = patient_client.get(reverse(UPLOAD))
    assert "Recent lab results" in text(page)
    assert "Alex Example labs.pdf" in text(page)
    event = AuditEvent.objects.get(action="document.upload")
    assert event.object_id == str(document.pk) and event.actor_id == patient.pk
    assert "Alex" not in str(event.detail)


def test_a_png_is_recognised_by_its_content_whatever_its_name_and_type(patient_client, patient, intake):
    response = upload(patient_client, "ecg.pdf", sample_png(), kind="ecg", content_type="application/pdf")

    assert response.status_code == 302
    document = Document.objects.get(patient=patient)
    assert document.content_type == "image/png"
    assert document.storage_name.endswith(".png")


def test_a_renamed_executable_is_refused_with_a_clear_message_and_nothing_stored(patient_client, patient, intake):
    before = stored_files()

    response = upload(patient_client, "labs.pdf", EXECUTABLE)

    assert response.status_code == 200
    assert "This file is not a PDF, JPEG or PNG" in text(response)
    assert "Error:" in response.content.decode().split("</title>")[0]
    assert 'value="labs" selected' in response.content.decode()  # the kind chosen stays chosen
    assert not Document.objects.exists()
    assert stored_files() == before


def test_an_11_mb_file_is_refused_and_nothing_is_stored(patient_client, patient, intake):
    before = stored_files()
    big = sample_pdf("Scan") + b"\0" * (11 * 1024 * 1024)

    response = upload(patient_client, "scan.pdf", big)

    assert response.status_code == 200
    assert "Files of up to 10 MB are accepted" in text(response)
    assert not Document.objects.exists()
    assert stored_files() == before


def test_the_21st_document_is_refused(patient, clinic, intake, patient_client):
    for i in range(DOCUMENTS_PER_PATIENT - 1):
        document_upload(
            patient=patient,
            clinic=clinic,
            kind="other",
            upload=SimpleUploadedFile(f"{i}.png", sample_png(8, 8, trace=False)),
            uploaded_by=patient,
        )
    assert upload(patient_client, "20th.pdf", sample_pdf("Twentieth")).status_code == 302
    before = stored_files()

    refused = upload(patient_client, "21st.pdf", sample_pdf("Twenty-first"))

    assert Document.objects.filter(patient=patient).count() == DOCUMENTS_PER_PATIENT
    assert stored_files() == before
    assert "the most we can keep" in text(refused)


def test_no_file_or_no_kind_gets_a_message_next_to_the_field(patient_client, intake):
    response = patient_client.post(reverse(UPLOAD), {"kind": ""})

    assert response.status_code == 200
    assert "Choose what kind of document this is." in text(response)
    assert "Choose a file to upload." in text(response)


def test_a_patient_with_two_clinics_chooses_which_one(patient_client, patient, clinic, intake):
    other = make_clinic(name="Lakeside Ketamine Center", states=("OR",))
    draft_get_or_start(patient=patient, clinic=other)

    missing = upload(patient_client, "labs.pdf", sample_pdf("Labs"))
    chosen = patient_client.post(
        reverse(UPLOAD),
        {"kind": "labs", "clinic": other.slug, "file": SimpleUploadedFile("labs.pdf", sample_pdf("Labs"))},
    )

    assert "Choose the clinic this document is for." in text(missing)
    assert chosen.status_code == 302
    assert Document.objects.get(patient=patient).clinic == other


def test_display_names_lose_folders_and_control_characters():
    assert clean_display_name("C:\\Users\\alex\\labs\x00\n.pdf") == "labs.pdf"
    assert len(clean_display_name("a" * 300 + ".pdf")) <= 120
    assert clean_display_name("a" * 300 + ".pdf").endswith(".pdf")


# --- downloads -------------------------------------------------------------------------------------------------


@pytest.fixture
def document(patient, clinic, intake):
    return document_upload(
        patient=patient,
        clinic=clinic,
        kind="labs",
        upload=SimpleUploadedFile("labs.pdf", sample_pdf("Lab report")),
        uploaded_by=patient,
    )


def _assert_safe_download(response, document) -> None:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert document.download_name in response["Content-Disposition"]
    assert "labs.pdf" not in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"
    assert b"".join(response.streaming_content) == sample_pdf("Lab report")


def test_the_patient_downloads_their_own_document_audited(patient_client, patient, document):
    response = patient_client.get(reverse("patients:document", args=[document.pk]))

    _assert_safe_download(response, document)
    event = AuditEvent.objects.filter(action="document.download").get()
    assert event.actor_id == patient.pk and event.detail["via"] == "patient"
    assert event.detail["patient_id"] == str(patient.pk)  # the audit log can be read per patient


@pytest.mark.parametrize("role", ["psychiatrist", "coordinator", "admin"])
def test_every_staff_role_of_the_clinic_downloads_it_audited(client, clinic, document, role):
    user = getattr(clinic, role)
    login_staff(client, user)

    response = client.get(
        reverse("screening:document", kwargs={"clinic_slug": clinic.slug, "document_id": document.pk})
    )

    _assert_safe_download(response, document)
    event = AuditEvent.objects.filter(action="document.download").get()
    assert (event.actor_id, event.clinic_id, event.object_id) == (user.pk, clinic.pk, str(document.pk))


def test_another_patient_and_another_clinics_staff_get_404(client, clinic, document):
    from clinics.models import Role
    from tests.factories import make_staff

    other_clinic = make_clinic(name="Other Clinic", states=("OR",))
    outsider = make_staff(other_clinic, Role.PSYCHIATRIST)
    login_staff(client, outsider)
    assert (
        client.get(
            reverse("screening:document", kwargs={"clinic_slug": other_clinic.slug, "document_id": document.pk})
        ).status_code
        == 404
    )
    client.logout()
    client.force_login(UserFactory())
    assert client.get(reverse("patients:document", args=[document.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="document.download").exists()


def test_documents_are_kept_outside_static_files_in_a_git_ignored_folder(document):
    from django.conf import settings

    location = os.path.realpath(storages["documents"].location)
    assert not location.startswith(os.path.realpath(settings.STATIC_ROOT))
    assert all(not location.startswith(os.path.realpath(d)) for d in settings.STATICFILES_DIRS)
    # Development's folder (when DOCUMENTS_S3_BUCKET is unset) is var/documents, which git ignores.
    assert Path(settings.DOCUMENTS_STORAGE["OPTIONS"]["location"]) == Path(settings.BASE_DIR) / "var" / "documents"
    assert "/var/" in (Path(settings.BASE_DIR) / ".gitignore").read_text().splitlines()


def test_a_spanish_reader_gets_the_page_and_its_errors_in_spanish(client, clinic):
    patient = UserFactory(language="es")
    draft_get_or_start(patient=patient, clinic=clinic)
    client.force_login(patient)

    page = client.get(reverse(UPLOAD))
    refused = upload(client, "labs.pdf", EXECUTABLE)

    assert "Sus documentos" in text(page) and "Resultados de laboratorio recientes" in text(page)
    assert "Este archivo no es un PDF, JPEG ni PNG" in text(refused)
    assert "not a PDF" not in text(refused)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01", "image/jpeg"),
        (sample_png(4, 4, trace=False), "image/png"),
        (sample_pdf("x"), "application/pdf"),
        (b"GIF89a\x01\x00\x01\x00", None),
        (b"\x7fELF\x02\x01\x01\x00", None),
        (EXECUTABLE, None),
        (b"PK\x03\x04" + b"\x00" * 30, None),  # a zip (or a Word file) renamed .pdf
        (b"<html><script>alert(1)</script>", None),
    ],
)
def test_only_pdf_jpeg_and_png_are_recognised_by_their_first_bytes(head, expected):
    from intake.services_documents import document_content_type

    assert document_content_type(head) == expected
