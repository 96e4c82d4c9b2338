"""An EHR registers as a SMART backend client (public keys only), gets a short-lived token with a JWT it signed,
and runs the Bulk Data `$export` flow: kick-off (202 + Content-Location), status (202 + X-Progress, then the
manifest), NDJSON downloads with the same authorisation, DELETE cancels and removes, files expire."""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from clinics.models import BulkExport, SmartClient
from clinics.services import api_token_create
from clinics.smart import smart_client_create, smart_client_revoke
from screening.bulk_data import bulk_exports_expire, storage
from screening.tasks import bulk_export_run
from tests.factories import UserFactory
from tests.intake.submissions import send, staffed_clinic

pytestmark = pytest.mark.django_db

TOKEN_URL = "http://testserver/fhir/R4/auth/token"


def keypair(kind: str = "RS384"):
    if kind == "RS384":
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = json.loads(RSAAlgorithm.to_jwk(private.public_key()))
    else:
        private = ec.generate_private_key(ec.SECP384R1())
        public = json.loads(ECAlgorithm.to_jwk(private.public_key()))
    public.update({"kid": uuid.uuid4().hex[:8], "alg": kind, "use": "sig"})
    return private, public


def assertion(client: SmartClient, private, kid: str, alg: str = "RS384", **claims) -> str:
    now = int(time.time())
    body = {"iss": client.client_id, "sub": client.client_id, "aud": TOKEN_URL, "exp": now + 240}
    body["jti"] = uuid.uuid4().hex
    body.update(claims)
    return jwt.encode(body, private, algorithm=alg, headers={"kid": kid})


def token_request(http, signed: str, scope: str = "system/*.read"):
    return http.post(
        reverse("fhir:smart_token"),
        {
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": signed,
            "scope": scope,
        },
    )


@pytest.fixture
def clinic():
    return staffed_clinic()


@pytest.fixture
def registered(clinic):
    private, public = keypair()
    smart = smart_client_create(
        clinic=clinic, name="Warehouse", jwks=json.dumps({"keys": [public]}), created_by=clinic.admin
    )
    return smart, private, public["kid"]


def token(http, registered, scope="system/*.read") -> str:
    smart, private, kid = registered
    response = token_request(http, assertion(smart, private, kid), scope)
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def test_smart_configuration_names_the_token_endpoint_and_how_to_sign(client):
    found = client.get("/fhir/R4/.well-known/smart-configuration").json()

    assert found["token_endpoint"] == TOKEN_URL
    assert found["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert set(found["token_endpoint_auth_signing_alg_values_supported"]) == {"RS384", "ES384"}
    assert "client-confidential-asymmetric" in found["capabilities"]


@pytest.mark.parametrize("alg", ["RS384", "ES384"])
def test_a_signed_assertion_gets_a_short_lived_token_that_reads_the_clinics_records(client, clinic, alg):
    private, public = keypair(alg)
    smart = smart_client_create(clinic=clinic, name="EHR", jwks=json.dumps({"keys": [public]}), created_by=clinic.admin)
    patient = send(clinic, UserFactory(), "eligible").patient

    answer = token_request(client, assertion(smart, private, public["kid"], alg=alg), "system/Patient.read")

    assert answer.status_code == 200 and answer["Cache-Control"] == "no-store"
    body = answer.json()
    assert body["token_type"] == "bearer" and body["scope"] == "system/Patient.read"
    assert 0 < body["expires_in"] <= 300
    auth = {"HTTP_AUTHORIZATION": f"Bearer {body['access_token']}"}
    assert client.get(reverse("fhir:patient", args=[patient.pk]), **auth).status_code == 200
    narrower = client.get(reverse("fhir:response_search"), **auth)
    assert narrower.status_code == 403 and narrower.json()["resourceType"] == "OperationOutcome"


def test_the_token_endpoint_refuses_replays_wrong_keys_audiences_and_scopes(client, clinic, registered):
    smart, private, kid = registered
    signed = assertion(smart, private, kid)
    assert token_request(client, signed).status_code == 200

    replay = token_request(client, signed)
    assert replay.status_code == 401 and "already used" in replay.json()["error_description"]
    other_private, _ = keypair()
    assert token_request(client, assertion(smart, other_private, kid)).json()["error"] == "invalid_client"
    wrong_aud = token_request(client, assertion(smart, private, kid, aud="https://elsewhere.example/token"))
    assert "aud" in wrong_aud.json()["error_description"]
    expired = token_request(client, assertion(smart, private, kid, exp=int(time.time()) - 120))
    assert "expired" in expired.json()["error_description"]
    too_long = token_request(client, assertion(smart, private, kid, exp=int(time.time()) + 3600))
    assert "five minutes" in too_long.json()["error_description"]
    hs256 = jwt.encode({"iss": smart.client_id}, "a-shared-secret-of-at-least-32-bytes!", algorithm="HS256")
    assert token_request(client, hs256).json()["error"] == "invalid_client"
    assert token_request(client, assertion(smart, private, kid), "user/*.read").json()["error"] == "invalid_scope"
    assert token_request(client, assertion(smart, private, kid), "system/*.write").json()["error"] == "invalid_scope"
    smart_client_revoke(client=smart, actor=clinic.admin)
    assert token_request(client, assertion(smart, private, kid)).json()["error"] == "invalid_client"


def test_a_revoked_clients_tokens_stop_working_at_once(client, clinic, registered):
    access = token(client, registered)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {access}"}
    assert client.get(reverse("fhir:patient_search"), **auth).status_code == 200

    smart_client_revoke(client=registered[0], actor=clinic.admin)

    assert client.get(reverse("fhir:patient_search"), **auth).status_code == 401


def test_registering_a_client_refuses_private_keys_and_other_algorithms(clinic):
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    secret = json.loads(RSAAlgorithm.to_jwk(private))
    with pytest.raises(ValidationError, match="private key"):
        smart_client_create(clinic=clinic, name="A", jwks=json.dumps({"keys": [secret]}), created_by=clinic.admin)
    p256 = json.loads(ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP256R1()).public_key()))
    with pytest.raises(ValidationError, match="P-384"):
        smart_client_create(clinic=clinic, name="A", jwks=json.dumps({"keys": [p256]}), created_by=clinic.admin)
    with pytest.raises(ValidationError, match="not JSON"):
        smart_client_create(clinic=clinic, name="A", jwks="{keys", created_by=clinic.admin)


