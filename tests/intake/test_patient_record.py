"""Who the patient is (issue 20 §1, §4, §5, §6): asked once in the intake's first pages, kept on the account and
editable on /account/, carried into a new intake, given to the clinic's EHR as FHIR, numbered per clinic."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.urls import reverse
from fhir.resources.R4B.coverage import Coverage
from fhir.resources.R4B.patient import Patient

from core.models import PatientProfile
from core.services import contact_details_save, patient_profile_save
from intake import steps
from intake.fhir import coverage_resource, mrn_system, patient_resource
from intake.models import IntakeDraft, IntakeSubmission, MedicalRecordNumber
from screening.fhir import bulk_export, case_bundle
from screening.models import ScreeningResult
from tests.factories import UserFactory, login_staff, make_clinic

from .answers import BASE, post_data, scenario
from .conftest import fill, step_url, submit
from .submissions import case_of, send, staffed_clinic

CARE = {
    "emergency_name": "Jordan Rivers",
    "emergency_relationship": "sister",
    "emergency_phone": "503.555.0177",
    "pcp_name": "Dr. Ana Lopez",
    "pcp_practice": "Eastside Family Medicine",
    "pcp_phone": "(503) 555-0150",
    "prescriber_name": "Kim Park, LCSW",
    "referred": "yes",
    "referrer_name": "Dr. Ana Lopez",
}
INSURED = {
    "payment": "insurance",
    "payer_name": "Aetna",
    "member_id": "W123456789",
    "group_number": "G-42",
    "subscriber_relationship": "spouse",
}


def page_of(client, response) -> str:
    return client.get(response["Location"]).content.decode()


# --- §1: asked once, kept on the account --------------------------------------------------------------


def test_the_first_pages_save_name_address_emergency_contact_care_team_and_insurance_on_the_account(
    patient_client, draft, patient
):
    about = {
        **BASE["about"],
        "first_name": "Maria",
        "last_name": "Gómez",
        "preferred_name": "Mari",
        "pronouns": "she/her",
    }
    assert patient_client.post(step_url(draft, "about"), post_data("about", about))["Location"] == step_url(
        draft, "care-team"
    )
    assert patient_client.post(step_url(draft, "care-team"), post_data("care-team", CARE))["Location"] == step_url(
        draft, "payment"
    )
    assert patient_client.post(step_url(draft, "payment"), post_data("payment", INSURED))["Location"] == step_url(
        draft, "diagnoses"
    )

    profile = PatientProfile.objects.get(user=patient)
    patient.refresh_from_db()
    assert patient.full_name == "Maria Gómez"  # every staff page that names a user names the patient
    assert (profile.preferred_name, profile.pronouns) == ("Mari", "she/her")
    assert (profile.street, profile.city, profile.state, profile.zip_code) == (
        "12 Oak Street",
        "Portland",
        "OR",
        "97205",
    )
    assert (profile.emergency_name, profile.emergency_phone) == ("Jordan Rivers", "+15035550177")  # E.164
    assert (profile.pcp_practice, profile.pcp_phone, profile.referred) == (
        "Eastside Family Medicine",
        "+15035550150",
        True,
    )
    assert (profile.payment, profile.payer_name, profile.member_id, profile.subscriber_relationship) == (
        "insurance",
        "Aetna",
        "W123456789",
        "spouse",
    )


def test_the_record_is_not_in_the_intake_document(patient_client, complete, patient):
    draft = complete("eligible")
    submit(patient_client, draft)
    document = json.dumps(IntakeSubmission.objects.get().document)
    for typed in ("Alex", "Example", "Oak Street", "97205", "Sam Example", "555-0101"):
        assert typed not in document
    assert IntakeSubmission.objects.get().document["patient"]["state"] == "OR"  # the state stays, one question


@pytest.mark.parametrize(
    ("step", "values", "message"),
    [
        ("payment", {"payment": "insurance"}, "Please enter your insurance company&#x27;s name, as on your card."),
        ("payment", {"payment": "insurance", "payer_name": "Aetna"}, "Please enter your member ID, as on your card."),
        ("payment", {"payment": "insurance", "payer_name": "Aetna", "member_id": "1"}, "Please say whose plan it is."),
        ("payment", {}, "Please choose an answer."),
        ("care-team", {**BASE["care-team"], "emergency_phone": "555-01"}, "Please check their phone number"),
        ("care-team", {**BASE["care-team"], "emergency_name": ""}, "Please enter the name of someone the clinic"),
        ("care-team", {**BASE["care-team"], "referred": "yes"}, "Please say who referred you, or answer No."),
        ("care-team", {**BASE["care-team"], "pcp_phone": "(503) 555-0150"}, "Please give their name too"),
        ("about", {**BASE["about"], "zip_code": "9720"}, "Please check your ZIP code: 5 digits"),
        ("about", {**BASE["about"], "first_name": ""}, "Please enter your legal first name, as on your ID."),
    ],
)
def test_a_missing_or_wrong_record_answer_is_explained_next_to_the_field(patient_client, draft, step, values, message):
    response = patient_client.post(step_url(draft, step), post_data(step, values))

    assert response["Location"] == step_url(draft, step) + "?check=1"
    page = page_of(patient_client, response)
    assert message in page
    assert "Some answers need another look" in page


def test_self_pay_keeps_no_insurance_details(patient_client, draft, patient):
    patient_client.post(step_url(draft, "payment"), post_data("payment", {**INSURED, "payment": "self_pay"}))

    profile = PatientProfile.objects.get(user=patient)
    assert (profile.payment, profile.payer_name, profile.member_id) == ("self_pay", "", "")


def test_an_address_in_a_state_the_clinic_does_not_serve_is_explained(patient_client, draft):
    response = patient_client.post(step_url(draft, "about"), post_data("about", {**BASE["about"], "state": "TX"}))

    page = page_of(patient_client, response)
    assert "Harbor Ketamine Clinic can only see patients who live in: Oregon, Washington" in page
    assert 'value="12 Oak Street"' in page  # nothing typed is lost


def test_a_second_intake_starts_from_the_record_on_the_account(patient_client, patient):
    patient_profile_save(
        user=patient,
        values={"first_name": "Alex", "last_name": "Example", "street": "9 Elm Road", "emergency_name": "Sam"},
    )
    clinic = make_clinic(name="Cedar Clinic", states=("OR",))
    patient_client.post(reverse("intake:start", args=[clinic.slug]))
    draft = IntakeDraft.objects.get(patient=patient)

    about = patient_client.get(step_url(draft, "about")).content.decode()
    care = patient_client.get(step_url(draft, "care-team")).content.decode()

    assert 'value="9 Elm Road"' in about and 'value="Alex"' in about
    assert 'value="Sam"' in care


# --- /account/ -----------------------------------------------------------------------------------------


def account_post(**changes: str) -> dict[str, str]:
    values = {
        **{k: v for k, v in BASE["about"].items() if k in ("first_name", "last_name", "street", "city", "zip_code")},
        "state": "WA",
        **BASE["care-team"],
        **BASE["payment"],
    }
    values.update(changes)
    return values


def test_the_account_page_shows_and_edits_the_record(patient_client, patient):
    response = patient_client.post(reverse("account:details"), account_post(first_name="Alexandra", **INSURED))
    assert response["Location"] == reverse("account:details")

    page = patient_client.get(reverse("account:details")).content.decode()
    assert "Your details are saved." in page
    assert 'value="Alexandra"' in page and 'value="W123456789"' in page
    patient.refresh_from_db()
    assert patient.full_name == "Alexandra Example"
    assert PatientProfile.objects.get(user=patient).state == "WA"


def test_the_account_page_explains_what_is_missing_and_keeps_what_was_typed(patient_client, patient):
    response = patient_client.post(reverse("account:details"), account_post(payment="insurance", zip_code="123"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Please check your ZIP code" in page
    assert "Please enter your member ID, as on your card." in page
    assert 'value="12 Oak Street"' in page
    assert not PatientProfile.objects.filter(user=patient).exists()


def test_staff_have_no_record_page(client, clinic):
    login_staff(client, clinic.coordinator)
    assert client.get(reverse("account:details"))["Location"] == reverse("account:security")


# --- §6: errors only after Next; one count of pages ----------------------------------------------------------


def test_a_half_saved_page_comes_back_without_errors_until_next_is_pressed(patient_client, draft):
    half = {"hypertension": "controlled", "systolic": "135"}
    saved = patient_client.post(step_url(draft, "heart"), post_data("heart", half, action="save"))
    assert saved["Location"] == reverse("patients:dashboard")

    page = patient_client.get(step_url(draft, "heart")).content.decode()
    assert 'value="135"' in page
    assert "Some answers need another look" not in page
    assert "Please choose an answer." not in page
    assert "is-invalid" not in page

    after_next = patient_client.post(step_url(draft, "heart"), post_data("heart", half))
    page = page_of(patient_client, after_next)
    assert "Some answers need another look" in page
    assert "Please choose an answer." in page


def test_the_start_page_the_steps_and_the_dashboard_count_the_same_pages(patient_client, clinic, patient):
    count = steps.PAGE_COUNT
    start = patient_client.get(reverse("intake:start", args=[clinic.slug])).content.decode()
    assert f"You will answer {count} short pages" in start
    patient_client.post(reverse("intake:start", args=[clinic.slug]))
    draft = IntakeDraft.objects.get(patient=patient)

    dashboard = patient_client.get(reverse("patients:dashboard")).content.decode()
    first = patient_client.get(step_url(draft, steps.ANSWER_STEPS[0])).content.decode()
    last = patient_client.get(step_url(draft, steps.ANSWER_STEPS[-1])).content.decode()
    review = patient_client.get(step_url(draft, steps.REVIEW)).content.decode()

    assert f"0 of {count} pages done" in dashboard
    assert f"Step 1 of {count}" in first
    assert f"Step {count} of {count}" in last
    assert f"Step {count + 1}" not in review and f"({count} pages)" in review


# --- §4: coming back ------------------------------------------------------------------------------------


@pytest.fixture
def came_back(patient_client, patient):
    """The patient sent answers to one clinic (needs review: mania), then starts at a second clinic."""
    first = staffed_clinic("First Clinic")
    earlier = send(first, patient, "needs_review", health={"pregnancy": "no"}, heart={"systolic": "150"})
    second = staffed_clinic("Second Clinic")
    patient_client.post(reverse("intake:start", args=[second.slug]))
    draft = IntakeDraft.objects.get(patient=patient, clinic=second)
    return earlier, draft


def test_a_returning_patient_starts_from_their_last_answers_except_what_describes_today(patient_client, came_back):
    earlier, draft = came_back

    assert draft.carried_from == earlier
    assert draft.answers["about"]["about-date_of_birth"] == ["1985-03-27"]
    assert draft.answers["mental-health"]["mental-health-mania"] == ["yes"]
    for never in ("phq9", "safety", "consent"):
        assert never not in draft.answers
    assert "heart-systolic" not in draft.answers["heart"] and "heart-diastolic" not in draft.answers["heart"]
    assert "health-pregnancy" not in draft.answers["health"]

    page = patient_client.get(step_url(draft, "about")).content.decode()
    assert "From your intake of" in page and "check it is still right" in page
    assert 'value="1985-03-27"' in page
    phq9 = patient_client.get(step_url(draft, "phq9")).content.decode()
    assert "From your intake of" not in phq9


def test_a_carried_page_counts_only_once_confirmed_and_the_new_answers_are_screened_afresh(patient_client, came_back):
    earlier, draft = came_back
    dashboard = patient_client.get(reverse("patients:dashboard")).content.decode()
    assert f"0 of {steps.PAGE_COUNT} pages done" in dashboard  # carried, valid, but not confirmed yet
    review = patient_client.get(step_url(draft, steps.REVIEW)).content.decode()
    assert "Filled in from your earlier intake" in review
    assert submit(patient_client, draft)["Location"] == step_url(draft, "about")

    answers = scenario("eligible")  # today: no mania any more
    for response in fill(patient_client, draft, answers):
        assert response.status_code == 302 and "check=1" not in response["Location"]
    draft.refresh_from_db()
    assert draft.unconfirmed_steps == []
    submit(patient_client, draft)

    new = IntakeSubmission.objects.get(draft=draft)
    assert ScreeningResult.objects.get(submission=new).outcome == "eligible"
    assert ScreeningResult.objects.get(submission=earlier).outcome == "needs_review"


def test_save_and_finish_later_does_not_confirm_a_carried_page(patient_client, came_back):
    _earlier, draft = came_back
    patient_client.post(step_url(draft, "about"), post_data("about", BASE["about"], action="save"))
    draft.refresh_from_db()
    assert "about" in draft.unconfirmed_steps
    patient_client.post(step_url(draft, "about"), post_data("about", BASE["about"]))
    draft.refresh_from_db()
    assert "about" not in draft.unconfirmed_steps


# --- the medical record number and FHIR ----------------------------------------------------------------


def test_a_patient_gets_one_stable_record_number_per_clinic(patient):
    first, second = staffed_clinic("First Clinic"), staffed_clinic("Second Clinic")
    send(first, patient)
    number = MedicalRecordNumber.objects.get(clinic=first, patient=patient).number
    send(second, patient)

    assert re.fullmatch(r"\d{8}", number)
    assert MedicalRecordNumber.objects.get(clinic=first, patient=patient).number == number
    assert MedicalRecordNumber.objects.filter(patient=patient).count() == 2


def test_staff_see_the_patients_name_and_record_number_on_the_case(client, patient):
    clinic = staffed_clinic()
    case = case_of(send(clinic, patient, "needs_review"))
    login_staff(client, clinic.psychiatrist)

    page = client.get(reverse("screening:case", kwargs={"clinic_slug": clinic.slug, "case_id": case.pk})).content
    number = MedicalRecordNumber.objects.get(clinic=clinic, patient=patient).number
    assert f"MRN {number}" in page.decode()
    assert "Alex Example" in page.decode()


def test_the_fhir_patient_carries_the_record_and_the_clinics_record_number(patient):
    clinic = staffed_clinic()
    submission = send(clinic, patient, "needs_review")
    values = {**CARE, "preferred_name": "Lex", "emergency_phone": "+15035550177", "pcp_phone": "", "referred": True}
    patient_profile_save(user=patient, values=values)
    contact_details_save(user=patient, phone="+15035550100", call_time="any", voicemail_ok=True, texts_ok=False)
    submission.patient.refresh_from_db()

    resource = json.loads(patient_resource(submission).model_dump_json(exclude_none=True))

    Patient.model_validate(resource)
    number = MedicalRecordNumber.objects.get(clinic=clinic, patient=patient).number
    assert resource["identifier"][0]["system"] == mrn_system(clinic.pk)
    assert resource["identifier"][0]["value"] == number
    assert resource["identifier"][0]["type"]["coding"][0]["code"] == "MR"
    official, usual = resource["name"]
    assert (official["use"], official["family"], official["given"]) == ("official", "Example", ["Alex"])
    assert (usual["use"], usual["given"]) == ("usual", ["Lex"])
    assert resource["address"][0] == {
        "use": "home",
        "line": ["12 Oak Street"],
        "city": "Portland",
        "state": "OR",
        "postalCode": "97205",
        "country": "US",
    }
    contact = resource["contact"][0]
    assert contact["name"]["text"] == "Jordan Rivers"
    assert contact["relationship"][0]["coding"][0]["code"] == "C"
    assert contact["relationship"][1]["text"] == "sister"
    assert contact["telecom"] == [{"system": "phone", "value": "+15035550177"}]
    assert resource["generalPractitioner"][0]["display"] == "Dr. Ana Lopez, Eastside Family Medicine"
    assert resource["contained"][0]["resourceType"] == "Practitioner"
    assert {t["system"] for t in resource["telecom"]} == {"phone", "email"}


def test_insurance_is_a_coverage_in_the_case_bundle_and_the_bulk_export(patient):
    clinic = staffed_clinic()
    case = case_of(send(clinic, patient, "needs_review", payment=INSURED))

    coverage = json.loads(coverage_resource(case.submission).model_dump_json(exclude_none=True))
    Coverage.model_validate(coverage)
    assert coverage["payor"] == [{"display": "Aetna"}]
    assert coverage["subscriberId"] == "W123456789"
    assert coverage["class"][0]["value"] == "G-42"
    assert coverage["relationship"]["coding"][0]["code"] == "spouse"
    assert coverage["beneficiary"]["reference"] == f"Patient/{patient.pk}"

    kinds = [entry.resource.get_resource_type() for entry in case_bundle(case).entry]
    assert kinds[:2] == ["Patient", "Coverage"]
    files: dict[str, io.StringIO] = {}
    counts = bulk_export(clinic=clinic, open_file=lambda kind: files.setdefault(kind, io.StringIO()))
    assert counts["Coverage"] == 1
    assert json.loads(files["Coverage"].getvalue())["subscriberId"] == "W123456789"


def test_self_pay_is_a_self_pay_coverage(patient):
    submission = send(staffed_clinic(), patient)
    coverage = json.loads(coverage_resource(submission).model_dump_json(exclude_none=True))
    assert coverage["type"]["coding"][0]["code"] == "pay"
    assert coverage["payor"] == [{"reference": f"Patient/{patient.pk}"}]


def test_a_patient_without_a_record_still_gives_a_valid_patient(db):
    patient = UserFactory(full_name="")
    clinic = staffed_clinic()
    submission = send(clinic, patient)
    PatientProfile.objects.filter(user=patient).delete()
    submission.patient.refresh_from_db()
    resource = patient_resource(IntakeSubmission.objects.select_related("patient").get(pk=submission.pk))
    assert resource.identifier[0].value == MedicalRecordNumber.objects.get(patient=patient).number
    assert coverage_resource(IntakeSubmission.objects.select_related("patient").get(pk=submission.pk)) is None


def test_the_start_page_tells_a_returning_patient_their_answers_are_filled_in(patient_client, patient, clinic):
    first = patient_client.get(reverse("intake:start", args=[clinic.slug])).content.decode()
    assert "Your answers from your last intake are filled in" not in first
    send(staffed_clinic("Cedar Clinic"), patient)

    page = patient_client.get(reverse("intake:start", args=[clinic.slug])).content.decode()
    assert "Your answers from your last intake are filled in" in page
    assert "your blood pressure and pregnancy are asked again" in page


# --- coming back to the same clinic after a decline or an ineligible result ---------------------------------


def test_after_a_decline_the_patient_may_apply_again_at_the_same_clinic_from_their_last_answers(
    patient_client, patient
):
    from screening.cases import review_case_claim, review_case_decline

    clinic = staffed_clinic()
    earlier = send(clinic, patient, "needs_review")
    start_url = reverse("intake:start", args=[clinic.slug])
    assert patient_client.get(start_url)["Location"].endswith(f"/{earlier.pk}/")  # undecided: the answers stand
    case = case_of(earlier)
    review_case_claim(case_id=case.pk, user=clinic.psychiatrist)
    review_case_decline(case_id=case.pk, user=clinic.psychiatrist, note="Not now.", patient_message="Not now.")

    result_page = patient_client.get(reverse("patients:submission", args=[earlier.pk])).content.decode()
    assert "Apply again" in result_page
    assert "Your answers from your last intake are filled in" in patient_client.get(start_url).content.decode()
    patient_client.post(start_url)
    draft = IntakeDraft.objects.get(patient=patient, submitted_at__isnull=True)
    assert (draft.clinic, draft.carried_from) == (clinic, earlier)

    for response in fill(patient_client, draft, scenario("eligible")):
        assert "check=1" not in response["Location"]
    submit(patient_client, draft)
    again = IntakeSubmission.objects.get(draft=draft)
    assert ScreeningResult.objects.get(submission=again).outcome == "eligible"  # screened from scratch
    assert MedicalRecordNumber.objects.filter(clinic=clinic, patient=patient).count() == 1  # the same number
    assert "Apply again" not in patient_client.get(reverse("patients:submission", args=[earlier.pk])).content.decode()


def test_an_ineligible_patient_may_apply_again(patient_client, patient):
    clinic = staffed_clinic()
    earlier = send(clinic, patient, "ineligible")

    assert "Apply again" in patient_client.get(reverse("patients:submission", args=[earlier.pk])).content.decode()
    patient_client.post(reverse("intake:start", args=[clinic.slug]))
    assert IntakeDraft.objects.get(patient=patient, submitted_at__isnull=True).carried_from == earlier
