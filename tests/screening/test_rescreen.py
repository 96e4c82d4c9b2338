"""Re-screening after a policy or ruleset change: the impact preview (nothing saved), the chunked task (new
result versions, routing updated, safe to run twice), the policy page's preview-then-publish flow, the
`rescreen` command, and the task on a real Celery worker."""

from __future__ import annotations

import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from core.models import AuditEvent, Notification
from scheduling.models import ContactAttempt, WorklistEntry
from screening.cases import review_case_claim, review_case_clear
from screening.models import Outcome, Priority, RescreenRun, ReviewCase, ScreeningResult
from screening.rules import RULESET, Policy
from screening.selectors import policy_impact
from screening.services import policy_publish_and_rescreen, rescreen_candidates, rescreen_run_chunk, rescreen_run_start
from screening.tasks import rescreen_clinic
from tests.factories import UserFactory, login_staff
from tests.intake.submissions import case_of, send, staffed_clinic


def _values(**changes) -> dict:
    return {**Policy().to_dict(), **changes}


def _drinks(n: int) -> dict:
    return {"substances": {"alcohol_drinks_per_week": str(n)}}


@pytest.fixture
def clinic(db):
    return staffed_clinic()


@pytest.fixture
def submissions(clinic):
    """Open submissions in every state, plus decided and contacted ones re-screening must not touch."""
    w = {
        "heavy_open": send(clinic, UserFactory(full_name="Hal Heavy"), **_drinks(20)),  # needs review (alcohol)
        "heavy_claimed": send(clinic, UserFactory(full_name="Cal Claimed"), **_drinks(20)),
        "moderate": send(clinic, UserFactory(full_name="Mo Moderate"), **_drinks(10)),  # eligible, to contact
        "light": send(clinic, UserFactory(full_name="Lia Light"), **_drinks(1)),  # eligible
        "ineligible": send(clinic, UserFactory(full_name="Ines Ineligible"), "ineligible"),
        "heavy_decided": send(clinic, UserFactory(full_name="Dee Decided"), **_drinks(20)),
        "moderate_called": send(clinic, UserFactory(full_name="Cora Called"), **_drinks(10)),
    }
    review_case_claim(case_id=case_of(w["heavy_claimed"]).pk, user=clinic.psychiatrist)
    decided = case_of(w["heavy_decided"])
    review_case_claim(case_id=decided.pk, user=clinic.psychiatrist)
    review_case_clear(case_id=decided.pk, user=clinic.psychiatrist)
    entry = WorklistEntry.objects.get(submission=w["moderate_called"])
    ContactAttempt.objects.create(
        clinic=entry.clinic,
        patient=entry.patient,
        entry=entry,
        by=clinic.coordinator,
        outcome=ContactAttempt.Outcome.NO_ANSWER,
    )
    WorklistEntry.objects.filter(pk=entry.pk).update(attempts=1)
    return w


def _outcome(submission) -> str:
    return ScreeningResult.objects.filter(submission=submission).order_by("-version").first().outcome


# --- who is re-screened ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_open_submissions_are_the_undecided_ones_nobody_has_started_on(clinic, submissions):
    names = {k for k, s in submissions.items() if rescreen_candidates(clinic.pk).filter(pk=s.pk).exists()}
    assert names == {"heavy_open", "heavy_claimed", "moderate", "light", "ineligible"}


# --- the preview ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_preview_says_who_would_move_and_saves_nothing(clinic, submissions):
    before = ScreeningResult.objects.count()

    impact = policy_impact(clinic=clinic, values=_values(alcohol_max_drinks_per_week=5))

    assert ScreeningResult.objects.count() == before  # computed in memory
    assert impact.open_submissions == 5
    assert {m.patient_name for m in impact.changed} == {"Mo Moderate"}  # 10 drinks > 5: eligible -> review
    assert dict(impact.moves) == {("Eligible", "Needs review"): 1}
    stricter = policy_impact(clinic=clinic, values=_values(alcohol_max_drinks_per_week=30, min_age=50))
    moved = {m.patient_name: (m.before, m.after) for m in stricter.changed}
    assert moved["Hal Heavy"] == ("Needs review", "Ineligible")
    assert moved["Lia Light"] == ("Eligible", "Ineligible")
    assert "Ines Ineligible" not in moved  # already ineligible
    assert moved["Hal Heavy"] and next(m for m in stricter.changed if m.patient_name == "Hal Heavy").case_id


