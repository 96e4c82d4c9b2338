"""The intake as a FHIR R4 Questionnaire: valid, served at its canonical URL, coded, and skipping exactly the
questions the wizard skips."""

import itertools
import json
from datetime import date

import pytest
from django.urls import reverse
from fhir.resources.R4B.questionnaire import Questionnaire

from intake import builder, steps
from intake.fhir import PHQ9_ITEM_CODES, QUESTIONNAIRE_ID, questionnaire
from intake.forms import SafetyForm

from .conftest import step_url

pytestmark = pytest.mark.django_db

# Questions an EHR may have mapped already: their linkIds never change (new ones may be added).
STABLE_LINK_IDS = {
    "about.date_of_birth",
    "about.sex_at_birth",
    "about.state",
    "about.weight",
    "about.weight_unit",
    "about.phone",
    "diagnoses.diagnoses",
    "diagnoses.depressed_now",
    *(f"phq9.q{n}" for n in range(1, 10)),
    "phq9.total",
    "safety.wish_dead",
    "safety.thoughts",
    "safety.method",
    "safety.intent",
    "safety.plan",
    "safety.behavior",
    "safety.behavior_recent",
    "antidepressants.none_tried",
    "antidepressants.rows",
    "antidepressants.rows.drug",
    "antidepressants.rows.dose_mg",
    "antidepressants.rows.weeks",
    "antidepressants.rows.improvement",
    "heart.systolic",
    "heart.diastolic",
    "health.pregnancy",
    "medications.none_taking",
    "medications.rows.name",
    "consent.signed_name",
}


def items(resource: dict):
    for item in resource.get("item", []):
        yield item
        yield from items(item)


def by_link_id(resource: dict) -> dict:
    return {item["linkId"]: item for item in items(resource)}


def document() -> dict:
    return json.loads(questionnaire().model_dump_json(exclude_none=True))


def test_fhir_questionnaire_validates_and_has_one_group_per_step_with_unique_link_ids():
    resource = document()

    assert Questionnaire.model_validate(resource).id == QUESTIONNAIRE_ID
    # The name, address, care team and payment are the Patient's and the Coverage's, not questionnaire answers.
    assert [group["linkId"] for group in resource["item"]] == list(steps.DOCUMENT_STEPS)
    link_ids = [item["linkId"] for item in items(resource)]
    assert len(link_ids) == len(set(link_ids))
    assert set(link_ids) >= STABLE_LINK_IDS
    assert resource["url"].endswith(f"/fhir/R4/Questionnaire/{QUESTIONNAIRE_ID}")
    assert resource["version"]


def test_fhir_questionnaire_codes_the_phq9_with_loinc():
    resource = document()
    found = by_link_id(resource)

    assert found["phq9"]["code"][0]["code"] == "44249-1"
    assert found["phq9.total"]["code"][0]["code"] == "44261-6"
    assert [found[f"phq9.q{n}"]["code"][0]["code"] for n in range(1, 10)] == PHQ9_ITEM_CODES
    answers = found["phq9.q1"]["answerOption"]
    assert [a["valueCoding"]["code"] for a in answers] == ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]
    assert [a["extension"][0]["valueDecimal"] for a in answers] == [0, 1, 2, 3]
    assert found["phq9.q9"]["text"].startswith("9. Thoughts that you would be better off dead")


def _enabled(item: dict, answers: dict[str, str]) -> bool:
    conditions = item.get("enableWhen", [])
    if not conditions:
        return True
    results = [answers.get(c["question"]) == c["answerCoding"]["code"] for c in conditions if "answerCoding" in c]
    return any(results) if item.get("enableBehavior") == "any" else all(results)


