"""A patient who reads the site in Spanish: every intake page in Spanish, the published PHQ-9 and C-SSRS wording,
the result in Spanish, the consent signed in Spanish, and a screening identical to the English one."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from intake.consent import ENGLISH, SPANISH
from intake.models import IntakeDraft, IntakeSubmission
from screening.models import ScreeningResult
from tests.factories import UserFactory

from .conftest import walk

pytestmark = pytest.mark.django_db


def test_every_intake_page_is_in_spanish_for_a_spanish_reader(client, spanish_clinic):
    submission = walk(client, spanish_clinic, "es", "eligible", check_pages=True)

    page = client.get(reverse("patients:submission", kwargs={"submission_id": submission.pk})).content.decode()
    assert '<html lang="es">' in page
    assert "Buenas noticias: según sus respuestas" in page
    assert "Good news" not in page


@pytest.mark.parametrize("name", ["eligible", "ineligible", "needs_review", "urgent"])
def test_the_same_answers_in_spanish_and_english_screen_the_same(client, spanish_clinic, name):
    english = walk(client, spanish_clinic, "en", name)
    spanish = walk(client, spanish_clinic, "es", name)

    strip = {"screened_on", "submitted_at"}
    assert {k: v for k, v in spanish.document.items() if k not in strip} == {
        k: v for k, v in english.document.items() if k not in strip
    }
    results = {r.submission_id: r for r in ScreeningResult.objects.filter(submission__in=[english, spanish])}
    assert results[spanish.pk].result == results[english.pk].result
    assert results[spanish.pk].outcome == results[english.pk].outcome


def test_the_submission_records_the_consent_the_patient_read_in_their_language(client, spanish_clinic):
    english = walk(client, spanish_clinic, "en", "eligible")
    spanish = walk(client, spanish_clinic, "es", "eligible")

    assert (english.consent_language, english.consent_version) == ("en", ENGLISH.version)
    assert (spanish.consent_language, spanish.consent_version) == ("es", SPANISH.version)
    assert SPANISH.contact in spanish.consent_text and SPANISH.accuracy in spanish.consent_text
    assert ENGLISH.contact in english.consent_text


def test_an_ineligible_spanish_reader_is_told_why_in_spanish_with_what_to_do_instead(client, spanish_clinic):
    submission = walk(client, spanish_clinic, "es", "ineligible")

    page = client.get(reverse("patients:submission", kwargs={"submission_id": submission.pk})).content.decode()
    assert "no puede ofrecerle tratamiento con ketamina por ahora" in page
    assert "Lo que puede hacer en su lugar:" in page
    assert 'href="tel:988"' in page


def test_form_errors_are_explained_in_spanish_and_the_answers_kept(client, spanish_clinic):
    patient = UserFactory(language="es")
    client.force_login(patient)
    client.post(reverse("intake:start", args=[spanish_clinic.slug]))
    draft = IntakeDraft.objects.get(patient=patient)
    url = reverse("intake:step", kwargs={"draft_id": draft.pk, "step": "about"})

    page = client.post(
        url, {"about-date_of_birth": "1985-03-27", "about-weight": "9000", "action": "next"}, follow=True
    )

    text = page.content.decode()
    assert page.status_code == 200
    assert "Algunas respuestas necesitan otra revisión" in text
    assert "Elija una respuesta." in text
    assert "Revise su peso: debe estar entre 55 y 770 libras" in text
    assert 'value="9000"' in text


def test_the_crisis_pages_offer_988_in_spanish(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    page = client.get(reverse("crisis")).content.decode()

    assert "Para recibir ayuda en español, llame a la Línea 988 y oprima 2." in page
    assert "Consiga ayuda ahora" in page
    english = Client().get(reverse("crisis")).content.decode()
    assert "Get help now" in english and "oprima 2" not in english


def test_e_mails_go_out_in_the_recipients_language(client, spanish_clinic, mailoutbox):
    from core.tasks import outbox_resend_due

    walk(client, spanish_clinic, "es", "eligible")
    walk(client, spanish_clinic, "en", "eligible")
    assert outbox_resend_due() >= 2

    patients = set(IntakeSubmission.objects.values_list("patient__email", flat=True))
    received = {m.to[0]: m for m in mailoutbox if m.to[0] in patients}
    by_language = {
        IntakeSubmission.objects.get(patient__email=address).patient.language: message
        for address, message in received.items()
    }
    assert by_language["es"].subject == "Un nuevo mensaje de su clínica"  # discreet: nothing about the care
    assert "Por su privacidad, este correo no incluye ningún detalle." in by_language["es"].body
    assert "oprima 2" in by_language["es"].body
    assert by_language["en"].subject == "A new message from your clinic"


def test_an_appointment_e_mail_and_its_calendar_file_are_in_spanish(mailoutbox, django_capture_on_commit_callbacks):
    from datetime import datetime, timedelta

    from icalendar import Calendar

    from scheduling.appointments import appointment_book
    from scheduling.models import Appointment, WorklistEntry
    from tests.factories.scheduling import LA, on_worklist, scheduling_clinic

    clinic, coordinator, psychiatrist, _ = scheduling_clinic(
        address_line="1200 SW Morrison Street", city="Portland", postal_code="97205"
    )
    entry = on_worklist(clinic, source=WorklistEntry.Source.CLEARED)
    entry.patient.language = "es"
    entry.patient.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        appointment_book(
            clinic=clinic,
            kind=Appointment.Kind.EVALUATION,
            clinician=psychiatrist,
            patient=entry.patient,
            starts_at=datetime(2027, 3, 15, 9, 0, tzinfo=LA),
            duration=timedelta(minutes=90),
            booked_by=coordinator,
            entry=entry,
            now=datetime(2027, 3, 1, 12, 0, tzinfo=LA),
        )

    (message,) = [m for m in mailoutbox if m.to == [entry.patient.email]]
    assert message.subject == "Un nuevo mensaje de su clínica"
    assert f"Tiene una cita en {clinic.name} el lunes 15 de marzo de 2027 a las 9:00 PDT." in message.body
    event = Calendar.from_ical(message.attachments[0][1]).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == f"Cita en {clinic.name}"