def kickoff(http, auth, path, **params):
    return http.get(path, params, HTTP_PREFER="respond-async", HTTP_ACCEPT="application/fhir+json", **auth)


def test_bulk_export_flow_with_a_smart_token(client, clinic, registered):
    with_case = send(clinic, UserFactory(), "needs_review")
    without_case = send(clinic, UserFactory(), "eligible")
    send(staffed_clinic(name="Other Clinic"), UserFactory(), "eligible")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token(client, registered)}"}

    started = kickoff(client, auth, f"/fhir/R4/Group/{clinic.slug}/$export", _outputFormat="application/fhir+ndjson")

    assert started.status_code == 202, started.content
    status_url = started["Content-Location"]
    assert status_url.startswith("http://testserver/fhir/R4/bulkstatus/")
    waiting = client.get(status_url, **auth)
    assert waiting.status_code == 202 and waiting["X-Progress"] == "queued: 0 of 2 patients"
    assert client.get(status_url).status_code == 401

    bulk_export_run(status_url.rsplit("/", 1)[1])

    done = client.get(status_url, **auth)
    assert done.status_code == 200
    manifest = done.json()
    assert manifest["requiresAccessToken"] is True
    assert manifest["request"].endswith(f"/Group/{clinic.slug}/$export?_outputFormat=application%2Ffhir%2Bndjson")
    lines = {}
    for output in manifest["output"]:
        assert client.get(output["url"]).status_code == 401
        got = client.get(output["url"], **auth)
        assert got.status_code == 200 and got["Content-Type"] == "application/fhir+ndjson"
        rows = [json.loads(line) for line in b"".join(got.streaming_content).decode().splitlines()]
        assert len(rows) == output["count"]
        lines.setdefault(output["type"], []).extend(rows)
    for kind, rows in lines.items():
        for row in rows:
            get_fhir_model_class(kind).model_validate(row)
            assert row["meta"]["lastUpdated"]
    assert {p["id"] for p in lines["Patient"]} == {str(with_case.patient_id), str(without_case.patient_id)}

    assert client.delete(status_url, **auth).status_code == 202
    assert client.get(status_url, **auth).status_code == 404
    assert not any(storage().exists(f["name"]) for f in BulkExport.objects.get().files)


def test_bulk_export_with_an_api_key_types_and_since(client, clinic):
    old = send(clinic, UserFactory(), "eligible")
    from intake.models import IntakeSubmission

    IntakeSubmission.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(days=30))
    recent = send(clinic, UserFactory(), "eligible")
    key = api_token_create(clinic=clinic, name="Script", created_by=clinic.admin)[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    since = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

    started = kickoff(client, auth, "/fhir/R4/Patient/$export", _type="Patient,Observation", _since=since)
    bulk_export_run(started["Content-Location"].rsplit("/", 1)[1])
    manifest = client.get(started["Content-Location"], **auth).json()

    assert {o["type"] for o in manifest["output"]} == {"Patient", "Observation"}
    patients = next(o for o in manifest["output"] if o["type"] == "Patient")
    body = b"".join(client.get(patients["url"], **auth).streaming_content).decode()
    assert [json.loads(line)["id"] for line in body.splitlines()] == [str(recent.patient_id)]


def test_bulk_export_explains_bad_requests_as_operation_outcomes(client, clinic, registered):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token(client, registered, 'system/Patient.read')}"}
    path = f"/fhir/R4/Group/{clinic.slug}/$export"

    assert client.get(path, **auth).status_code == 400  # no Prefer: respond-async
    assert kickoff(client, auth, path, _type="Banana").json()["issue"][0]["diagnostics"].startswith("_type Banana")
    assert kickoff(client, auth, path, _outputFormat="text/csv").status_code == 400
    assert kickoff(client, auth, path, _since="last week").status_code == 400
    assert kickoff(client, auth, "/fhir/R4/Group/another-clinic/$export").status_code == 404
    assert kickoff(client, auth, path).status_code == 403  # every type asked for, Patient granted
    assert kickoff(client, auth, path, _type="Patient").status_code == 202


def test_bulk_export_status_and_files_are_only_for_whoever_asked_and_expire(client, clinic, registered):
    send(clinic, UserFactory(), "eligible")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token(client, registered)}"}
    started = kickoff(client, auth, "/fhir/R4/Patient/$export")
    job_id = started["Content-Location"].rsplit("/", 1)[1]
    bulk_export_run(job_id)
    manifest = client.get(started["Content-Location"], **auth).json()
    other_key = api_token_create(clinic=clinic, name="Other", created_by=clinic.admin)[1]
    other = {"HTTP_AUTHORIZATION": f"Bearer {other_key}"}

    assert client.get(started["Content-Location"], **other).status_code == 404
    assert client.get(manifest["output"][0]["url"], **other).status_code == 404

    job = BulkExport.objects.get(pk=job_id)
    assert bulk_exports_expire(now=job.expires_at + timedelta(seconds=1)) == 1
    assert not any(storage().exists(f["name"]) for f in job.files)
    BulkExport.objects.filter(pk=job_id).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(started["Content-Location"], **auth).status_code == 404
