"""Matrix entries for patients' documents: the patient's page and download, the staff download and attach,
and the FHIR API's Binary (the API key only)."""

from django.core.files.uploadedfile import SimpleUploadedFile

from demo.documents import sample_pdf
from intake.services_documents import document_upload
from tests.authz.helpers import ALL_STAFF_A, Expect, patient_own, staff

EVERY_PATIENT = {"patient": 200, "other_patient": 200, "other_clinic_patient": 200}

EXPECTED = {
    # Every patient with an intake has a documents page of their own; staff have none (404).
    "patients:documents": (
        Expect(statuses={"anonymous": 302, **EVERY_PATIENT}),
        Expect(statuses={"anonymous": 302, **EVERY_PATIENT}, method="post"),  # no file: the form says so
    ),
    "patients:document": patient_own(),
    # Every staff role of the clinic, another clinic's staff and every patient get 404.
    "screening:document": staff(*ALL_STAFF_A),
    "screening:case_document_attach": staff("admin_a", "psychiatrist_a", status=200, method="post"),  # no file
    "screening:worklist_document_attach": (
        staff("admin_a", "coordinator_a"),
        staff("admin_a", "coordinator_a", status=200, method="post"),  # no file: the form says so
    ),
    "fhir:binary": Expect(default=401),
    "fhir:document_reference": Expect(default=401),
    "fhir:document_reference_search": Expect(default=401),
}


def extend(world) -> None:
    """A lab report the world patient uploaded to clinic A."""
    patient = world.users["patient"]
    document = document_upload(
        patient=patient,
        clinic=world.objects["clinic_a"],
        kind="labs",
        upload=SimpleUploadedFile("labs.pdf", sample_pdf("Lab report"), content_type="application/pdf"),
        uploaded_by=patient,
    )
    world.objects["document"] = document
    world.kwarg_values["document_id"] = document.pk