@pytest.mark.parametrize(("thoughts", "behavior"), list(itertools.product(["yes", "no"], repeat=2)))
def test_fhir_questionnaire_enable_when_asks_the_c_ssrs_questions_the_wizard_asks(thoughts, behavior):
    safety = by_link_id(document())["safety"]
    answers = {"safety.wish_dead": "no", "safety.thoughts": thoughts, "safety.behavior": behavior}
    shown = {item["linkId"].split(".", 1)[1] for item in safety["item"] if _enabled(item, answers)}

    # What the wizard requires with only the three gate answers: the follow-ups it would ask.
    form = SafetyForm(
        data={f"safety-{k.split('.', 1)[1]}": v for k, v in answers.items()},
        prefix="safety",
    )
    form.is_valid()
    asked = {"wish_dead", "thoughts", "behavior"} | set(form.errors)

    assert shown == asked
    assert ("method" in shown) == (thoughts == "yes")
    assert ("behavior_recent" in shown) == (behavior == "yes")


def test_fhir_questionnaire_asks_about_pregnancy_as_the_wizard_does():
    found = by_link_id(document())
    for sex in ("female", "male", "intersex", "prefer_not_to_say"):
        answers = {"about.sex_at_birth": sex}
        assert _enabled(found["health.pregnancy"], answers) == builder.pregnancy_applies(sex), sex


def test_fhir_questionnaire_is_served_at_its_canonical_url_and_an_unknown_one_is_an_operation_outcome(client):
    response = client.get(reverse("fhir:questionnaire", args=[QUESTIONNAIRE_ID]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    served = Questionnaire.model_validate_json(response.content)
    assert served.url.endswith(f"/fhir/R4/Questionnaire/{QUESTIONNAIRE_ID}")

    missing = client.get(reverse("fhir:questionnaire", args=["nope"]))
    assert missing.status_code == 404
    outcome = json.loads(missing.content)
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "not-found"
    assert client.post(reverse("fhir:questionnaire", args=[QUESTIONNAIRE_ID])).status_code == 405


# --- a submission as a QuestionnaireResponse and a Patient ---------------------------------------------------


@pytest.mark.parametrize("name", ["eligible", "ineligible", "needs_review", "urgent"])
def test_fhir_questionnaire_response_round_trips_to_the_same_intake_document(patient_client, complete, name):
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

    from intake.builder import build_document
    from intake.fhir import answers_from_response, questionnaire_response
    from intake.models import IntakeSubmission

    draft = complete(name)
    assert patient_client.post(step_url(draft, "review"), {"action": "next"}).status_code == 302
    submission = IntakeSubmission.objects.get(draft=draft)

    response = questionnaire_response(submission)
    parsed = QuestionnaireResponse.model_validate_json(response.model_dump_json(exclude_none=True))
    answers = answers_from_response(parsed)
    screened_on = date.fromisoformat(submission.document["screened_on"])

    assert build_document(answers, screened_on=screened_on) == submission.document
    assert parsed.subject.reference == f"Patient/{submission.patient_id}"
    link_ids = {item.linkId for group in parsed.item for item in group.item}
    assert link_ids <= set(by_link_id(document()))


def test_fhir_patient_carries_who_to_contact_and_nothing_of_the_screening(patient_client, complete, patient):
    from fhir.resources.R4B.patient import Patient

    from intake.fhir import patient_resource
    from intake.models import IntakeSubmission

    draft = complete("eligible")  # its first step gives the phone the account keeps
    patient_client.post(step_url(draft, "review"), {"action": "next"})

    resource = patient_resource(IntakeSubmission.objects.get(draft=draft))

    parsed = Patient.model_validate_json(resource.model_dump_json(exclude_none=True))
    assert parsed.name[0].text == patient.full_name
    patient.refresh_from_db()
    assert patient.phone.startswith("+1")
    assert {t.system: t.value for t in parsed.telecom} == {"phone": patient.phone, "email": patient.email}
    assert "screening" not in resource.model_dump_json() and "phq" not in resource.model_dump_json().lower()
    assert parsed.address[0].state == "OR"
    assert str(parsed.birthDate) == "1985-03-27"
