"""A psychiatrist asks for lab results; the patient's home says so, they upload a renamed program (refused, in
plain words) and then their PDF lab report; the psychiatrist sees it on the case page and downloads it.

Pages are checked with axe-core and photographed at 1280 and 390 px (test-artifacts/screenshots/documents-*).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from clinics.models import Role
from core.models import AuditEvent
from demo.documents import sample_pdf
from intake.models import Document
from screening.cases import review_case_claim
from tests.browser.conftest import SHOTS, assert_styled
from tests.factories import UserFactory, make_clinic, make_staff
from tests.intake.submissions import case_of, send

from .pages import assert_accessible, patient_sign_in, staff_sign_in

pytestmark = pytest.mark.django_db(transaction=True)

LAB_REPORT = sample_pdf("Comprehensive metabolic panel", ["Sodium 140 mmol/L", "Potassium 4.1 mmol/L"])


def look(page: Page, name: str) -> None:
    """axe-core, then full-page photographs at desktop and phone width."""
    assert_accessible(page, name)
    assert_styled(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for label, viewport in (("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844})):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(SHOTS / f"documents-{name}-{label}.png"), full_page=True)
    page.set_viewport_size(size or {"width": 1280, "height": 900})


def test_patient_uploads_the_lab_report_the_psychiatrist_asked_for_and_the_psychiatrist_reads_it(
    live_server, browser, tmp_path: Path
):
    clinic = make_clinic(name="Harbor Ketamine Clinic", states=("OR", "WA"))
    psychiatrist = make_staff(clinic, Role.PSYCHIATRIST, full_name="Dr. Priya Raman")
    patient = UserFactory(full_name="Alex Example")
    case = case_of(send(clinic, patient, "needs_review"))
    review_case_claim(case_id=case.pk, user=psychiatrist)
    case_path = f"/staff/{clinic.slug}/cases/{case.pk}/"

    # --- the psychiatrist asks for recent lab results -------------------------------------------------------------
    staff = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    doctor = staff.new_page()
    doctor.set_default_timeout(10_000)
    staff_sign_in(doctor, live_server, psychiatrist, case_path)
    expect(doctor.get_by_role("heading", name="Documents")).to_be_visible()
    expect(doctor.locator(".case-documents")).to_contain_text("No documents yet.")
    doctor.get_by_role("link", name="Ask for more information").click()
    doctor.get_by_label("Your question to the patient").fill("Could you send your most recent blood tests?")
    doctor.get_by_label("Ask for a document (optional)").select_option(label="Recent lab results")
    look(doctor, "ask")
    doctor.get_by_role("button", name="Send the question").click()
    expect(doctor.get_by_text("Your question was sent.")).to_be_visible()
    expect(doctor.locator(".document-waiting")).to_contain_text("Recent lab results: not uploaded yet")

    # --- the patient sees the task and uploads ------------------------------------------------------------------
    own = browser.new_context(viewport={"width": 1280, "height": 900})
    person = own.new_page()
    person.set_default_timeout(10_000)
    patient_sign_in(person, live_server, patient)
    task = person.locator(".document-request")
    expect(task).to_contain_text("The psychiatrist asked for: Recent lab results")
    look(person, "patient-home-task")
    task.get_by_role("link", name="Upload it").click()
    expect(person.get_by_role("heading", name="Your documents", level=1)).to_be_visible()
    expect(person.get_by_label("What is it?")).to_have_value("labs")

    person.get_by_label("File").set_input_files(
        {"name": "labs.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00" + b"\x00" * 200}
    )
    person.get_by_role("button", name="Upload", exact=True).click()
    expect(person.locator("[data-error-summary]")).to_contain_text("This file is not a PDF, JPEG or PNG")
    expect(person).to_have_title(re.compile(r"^Error: Your documents"))
    assert Document.objects.count() == 0
    look(person, "patient-refused")

    person.get_by_label("File").set_input_files(
        {"name": "Blood tests November.pdf", "mimeType": "application/pdf", "buffer": LAB_REPORT}
    )
    person.get_by_role("button", name="Upload", exact=True).click()
    expect(person.get_by_text("Thank you: your document was uploaded.")).to_be_visible()
    expect(person.locator(".document-item")).to_contain_text("Recent lab results")
    expect(person.locator(".document-item")).to_contain_text("Blood tests November.pdf")
    look(person, "patient-uploaded")
    person.get_by_role("link", name="Your intake").click()
    expect(person.get_by_role("heading", name="Your intake", level=1)).to_be_visible()
    expect(person.locator(".document-request")).to_have_count(0)

    # --- the psychiatrist reads it on the case page --------------------------------------------------------------
    doctor.goto(f"{live_server.url}{case_path}")
    documents = doctor.locator(".case-documents")
    expect(documents).to_contain_text("Recent lab results")
    expect(documents).to_contain_text("from the patient")
    expect(documents.locator(".document-waiting")).to_have_count(0)
    look(doctor, "case")
    with doctor.expect_download() as download_info:
        documents.get_by_role("link", name="Recent lab results").click()
    download = download_info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes() == LAB_REPORT
    assert "Blood" not in download.suggested_filename and saved.suffix == ".pdf"
    assert AuditEvent.objects.filter(action="document.download", actor=psychiatrist).count() == 1
    staff.close()
    own.close()
