"""Due times, the one-open-draft rule, and submitting the same draft twice at the same moment."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, transaction

from intake.models import IntakeDraft, IntakeSubmission
from intake.services import DraftSubmitted, draft_get_or_start, draft_save_step, submission_submit
from screening.cases import add_business_days, review_due_at
from screening.models import ScreeningResult

from .answers import raw_answers, scenario

LA = "America/Los_Angeles"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (utc(2026, 11, 18, 17, 0), utc(2026, 11, 20, 17, 0)),  # Wednesday 9:00 PST -> Friday 9:00
        (utc(2026, 11, 20, 23, 0), utc(2026, 11, 24, 23, 0)),  # Friday 15:00 -> Tuesday 15:00
        (utc(2026, 11, 21, 18, 0), utc(2026, 11, 24, 18, 0)),  # Saturday 10:00 -> Tuesday 10:00
        (utc(2026, 11, 22, 18, 0), utc(2026, 11, 24, 18, 0)),  # Sunday 10:00 -> Tuesday 10:00
        # Friday 23:30 PST is already Saturday in UTC: the clinic's own calendar decides.
        (utc(2026, 11, 21, 7, 30), utc(2026, 11, 25, 7, 30)),
        # Across the end of daylight saving (1 Nov 2026): same local time, Friday 9:00 PDT -> Tuesday 9:00 PST.
        (utc(2026, 10, 30, 16, 0), utc(2026, 11, 3, 17, 0)),
    ],
)
def test_routine_reviews_are_due_in_two_business_days_in_the_clinic_time_zone(start, due):
    assert add_business_days(start, 2, zone=ZoneInfo(LA)) == due
    assert review_due_at(priority="routine", start=start, zone=ZoneInfo(LA)) == due


def test_urgent_reviews_are_due_in_four_hours_whatever_the_day():
    saturday_night = utc(2026, 11, 22, 6, 0)
    assert review_due_at(priority="urgent", start=saturday_night, zone=ZoneInfo(LA)) == utc(2026, 11, 22, 10, 0)


@pytest.mark.django_db
def test_one_open_draft_per_patient_and_clinic(clinic, patient):
    first = draft_get_or_start(patient=patient, clinic=clinic)
    assert draft_get_or_start(patient=patient, clinic=clinic) == first
    with pytest.raises(IntegrityError), transaction.atomic():
        IntakeDraft.objects.create(patient=patient, clinic=clinic)


@pytest.mark.django_db
def test_a_submitted_draft_cannot_be_changed_and_a_version_is_never_duplicated(clinic, patient):
    draft = draft_get_or_start(patient=patient, clinic=clinic)
    draft.answers = raw_answers(scenario("eligible"))
    draft.save()
    submission = submission_submit(draft=draft, patient=patient)

    with pytest.raises(DraftSubmitted):
        draft_save_step(draft=draft, step="about", data={})
    with pytest.raises(IntegrityError), transaction.atomic():
        IntakeSubmission.objects.create(
            patient=patient,
            clinic=clinic,
            draft=draft,
            version=1,
            document={},
            consent_version="x",
            consent_text="x",
            signed_name="x",
        )
    # After submitting, a new draft for the same clinic may be opened (amendments come later).
    assert draft_get_or_start(patient=patient, clinic=clinic) != draft
    assert submission_submit(draft=draft, patient=patient) == submission


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submits_of_one_draft_make_one_submission(clinic, patient):
    draft = draft_get_or_start(patient=patient, clinic=clinic)
    draft.answers = raw_answers(scenario("urgent"))
    draft.save()
    barrier = threading.Barrier(4)
    results: list = []

    def submit_once():
        try:
            barrier.wait()
            results.append(submission_submit(draft=IntakeDraft.objects.get(pk=draft.pk), patient=patient).pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit_once) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 4 and len(set(results)) == 1
    assert IntakeSubmission.objects.count() == 1
    assert ScreeningResult.objects.count() == 1


@pytest.mark.django_db
def test_a_submission_nobody_screens_is_refused_and_the_draft_stays_open(clinic, patient, monkeypatch):
    """Intake asks screening through core.hooks; were screening not installed, the submit must fail loudly,
    never save a submission that no rule has looked at (a high-risk patient would go unseen)."""
    from django.core.exceptions import ImproperlyConfigured

    from core import hooks

    answers = {name: func for name, func in hooks._answers.items() if name != "screen_submission"}
    monkeypatch.setattr(hooks, "_answers", answers)
    draft = draft_get_or_start(patient=patient, clinic=clinic)
    draft.answers = raw_answers(scenario("urgent"))
    draft.save()

    with pytest.raises(ImproperlyConfigured, match="screen_submission"):
        submission_submit(draft=draft, patient=patient)

    draft.refresh_from_db()
    assert draft.submitted_at is None
    assert IntakeSubmission.objects.filter(draft=draft).count() == 0


@pytest.mark.django_db
def test_a_submission_is_screened_in_the_transaction_that_saves_it(clinic, patient):
    draft = draft_get_or_start(patient=patient, clinic=clinic)
    draft.answers = raw_answers(scenario("eligible"))
    draft.save()

    submission = submission_submit(draft=draft, patient=patient)

    assert ScreeningResult.objects.filter(submission=submission).count() == 1
