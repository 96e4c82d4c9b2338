"""A clinic with staff in every role, a signed-in patient, a Spanish-named clinic, and helpers that walk the wizard."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clinics.models import Role
from intake import steps
from intake.consent import ENGLISH, SPANISH
from intake.models import IntakeDraft, IntakeSubmission
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


# What a Spanish reader sees on each step (a heading or a question), never its English.
SPANISH_ON_STEP = {
    "about": ("Sobre usted", "Fecha de nacimiento", "Nombre legal", "Código postal (ZIP)"),
    "care-team": ("A quién llamar y su equipo de atención", "Alguien a quien llamar en una emergencia"),
    "payment": ("El pago del tratamiento", "¿Cómo pagará el tratamiento?", "Pagaré yo (pago por cuenta propia)"),
    "diagnoses": ("Sus diagnósticos", "Depresión (trastorno depresivo mayor)"),
    "phq9": ("Poco interés o placer en hacer cosas", "Casi todos los días"),
    "safety": ("¿Ha deseado estar muerto(a) o poder dormirse y no despertar?", "Llame o envíe un mensaje de texto"),
    "antidepressants": ("Antidepresivos que ha tomado", "Nombre del antidepresivo"),
    "treatment": ("Tratamiento previo con ketamina", "esketamina (Spravato)"),
    "other-treatments": ("Otros tratamientos que ha probado", "¿Ha recibido terapia electroconvulsiva (TEC)?"),
    "mental-health": ("Sus antecedentes de salud mental", "¿Ha tenido alguna vez psicosis?"),
    "heart": ("Corazón y presión arterial", "Número de arriba (sistólica)"),
    "health": ("Otras preguntas de salud", "¿Tiene epilepsia o ha tenido convulsiones?"),
    "medications": ("Medicamentos que toma ahora", "Nombre del medicamento"),
    "substances": ("Alcohol y otras sustancias", "¿Consume cannabis (marihuana) ahora?"),
    "getting-home": ("El regreso a casa", "¿Podrá alguien llevarle a casa"),
    "consent": ("Aviso de privacidad", SPANISH.contact),
    "review": ("Revise sus respuestas", "Enviar mis respuestas a"),
}
ENGLISH_ON_STEP = {
    "about": "Date of birth",
    "care-team": "Someone to call in an emergency",
    "payment": "How will you pay for treatment?",
    "phq9": "Little interest or pleasure in doing things",
    "safety": "Have you wished you were dead",
    "heart": "Top number (systolic)",
    "consent": ENGLISH.contact,
    "review": "Send my answers to",
}


@pytest.fixture
def spanish_clinic(db):
    """A clinic with a Spanish name (tests/intake/test_spanish*.py)."""
    clinic = make_clinic(name="Clínica Cedro", states=("OR",))
    make_staff(clinic, Role.PSYCHIATRIST)
    make_staff(clinic, Role.COORDINATOR)
    return clinic


def walk(client, clinic, language: str, name: str, *, check_pages: bool = False) -> IntakeSubmission:
    patient = UserFactory(language=language)
    client.force_login(patient)
    client.post(reverse("intake:start", args=[clinic.slug]))
    draft = IntakeDraft.objects.get(patient=patient)
    answers = scenario(name)
    for step in steps.ANSWER_STEPS:
        url = reverse("intake:step", kwargs={"draft_id": draft.pk, "step": step})
        if check_pages:
            page = client.get(url).content.decode()
            for text in SPANISH_ON_STEP[step]:
                assert text in page, (step, text)
            if step in ENGLISH_ON_STEP:
                assert ENGLISH_ON_STEP[step] not in page, step
        response = client.post(url, post_data(step, answers[step]))
        assert response.status_code == 302, (step, response.content.decode()[:2000])
    if check_pages:
        review = client.get(reverse("intake:step", kwargs={"draft_id": draft.pk, "step": "review"}))
        for text in SPANISH_ON_STEP["review"]:
            assert text in review.content.decode()
    response = client.post(reverse("intake:step", kwargs={"draft_id": draft.pk, "step": "review"}), {"action": "next"})
    assert response.status_code == 302
    return IntakeSubmission.objects.get(patient=patient)
