"""A Spanish-speaking patient, in a real Chromium: switches the site to Español, signs up, answers every intake
step by its Spanish labels (the published PHQ-9 and C-SSRS wording), and reads the result in Spanish.

Each step is checked with axe (no serious or critical violation, desktop and 375 px, lang="es") and photographed
(test-artifacts/screenshots/es-*.png).
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from intake.consent import SPANISH
from intake.models import IntakeSubmission

from .pages import PASSWORD, assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def choose(scope, question: str, answer: str) -> None:
    scope.get_by_role("group", name=question).get_by_label(answer, exact=True).check()


def siguiente(page: Page) -> None:
    page.get_by_role("button", name="Siguiente", exact=True).click()
    page.wait_for_load_state()


def step(page: Page, screenshot, name: str, heading: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert page.locator("html").get_attribute("lang") == "es"
    assert_accessible(page, name)
    screenshot(page, f"es-{name}")


def answer_everything(page: Page, screenshot) -> None:
    step(page, screenshot, "01-sobre-usted", "Sobre usted")
    page.get_by_label("Nombre legal").fill("Ana")
    page.get_by_label("Apellido legal").fill("Gómez")
    page.get_by_label("Dirección (calle y número)").fill("12 Oak Street")
    page.get_by_label("Ciudad").fill("Portland")
    page.get_by_label("Código postal (ZIP)").fill("97205")
    page.get_by_label("Fecha de nacimiento").fill("1985-03-27")
    choose(page, "Sexo asignado al nacer", "Femenino")
    page.get_by_label("El estado donde vive").select_option("OR")
    page.get_by_label("Su peso (opcional)").fill("150")
    page.get_by_label("Número de teléfono celular").fill("(503) 555-0177")
    choose(page, "El mejor momento para llamarle", "Por la tarde (de 12 a 5)")
    choose(page, "Si no contesta, ¿puede la clínica dejarle un mensaje de voz?", "Sí")
    choose(page, "¿Puede la clínica enviarle mensajes de texto sobre sus citas?", "No")
    siguiente(page)

    step(page, screenshot, "01b-a-quien-llamar", "A quién llamar y su equipo de atención")
    page.get_by_label("Su nombre (de esa persona)").fill("Luis Gómez")
    page.get_by_label("Qué relación tiene con usted").fill("hermano")
    page.get_by_label("Su número de teléfono (de esa persona)").fill("(503) 555-0178")
    siguiente(page)

    step(page, screenshot, "01c-pago", "El pago del tratamiento")
    choose(page, "¿Cómo pagará el tratamiento?", "Pagaré yo (pago por cuenta propia)")
    siguiente(page)

    step(page, screenshot, "02-diagnosticos", "Sus diagnósticos")
    page.get_by_label("Depresión (trastorno depresivo mayor)").check()
    choose(page, "¿Está pasando por un período de depresión ahora?", "Sí")
    siguiente(page)

    step(page, screenshot, "03-phq9", "Cómo se ha sentido")
    expect(page.get_by_text("¿qué tan seguido ha tenido molestias debido a los siguientes problemas?")).to_be_visible()
    for number in range(1, 10):
        group = page.get_by_role("group", name=re.compile(rf"^{number}\. "))
        group.get_by_label("Más de la mitad de los días", exact=True).check()
    siguiente(page)

    step(page, screenshot, "04-seguridad", "Su seguridad")
    choose(page, "1. ¿Ha deseado estar muerto(a) o poder dormirse y no despertar?", "No")
    choose(page, "2. ¿Ha tenido realmente la idea de suicidarse?", "No")
    choose(page, "6. ¿Alguna vez ha hecho algo, comenzado a hacer algo o se ha preparado", "No")
    siguiente(page)

    step(page, screenshot, "05-antidepresivos", "Antidepresivos que ha tomado")
    for number, (drug, dose, weeks, helped) in enumerate(
        [
            ("Zoloft", "100", "10", "No me ayudó, o me ayudó muy poco (menos de una cuarta parte de mejoría)"),
            ("Wellbutrin XL", "300", "12", "Me ayudó algo (entre una cuarta parte y la mitad de mejoría)"),
        ],
        start=1,
    ):
        if number > 1:
            page.get_by_role("button", name="Añadir otro antidepresivo").click()
        row = page.get_by_role("group", name=f"Antidepresivo {number}", exact=True)
        row.get_by_label("Nombre del antidepresivo").fill(drug)
        row.get_by_label("La dosis más alta que tomó al día, en mg").fill(dose)
        row.get_by_label("¿Cuántas semanas tomó esa dosis?").fill(weeks)
        choose(row, "¿Lo tomó como se lo recetaron, la mayoría de los días?", "Sí")
        choose(row, "¿Cuánto le ayudó?", helped)
        choose(row, "¿Lo tomó durante su período actual de depresión?", "Sí")
    siguiente(page)

    step(page, screenshot, "06-tratamiento", "Tratamiento previo con ketamina")
    choose(page, "¿Ha recibido antes tratamiento con ketamina o esketamina (Spravato) para la depresión?", "No")
    siguiente(page)

    step(page, screenshot, "06b-otros-tratamientos", "Otros tratamientos que ha probado")
    choose(page, "¿Ha recibido terapia electroconvulsiva (TEC)?", "No")
    choose(page, "¿Ha recibido estimulación magnética transcraneal (EMT)?", "No")
    choose(page, "¿Alguna vez un médico le añadió otro medicamento a un antidepresivo", "No")
    siguiente(page)

    step(page, screenshot, "07-salud-mental", "Sus antecedentes de salud mental")
    choose(page, "¿Ha tenido alguna vez psicosis?", "No, nunca")
    choose(page, "¿Algún médico le ha dicho alguna vez que tiene esquizofrenia", "No")
    choose(page, "¿Ha tenido alguna vez un período de manía o hipomanía?", "No")
    siguiente(page)

    step(page, screenshot, "08-corazon", "Corazón y presión arterial")
    choose(page, "¿Tiene la presión arterial alta?", "No")
    page.get_by_label("Número de arriba (sistólica)").fill("122")
    page.get_by_label("Número de abajo (diastólica)").fill("78")
    for question in (
        "¿Tiene alguna enfermedad del corazón",
        "¿Tiene el latido del corazón irregular (arritmia)?",
        "¿Ha tenido alguna vez un derrame cerebral",
        "¿Le han dicho alguna vez que tiene un aneurisma",
        "¿Ha tenido alguna vez un sangrado en el cerebro?",
    ):
        choose(page, question, "No")
    siguiente(page)

    step(page, screenshot, "09-salud", "Otras preguntas de salud")
    for question in (
        "¿Tiene epilepsia",
        "¿Ha tenido una lesión grave en la cabeza",
        "¿Tiene glaucoma",
        "¿Tiene alguna enfermedad del hígado",
        "¿Tiene algún problema de la vejiga",
        "¿Tiene hipertiroidismo",
        "¿Ha tenido alguna vez una reacción alérgica a la ketamina",
        "¿Está embarazada, o podría estarlo?",
        "¿Está amamantando?",
    ):
        choose(page, question, "No")
    siguiente(page)

    step(page, screenshot, "10-medicamentos", "Medicamentos que toma ahora")
    row = page.get_by_role("group", name="Medicamento 1", exact=True)
    row.get_by_label("Nombre del medicamento").fill("Synthroid")
    siguiente(page)

    step(page, screenshot, "11-sustancias", "Alcohol y otras sustancias")
    page.get_by_label("¿Cuántas bebidas alcohólicas toma").fill("2")
    choose(page, "¿Ha tenido alguna vez un problema con el consumo de alcohol o drogas?", "No")
    choose(page, "¿Ha usado alguna vez ketamina fuera de un tratamiento médico", "No, nunca")
    choose(page, "¿Consume cannabis (marihuana) ahora?", "No")
    choose(page, "¿Consume estimulantes que no le recetaron", "No")
    choose(page, "¿Consume opioides que no le recetaron", "No")
    siguiente(page)

    step(page, screenshot, "12-regreso", "El regreso a casa")
    choose(page, "¿Podrá alguien llevarle a casa después de cada tratamiento?", "Sí")
    siguiente(page)

    step(page, screenshot, "13-consentimiento", "Privacidad y consentimiento")
    page.get_by_label("He leído el aviso de privacidad").check()
    page.get_by_label(SPANISH.contact).check()
    page.get_by_label("Escriba su nombre completo para firmar").fill("Alex Ejemplo")
    siguiente(page)

    step(page, screenshot, "14-revision", "Revise sus respuestas")


def test_a_patient_does_the_whole_intake_in_spanish_and_reads_the_result_in_spanish(
    live_server,
    page,
    clinic,
    screenshot,
    csp_errors,
):
    page.goto(f"{live_server.url}/clinics/{clinic.slug}/")
    page.get_by_role("button", name="Español").click()
    expect(page.get_by_role("link", name="Empiece su cuestionario")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "es"
    page.get_by_role("link", name="Empiece su cuestionario").click()
    page.get_by_label("Correo electrónico").fill("ana@example.org")
    page.get_by_label("Elija una contraseña").fill(PASSWORD)
    page.get_by_label("Escriba la contraseña otra vez").fill(PASSWORD)
    page.get_by_role("button", name="Crear una cuenta").click()
    page.get_by_role("link", name="Continuar").click()
    get_user_model().objects.filter(email="ana@example.org").update(email_verified=True)
    page.reload()
    expect(page.get_by_role("heading", name=f"Empiece su cuestionario con {clinic.name}")).to_be_visible()
    page.get_by_role("button", name="Empezar").click()

    answer_everything(page, screenshot)
    page.get_by_role("button", name=f"Enviar mis respuestas a {clinic.name}").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Gracias. Sus respuestas se enviaron a {clinic.name}")
    expect(page.get_by_text("Buenas noticias: según sus respuestas")).to_be_visible()
    assert_accessible(page, "result")
    screenshot(page, "es-15-resultado")
    submission = IntakeSubmission.objects.get()
    assert submission.consent_language == "es"
    assert [t["drug"] for t in submission.document["antidepressant_trials"]] == ["Zoloft", "Wellbutrin XL"]
    assert get_user_model().objects.get(email="ana@example.org").language == "es"
    assert csp_errors == []
