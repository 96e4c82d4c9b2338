"""Review case services: claim (one winner), release, reassign, acknowledge, decisions by the claimer only,
re-opening, and the patient's amendment re-screening and re-opening the same case."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction

from core.audit import audit_verify
from core.models import AuditEvent, Notification
from intake.models import IntakeSubmission
from intake.services import AmendmentNotAllowed, draft_start_amendment
from scheduling.models import WorklistEntry
from screening.cases import (
    CaseActionError,
    CaseAlreadyClaimed,
    review_case_acknowledge,
    review_case_claim,
    review_case_clear,
    review_case_decline,
    review_case_reassign,
    review_case_release,
    review_case_reopen,
    review_case_request_info,
)
from screening.models import Outcome, Priority, ReviewCase, ReviewDecision, ScreeningResult
from tests.factories import UserFactory
from tests.intake.submissions import amend, case_of, send, staffed_clinic


@pytest.fixture
def clinic(db):
    return staffed_clinic()


@pytest.fixture
def patient(db):
    return UserFactory(full_name="Alex Example")


@pytest.fixture
def case(clinic, patient):
    return case_of(send(clinic, patient, "needs_review"))


def _actions(case) -> list[str]:
    return list(AuditEvent.objects.filter(object_id=str(case.pk)).order_by("id").values_list("action", flat=True))


def _kinds(case) -> list[str]:
    return list(case.decisions.order_by("at", "id").values_list("kind", flat=True))


# --- claim ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_psychiatrist_claims_an_open_case_and_it_is_recorded_and_audited(clinic, case):
    claimed = review_case_claim(case_id=case.pk, user=clinic.psychiatrist)

    assert claimed.status == ReviewCase.Status.CLAIMED
    assert claimed.claimed_by == clinic.psychiatrist
    assert claimed.claimed_at is not None
    assert _kinds(case) == ["claimed"]
    event = AuditEvent.objects.get(action="case.claim")
    assert event.actor == clinic.psychiatrist and event.object_id == str(case.pk)
    assert event.detail == {"status": "claimed"}  # codes only


@pytest.mark.django_db
def test_a_second_claim_is_refused_naming_who_has_the_case_and_a_double_click_is_harmless(clinic, case):
    review_case_claim(case_id=case.pk, user=clinic.psychiatrist)

    with pytest.raises(CaseAlreadyClaimed) as refused:
        review_case_claim(case_id=case.pk, user=clinic.psychiatrist2)

    assert refused.value.claimer_name == "Dr. Priya Raman"
    assert "Dr. Priya Raman has already claimed this case." in str(refused.value)
    assert review_case_claim(case_id=case.pk, user=clinic.psychiatrist).claimed_by == clinic.psychiatrist
    assert _kinds(case) == ["claimed"]


@pytest.mark.django_db
def test_only_psychiatrists_of_the_clinic_can_claim(clinic, case):
    other = staffed_clinic(name="Elsewhere")
    for user in (clinic.coordinator, clinic.admin, other.psychiatrist):
        with pytest.raises(PermissionDenied):
            review_case_claim(case_id=case.pk, user=user)
    assert ReviewCase.objects.get(pk=case.pk).status == ReviewCase.Status.OPEN


def _claim_in_thread(case_id, user, barrier, outcomes, *, hold: float = 0.0, claimed: threading.Event | None = None):
    """One psychiatrist's request, on its own database connection."""
    try:
        barrier.wait(timeout=10)
        with transaction.atomic():
            review_case_claim(case_id=case_id, user=user)
            if claimed is not None:
                claimed.set()
            time.sleep(hold)  # keep the row locked: the other claim must wait for this commit
        outcomes.append(("won", user.pk, time.monotonic()))
    except CaseAlreadyClaimed as exc:
        outcomes.append(("lost", user.pk, exc.claimer_name))
    except Exception as exc:  # surfaced by the assertions below
        outcomes.append(("error", user.pk, repr(exc)))
    finally:
        connection.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_psychiatrists_claiming_at_the_same_moment_on_two_connections_exactly_one_wins():
    clinic = staffed_clinic()
    first, second = clinic.psychiatrist, clinic.psychiatrist2
    names = {first.pk: first.get_full_name(), second.pk: second.get_full_name()}
    for _round in range(10):
        case = case_of(send(clinic, UserFactory(), "needs_review"))
        barrier = threading.Barrier(2)
        outcomes: list[tuple] = []
        threads = [
            threading.Thread(target=_claim_in_thread, args=(case.pk, user, barrier, outcomes))
            for user in (first, second)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        assert sorted(o[0] for o in outcomes) == ["lost", "won"], outcomes
        winner = next(o[1] for o in outcomes if o[0] == "won")
        loser_told = next(o[2] for o in outcomes if o[0] == "lost")
        assert loser_told == names[winner]  # the loser is told who has it
        case.refresh_from_db()
        assert case.claimed_by_id == winner
        assert case.decisions.filter(kind="claimed").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_claim_waits_on_the_row_lock_and_loses_once_the_first_claim_commits():
    """Deterministic race: the first claim holds its transaction open; the second blocks in the database
    (conditional UPDATE on a locked row), then finds the case claimed and is refused."""
    clinic = staffed_clinic()
    case = case_of(send(clinic, UserFactory(), "needs_review"))
    barrier = threading.Barrier(2)
    claimed = threading.Event()
    outcomes: list[tuple] = []
    holder = threading.Thread(
        target=_claim_in_thread,
        args=(case.pk, clinic.psychiatrist, barrier, outcomes),
        kwargs={"hold": 1.0, "claimed": claimed},
    )

    def late(*args):
        claimed.wait(timeout=10)
        started = time.monotonic()
        _claim_in_thread(*args)
        outcomes.append(("waited", time.monotonic() - started))

    challenger = threading.Thread(target=late, args=(case.pk, clinic.psychiatrist2, threading.Barrier(1), outcomes))
    holder.start()
    barrier.wait(timeout=10)
    challenger.start()
    holder.join(timeout=30)
    challenger.join(timeout=30)

    results = {o[0]: o for o in outcomes}
    assert results["won"][1] == clinic.psychiatrist.pk
    assert results["lost"][2] == "Dr. Priya Raman"
    assert results["waited"][1] >= 0.5  # blocked on the first transaction's row lock
    assert ReviewCase.objects.get(pk=case.pk).claimed_by == clinic.psychiatrist


# --- release, reassign, acknowledge ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_claimer_or_an_admin_can_release_and_the_case_is_open_again(clinic, case):
    review_case_claim(case_id=case.pk, user=clinic.psychiatrist)
    with pytest.raises(CaseActionError):
        review_case_release(case_id=case.pk, user=clinic.psychiatrist2)

    released = review_case_release(case_id=case.pk, user=clinic.psychiatrist)

    assert released.status == ReviewCase.Status.OPEN and released.claimed_by is None
    review_case_claim(case_id=case.pk, user=clinic.psychiatrist2)
    review_case_release(case_id=case.pk, user=clinic.admin)
    assert ReviewCase.objects.get(pk=case.pk).status == ReviewCase.Status.OPEN
    assert _kinds(case) == ["claimed", "released", "claimed", "released"]
    assert _actions(case).count("case.release") == 2


@pytest.mark.django_db
def test_an_admin_reassigns_to_another_psychiatrist_who_is_told_and_it_is_audited(clinic, case):
    review_case_claim(case_id=case.pk, user=clinic.psychiatrist)

    reassigned = review_case_reassign(case_id=case.pk, to_user=clinic.psychiatrist2, by=clinic.admin, note="Leave")

    assert reassigned.claimed_by == clinic.psychiatrist2 and reassigned.status == ReviewCase.Status.CLAIMED
    decision = case.decisions.get(kind="reassigned")
    assert decision.by == clinic.admin and decision.assignee == clinic.psychiatrist2 and decision.note == "Leave"
    assert Notification.objects.filter(kind="case.reassigned", recipient=clinic.psychiatrist2).count() == 1
    event = AuditEvent.objects.get(action="case.reassign")
    assert event.actor == clinic.admin
    assert event.detail["previous_claimer"] == str(clinic.psychiatrist.pk)
    assert event.detail["claimer"] == str(clinic.psychiatrist2.pk)


@pytest.mark.django_db
def test_reassigning_an_open_case_claims_it_for_the_psychiatrist(clinic, case):
    review_case_reassign(case_id=case.pk, to_user=clinic.psychiatrist, by=clinic.admin)
    assert ReviewCase.objects.get(pk=case.pk).status == ReviewCase.Status.CLAIMED


@pytest.mark.django_db
def test_only_admins_reassign_and_only_to_a_psychiatrist_of_the_clinic(clinic, case):
    with pytest.raises(PermissionDenied):
        review_case_reassign(case_id=case.pk, to_user=clinic.psychiatrist2, by=clinic.psychiatrist)
    with pytest.raises(ValidationError):
        review_case_reassign(case_id=case.pk, to_user=clinic.coordinator, by=clinic.admin)
    with pytest.raises(ValidationError):
        review_case_reassign(case_id=case.pk, to_user=staffed_clinic(name="B").psychiatrist, by=clinic.admin)


@pytest.mark.django_db
def test_an_urgent_case_is_acknowledged_once_and_audited(clinic, patient):
    urgent = case_of(send(clinic, patient, "urgent"))
    assert urgent.priority == Priority.URGENT

    review_case_acknowledge(case_id=urgent.pk, user=clinic.psychiatrist)
    review_case_acknowledge(case_id=urgent.pk, user=clinic.psychiatrist2)  # already done: no change

    urgent.refresh_from_db()
    assert urgent.acknowledged_by == clinic.psychiatrist and urgent.acknowledged_at is not None
    assert AuditEvent.objects.filter(action="case.acknowledge").count() == 1


@pytest.mark.django_db
def test_a_routine_case_has_nothing_to_acknowledge(clinic, case):
    with pytest.raises(CaseActionError):
        review_case_acknowledge(case_id=case.pk, user=clinic.psychiatrist)


# --- decisions ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_only_the_claimer_decides(clinic, case):
    with pytest.raises(CaseActionError, match="Claim this case"):
        review_case_clear(case_id=case.pk, user=clinic.psychiatrist)
    review_case_claim(case_id=case.pk, user=clinic.psychiatrist)
    with pytest.raises(CaseActionError, match="Only the psychiatrist who claimed"):
        review_case_decline(case_id=case.pk, user=clinic.psychiatrist2, note="x", patient_message="y")
    with pytest.raises(PermissionDenied):
        review_case_clear(case_id=case.pk, user=clinic.admin)
    assert ReviewCase.objects.get(pk=case.pk).status == ReviewCase.Status.CLAIMED


@pytest.mark.django_db
def test_clearing_puts_the_patient_on_the_worklist_tells_coordinators_and_the_patient(clinic, case, patient):
    review_case_claim(case_id=case.pk, user=clinic.psychiatrist)

    decision = review_case_clear(
        case_id=case.pk, user=clinic.psychiatrist, note="Mania was 10 years ago", patient_message="Good news."
    )

    case.refresh_from_db()
    assert case.status == ReviewCase.Status.CLEARED
    assert case.decided_by == clinic.psychiatrist and case.decided_at is not None
    assert decision.kind == "cleared" and decision.note == "Mania was 10 years ago" and decision.result == case.result
    entry = WorklistEntry.objects.get(submission=case.submission)
    assert entry.source == WorklistEntry.Source.CLEARED and entry.status == WorklistEntry.Status.TO_CONTACT
    cleared = Notification.objects.get(kind="case.cleared")
    assert cleared.recipient == clinic.coordinator and cleared.object_id == str(entry.pk)
    told = Notification.objects.get(kind="case.decided")
    assert told.recipient == patient and told.object_id == str(case.pk)
    event = AuditEvent.objects.get(action="case.decide")
    assert event.detail == {"status": "cleared", "decision": "cleared", "decision_id": str(decision.pk)}
    assert "Mania" not in str(event.detail) and "Good news" not in str(event.detail)
    with pytest.raises(CaseActionError, match="already been decided"):
        review_case_decline(case_id=case.pk, user=clinic.psychiatrist, note="x", patient_message="y")


@pytest.mark.django_db
def test_declining_needs_a_reason_and_words_for_the_patient(clinic, case, patient):
    review_case_claim(case_id=case.pk, user=clinic.psychiatrist)
    with pytest.raises(ValidationError) as missing:
        review_case_decline(case_id=case.pk, user=clinic.psychiatrist, note=" ", patient_message="")
    assert set(missing.value.message_dict) == {"note"}
    with pytest.raises(ValidationError) as missing_message:
        review_case_decline(case_id=case.pk, user=clinic.psychiatrist, note="Active mania", patient_message=" ")
    assert set(missing_message.value.message_dict) == {"patient_message"}

    decision = review_case_decline(
        case_id=case.pk, user=clinic.psychiatrist, note="Active mania", patient_message="We are sorry."
    )

    assert ReviewCase.objects.get(pk=case.pk).status == ReviewCase.Status.DECLINED
    assert decision.patient_message == "We are sorry."
    assert Notification.objects.filter(kind="case.decided", recipient=patient, object_id=str(case.pk)).count() == 1
    assert not WorklistEntry.objects.exists()


@pytest.mark.django_db
def test_asking_for_more_information_waits_for_the_patient_and_keeps_the_claimer(clinic, case, patient):
    review_case_claim(case_id=case.pk, user=clinic.psychiatrist)

    first = review_case_request_info(case_id=case.pk, user=clinic.psychiatrist, patient_message="When was it?")
    second = review_case_request_info(case_id=case.pk, user=clinic.psychiatrist, patient_message="And how long?")

    case.refresh_from_db()
    assert case.status == ReviewCase.Status.AWAITING_PATIENT and case.claimed_by == clinic.psychiatrist
    # Each question is a new message (event_key = the decision).
    sent = Notification.objects.filter(kind="case.info_requested", recipient=patient)
    assert sent.count() == 2
    assert first.pk != second.pk
    assert not Notification.objects.filter(kind="case.info_requested").exclude(object_id=str(case.pk)).exists()


@pytest.mark.django_db
def test_the_claimer_can_decide_without_waiting_for_the_patient(clinic, case):
    review_case_claim(case_id=case.pk, user=clinic.psychiatrist)
    review_case_request_info(case_id=case.pk, user=clinic.psychiatrist, patient_message="?")

    review_case_decline(case_id=case.pk, user=clinic.psychiatrist, note="No reply in 30 days", patient_message="...")

    assert ReviewCase.objects.get(pk=case.pk).status == ReviewCase.Status.DECLINED


@pytest.mark.django_db
def test_an_admin_reopens_a_decided_case_with_a_reason_and_it_is_audited(clinic, case):
    review_case_claim(case_id=case.pk, user=clinic.psychiatrist)
    review_case_clear(case_id=case.pk, user=clinic.psychiatrist)
    with pytest.raises(PermissionDenied):
        review_case_reopen(case_id=case.pk, user=clinic.psychiatrist, note="x")
    with pytest.raises(ValidationError):
        review_case_reopen(case_id=case.pk, user=clinic.admin, note="")

    reopened = review_case_reopen(case_id=case.pk, user=clinic.admin, note="Cleared the wrong patient")

    assert reopened.status == ReviewCase.Status.OPEN
    assert reopened.claimed_by is None and reopened.decided_by is None
    # Nobody had called yet: the patient is off the worklist until cleared again.
    assert not WorklistEntry.objects.filter(submission=case.submission).exists()
    assert case.decisions.get(kind="reopened").note == "Cleared the wrong patient"
    event = AuditEvent.objects.get(action="case.reopen")
    assert event.actor == clinic.admin and event.detail["previous_status"] == "cleared"
    # Cleared again: back on the worklist.
    review_case_claim(case_id=case.pk, user=clinic.psychiatrist2)
    review_case_clear(case_id=case.pk, user=clinic.psychiatrist2)
    assert WorklistEntry.objects.get(submission=case.submission).status == WorklistEntry.Status.TO_CONTACT
    assert audit_verify() is None


@pytest.mark.django_db
def test_an_open_case_cannot_be_reopened(clinic, case):
    with pytest.raises(CaseActionError):
        review_case_reopen(case_id=case.pk, user=clinic.admin, note="why")


# --- amendment -------------------------------------------------------------------------------------------------


def _ask(clinic, case, message="Please tell us more about the mania."):
    review_case_claim(case_id=case.pk, user=clinic.psychiatrist)
    return review_case_request_info(case_id=case.pk, user=clinic.psychiatrist, patient_message=message)


@pytest.mark.django_db
def test_an_amendment_is_version_two_screened_again_and_the_same_case_reopens_for_the_psychiatrist(
    clinic, case, patient
):
    _ask(clinic, case)
    first = case.submission

    second = amend(first, "needs_review", substances={"alcohol_drinks_per_week": "30"})

    assert second.version == 2 and second.amends == first and second.draft != first.draft
    assert IntakeSubmission.objects.filter(patient=patient).count() == 2
    reopened = ReviewCase.objects.get(pk=case.pk)
    assert reopened.submission == second
    assert reopened.status == ReviewCase.Status.CLAIMED and reopened.claimed_by == clinic.psychiatrist
    result = ScreeningResult.objects.get(submission=second)
    assert reopened.result == result and result.version == 1
    assert "ALCOHOL_HEAVY" in {f["code"] for f in result.result["findings"]}
    assert not ReviewCase.objects.filter(submission=first).exists()  # one case, moved forward
    assert ScreeningResult.objects.filter(submission=first).count() == 1  # the old result is kept
    assert _kinds(case) == ["claimed", "info_requested", "amended"]
    amended = Notification.objects.get(kind="case.amended")
    assert amended.recipient == clinic.psychiatrist  # the claimer, not everybody
    assert not Notification.objects.filter(kind__in=["case.new", "patient.eligible"], object_id=str(second.pk)).exists()


@pytest.mark.django_db
def test_an_amendment_that_now_screens_eligible_still_goes_back_to_the_psychiatrist(clinic, case):
    _ask(clinic, case)

    second = amend(case.submission, "eligible")

    reopened = ReviewCase.objects.get(pk=case.pk)
    assert reopened.result.outcome == Outcome.ELIGIBLE
    assert reopened.status == ReviewCase.Status.CLAIMED  # a psychiatrist asked, so a psychiatrist decides
    assert not WorklistEntry.objects.filter(submission=second).exists()


@pytest.mark.django_db
def test_an_amendment_that_turns_urgent_alerts_every_psychiatrist_and_needs_acknowledging(clinic, case):
    _ask(clinic, case)

    amend(case.submission, "urgent")

    reopened = ReviewCase.objects.get(pk=case.pk)
    assert reopened.priority == Priority.URGENT and reopened.acknowledged_at is None
    alerted = set(Notification.objects.filter(kind="case.urgent").values_list("recipient_id", flat=True))
    assert alerted == {clinic.psychiatrist.pk, clinic.psychiatrist2.pk}


@pytest.mark.django_db
def test_when_the_psychiatrist_who_asked_has_left_the_amended_case_goes_back_to_the_queue(clinic, case):
    _ask(clinic, case)
    clinic.psychiatrist.memberships.update(is_active=False)

    amend(case.submission, "needs_review")

    reopened = ReviewCase.objects.get(pk=case.pk)
    assert reopened.status == ReviewCase.Status.OPEN and reopened.claimed_by is None
    told = set(Notification.objects.filter(kind="case.amended").values_list("recipient_id", flat=True))
    assert told == {clinic.psychiatrist2.pk}


@pytest.mark.django_db
def test_answers_can_be_updated_only_while_the_psychiatrist_waits_and_only_once(clinic, case, patient):
    with pytest.raises(AmendmentNotAllowed):
        draft_start_amendment(submission=case.submission, patient=patient)
    _ask(clinic, case)
    draft = draft_start_amendment(submission=case.submission, patient=patient)
    assert draft_start_amendment(submission=case.submission, patient=patient) == draft  # a double click
    assert draft.answers == case.submission.draft.answers  # pre-filled
    with pytest.raises(IntakeSubmission.DoesNotExist):
        draft_start_amendment(submission=case.submission, patient=UserFactory())  # not their submission


@pytest.mark.django_db
def test_the_amendment_submit_keeps_the_one_transaction_guarantee(clinic, case, monkeypatch):
    _ask(clinic, case)
    draft = draft_start_amendment(submission=case.submission, patient=case.submission.patient)

    def boom(**kwargs):
        raise RuntimeError("screening failed")

    monkeypatch.setattr("screening.services.review_case_amend", boom)
    from intake.services import submission_submit

    with pytest.raises(RuntimeError):
        submission_submit(draft=draft, patient=case.submission.patient)

    draft.refresh_from_db()
    assert draft.submitted_at is None  # nothing half-done: the draft is still open
    assert IntakeSubmission.objects.filter(version=2).count() == 0
    assert ReviewCase.objects.get(pk=case.pk).status == ReviewCase.Status.AWAITING_PATIENT


@pytest.mark.django_db
def test_every_case_action_leaves_a_verifiable_audit_chain(clinic, case):
    _ask(clinic, case)
    amend(case.submission, "needs_review")
    review_case_clear(case_id=case.pk, user=clinic.psychiatrist)
    assert _actions(case) == ["case.claim", "case.decide", "case.amended", "case.decide"]
    assert audit_verify() is None


@pytest.mark.django_db
def test_decision_rows_need_words_for_the_patient_at_the_database_level(clinic, case):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewDecision.objects.create(case=case, kind="declined", note="x", patient_message="")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewCase.objects.filter(pk=case.pk).update(status="cleared")  # decided without a decider
