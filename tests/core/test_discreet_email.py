"""What a lock screen shows of an e-mail (the subject and the sender's name) says nothing about mental health
or ketamine, in English and Spanish; a clinic may choose its own discreet sender name."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from clinics.validators import REVEALING_WORDS
from core.notifications import kind_for
from core.outbox import outbox_deliver
from tests.factories.notifications import KINDS, notification, notify_world

pytestmark = pytest.mark.django_db


def _lock_screen(message) -> str:
    return f"{message.from_email}\n{message.subject}".lower()


@pytest.mark.parametrize("language", ["en", "es"])
def test_no_patient_e_mail_names_the_care_or_the_clinic_on_the_lock_screen(settings, language):
    world = notify_world(name="Cedar Ketamine Clinic")
    world.patient.language = language
    world.patient.save(update_fields=["language"])
    patient_kinds = [k for k in KINDS if kind_for(k[0]).audience == "patient"]
    assert len(patient_kinds) >= 4

    for kind, who, about in patient_kinds:
        assert outbox_deliver(notification(world, kind, who, about).pk) == "sent"

    subject = {"en": "A new message from your clinic", "es": "Un nuevo mensaje de su clínica"}[language]
    assert [m.subject for m in mail.outbox] == [subject] * len(patient_kinds)
    for message in mail.outbox:
        assert message.from_email == "Patient Portal <no-reply@localhost>"
        assert not [word for word in REVEALING_WORDS if word in _lock_screen(message)]


def test_a_clinic_sets_its_own_discreet_sender_name_for_every_e_mail():
    world = notify_world(name="Cedar Ketamine Clinic", email_sender_name="Cedar Health")

    outbox_deliver(notification(world, "submission.received", "patient", "submission").pk)
    outbox_deliver(notification(world, "case.new", "psychiatrist", "case").pk)

    assert [m.from_email for m in mail.outbox] == ["Cedar Health <no-reply@localhost>"] * 2


def test_a_revealing_sender_name_is_refused_with_a_reason():
    world = notify_world(name="Cedar Clinic")
    world.clinic.email_sender_name = "Cedar Ketamine Care"

    with pytest.raises(ValidationError) as error:
        world.clinic.full_clean()
    assert "says nothing about the care" in str(error.value) and "ketamine" in str(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        world.clinic.save()  # the database holds the rule too
