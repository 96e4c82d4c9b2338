"""The clinic admin's EHR page: the FHIR NDJSON export as a streamed zip (only the clinic's cases, in the dates
asked for, audited) and the API keys (shown once, stored hashed, revocable, audited); nobody else gets in."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class

from clinics.models import ApiToken
from core.models import AuditEvent
from intake.models import IntakeSubmission
from tests.factories import UserFactory, login_staff
from tests.intake.submissions import send, staffed_clinic

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic():
    return staffed_clinic()


def page(clinic) -> str:
    return reverse("screening:ehr", kwargs={"clinic_slug": clinic.slug})


def export(client, clinic, **params):
    return client.get(reverse("screening:ehr_export", kwargs={"clinic_slug": clinic.slug}), params)


def unzip(response) -> dict[str, list[dict]]:
    assert response.streaming
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    return {
        name.removesuffix(".ndjson"): [json.loads(line) for line in archive.read(name).decode().splitlines()]
        for name in archive.namelist()
    }


def test_fhir_export_page_downloads_the_clinics_cases_as_valid_ndjson_in_a_zip(client, clinic):
    other = staffed_clinic(name="Other Clinic")
    patient = UserFactory(full_name="Alex Example")
    send(clinic, patient, "needs_review")
    send(clinic, UserFactory(), "urgent")
    send(other, UserFactory(), "needs_review")
    login_staff(client, clinic.admin)

    response = export(client, clinic)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith(f'attachment; filename="{clinic.slug}-fhir-first-to-')
    assert "Alex" not in response["Content-Disposition"]
    files = unzip(response)
    assert {"Patient", "QuestionnaireResponse", "Observation", "RiskAssessment", "MedicationStatement"} <= set(files)
    for kind, lines in files.items():
        model = get_fhir_model_class(kind)
        assert all(model.model_validate(line).get_resource_type() == kind for line in lines)
        assert len({line["id"] for line in lines}) == len(lines), kind
    mine = IntakeSubmission.objects.filter(clinic=clinic).values_list("patient_id", flat=True)
    assert {line["id"] for line in files["Patient"]} == {str(pk) for pk in mine}
    audit = AuditEvent.objects.get(action="clinic.fhir_export")
    assert audit.actor == clinic.admin and audit.clinic == clinic and audit.detail["via"] == "page"


def test_fhir_export_page_keeps_to_the_dates_and_explains_bad_ones(client, clinic):
    old = send(clinic, UserFactory(), "needs_review")
    IntakeSubmission.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(days=40))
    recent = send(clinic, UserFactory(), "needs_review")
    login_staff(client, clinic.admin)
    week_ago = (timezone.localdate() - timedelta(days=7)).isoformat()

    files = unzip(export(client, clinic, since=week_ago))
    backwards = export(client, clinic, since="2026-12-02", until="2026-12-01")
    nonsense = export(client, clinic, since="last tuesday")

    assert [line["id"] for line in files["Patient"]] == [str(recent.patient_id)]
    assert backwards.status_code == 400
    assert "The last date must be on or after the first date." in backwards.content.decode()
    assert 'value="2026-12-02"' in backwards.content.decode()  # what was typed is kept
    assert nonsense.status_code == 400 and "Enter a date like 2026-11-01." in nonsense.content.decode()
    assert AuditEvent.objects.filter(action="clinic.fhir_export").count() == 1


def test_fhir_api_key_is_shown_once_stored_hashed_works_and_revokes(client, clinic):
    patient = UserFactory()
    send(clinic, patient, "eligible")
    login_staff(client, clinic.admin)

    made = client.post(page(clinic), {"name": "  OpenEMR   production "})

    html = made.content.decode()
    key = html.split('id="new-key" value="')[1].split('"')[0]
    assert made.status_code == 200 and made["Cache-Control"] == "no-store"
    assert key.startswith("kci_") and len(key) > 40
    token = ApiToken.objects.get()
    assert token.name == "OpenEMR production" and token.digest == hashlib.sha256(key.encode()).hexdigest()
    assert key not in json.dumps([token.prefix, token.digest, token.name])
    assert key not in client.get(page(clinic)).content.decode()  # shown this once only
    endpoint = reverse("fhir:patient", args=[patient.pk])
    assert client.get(endpoint, HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200

    revoked = client.post(
        reverse("screening:api_token_revoke", kwargs={"clinic_slug": clinic.slug, "token_id": token.pk})
    )

    assert revoked.status_code == 302
    listed = client.get(page(clinic)).content.decode()
    assert "is revoked" in listed and "Revoked" in listed
    assert client.get(endpoint, HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401
    actions = list(
        AuditEvent.objects.filter(action__startswith="api_token.").order_by("id").values_list("action", "actor")
    )
    assert actions == [("api_token.create", clinic.admin.pk), ("api_token.revoke", clinic.admin.pk)]


def test_fhir_api_key_needs_a_name_not_already_in_use(client, clinic):
    login_staff(client, clinic.admin)
    client.post(page(clinic), {"name": "OpenEMR"})

    again = client.post(page(clinic), {"name": "openemr"})
    blank = client.post(page(clinic), {"name": "   "})

    assert again.status_code == 400 and "An active key already has this name." in again.content.decode()
    assert 'value="openemr"' in again.content.decode()
    assert blank.status_code == 400 and "Give the key a name" in blank.content.decode()
    assert ApiToken.objects.count() == 1


def test_fhir_ehr_page_is_the_clinic_admins_only(client, clinic):
    other = staffed_clinic(name="Other Clinic")
    from clinics.services import api_token_create

    theirs, _ = api_token_create(clinic=other, name="Theirs", created_by=other.admin)
    for user in (clinic.coordinator, clinic.psychiatrist):
        login_staff(client, user)
        assert client.get(page(clinic)).status_code == 404
        assert export(client, clinic).status_code == 404
    login_staff(client, clinic.admin)
    cross = reverse("screening:api_token_revoke", kwargs={"clinic_slug": clinic.slug, "token_id": theirs.pk})
    assert client.post(cross).status_code == 404
    assert client.get(page(other)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active
    assert not AuditEvent.objects.filter(action="clinic.fhir_export").exists()


def test_a_clinic_admin_registers_and_revokes_a_smart_backend_client(client, clinic):
    from cryptography.hazmat.primitives.asymmetric import ec
    from jwt.algorithms import ECAlgorithm

    from clinics.models import SmartClient

    public = json.loads(ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP384R1()).public_key()))
    add = reverse("screening:smart_client_add", kwargs={"clinic_slug": clinic.slug})
    login_staff(client, clinic.admin)

    refused = client.post(
        add, {"client-name": "Warehouse", "client-jwks": '{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}'}
    )
    assert refused.status_code == 400
    assert "private key" in refused.content.decode()
    assert 'value="Warehouse"' in refused.content.decode()

    made = client.post(add, {"client-name": "Warehouse", "client-jwks": json.dumps({"keys": [public]})}, follow=True)

    smart = SmartClient.objects.get()
    assert smart.clinic == clinic and smart.jwks == {"keys": [public]}
    assert smart.client_id in made.content.decode()
    assert AuditEvent.objects.filter(action="smart_client.create", clinic=clinic).exists()
    revoke = reverse("screening:smart_client_revoke", kwargs={"clinic_slug": clinic.slug, "client_id": smart.pk})
    client.post(revoke)
    smart.refresh_from_db()
    assert smart.revoked_at is not None and smart.revoked_by == clinic.admin


def test_the_ehr_page_is_titled_by_its_name_and_shows_the_bulk_clients_once(client, clinic):
    login_staff(client, clinic.admin)

    html = client.get(page(clinic)).content.decode()

    title = html.split("<title>", 1)[1].split("</title>", 1)[0]
    assert title.startswith(f"EHR connection — {clinic.name}") and "<" not in title
    assert html.count('id="smart-heading"') == 1
