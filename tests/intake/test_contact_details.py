"""The patient's phone number and call preferences: asked in the intake's first step, edited on the account
page, shown to coordinators with a call link that respects "no voicemail", and never written anywhere else."""

from __future__ import annotations

import logging
from datetime import time

import pytest
from django.core import mail
from django.urls import reverse

from core.models import Notification
from core.phone import InvalidPhone, phone_display, phone_normalise
from intake.models import IntakeSubmission
from scheduling.worklist import put_on_worklist
from tests.factories import login_staff
from tests.factories.scheduling import book, next_local, on_worklist, scheduling_clinic
from tests.factories.submissions import submission_for

from .answers import BASE, post_data, scenario
from .conftest import fill, step_url, submit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("(503) 555-0123", "+15035550123"),
        ("503.555.0123", "+15035550123"),
        ("503 555 0123", "+15035550123"),
        ("+1 503-555-0123", "+15035550123"),
        ("1 (503) 555-0123", "+15035550123"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_numbers_are_stored_in_e164_and_shown_in_the_us_format(typed, stored):
    assert phone_normalise(typed) == stored
    assert phone_display("+15035550123") == "(503) 555-0123"


@pytest.mark.parametrize("typed", ["", "555-0123", "123", "call me", "(000) 555-0123", "503 555 01234 99"])
def test_numbers_that_cannot_be_dialled_are_refused(typed):
    with pytest.raises(InvalidPhone):
        phone_normalise(typed)


def test_the_first_step_asks_for_a_mobile_and_saves_it_on_the_account(patient_client, draft, patient):
    page = patient_client.get(step_url(draft, "about")).content.decode()
    assert "Mobile phone number" in page and 'type="tel"' in page
    assert "Best time to call you" in page and "may the clinic leave a voicemail?" in page

    about = {**BASE["about"], "phone": "503.555.0142", "call_time": "evening", "voicemail_ok": "no"}
    response = patient_client.post(step_url(draft, "about"), post_data("about", about))

    assert response["Location"] == step_url(draft, "care-team")
    patient.refresh_from_db()
    assert patient.phone == "+15035550142"
    assert (patient.call_time, patient.voicemail_ok, patient.texts_ok) == ("evening", False, False)


def test_a_missing_or_bad_number_is_explained_and_what_was_typed_is_kept(patient_client, draft, patient):
    missing = {k: v for k, v in BASE["about"].items() if k != "phone"}
    response = patient_client.post(step_url(draft, "about"), post_data("about", missing))
    assert response["Location"] == step_url(draft, "about") + "?check=1"
    page = patient_client.get(response["Location"]).content.decode()
    assert "Please enter your mobile phone number, for example (503) 555-0123." in page

    bad = {**BASE["about"], "phone": "555-01"}
    response = patient_client.post(step_url(draft, "about"), post_data("about", bad))
    page = patient_client.get(response["Location"]).content.decode()
    assert "Please check your phone number: it should have 10 digits" in page
    assert 'value="555-01"' in page  # kept for the patient to correct
    assert 'value="1985-03-27"' in page  # and nothing else lost
    patient.refresh_from_db()
    assert patient.phone == ""


def test_the_review_page_shows_the_number_and_preferences_in_plain_words(patient_client, complete):
    draft = complete("eligible")
    page = patient_client.get(step_url(draft, "review")).content.decode()
    assert "(503) 555-0100" in page and "+15035550100" not in page
    assert "Afternoon (12 to 5)" in page


def test_a_second_clinics_intake_starts_with_the_phone_already_given(patient_client, draft, patient):
    patient.phone, patient.call_time, patient.voicemail_ok = "+15035550177", "morning", True
    patient.save()
    page = patient_client.get(step_url(draft, "about")).content.decode()
    assert 'value="(503) 555-0177"' in page  # shown as people read it, stored as E.164


def test_answers_sent_before_the_phone_was_asked_still_show(patient_client, complete, patient):
    draft = complete("eligible")
    submit(patient_client, draft)
    submission = IntakeSubmission.objects.get()
    draft.refresh_from_db()
    about = {k: v for k, v in draft.answers["about"].items() if "phone" not in k and "_ok" not in k}
    about.pop("about-call_time", None)
    type(draft).objects.filter(pk=draft.pk).update(answers={**draft.answers, "about": about})

    page = patient_client.get(reverse("patients:submission", args=[submission.pk])).content.decode()
    assert "27 March 1985" in page  # the first step's answers are still listed
    assert "Mobile phone number" in page and "Not answered" in page


def test_the_patient_edits_their_contact_details_on_the_account_page(patient_client, patient):
    account = patient_client.get(reverse("account:security")).content.decode()
    assert "You have not given a phone number yet" in account and reverse("account:contact") in account

    refused = patient_client.post(
        reverse("account:contact"),
        {"phone": "12", "call_time": "morning", "voicemail_ok": "yes", "texts_ok": "no"},
    )
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "Please check your phone number" in html and 'value="12"' in html and "data-error-summary" in html

    saved = patient_client.post(
        reverse("account:contact"),
        {"phone": "(206) 555-0188", "call_time": "morning", "voicemail_ok": "no", "texts_ok": "yes"},
    )
    assert saved["Location"] == reverse("account:security")
    patient.refresh_from_db()
    assert (patient.phone, patient.voicemail_ok, patient.texts_ok) == ("+12065550188", False, True)
    account = patient_client.get(saved["Location"]).content.decode()
    assert "Your contact details are saved." in account
    assert "(206) 555-0188" in account and "Please do not leave one" in account
    form = patient_client.get(reverse("account:contact")).content.decode()
    assert 'value="(206) 555-0188"' in form


def test_coordinators_see_a_call_link_and_a_no_voicemail_warning(client, clinic, patient):
    patient.phone, patient.call_time, patient.voicemail_ok = "+15035550123", "evening", False
    patient.save()
    _, submission = submission_for(patient, clinic, seed=1)
    entry = put_on_worklist(submission=submission, source="eligible")
    login_staff(client, clinic.coordinator)

    listing = client.get(reverse("scheduling:worklist", kwargs={"clinic_slug": clinic.slug})).content.decode()
    assert 'href="tel:+15035550123"' in listing and "(503) 555-0123" in listing
    assert "No voicemail" in listing and "Evening (5 to 8)" in listing

    detail = client.get(
        reverse("scheduling:worklist_entry", kwargs={"clinic_slug": clinic.slug, "entry_id": entry.pk})
    ).content.decode()
    assert "Do not leave a voicemail" in detail and 'href="tel:+15035550123"' in detail


def test_a_patient_who_allows_voicemail_gets_no_warning(client):
    clinic, coordinator, psychiatrist, _admin = scheduling_clinic()
    world = {"clinic": clinic, "coordinator": coordinator, "psychiatrist": psychiatrist}
    entry = on_worklist(clinic)
    entry.patient.phone, entry.patient.voicemail_ok, entry.patient.call_time = "+12065550111", True, "morning"
    entry.patient.save()
    appointment = book(world, entry, next_local(2, time(10)))
    login_staff(client, coordinator)

    page = client.get(
        reverse("scheduling:appointment", kwargs={"clinic_slug": clinic.slug, "appointment_id": appointment.pk})
    ).content.decode()
    assert 'href="tel:+12065550111"' in page and "(206) 555-0111" in page and "Morning (9 to 12)" in page
    assert "No voicemail" not in page


def test_the_number_never_reaches_logs_urls_emails_or_task_arguments(patient_client, draft, patient, caplog):
    caplog.set_level(logging.DEBUG)
    answers = scenario("eligible")
    answers["about"] = {**answers["about"], "phone": "(503) 555-0166"}
    responses = fill(patient_client, draft, answers)
    responses.append(submit(patient_client, draft))
    patient_client.post(
        reverse("account:contact"),
        {"phone": "(503) 555-0167", "call_time": "any", "voicemail_ok": "yes", "texts_ok": "yes"},
    )

    patient.refresh_from_db()
    assert patient.phone == "+15035550167"
    needles = ("555-0166", "5550166", "555-0167", "5550167")
    assert Notification.objects.exists()
    for text in [r.getMessage() for r in caplog.records] + [r.get("Location", "") for r in responses]:
        assert not any(n in text for n in needles), text
    for message in mail.outbox:
        assert not any(n in message.body or n in message.subject for n in needles)
    for row in Notification.objects.all():  # the outbox rows the e-mails and tasks are made from
        assert not any(n in repr(row.__dict__) for n in needles)
