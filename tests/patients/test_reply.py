"""Asked for more information, the patient can answer in their own words (and still update their answers); the
psychiatrist reads the reply on the case page and is told to sign in."""

import pytest
from django.urls import reverse

from core.models import AuditEvent, Notification
from screening.cases import ReplyNotAllowed, review_case_claim, review_case_reply, review_case_request_info
from screening.models import ReviewDecision
from tests.factories import UserFactory, login_staff
from tests.intake.submissions import case_of, send, staffed_clinic

pytestmark = pytest.mark.django_db

REPLY = "I took sertraline 100 mg for 10 weeks in 2022, then stopped because of nausea."


@pytest.fixture
def asked():
    clinic = staffed_clinic()
    patient = UserFactory(full_name="Lee Morgan")
    case = case_of(send(clinic, patient, "needs_review"))
    review_case_claim(case_id=case.pk, user=clinic.psychiatrist)
    review_case_request_info(case_id=case.pk, user=clinic.psychiatrist, patient_message="How long did you take it?")
    return clinic, patient, case


def reply_url(case) -> str:
    return reverse("patients:reply", kwargs={"submission_id": case.submission_id})


def test_the_patient_replies_in_words_and_can_still_update_their_answers(client, asked):
    clinic, patient, case = asked
    client.force_login(patient)
    page = client.get(reverse("patients:submission", kwargs={"submission_id": case.submission_id})).content.decode()
    assert "Answer in your own words" in page and "Update my answers" in page

    response = client.post(reply_url(case), {"text": REPLY}, follow=True)

    page = response.content.decode()
    assert "Your answer has been sent to the psychiatrist." in page
    assert "You replied" in page and REPLY in page
    assert "Update my answers" in page  # still waiting for them: updating the answers stays possible
    case.refresh_from_db()
    assert case.status == "awaiting_patient"
    notes = Notification.objects.filter(kind="case.replied")
    assert {n.recipient for n in notes} == {clinic.psychiatrist}
    event = AuditEvent.objects.get(action="case.replied")
    assert REPLY not in str(event.detail) and event.actor == patient


def test_the_psychiatrist_reads_the_reply_on_the_case_page(client, asked):
    clinic, patient, case = asked
    review_case_reply(submission=case.submission, patient=patient, text=REPLY)
    login_staff(client, clinic.psychiatrist)

    page = client.get(
        reverse("screening:case", kwargs={"clinic_slug": clinic.slug, "case_id": case.pk})
    ).content.decode()

    assert "The patient replied on" in page and REPLY in page
    assert "The patient wrote:" in page  # in the case history too


def test_a_blank_answer_is_refused_next_to_the_field(client, asked):
    _clinic, patient, case = asked
    client.force_login(patient)

    response = client.post(reply_url(case), {"text": "   "})

    assert response.status_code == 400
    assert "Please write your answer, or update your answers instead." in response.content.decode()
    assert not ReviewDecision.objects.filter(kind="replied").exists()


def test_a_too_long_answer_is_refused_and_kept(client, asked):
    _clinic, patient, case = asked
    client.force_login(patient)
    text = "x" * 4001

    response = client.post(reply_url(case), {"text": text})

    page = response.content.decode()
    assert response.status_code == 400 and "under 4000 characters" in page and text in page


def test_no_reply_once_the_psychiatrist_has_decided_nor_from_another_patient(client, asked):
    clinic, patient, case = asked
    with pytest.raises(ReplyNotAllowed):
        review_case_reply(submission=case.submission, patient=UserFactory(), text=REPLY)
    client.force_login(UserFactory())
    assert client.post(reply_url(case), {"text": REPLY}).status_code == 404

    from screening.cases import review_case_clear

    review_case_clear(case_id=case.pk, user=clinic.psychiatrist)
    with pytest.raises(ReplyNotAllowed):
        review_case_reply(submission=case.submission, patient=patient, text=REPLY)


def test_spanish_patients_read_the_form_in_spanish(client, asked):
    _clinic, patient, case = asked
    patient.language = "es"
    patient.save(update_fields=["language"])
    client.force_login(patient)

    page = client.get(
        reverse("patients:submission", kwargs={"submission_id": case.submission_id}), HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()

    assert "Responda con sus propias palabras" in page and "Enviar mi respuesta" in page
