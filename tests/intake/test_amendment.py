"""The patient's side of a review: the psychiatrist's message on the result page and the dashboard, updating
the answers through the wizard (version 2, screened again), and the status in plain words at every stage."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from intake.models import IntakeDraft, IntakeSubmission
from scheduling.models import WorklistEntry
from screening.cases import review_case_claim, review_case_clear, review_case_decline, review_case_request_info
from screening.models import ReviewCase

from .answers import post_data
from .conftest import step_url, submit
from .submissions import case_of, send

pytestmark = pytest.mark.django_db

QUESTION = "Thank you. When did the mania happen, and did a doctor diagnose it?"


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def asked(clinic, patient):
    """The patient's needs-review case, claimed, with a question for the patient."""
    case = case_of(send(clinic, patient, "needs_review"))
    review_case_claim(case_id=case.pk, user=clinic.psychiatrist)
    review_case_request_info(case_id=case.pk, user=clinic.psychiatrist, patient_message=QUESTION)
    return case


def test_the_patient_reads_the_question_on_the_result_page_and_the_dashboard(patient_client, asked):
    submission_page = _text(patient_client.get(reverse("patients:submission", args=[asked.submission.pk])))
    dashboard = _text(patient_client.get(reverse("patients:dashboard")))

    for page in (submission_page, dashboard):
        assert "The psychiatrist asked" in page
        assert "When did the mania happen, and did a doctor diagnose it?" in page
        assert "Update my answers" in page
    assert "The psychiatrist has a question for you" in dashboard


def test_updating_the_answers_makes_version_two_and_the_case_goes_back_to_the_psychiatrist(
    patient_client, asked, clinic, patient
):
    first = asked.submission

    started = patient_client.post(reverse("patients:amend", args=[first.pk]))
    draft = IntakeDraft.objects.get(amends=first)
    assert started.status_code == 302 and started.url == reverse("intake:resume", args=[draft.pk])
    review = patient_client.get(step_url(draft, "review"))
    review_text = _text(review)
    assert "You are updating the answers you sent on" in review_text and QUESTION in review_text
    assert "Send my updated answers to Harbor Ketamine Clinic" in review_text
    no_mania = {"psychosis": "never", "schizophrenia": "no", "mania": "no"}
    patient_client.post(step_url(draft, "mental-health"), post_data("mental-health", no_mania))
    sent = submit(patient_client, draft)

    second = IntakeSubmission.objects.get(amends=first)
    assert sent.status_code == 302 and sent.url == reverse("patients:submission", args=[second.pk])
    assert second.version == 2
    case = ReviewCase.objects.get(pk=asked.pk)
    assert case.submission == second and case.status == ReviewCase.Status.CLAIMED
    assert case.result.outcome == "eligible"  # no mania now, but the psychiatrist who asked decides
    page = _text(patient_client.get(reverse("patients:submission", args=[second.pk])))
    assert "Thank you. Your updated answers were sent to" in page
    assert "will look at your updated answers" in page
    assert "You updated your answers" in page
    old = _text(patient_client.get(reverse("patients:submission", args=[first.pk])))
    assert "You updated these answers on" in old
    dashboard_html = patient_client.get(reverse("patients:dashboard")).content.decode()
    assert dashboard_html.count('<h3 class="h5">Harbor Ketamine Clinic</h3>') == 1  # the newest version only
    assert "Being reviewed by a psychiatrist" in dashboard_html


def test_the_update_button_is_only_there_while_the_psychiatrist_waits(patient_client, clinic, patient):
    case = case_of(send(clinic, patient, "needs_review"))
    response = patient_client.post(reverse("patients:amend", args=[case.submission.pk]), follow=True)
    assert "The clinic is not waiting for new answers from you." in _text(response)
    assert not IntakeDraft.objects.filter(amends=case.submission).exists()
    assert "Update my answers" not in _text(patient_client.get(reverse("patients:dashboard")))


def test_a_started_update_can_be_continued_from_the_dashboard(patient_client, asked):
    patient_client.post(reverse("patients:amend", args=[asked.submission.pk]))
    again = patient_client.post(reverse("patients:amend", args=[asked.submission.pk]))  # second tab
    assert IntakeDraft.objects.filter(amends=asked.submission).count() == 1
    assert again.status_code == 302

    dashboard = _text(patient_client.get(reverse("patients:dashboard")))
    assert "You are updating the answers you sent on" in dashboard
    assert "Continue updating your answers" in dashboard


def test_another_patient_cannot_update_someone_elses_answers(client, asked):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    assert client.post(reverse("patients:amend", args=[asked.submission.pk])).status_code == 404


def test_a_declined_patient_reads_the_psychiatrists_words(patient_client, clinic, patient):
    case = case_of(send(clinic, patient, "needs_review"))
    review_case_claim(case_id=case.pk, user=clinic.psychiatrist)
    review_case_decline(
        case_id=case.pk,
        user=clinic.psychiatrist,
        note="Recent manic episode",
        patient_message="We are sorry: ketamine is not safe for you right now because of the recent mania.",
    )

    page = _text(patient_client.get(reverse("patients:submission", args=[case.submission.pk])))
    dashboard = _text(patient_client.get(reverse("patients:dashboard")))

    assert "ketamine is not safe for you right now because of the recent mania" in page
    assert "Recent manic episode" not in page  # the clinical note is never shown
    assert "Not offered at the moment" in dashboard and "because of the recent mania" in dashboard


@pytest.mark.parametrize(
    ("worklist_status", "label", "sentence"),
    [
        (
            "to_contact",
            "Next: a call from the clinic",
            "A care coordinator will call you soon to arrange your evaluation.",
        ),
        ("reached", "The clinic has spoken with you", "will confirm your evaluation appointment"),
        ("unreachable", "Please call the clinic", "We tried to reach you; please call the clinic at 503-555-0100."),
        ("scheduled", "Evaluation scheduled", "Your evaluation with a psychiatrist has been scheduled."),
    ],
)
def test_after_clearing_the_dashboard_follows_the_coordinators(
    patient_client, clinic, patient, worklist_status, label, sentence
):
    case = case_of(send(clinic, patient, "needs_review"))
    review_case_claim(case_id=case.pk, user=clinic.psychiatrist)
    review_case_clear(case_id=case.pk, user=clinic.psychiatrist, patient_message="See you soon.")
    WorklistEntry.objects.filter(submission=case.submission).update(status=worklist_status)

    dashboard = _text(patient_client.get(reverse("patients:dashboard")))
    page = _text(patient_client.get(reverse("patients:submission", args=[case.submission.pk])))

    assert label in dashboard and sentence in dashboard
    assert sentence in page
    assert "See you soon." in page


def test_the_dashboard_runs_the_same_queries_with_messages_and_worklist_entries(
    patient_client, clinic, patient, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_clinic

    send(clinic, patient, "eligible")
    with CaptureQueriesContext(connection) as one:
        patient_client.get(reverse("patients:dashboard"))
    for n in range(3):
        other = make_clinic(name=f"Other {n}")
        from clinics.models import Role
        from tests.factories import make_staff

        make_staff(other, Role.PSYCHIATRIST)
        case = case_of(send(other, patient, "needs_review"))
        review_case_claim(case_id=case.pk, user=other.memberships.get().user)
        review_case_request_info(case_id=case.pk, user=other.memberships.get().user, patient_message="?")
    with CaptureQueriesContext(connection) as four:
        patient_client.get(reverse("patients:dashboard"))
    assert len(four) <= len(one) + 1  # the case timeline prefetch runs once there are cases, whatever their number