# --- the task ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_rescreening_writes_new_versions_and_moves_cases_in_and_out(
    clinic, submissions, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        policy, run = policy_publish_and_rescreen(
            clinic=clinic, values=_values(alcohol_max_drinks_per_week=15), actor=clinic.admin, note="Stricter"
        )
    run.refresh_from_db()

    assert run.status == RescreenRun.Status.FINISHED and run.finished_at is not None
    assert run.total == 5 and run.done == 5 and run.rescreened == 5 and run.skipped == 0
    assert run.policy == policy and run.triggered_by == clinic.admin
    # 20 drinks > 15: still review. 10 drinks: still eligible. Nothing moves, but every open one has v2.
    assert run.moves == {}
    for key in ("heavy_open", "heavy_claimed", "moderate", "light", "ineligible"):
        latest = ScreeningResult.objects.filter(submission=submissions[key]).order_by("-version").first()
        assert latest.version == 2 and latest.policy == policy, key
        assert ScreeningResult.objects.filter(submission=submissions[key], version=1).exists()  # old kept
    for key in ("heavy_decided", "moderate_called"):
        assert ScreeningResult.objects.filter(submission=submissions[key]).count() == 1, key
    assert case_of(submissions["heavy_open"]).result.version == 2


@pytest.mark.django_db
def test_a_looser_policy_closes_an_unclaimed_case_and_the_patient_joins_the_worklist(
    clinic, submissions, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _policy, run = policy_publish_and_rescreen(
            clinic=clinic, values=_values(alcohol_max_drinks_per_week=30), actor=clinic.admin
        )
    run.refresh_from_db()

    open_case = case_of(submissions["heavy_open"])
    assert open_case.status == ReviewCase.Status.CLOSED  # the case disappears from the queue
    assert WorklistEntry.objects.get(submission=submissions["heavy_open"]).source == WorklistEntry.Source.ELIGIBLE
    told = Notification.objects.filter(kind="patient.eligible", object_id=str(submissions["heavy_open"].pk))
    assert list(told.values_list("recipient", flat=True)) == [clinic.coordinator.pk]
    claimed = case_of(submissions["heavy_claimed"])
    assert claimed.status == ReviewCase.Status.CLAIMED  # the psychiatrist on it decides
    assert claimed.result.outcome == Outcome.ELIGIBLE
    assert claimed.decisions.filter(kind="rescreened").exists()
    assert case_of(submissions["heavy_decided"]).status == ReviewCase.Status.CLEARED
    assert run.cases_closed == 1 and run.moves == {"needs_review->eligible": 2}


@pytest.mark.django_db
def test_a_stricter_policy_opens_a_case_and_takes_an_uncalled_patient_off_the_worklist(
    clinic, submissions, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _policy, run = policy_publish_and_rescreen(
            clinic=clinic, values=_values(alcohol_max_drinks_per_week=5), actor=clinic.admin
        )
    run.refresh_from_db()

    appeared = case_of(submissions["moderate"])
    assert appeared.status == ReviewCase.Status.OPEN and appeared.result.outcome == Outcome.NEEDS_REVIEW
    assert not WorklistEntry.objects.filter(submission=submissions["moderate"]).exists()  # nobody had called yet
    assert Notification.objects.filter(kind="case.new", object_id=str(appeared.pk)).count() == 2  # psychiatrists
    called = WorklistEntry.objects.get(submission=submissions["moderate_called"])
    assert called.status == WorklistEntry.Status.TO_CONTACT and called.attempts == 1  # left alone
    assert not ReviewCase.objects.filter(submission=submissions["moderate_called"]).exists()
    assert run.cases_opened == 1 and run.moves == {"eligible->needs_review": 1}

    # Looser again: the same case closes, the patient is back on the worklist; stricter again: same case back.
    with django_capture_on_commit_callbacks(execute=True):
        policy_publish_and_rescreen(clinic=clinic, values=_values(alcohol_max_drinks_per_week=14), actor=clinic.admin)
    assert case_of(submissions["moderate"]).status == ReviewCase.Status.CLOSED
    assert WorklistEntry.objects.get(submission=submissions["moderate"]).status == WorklistEntry.Status.TO_CONTACT
    with django_capture_on_commit_callbacks(execute=True):
        policy_publish_and_rescreen(clinic=clinic, values=_values(alcohol_max_drinks_per_week=6), actor=clinic.admin)
    assert ReviewCase.objects.filter(submission=submissions["moderate"]).count() == 1
    assert case_of(submissions["moderate"]).status == ReviewCase.Status.OPEN
    assert ScreeningResult.objects.filter(submission=submissions["moderate"]).count() == 4


@pytest.mark.django_db
def test_a_raised_minimum_age_makes_eligible_patients_ineligible_and_they_leave_the_worklist(
    clinic, submissions, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        policy_publish_and_rescreen(clinic=clinic, values=_values(min_age=50), actor=clinic.admin)

    assert _outcome(submissions["light"]) == Outcome.INELIGIBLE
    assert not WorklistEntry.objects.filter(submission=submissions["light"]).exists()
    assert case_of(submissions["heavy_open"]).status == ReviewCase.Status.CLOSED


@pytest.mark.django_db
def test_a_priority_change_moves_the_case_and_its_due_time(clinic):
    submission = send(clinic, UserFactory(), **_drinks(20))
    case = case_of(submission)
    # As if an older ruleset had called it urgent.
    ScreeningResult.objects.filter(submission=submission).update(priority=Priority.URGENT, ruleset="2026.01")
    ReviewCase.objects.filter(pk=case.pk).update(priority=Priority.URGENT)
    run = rescreen_run_start(clinic=clinic, reason=RescreenRun.Reason.RULESET, enqueue=False)

    rescreen_clinic.apply(args=[run.pk])

    case.refresh_from_db()
    run.refresh_from_db()
    assert case.priority == Priority.ROUTINE and case.priority_rank == 1
    assert run.priority_changed == 1
    assert case.decisions.get(kind="rescreened").note.endswith("priority routine.")


@pytest.mark.django_db
def test_running_the_task_twice_changes_nothing_the_second_time(clinic, submissions):
    run = rescreen_run_start(clinic=clinic, reason=RescreenRun.Reason.RULESET, enqueue=False)
    rescreen_clinic.apply(args=[run.pk])
    results = ScreeningResult.objects.count()
    events = AuditEvent.objects.count()
    run.refresh_from_db()
    figures = (run.done, run.rescreened, run.skipped, run.finished_at)

    rescreen_clinic.apply(args=[run.pk])  # a redelivered message
    run.refresh_from_db()
    assert (run.done, run.rescreened, run.skipped, run.finished_at) == figures
    assert ScreeningResult.objects.count() == results

    again = rescreen_run_start(clinic=clinic, reason=RescreenRun.Reason.RULESET, enqueue=False)
    rescreen_clinic.apply(args=[again.pk])  # a second run, same ruleset and policy: all skipped
    again.refresh_from_db()
    assert again.rescreened == 0 and again.skipped == again.done == 5
    assert ScreeningResult.objects.count() == results
    assert AuditEvent.objects.count() == events + 1  # only "rescreen.start"


@pytest.mark.django_db
def test_the_task_works_in_chunks_and_resumes_from_its_cursor(clinic, submissions):
    from clinics.services import policy_publish

    policy_publish(clinic=clinic, values=_values(alcohol_max_drinks_per_week=13), actor=clinic.admin)
    run = rescreen_run_start(clinic=clinic, enqueue=False)

    assert rescreen_run_chunk(run_id=run.pk, size=2) is True
    run.refresh_from_db()
    assert run.status == RescreenRun.Status.RUNNING and run.done == 2 and run.cursor is not None
    rescreen_clinic.apply(args=[run.pk], kwargs={"chunk_size": 2})  # "crashed" and started again
    run.refresh_from_db()
    assert run.status == RescreenRun.Status.FINISHED and run.done == 5 and run.rescreened == 5


@pytest.mark.django_db
def test_a_newer_run_supersedes_one_still_going(clinic, submissions):
    old = rescreen_run_start(clinic=clinic, enqueue=False)
    new = rescreen_run_start(clinic=clinic, enqueue=False)

    old.refresh_from_db()
    assert old.status == RescreenRun.Status.SUPERSEDED
    assert rescreen_run_chunk(run_id=old.pk) is False  # does nothing
    assert new.status == RescreenRun.Status.QUEUED


@pytest.mark.django_db
def test_the_rescreen_command_runs_every_clinic(clinic, submissions):
    other = staffed_clinic(name="Other")
    send(other, UserFactory(), **_drinks(20))
    out = StringIO()

    call_command("rescreen", "--wait", stdout=out)

    assert "5 open submissions, 0 re-screened, 5 already up to date" in out.getvalue()
    assert RescreenRun.objects.filter(status=RescreenRun.Status.FINISHED).count() == 2
    assert RescreenRun.objects.filter(reason=RescreenRun.Reason.RULESET).count() == 2


@pytest.mark.django_db
def test_after_a_ruleset_upgrade_only_cases_screened_under_the_old_one_are_rescreened(clinic, submissions):
    other = staffed_clinic(name="Other")
    send(other, UserFactory(), **_drinks(20))
    out = StringIO()
    call_command("rescreen", "--outdated", "--wait", stdout=out)
    assert out.getvalue() == "" and not RescreenRun.objects.exists()  # everything is current: nothing to do

    # This clinic's open cases were screened by the previous release (ruleset 2026.11).
    ScreeningResult.objects.filter(submission__clinic=clinic).update(ruleset="2026.11")
    call_command("rescreen", "--outdated", "--wait", stdout=out)

    assert "5 open submissions, 5 re-screened" in out.getvalue()
    assert list(RescreenRun.objects.values_list("clinic", flat=True)) == [clinic.pk]
    latest = ScreeningResult.objects.filter(submission=submissions["moderate"]).order_by("-version").first()
    assert (latest.version, latest.ruleset) == (2, RULESET)
    # Decided or contacted submissions keep their result: people acted on it.
    assert ScreeningResult.objects.filter(submission=submissions["heavy_decided"]).count() == 1


# --- the policy page -------------------------------------------------------------------------------------------------


def _form(**changes) -> dict:
    data = {
        "min_age": "18",
        "min_failed_trials": "2",
        "min_trial_weeks": "6",
        "require_distinct_classes": "true",
        "phq9_min_total": "10",
        "bp_flag_above_systolic": "140",
        "bp_flag_above_diastolic": "90",
        "bp_exclude_above_systolic": "180",
        "bp_exclude_above_diastolic": "100",
        "alcohol_max_drinks_per_week": "14",
        "note": "Board decision",
    }
    data.update({k: str(v) for k, v in changes.items()})
    return data


@pytest.mark.django_db
def test_the_policy_page_previews_and_publishes_only_what_the_admin_saw(
    client, clinic, submissions, django_capture_on_commit_callbacks
):
    login_staff(client, clinic.admin)
    url = reverse("screening:policy", kwargs={"clinic_slug": clinic.slug})

    preview = client.post(url, _form(alcohol_max_drinks_per_week=5, action="preview"))
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "What version 2 would do to the open cases" in html
    assert "Mo Moderate" in html and "Eligible → <strong>Needs review</strong>" in html
    assert clinic.policies.count() == 1 and AuditEvent.objects.filter(action="policy.preview").count() == 1

    # Saving without having seen the preview of these values: the preview comes first, nothing is published.
    unseen = client.post(url, _form(alcohol_max_drinks_per_week=5))
    assert (
        unseen.status_code == 200
        and "This change moves open cases or changes their findings." in unseen.content.decode()
    )
    assert clinic.policies.count() == 1
    token = _token(unseen.content.decode())

    with django_capture_on_commit_callbacks(execute=True):
        published = client.post(url, _form(alcohol_max_drinks_per_week=5, preview_token=token))
    assert published.status_code == 302
    assert clinic.policies.count() == 2
    run = RescreenRun.objects.get(clinic=clinic)
    assert run.status == RescreenRun.Status.FINISHED and run.cases_opened == 1
    page = client.get(url).content.decode()
    assert "Re-screening of open submissions" in page and "1 case opened" in page


@pytest.mark.django_db
def test_a_preview_is_stale_once_the_open_cases_change(client, clinic, submissions):
    login_staff(client, clinic.admin)
    url = reverse("screening:policy", kwargs={"clinic_slug": clinic.slug})
    token = _token(client.post(url, _form(alcohol_max_drinks_per_week=5, action="preview")).content.decode())
    send(clinic, UserFactory(full_name="New Arrival"), **_drinks(9))  # another patient who would move

    again = client.post(url, _form(alcohol_max_drinks_per_week=5, preview_token=token))

    assert again.status_code == 200 and "New Arrival" in again.content.decode()
    assert clinic.policies.count() == 1


@pytest.mark.django_db
def test_a_change_that_moves_nobody_publishes_at_once(client, clinic, submissions):
    login_staff(client, clinic.admin)
    url = reverse("screening:policy", kwargs={"clinic_slug": clinic.slug})

    response = client.post(url, _form(alcohol_max_drinks_per_week=16))

    assert response.status_code == 302 and clinic.policies.count() == 2


def _token(html: str) -> str:
    import re

    return re.search(r'name="preview_token" value="([^"]+)"', html).group(1)


# --- a real worker ----------------------------------------------------------------------------------------------------


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_publishing_rescreens_on_a_real_celery_worker(celery_worker):
    clinic = staffed_clinic()
    moderate = send(clinic, UserFactory(full_name="Mo Moderate"), **_drinks(10))
    for i in range(5):
        send(clinic, UserFactory(full_name=f"Light {i}"), **_drinks(1))

    _policy, run = policy_publish_and_rescreen(
        clinic=clinic, values=_values(alcohol_max_drinks_per_week=5), actor=clinic.admin
    )

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status == RescreenRun.Status.FINISHED:
            break
        time.sleep(0.25)
    assert run.status == RescreenRun.Status.FINISHED, run
    assert run.done == 6 and run.rescreened == 6 and run.cases_opened == 1
    assert case_of(moderate).status == ReviewCase.Status.OPEN
    # The same message delivered again: nothing more happens.
    rescreen_clinic.delay(run.pk).get(timeout=30)
    assert ScreeningResult.objects.filter(submission=moderate).count() == 2


# --- the patient is told when their outcome changes ---------------------------------------------------------------


def _told(submission) -> list:
    return list(
        Notification.objects.filter(kind="screening.changed", object_id=str(submission.pk)).values_list(
            "recipient", flat=True
        )
    )


@pytest.mark.django_db
def test_a_patient_whose_outcome_changes_gets_a_message_and_sees_why_on_their_page(
    client, clinic, submissions, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        policy_publish_and_rescreen(clinic=clinic, values=_values(alcohol_max_drinks_per_week=5), actor=clinic.admin)

    moved = submissions["moderate"]  # eligible -> needs review
    assert _told(moved) == [moved.patient.pk]
    sent = [m for m in mailoutbox if m.to == [moved.patient.email]]
    assert [m.subject for m in sent] == ["A new message from your clinic"]
    assert "alcohol" not in sent[0].body.lower() and "review" not in sent[0].body.lower()  # PHI-free
    client.force_login(moved.patient)
    page = client.get(reverse("patients:submission", args=[moved.pk])).content.decode()
    assert "data-rescreened" in page and "checked your answers again" in page
    assert "Being reviewed by a psychiatrist" in page or "A psychiatrist" in page
    inbox = client.get(reverse("notifications:inbox")).content.decode()
    assert f"You have a new message from {clinic.name}." in inbox

    # Same outcome (20 drinks still needs review, 1 drink still eligible): nothing is sent.
    for key in ("heavy_open", "light", "ineligible"):
        assert _told(submissions[key]) == [], key
    # A psychiatrist holds this case: they, not the rules, tell the patient.
    assert _told(submissions["heavy_claimed"]) == []


@pytest.mark.django_db
def test_nobody_is_told_anything_when_no_outcome_changes(clinic, submissions, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        policy_publish_and_rescreen(clinic=clinic, values=_values(alcohol_max_drinks_per_week=15), actor=clinic.admin)

    assert not Notification.objects.filter(kind="screening.changed").exists()
    assert ScreeningResult.objects.filter(submission=submissions["moderate"]).count() == 2  # re-screened all the same


@pytest.mark.django_db
def test_a_patient_made_ineligible_by_a_new_minimum_age_is_told_and_sees_the_reasons(
    client, clinic, submissions, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        policy_publish_and_rescreen(clinic=clinic, values=_values(min_age=50), actor=clinic.admin)

    light = submissions["light"]
    assert _told(light) == [light.patient.pk]
    client.force_login(light.patient)
    page = client.get(reverse("patients:submission", args=[light.pk])).content.decode()
    assert "checked your answers again" in page
    assert "cannot offer ketamine treatment at the moment" in page
    assert '<ul class="reasons">\n            \n              <li>' in page  # with the reason, in plain words


@pytest.mark.django_db
def test_a_psychiatrists_decision_sends_the_patient_a_new_message(clinic, submissions):
    cleared = submissions["heavy_decided"]
    told = Notification.objects.filter(kind="case.decided", recipient=cleared.patient)
    assert told.count() == 1
    assert _told(cleared) == []


# --- finding-level changes, the history entry (ruleset 2027.01, issue 21) ------------------------------------------


def test_the_preview_lists_findings_gained_even_when_no_outcome_moves(clinic, submissions):
    # Every intake here has a PHQ-9 total of 18 (moderately severe): a minimum of 19 adds DEPRESSION_MILD.
    impact = policy_impact(clinic=clinic, values=_values(phq9_min_total=19))

    changes = {c.patient_name: (c.gained, c.lost) for c in impact.finding_changes}
    assert changes["Hal Heavy"] == (["DEPRESSION_MILD"], [])  # already needs review: the outcome stays
    assert "Hal Heavy" not in {m.patient_name for m in impact.changed}
    assert impact.findings_changed == 5 and impact.gained["DEPRESSION_MILD"] == 5
    looser = policy_impact(clinic=clinic, values=_values(alcohol_max_drinks_per_week=30))
    assert {c.patient_name: c.lost for c in looser.finding_changes}["Hal Heavy"] == ["ALCOHOL_HEAVY"]


def test_the_policy_page_shows_finding_changes_before_publishing(client, clinic, submissions):
    login_staff(client, clinic.admin)
    response = client.post(reverse("screening:policy", args=[clinic.slug]), _form(phq9_min_total="19"))
    text = response.content.decode()
    # Three eligible patients move to review; all five open ones gain the flag: shown before publishing.
    assert "<strong>5</strong> would gain or lose a finding." in text
    assert "Hal Heavy</a>: gains DEPRESSION_MILD" in text
    assert "finding-impact-table" in text and "Publish version" in text


def test_a_rescreen_writes_a_history_entry_naming_policy_ruleset_and_findings(
    clinic, submissions, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        policy, _run = policy_publish_and_rescreen(
            clinic=clinic, values=_values(phq9_min_total=19), actor=clinic.admin, note="Stricter"
        )
    entry = case_of(submissions["heavy_open"]).decisions.get(kind="rescreened")
    assert entry.note == (
        f"Re-screened (policy v{policy.version} / ruleset {RULESET}); findings gained: DEPRESSION_MILD: "
        "still needs review."
    )
    assert entry.result.version == 2
