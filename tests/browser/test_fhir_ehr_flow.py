"""A clinic admin connects the EHR: makes an API key (shown once), downloads the FHIR export as a zip, and
revokes the key; the EHR reads the endpoint with the key until then."""

import io
import json
import zipfile

import pytest
from playwright.sync_api import expect

from clinics.models import ApiToken, Role
from tests.factories import UserFactory, make_staff
from tests.intake.submissions import send, staffed_clinic

from .pages import assert_accessible, staff_sign_in


@pytest.mark.django_db(transaction=True)
def test_fhir_clinic_admin_makes_a_key_downloads_the_export_and_revokes_the_key(live_server, page, screenshot):
    clinic = staffed_clinic(name="Cascade Ketamine Care")
    admin = make_staff(clinic, Role.CLINIC_ADMIN, full_name="Ada Admin", email="ada@example.org")
    patient = UserFactory(full_name="Alex Example")
    send(clinic, patient, "needs_review")

    staff_sign_in(page, live_server, admin, f"/staff/{clinic.slug}/ehr/")

    expect(page.get_by_role("heading", name="EHR connection", level=1)).to_be_visible()
    assert page.get_by_role("link", name="EHR").get_attribute("aria-current") == "page"
    expect(page.get_by_text("No keys yet.")).to_be_visible()
    page.get_by_label("Name of the key").fill("OpenEMR production")
    page.get_by_role("button", name="Make the key").click()
    key = page.get_by_label("The new API key").input_value()
    assert key.startswith("kci_")
    expect(page.get_by_text("It is shown only this once")).to_be_visible()
    assert_accessible(page, "EHR page with a new key")
    screenshot(page, "fhir-ehr-new-key")
    endpoint = f"{live_server.url}/fhir/R4/Patient/{patient.pk}"
    read = page.request.get(endpoint, headers={"Authorization": f"Bearer {key}"})
    assert read.status == 200 and read.json()["name"][0]["text"] == "Alex Example"

    with page.expect_download() as waiting:
        page.get_by_role("button", name="Download the export (.zip)").click()
    download = waiting.value
    assert download.suggested_filename.startswith(f"{clinic.slug}-fhir-")
    archive = zipfile.ZipFile(io.BytesIO(open(download.path(), "rb").read()))  # noqa: SIM115
    patients = [json.loads(line) for line in archive.read("Patient.ndjson").decode().splitlines()]
    assert [p["id"] for p in patients] == [str(patient.pk)]
    assert "QuestionnaireResponse.ndjson" in archive.namelist()

    page.get_by_label("Submitted from").fill("2026-12-05")
    page.get_by_label("Submitted until").fill("2026-12-01")
    page.get_by_role("button", name="Download the export (.zip)").click()
    expect(page.get_by_text("The export was not made")).to_be_visible()
    assert page.get_by_label("Submitted from").input_value() == "2026-12-05"
    screenshot(page, "fhir-ehr-export-error")

    page.get_by_role("button", name="Revoke the key OpenEMR production").click()
    expect(page.get_by_text("is revoked")).to_be_visible()
    expect(page.locator("[data-key]").get_by_text("Revoked")).to_be_visible()
    assert not ApiToken.objects.get().is_active
    refused = page.request.get(endpoint, headers={"Authorization": f"Bearer {key}"})
    assert refused.status == 401
    assert_accessible(page, "EHR page after revoking")


@pytest.mark.django_db(transaction=True)
def test_fhir_clinic_admin_registers_a_bulk_export_client_that_gets_a_token(live_server, page, screenshot):
    import time
    import uuid

    import jwt
    from cryptography.hazmat.primitives.asymmetric import ec
    from jwt.algorithms import ECAlgorithm

    from clinics.models import SmartClient

    clinic = staffed_clinic(name="Cascade Ketamine Care")
    admin = make_staff(clinic, Role.CLINIC_ADMIN, full_name="Ada Admin", email="ada@example.org")
    private = ec.generate_private_key(ec.SECP384R1())
    public = json.loads(ECAlgorithm.to_jwk(private.public_key())) | {"kid": "ehr-1", "alg": "ES384"}

    staff_sign_in(page, live_server, admin, f"/staff/{clinic.slug}/ehr/")
    expect(page.get_by_text("No clients yet.")).to_be_visible()
    page.get_by_label("Name of the client").fill("Data warehouse")
    page.get_by_label("Its public keys (JWKS)").fill('{"keys": [{"kty": "RSA", "n": "abc", "e": "AQAB", "d": "x"}]}')
    page.get_by_role("button", name="Register the client").click()
    expect(page.get_by_text("The client was not registered")).to_be_visible()
    expect(page.get_by_role("link", name="Its public keys (JWKS): Key 1 holds a private key")).to_be_visible()
    assert page.get_by_label("Name of the client").input_value() == "Data warehouse"
    screenshot(page, "fhir-ehr-client-error")
    page.get_by_label("Its public keys (JWKS)").fill(json.dumps({"keys": [public]}))
    page.get_by_role("button", name="Register the client").click()
    expect(page.get_by_text("is registered")).to_be_visible()
    client_id = SmartClient.objects.get().client_id
    expect(page.locator(f'[data-client="{client_id}"]')).to_be_visible()
    assert_accessible(page, "EHR page with a SMART client")
    screenshot(page, "fhir-ehr-client")

    token_url = f"{live_server.url}/fhir/R4/auth/token"
    claims = {"iss": client_id, "sub": client_id, "aud": token_url, "exp": int(time.time()) + 240}
    signed = jwt.encode({**claims, "jti": uuid.uuid4().hex}, private, algorithm="ES384", headers={"kid": "ehr-1"})
    answer = page.request.post(
        token_url,
        form={
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": signed,
            "scope": "system/*.read",
        },
    )
    assert answer.status == 200 and answer.json()["access_token"].startswith("kcs_")
