"""The demo's times follow each other: joined, started, sent, screened, queued, claimed, decided, on the
worklist, called, booked; only the overdue case is past its due time, and appointments lie ahead."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from intake.models import IntakeDraft, IntakeSubmission
from scheduling.models import Appointment, ClinicClosure, ContactAttempt, WorklistEntry
from screening.models import ReviewCase, ReviewDecision


@pytest.mark.django_db
def test_every_demo_case_reads_in_order_relative_to_now():
    call_command("load_demo")
    now = timezone.now()

    for draft in IntakeDraft.objects.select_related("patient"):
        assert draft.patient.date_joined <= draft.created_at <= draft.updated_at <= now
        if draft.submitted_at:
            assert draft.created_at < draft.submitted_at <= now
    for submission in IntakeSubmission.objects.select_related("draft"):
        assert submission.draft.created_at < submission.submitted_at <= now
        result = submission.screening_results.order_by("created_at").first()
        assert submission.submitted_at <= result.created_at <= now

    cases = list(ReviewCase.objects.select_related("submission"))
    assert cases
    overdue = [c for c in cases if c.status in ReviewCase.UNDECIDED and c.due_at <= now]
    # The one demo case per clinic meant to be overdue, and no other by accident.
    assert len(overdue) == len({c.clinic_id for c in cases})
    for case in cases:
        sent = case.submission.submitted_at
        assert sent <= case.created_at < case.due_at, case.status
        assert case.created_at < now - timezone.timedelta(minutes=30), "a demo case should not be brand new"
        if case.claimed_at:
            assert case.created_at < case.claimed_at <= now
        if case.decided_at:
            assert case.claimed_at < case.decided_at <= now
        for decision in ReviewDecision.objects.filter(case=case):
            assert case.created_at < decision.at <= now

    for entry in WorklistEntry.objects.select_related("submission"):
        assert entry.submission.submitted_at <= entry.created_at <= now
        for attempt in ContactAttempt.objects.filter(entry=entry):
            assert entry.created_at <= attempt.at <= now
    appointments = list(Appointment.objects.select_related("entry"))
    assert appointments
    for appointment in appointments:
        assert now < appointment.starts_at < appointment.ends_at
        if appointment.entry:
            assert appointment.entry.created_at < appointment.created_at <= now
        local_day = appointment.starts_at.astimezone(appointment.clinic.zone).date()
        assert not ClinicClosure.objects.filter(clinic=appointment.clinic, date=local_day).exists()
