"""Every patient page, for every role: only the patient who owns the intake sees it; everyone else gets 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clinics.models import Role
from intake import steps
from intake.models import IntakeSubmission
from tests.factories import UserFactory, make_clinic, make_staff

from .conftest import step_url, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient_pages(patient_client, complete, clinic, patient):
    """The patient's submitted intake and a second draft at another clinic, and everyone else."""
    draft = complete("urgent")
    submit(patient_client, draft)
    other_clinic = make_clinic(name="Far Away Clinic")
    patient_client.post(reverse("intake:start", args=[other_clinic.slug]))
    open_draft = patient.intake_drafts.get(clinic=other_clinic)
    submission = IntakeSubmission.objects.get()
    other_patient_same_clinic = UserFactory()
    other_patient_other_clinic = UserFactory()
    return {
        "submission_urls": [
            reverse("patients:submission", args=[submission.pk]),
            reverse("patients:submission_help", args=[submission.pk]),
        ],
        "draft_urls": [
            reverse("intake:resume", args=[open_draft.pk]),
            reverse("intake:reach_out", args=[open_draft.pk]),
            *[step_url(open_draft, name) for name in steps.STEP_NAMES],
        ],
        "others": {
            "another patient of the same clinic": other_patient_same_clinic,
            "a patient of another clinic": other_patient_other_clinic,
            "psychiatrist of the clinic": clinic.psychiatrist,
            "coordinator of the clinic": clinic.coordinator,
            "clinic admin": clinic.admin,
            "staff of another clinic": make_staff(other_clinic, Role.CLINIC_ADMIN),
        },
    }


def test_the_patient_sees_their_own_pages(patient_client, patient_pages):
    for url in patient_pages["submission_urls"] + patient_pages["draft_urls"]:
        response = patient_client.get(url)
        assert response.status_code in (200, 302), url
        if response.status_code == 302:
            assert "/patient/" in response["Location"], url


@pytest.mark.parametrize(
    "who",
    [
        "another patient of the same clinic",
        "a patient of another clinic",
        "psychiatrist of the clinic",
        "coordinator of the clinic",
        "clinic admin",
        "staff of another clinic",
    ],
)
def test_everyone_else_gets_the_same_404_as_for_a_missing_record(client, patient_pages, who):
    client.force_login(patient_pages["others"][who])
    for url in patient_pages["submission_urls"] + patient_pages["draft_urls"]:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"action": "next"}).status_code in (404, 405), url


def test_signed_out_visitors_are_asked_to_sign_in_on_every_page(client, patient_pages):
    client.logout()
    for url in [reverse("patients:dashboard"), *patient_pages["submission_urls"], *patient_pages["draft_urls"]]:
        response = client.get(url)
        assert response.status_code == 302 and reverse("account:login") in response["Location"], url
