"""A clinic with staff in every role, a signed-in patient, and a helper that walks the wizard."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clinics.models import Role
from intake import steps
from intake.models import IntakeDraft
from tests.factories import UserFactory, make_clinic, make_staff

from .answers import post_data, scenario


@pytest.fixture
def clinic(db):
    clinic = make_clinic(name="Harbor Ketamine Clinic", states=("OR", "WA"))
    clinic.psychiatrist = make_staff(clinic, Role.PSYCHIATRIST)
    clinic.psychiatrist2 = make_staff(clinic, Role.PSYCHIATRIST)
    clinic.coordinator = make_staff(clinic, Role.COORDINATOR)
    clinic.admin = make_staff(clinic, Role.CLINIC_ADMIN)
    return clinic


@pytest.fixture
def patient(db):
    return UserFactory(full_name="Alex Example")


@pytest.fixture
def patient_client(client, patient):
    client.force_login(patient)
    return client


@pytest.fixture
def draft(patient_client, clinic, patient):
    response = patient_client.post(reverse("intake:start", args=[clinic.slug]))
    assert response.status_code == 302
    return IntakeDraft.objects.get(patient=patient, clinic=clinic)


def step_url(draft, step: str) -> str:
    return reverse("intake:step", kwargs={"draft_id": draft.pk, "step": step})


def fill(client, draft, answers: dict, *, until: str | None = None) -> list:
    """Post every step's answers in order (stopping before `until`); returns the responses."""
    responses = []
    for name in steps.ANSWER_STEPS:
        if name == until:
            break
        responses.append(client.post(step_url(draft, name), post_data(name, answers[name])))
    return responses


def submit(client, draft):
    return client.post(step_url(draft, "review"), {"action": "next"})


@pytest.fixture
def complete(patient_client, draft):
    """Fill every step of a scenario; returns the draft, ready to submit."""

    def run(name: str = "eligible"):
        for response in fill(patient_client, draft, scenario(name)):
            assert response.status_code == 302
        return draft

    return run
