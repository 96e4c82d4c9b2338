"""The demo schedule: weekday hours for the clinic's clinicians and two appointments, once."""

import pytest

from clinics.models import Role
from demo.scheduling import demo_schedule
from scheduling.models import Appointment, AvailabilityWindow, WorklistEntry
from tests.factories import make_clinic, make_staff
from tests.factories.scheduling import on_worklist

pytestmark = pytest.mark.django_db


def test_demo_schedule_gives_hours_and_two_appointments_and_is_idempotent():
    clinic = make_clinic()
    coordinator = make_staff(clinic, Role.COORDINATOR)
    psychiatrist = make_staff(clinic, Role.PSYCHIATRIST)
    make_staff(clinic, Role.CLINIC_ADMIN)
    assert demo_schedule(clinic)  # hours only: nobody is on the worklist yet
    assert not Appointment.objects.exists()
    first = on_worklist(clinic, source=WorklistEntry.Source.ELIGIBLE, decided_by=psychiatrist)
    second = on_worklist(clinic, decided_by=psychiatrist)

    lines = demo_schedule(clinic)
    demo_schedule(clinic)

    assert AvailabilityWindow.objects.filter(clinician=coordinator).count() == 10
    assert AvailabilityWindow.objects.filter(clinician=psychiatrist).count() == 10
    consultation = Appointment.objects.get(kind="consultation")
    evaluation = Appointment.objects.get(kind="evaluation")
    assert consultation.patient == first.patient and consultation.clinician == coordinator
    assert evaluation.patient == second.patient and evaluation.clinician == psychiatrist
    assert evaluation.duration.total_seconds() == 90 * 60
    assert len(lines) == 2
