"""The patient's status names what is booked: a phone consultation is not called an evaluation."""

import re
from datetime import time

import pytest
from django.urls import reverse

from scheduling.appointments import appointment_cancel
from scheduling.availability import allowed_minutes
from scheduling.models import Appointment
from tests.factories.scheduling import book, next_local, on_worklist

pytestmark = pytest.mark.django_db

CONSULTATION = Appointment.Kind.CONSULTATION


def _pages(client, entry) -> tuple[str, str]:
    client.force_login(entry.patient)
    text = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get(url).content.decode()))
        for url in (
            reverse("patients:dashboard"),
            reverse("patients:submission", kwargs={"submission_id": entry.submission_id}),
        )
    ]
    return text[0], text[1]


def _consultation(world, entry, day: int) -> Appointment:
    minutes = allowed_minutes(CONSULTATION)[0]
    starts_at = next_local(day, time(10))
    return book(world, entry, starts_at, kind=CONSULTATION, minutes=minutes, clinician=world["coordinator"])


def test_a_booked_phone_consultation_is_called_a_phone_call_not_an_evaluation(client, world):
    entry = on_worklist(world["clinic"])
    _consultation(world, entry, 2)

    for page in _pages(client, entry):
        assert "Phone call booked" in page
        assert "Your phone consultation with the clinic is booked." in page
        assert "Evaluation scheduled" not in page


def test_once_an_evaluation_is_booked_too_the_status_says_evaluation(client, world):
    entry = on_worklist(world["clinic"])
    _consultation(world, entry, 2)
    book(world, entry, next_local(4, time(11)))

    dashboard, page = _pages(client, entry)

    assert "Evaluation scheduled" in dashboard and "Phone call booked" not in dashboard
    assert "Your evaluation with a psychiatrist has been scheduled." in page


def test_when_the_evaluation_is_cancelled_the_remaining_phone_call_is_what_the_patient_sees(client, world):
    entry = on_worklist(world["clinic"])
    _consultation(world, entry, 2)
    evaluation = book(world, entry, next_local(4, time(11)))
    appointment_cancel(appointment=evaluation, by=world["coordinator"], reason="Psychiatrist unwell")

    dashboard, _ = _pages(client, entry)

    assert "Phone call booked" in dashboard and "Evaluation scheduled" not in dashboard
