"""The read-only FHIR endpoint an EHR integration reads with the clinic's API key: valid resources, the clinic's
records only (another clinic's are 404, a missing, wrong or revoked key is 401), searches by patient and
`_lastUpdated`, paging, every read audited, every error an OperationOutcome."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from clinics.models import ApiToken
from clinics.services import api_token_create, api_token_revoke
from core.models import AuditEvent
from intake.builder import build_document
from intake.fhir import answers_from_response
from intake.fhir_api import SearchError, last_updated_filter
from intake.models import IntakeSubmission
from screening.cases import review_case_claim, review_case_request_info
from tests.factories import UserFactory, login_staff
from tests.intake.submissions import amend, case_of, send, staffed_clinic

pytestmark = pytest.mark.django_db

PORTLAND = ZoneInfo("America/Los_Angeles")


@pytest.fixture
def clinic():
    return staffed_clinic()


@pytest.fixture
def key(clinic):
    return api_token_create(clinic=clinic, name="OpenEMR", created_by=clinic.admin)[1]


def get(client, name, key=None, *, args=(), **params):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    return client.get(reverse(f"fhir:{name}", args=args), params, **headers)


def outcome(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    return OperationOutcome.model_validate_json(response.content).issue[0]


def at(submission, when: datetime) -> None:
    IntakeSubmission.objects.filter(pk=submission.pk).update(submitted_at=when)


def test_fhir_metadata_is_a_capability_statement_without_a_key(client):
    response = get(client, "metadata")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    statement = CapabilityStatement.model_validate_json(response.content)
    served = {r.type: r for r in statement.rest[0].resource}
    assert set(served) == {
        "Questionnaire",
        "Patient",
        "QuestionnaireResponse",
        "Provenance",
        "DocumentReference",
        "Binary",
        "Group",
    }
    assert statement.rest[0].security.service[0].coding[0].code == "SMART-on-FHIR"
    assert {o.definition for o in statement.rest[0].operation} == {
        "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"
    }
    last_updated = next(p for p in served["Patient"].searchParam if p.name == "_lastUpdated")
    assert "whole day in UTC" in last_updated.documentation
    assert {p.name for p in served["QuestionnaireResponse"].searchParam} == {"patient", "_lastUpdated"}
    assert "Bearer" in statement.rest[0].security.description
    assert statement.implementation.url.endswith("/fhir/R4")


def test_fhir_api_reads_a_patient_and_their_answers_with_the_clinics_key(client, clinic, key):
    patient = UserFactory(full_name="Alex Example", phone="+15035550123")
    first = send(clinic, patient, "needs_review")
    review_case_claim(case_id=case_of(first).pk, user=clinic.psychiatrist)
    review_case_request_info(case_id=case_of(first).pk, user=clinic.psychiatrist, patient_message="What dose?")
    second = amend(first, "needs_review")
    send(clinic, UserFactory(), "eligible")  # another patient of the clinic

    found = Patient.model_validate_json(get(client, "patient", key, args=[patient.pk]).content)
    search = get(client, "response_search", key, patient=f"Patient/{patient.pk}")

    assert found.name[0].text == "Alex Example"
    assert found.meta.lastUpdated == second.submitted_at
    assert search.status_code == 200
    bundle = Bundle.model_validate_json(search.content)
    assert bundle.type == "searchset" and bundle.total == 2
    responses = [entry.resource for entry in bundle.entry]
    assert [r.id for r in responses] == [f"submission-{first.pk}", f"submission-{second.pk}"]
    assert {r.subject.reference for r in responses} == {f"Patient/{patient.pk}"}
    assert [r.status for r in responses] == ["completed", "amended"]
    provenance = get(client, "provenance", key, args=[f"amendment-{second.pk}"]).json()
    assert provenance["target"] == [{"reference": f"QuestionnaireResponse/submission-{second.pk}"}]
    assert provenance["entity"] == [
        {"role": "revision", "what": {"reference": f"QuestionnaireResponse/submission-{first.pk}"}}
    ]
    assert provenance["meta"]["lastUpdated"]
    assert bundle.entry[0].fullUrl.endswith(f"/fhir/R4/QuestionnaireResponse/submission-{first.pk}")
    rebuilt = build_document(
        answers_from_response(json.loads(responses[1].model_dump_json(exclude_none=True))),
        screened_on=datetime.fromisoformat(second.document["screened_on"]).date(),
    )
    assert rebuilt == second.document
    one = get(client, "response", key, args=[f"submission-{second.pk}"])
    assert QuestionnaireResponse.model_validate_json(one.content).id == f"submission-{second.pk}"
    reads = AuditEvent.objects.filter(action="fhir.read").order_by("id")
    assert [(e.detail["interaction"], e.detail["type"], e.detail["count"]) for e in reads] == [
        ("read", "Patient", 1),
        ("search", "QuestionnaireResponse", 2),
        ("read", "Provenance", 1),
        ("read", "QuestionnaireResponse", 1),
    ]
    assert reads[0].clinic == clinic and reads[0].detail["ids"] == [str(patient.pk)]
    assert "OpenEMR" in reads[0].detail["key"] and "Alex" not in json.dumps(reads[1].detail)
    assert ApiToken.objects.get().last_used_at is not None


def test_fhir_api_keeps_to_the_keys_clinic(client, clinic, key):
    other = staffed_clinic(name="Other Clinic")
    theirs = send(other, UserFactory(), "eligible")
    both = UserFactory()
    send(clinic, both, "eligible")
    elsewhere = send(other, both, "needs_review")

    assert outcome(get(client, "patient", key, args=[theirs.patient_id]), 404).code == "not-found"
    assert outcome(get(client, "response", key, args=[f"submission-{theirs.pk}"]), 404).code == "not-found"
    empty = Bundle.model_validate_json(get(client, "response_search", key, patient=str(theirs.patient_id)).content)
    assert empty.total == 0 and not empty.entry
    # A patient of both clinics: this clinic sees only what was sent to it.
    mine = Bundle.model_validate_json(get(client, "response_search", key, patient=str(both.pk)).content)
    assert mine.total == 1 and f"submission-{elsewhere.pk}" not in [e.resource.id for e in mine.entry]
    everyone = Bundle.model_validate_json(get(client, "patient_search", key).content)
    assert {e.resource.id for e in everyone.entry} == {str(both.pk)}


def test_fhir_api_refuses_a_missing_wrong_or_revoked_key_and_a_staff_session(client, clinic, key):
    patient = UserFactory()
    send(clinic, patient, "eligible")

    missing = get(client, "patient", args=[patient.pk])
    assert outcome(missing, 401).code == "login"
    assert missing["WWW-Authenticate"].startswith("Bearer")
    assert outcome(get(client, "patient", "kci_not-a-key", args=[patient.pk]), 401).code == "login"
    basic = client.get(reverse("fhir:patient", args=[patient.pk]), HTTP_AUTHORIZATION=f"Basic {key}")
    assert outcome(basic, 401).code == "login"
    login_staff(client, clinic.coordinator)
    assert outcome(get(client, "response_search", patient=str(patient.pk)), 401).code == "login"
    client.logout()
    api_token_revoke(token=ApiToken.objects.get(), actor=clinic.admin)
    assert outcome(get(client, "patient", key, args=[patient.pk]), 401).code == "login"
    assert not AuditEvent.objects.filter(action="fhir.read").exists()


def test_fhir_api_searches_by_last_updated_and_pages(client, clinic, key):
    old, mid, new = (send(clinic, UserFactory(), "eligible") for _ in range(3))
    at(old, datetime(2026, 11, 2, 10, 0, tzinfo=PORTLAND))
    at(mid, datetime(2026, 11, 20, 23, 30, tzinfo=PORTLAND))  # the 21st in UTC, the 20th in Portland
    at(new, datetime(2026, 12, 1, 9, 0, tzinfo=PORTLAND))

    def ids(name, **params):
        bundle = Bundle.model_validate_json(get(client, name, key, **params).content)
        return [e.resource.id for e in bundle.entry or []]

    # A bare date is the whole day in the server's zone (UTC), whatever the clinic's zone.
    assert ids("response_search", _lastUpdated="ge2026-11-20") == [f"submission-{mid.pk}", f"submission-{new.pk}"]
    assert ids("response_search", _lastUpdated="2026-11-20") == []
    assert ids("response_search", _lastUpdated="eq2026-11-21") == [f"submission-{mid.pk}"]
    assert ids("response_search", _lastUpdated=["gt2026-11-02", "lt2026-12"]) == [f"submission-{mid.pk}"]
    assert ids("response_search", _lastUpdated="le2026-11-02T18:00:00Z") == [f"submission-{old.pk}"]
    assert ids("patient_search", _lastUpdated="ge2026-12-01") == [str(new.patient_id)]

    first = Bundle.model_validate_json(get(client, "response_search", key, _count="2").content)
    links = {link.relation: link.url for link in first.link}
    assert first.total == 3 and len(first.entry) == 2
    following = client.get(links["next"], HTTP_AUTHORIZATION=f"Bearer {key}")
    last = Bundle.model_validate_json(following.content)
    assert [e.resource.id for e in last.entry] == [f"submission-{new.pk}"]
    assert "next" not in {link.relation for link in last.link}


def test_fhir_api_explains_what_it_cannot_do_as_operation_outcomes(client, clinic, key):
    bad_date = outcome(get(client, "response_search", key, _lastUpdated="since-monday"), 400)
    assert bad_date.code == "invalid" and "ge2026-11-01" in bad_date.diagnostics
    unknown = outcome(get(client, "response_search", key, subjekt="Patient/1"), 400)
    assert "subjekt" in unknown.diagnostics
    assert "patient=" in outcome(get(client, "response_search", key, patient="nobody"), 400).diagnostics
    assert outcome(get(client, "patient_search", key, _count="lots"), 400).code == "invalid"
    assert outcome(get(client, "metadata", _format="xml"), 406).code == "not-supported"
    posted = client.post(reverse("fhir:response_search"), HTTP_AUTHORIZATION=f"Bearer {key}")
    assert outcome(posted, 405).code == "not-supported" and posted["Allow"] == "GET, HEAD"
    assert outcome(client.get("/fhir/R4/Observation?patient=1"), 404).code == "not-supported"
    assert outcome(get(client, "patient", key, args=["not-a-uuid"]), 404).code == "not-found"


@pytest.mark.parametrize(
    ("value", "start", "end"),
    [
        ("2026-11-20", datetime(2026, 11, 20, tzinfo=PORTLAND), datetime(2026, 11, 21, tzinfo=PORTLAND)),
        ("ge2026-11", datetime(2026, 11, 1, tzinfo=PORTLAND), None),
        ("lt2026", None, datetime(2026, 1, 1, tzinfo=PORTLAND)),
        ("le2026-12", None, datetime(2027, 1, 1, tzinfo=PORTLAND)),
        ("gt2026-11-20T10:00Z", datetime(2026, 11, 20, 10, 1, tzinfo=ZoneInfo("UTC")), None),
        (
            "eq2026-11-20T10:00:05-05:00",
            datetime(2026, 11, 20, 15, 0, 5, tzinfo=ZoneInfo("UTC")),
            datetime(2026, 11, 20, 15, 0, 6, tzinfo=ZoneInfo("UTC")),
        ),
    ],
)
def test_fhir_last_updated_reads_each_precision_and_prefix(value, start, end):
    lookups = last_updated_filter([value], zone=PORTLAND)

    assert lookups.get("gte") == start
    assert lookups.get("lt") == end


@pytest.mark.parametrize("value", ["2026-13", "2026-11-20T10:00", "ne2026", "2026-02-30", "yesterday"])
def test_fhir_last_updated_refuses_what_it_cannot_read(value):
    with pytest.raises(SearchError):
        last_updated_filter([value], zone=PORTLAND)


def test_fhir_last_updated_repeated_values_all_hold():
    lookups = last_updated_filter(["ge2026-11-01", "ge2026-11-10", "lt2026-12-01", "le2026-11-20"], zone=PORTLAND)

    assert lookups == {
        "gte": datetime(2026, 11, 10, tzinfo=PORTLAND),
        "lt": datetime(2026, 11, 21, tzinfo=PORTLAND),
    }
    assert lookups["lt"] - lookups["gte"] == timedelta(days=11)


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
@pytest.mark.parametrize("name", ["patient_search", "metadata", "questionnaire_search"])
def test_fhir_writes_get_a_405_operation_outcome_even_with_csrf_checks(method, name, key):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = getattr(client, method)(
        reverse(f"fhir:{name}"), "{}", content_type="application/fhir+json", HTTP_AUTHORIZATION=f"Bearer {key}"
    )

    assert outcome(response, 405).code == "not-supported"


def test_fhir_count_zero_gives_the_total_only(client, clinic, key):
    for _ in range(3):
        send(clinic, UserFactory(), "eligible")

    bundle = get(client, "response_search", key, _count="0").json()

    assert bundle["type"] == "searchset" and bundle["total"] == 3
    assert "entry" not in bundle
    assert [link["relation"] for link in bundle["link"]] == ["self"]
    assert get(client, "patient_search", key, _count="0").json()["total"] == 3


def test_fhir_questionnaire_is_searchable_by_its_canonical_and_version(client):
    from intake.fhir import QUESTIONNAIRE_VERSION, canonical_url

    def found(**params):
        bundle = get(client, "questionnaire_search", **params).json()
        return [e["resource"]["id"] for e in bundle.get("entry", [])], bundle["total"]

    assert found(url=canonical_url()) == (["ketamine-intake"], 1)
    assert found(url=canonical_url(), version=QUESTIONNAIRE_VERSION) == (["ketamine-intake"], 1)
    assert found(url=f"{canonical_url()}|{QUESTIONNAIRE_VERSION}") == (["ketamine-intake"], 1)
    assert found(url=canonical_url(), version="1999.01") == ([], 0)
    assert found(url="http://example.org/Questionnaire/phq9") == ([], 0)


def test_fhir_links_use_fhir_base_url_or_the_requests_own_host(client, clinic, key, settings):
    send(clinic, UserFactory(), "eligible")

    here = get(client, "response_search", key).json()
    assert here["link"][0]["url"].startswith("http://testserver/fhir/R4/QuestionnaireResponse?")
    assert here["entry"][0]["fullUrl"].startswith("http://testserver/fhir/R4/QuestionnaireResponse/")

    settings.FHIR_BASE_URL = "https://fhir.clinic.example/fhir/R4/"
    there = get(client, "response_search", key).json()
    assert there["entry"][0]["fullUrl"].startswith("https://fhir.clinic.example/fhir/R4/QuestionnaireResponse/")
    assert there["entry"][0]["resource"]["questionnaire"].startswith(
        "https://fhir.clinic.example/fhir/R4/Questionnaire/ketamine-intake|"
    )


def test_fhir_searchset_references_resolve_in_the_bundle_or_on_the_server(client, clinic, key):
    """A searchset holds the matches only: each reference either names an entry or reads as exactly that
    resource from this server (with the same key)."""
    from tests.fhir_checks import references

    patient = UserFactory()
    first = send(clinic, patient, "needs_review")
    review_case_claim(case_id=case_of(first).pk, user=clinic.psychiatrist)
    review_case_request_info(case_id=case_of(first).pk, user=clinic.psychiatrist, patient_message="What dose?")
    amend(first, "needs_review")
    checked = 0
    for name in ("response_search", "patient_search", "document_reference_search"):
        bundle = get(client, name, key).json()
        full_urls = {entry["fullUrl"] for entry in bundle.get("entry", [])}
        for entry in bundle.get("entry", []):
            base = entry["fullUrl"].rsplit("/", 2)[0]
            for _, ref in references(entry["resource"]):
                target = f"{base}/{ref}"
                if target in full_urls:
                    continue
                found = client.get(target.removeprefix("http://testserver"), HTTP_AUTHORIZATION=f"Bearer {key}")
                assert found.status_code == 200, target
                assert f"{found.json()['resourceType']}/{found.json()['id']}" == ref
                checked += 1
    assert checked >= 2
