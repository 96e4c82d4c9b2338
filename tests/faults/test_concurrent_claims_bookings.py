"""Ten psychiatrists claim one case at the same moment; ten coordinators book one psychiatrist's slot at the
same moment: exactly one winner each, everyone else a clear refusal, and the database holds one of each."""

import threading
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from clinics.models import Role
from intake.services import submission_submit
from scheduling.models import Appointment, AvailabilityWindow, WorklistEntry
from screening.models import ReviewCase, ReviewDecision
from tests.factories import UserFactory, make_staff

from .conftest import IntakeWorld

pytestmark = [pytest.mark.faults, pytest.mark.postgres, pytest.mark.usefixtures("on_postgres")]

CONTENDERS = 10


def _concurrently(count: int, action) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = action(index)
        except Exception as exc:  # the refusals are the point: kept and checked below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a contender never finished"
    return results


def test_ten_concurrent_claims_have_one_winner(transactional_db):
    from screening.cases import CaseActionError, review_case_claim

    world = IntakeWorld(psychiatrists=CONTENDERS)
    patient, draft = world.complete_draft("needs_review")
    submission = submission_submit(draft=draft, patient=patient)
    case = ReviewCase.objects.get(submission=submission)

    results = _concurrently(CONTENDERS, lambda i: review_case_claim(case_id=case.pk, user=world.psychiatrists[i]))

    winners = [r for r in results if isinstance(r, ReviewCase)]
    refused = [r for r in results if isinstance(r, CaseActionError)]
    assert len(winners) == 1 and len(refused) == CONTENDERS - 1, results
    case.refresh_from_db()
    assert case.status == ReviewCase.Status.CLAIMED and case.claimed_by_id == winners[0].claimed_by_id
    assert ReviewDecision.objects.filter(case=case, kind=ReviewDecision.Kind.CLAIMED).count() == 1


def test_ten_concurrent_bookings_of_one_slot_have_one_winner(transactional_db):
    from scheduling.appointments import SlotTaken, appointment_book

    world = IntakeWorld(psychiatrists=1)
    clinic, psychiatrist = world.clinic, world.psychiatrists[0]
    coordinators = [make_staff(clinic, Role.COORDINATOR) for _ in range(CONTENDERS)]
    for weekday in range(7):
        AvailabilityWindow.objects.create(
            clinic=clinic, clinician=psychiatrist, weekday=weekday, start_time=time(8), end_time=time(18)
        )
    zone = clinic.zone
    tomorrow = timezone.now().astimezone(zone).date() + timedelta(days=1)
    starts_at = datetime.combine(tomorrow, time(10), tzinfo=zone)
    patients = [UserFactory() for _ in range(CONTENDERS)]

    def book(i: int):
        return appointment_book(
            clinic=clinic,
            kind=Appointment.Kind.EVALUATION,
            clinician=psychiatrist,
            patient=patients[i],
            starts_at=starts_at,
            duration=timedelta(minutes=90),
            booked_by=coordinators[i],
        )

    results = _concurrently(CONTENDERS, book)

    winners = [r for r in results if isinstance(r, Appointment)]
    refused = [r for r in results if isinstance(r, SlotTaken)]
    assert len(winners) == 1 and len(refused) == CONTENDERS - 1, results
    assert Appointment.objects.filter(clinician=psychiatrist, status=Appointment.Status.BOOKED).count() == 1
    assert not WorklistEntry.objects.filter(status=WorklistEntry.Status.SCHEDULED).exists()
