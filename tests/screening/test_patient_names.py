"""Staff meet patients by name: the staff inbox says whom a notification is about, and the clinic's audit log
names the patient of each event and can show only the events about one patient (found by a name search sent in
a POST: the URL carries only their id)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from intake.services import draft_get_or_start, draft_report_risk
from screening.cases import review_case_claim
from tests.factories import PatientProfileFactory, UserFactory, login_staff
from tests.intake.answers import raw_answers
from tests.intake.submissions import answers_for, case_of, send, staffed_clinic

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic(db):
    return staffed_clinic()


def audit_url(clinic) -> str:
    return reverse("clinics:audit_log", kwargs={"clinic_slug": clinic.slug})


def test_the_staff_inbox_names_the_patient_and_the_patients_inbox_does_not_change(client, clinic):
    patient = PatientProfileFactory(first_name="Robin", last_name="Castillo").user
    draft = draft_get_or_start(patient=patient, clinic=clinic)
    draft.answers = raw_answers(answers_for("urgent"))
    draft.save(update_fields=["answers"])
    draft_report_risk(draft=draft)
    login_staff(client, clinic.psychiatrist)

    page = client.get(reverse("notifications:inbox")).content.decode()

    assert "gave high-risk answers during their intake" in page and "· Robin Castillo" in page
    client.force_login(patient)
    assert "data-patient-name" not in client.get(reverse("notifications:inbox")).content.decode()


def test_a_former_staff_member_no_longer_reads_names_in_their_inbox(client, clinic):
    send(clinic, UserFactory(full_name="Uma Urgent"), "urgent")
    clinic.memberships.filter(user=clinic.psychiatrist).update(is_active=False)
    other = staffed_clinic("Other Clinic")
    other.memberships.create(user=clinic.psychiatrist, role="psychiatrist")  # still staff, elsewhere
    login_staff(client, clinic.psychiatrist)

    page = client.get(reverse("notifications:inbox")).content.decode()

    assert "New urgent case" in page and "Uma Urgent" not in page


def test_the_audit_log_names_the_patient_and_filters_by_one(client, clinic):
    dana = UserFactory(full_name="Dana Whitfield")
    lee = UserFactory(full_name="Lee Morgan")
    dana_case = case_of(send(clinic, dana, "needs_review"))
    lee_case = case_of(send(clinic, lee, "needs_review"))
    review_case_claim(case_id=dana_case.pk, user=clinic.psychiatrist)
    review_case_claim(case_id=lee_case.pk, user=clinic.psychiatrist)
    login_staff(client, clinic.psychiatrist)
    client.get(reverse("screening:case", kwargs={"clinic_slug": clinic.slug, "case_id": dana_case.pk}))
    login_staff(client, clinic.admin)

    page = client.get(audit_url(clinic)).content.decode()
    assert "Dana Whitfield" in page and "Lee Morgan" in page

    # The search is a POST: the name is never in a URL; the result links carry the patient's id.
    response = client.post(audit_url(clinic), {"patient_search": "whitf"})
    found = response.content.decode().split("data-audit-patient-matches", 1)[1].split("</ul>", 1)[0]
    assert response.status_code == 200 and f"patient={dana.pk}" in found and "Dana Whitfield" in found
    assert "Lee Morgan" not in found

    only_dana = client.get(audit_url(clinic), {"patient": str(dana.pk)}).content.decode()
    assert "Showing only events about <strong>Dana Whitfield</strong>" in only_dana
    assert "Case claimed" in only_dana and "Case viewed" in only_dana
    assert "Lee Morgan" not in only_dana


def test_a_patient_of_another_clinic_is_not_found_and_a_bad_id_is_explained(client, clinic):
    send(staffed_clinic("Elsewhere"), UserFactory(full_name="Sol Stranger"), "needs_review")
    login_staff(client, clinic.admin)

    page = client.post(audit_url(clinic), {"patient_search": "Stranger"}).content.decode()
    assert "No patient of this clinic has that name or e-mail." in page

    response = client.get(audit_url(clinic), {"patient": "not-a-uuid"})
    assert response.status_code == 200 and "Enter a valid UUID." in response.content.decode()

    short = client.post(audit_url(clinic), {"patient_search": "S"}).content.decode()
    assert "Type at least two letters" in short
