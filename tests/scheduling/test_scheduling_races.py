"""Two coordinators booking the same slot at the same moment, on two real PostgreSQL connections."""

import threading
from datetime import time, timedelta

import pytest
from django.db import connection

from clinics.models import Role
from scheduling import appointments as scheduling
from scheduling.appointments import SlotTaken, appointment_book
from scheduling.models import PATIENT_BUSY_MESSAGE, SLOT_TAKEN_MESSAGE, Appointment
from tests.factories import make_staff
from tests.factories.scheduling import next_local, on_worklist, scheduling_clinic, weekly_hours

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(attempts, *, both_look_first: bool, monkeypatch) -> list[str]:
    """Run each booking in its own thread and connection, released together; their outcomes in order."""
    barrier = threading.Barrier(len(attempts))
    if both_look_first:
        # Each checks for an overlap before either has written: only the exclusion constraint can decide.
        original = scheduling._overlap

        def look_then_wait(**kwargs):
            found = original(**kwargs)
            barrier.wait(timeout=10)
            return found

        monkeypatch.setattr(scheduling, "_overlap", look_then_wait)
    outcomes: list[str] = [""] * len(attempts)

    def run(index: int, kwargs: dict) -> None:
        try:
            if not both_look_first:
                barrier.wait(timeout=10)
            appointment_book(**kwargs)
            outcomes[index] = "booked"
        except SlotTaken as exc:
            outcomes[index] = exc.message
        except Exception as exc:  # surfaced by the assertion below
            outcomes[index] = f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, kw)) for i, kw in enumerate(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcomes


def _spy_on_violations(monkeypatch) -> list[str]:
    """The names of the constraints the database reported as violated."""
    seen: list[str] = []
    original = scheduling._violated_constraint

    def spy(exc):
        name = original(exc)
        seen.append(name)
        return name

    monkeypatch.setattr(scheduling, "_violated_constraint", spy)
    return seen


def _booking(clinic, entry, clinician, coordinator, starts):
    return {
        "clinic": clinic,
        "kind": Appointment.Kind.EVALUATION,
        "clinician": clinician,
        "patient": entry.patient,
        "starts_at": starts,
        "duration": timedelta(minutes=60),
        "booked_by": coordinator,
        "entry": entry,
    }


@pytest.mark.parametrize("both_look_first", [True, False], ids=["constraint-decides", "released-together"])
def test_two_coordinators_book_the_same_slot_at_once_one_wins_one_is_told(monkeypatch, both_look_first):
    clinic, coordinator, psychiatrist, _ = scheduling_clinic()
    other_coordinator = make_staff(clinic, Role.COORDINATOR)
    first, second = on_worklist(clinic), on_worklist(clinic)
    starts = next_local(2, time(10))

    violations = _spy_on_violations(monkeypatch)

    outcomes = _race(
        [
            _booking(clinic, first, psychiatrist, coordinator, starts),
            _booking(clinic, second, psychiatrist, other_coordinator, starts + timedelta(minutes=30)),
        ],
        both_look_first=both_look_first,
        monkeypatch=monkeypatch,
    )

    assert sorted(outcomes) == sorted(["booked", SLOT_TAKEN_MESSAGE])
    assert Appointment.objects.filter(clinician=psychiatrist).exclude(status="cancelled").count() == 1
    if both_look_first:  # neither saw the other's row: the exclusion constraint refused the second insert
        assert violations == ["appointment_no_clinician_overlap"]


def test_the_same_patient_booked_with_two_clinicians_at_once_is_refused_once(monkeypatch):
    clinic, coordinator, psychiatrist, _ = scheduling_clinic()
    second_psychiatrist = make_staff(clinic, Role.PSYCHIATRIST)
    weekly_hours(clinic, second_psychiatrist)
    entry = on_worklist(clinic)
    starts = next_local(2, time(10))

    violations = _spy_on_violations(monkeypatch)

    outcomes = _race(
        [
            _booking(clinic, entry, psychiatrist, coordinator, starts),
            _booking(clinic, entry, second_psychiatrist, coordinator, starts),
        ],
        both_look_first=True,
        monkeypatch=monkeypatch,
    )

    assert sorted(outcomes) == sorted(["booked", PATIENT_BUSY_MESSAGE])
    assert violations == ["appointment_no_patient_overlap"]
    assert Appointment.objects.filter(patient=entry.patient).count() == 1
