"""The queue and case pages as each role sees them: what a psychiatrist reads and does, what an admin can do,
404 for everyone else, an audit event on every view, and fixed query counts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from scheduling.models import WorklistEntry
from screening.cases import review_case_claim, review_case_clear, review_case_request_info
from screening.models import ReviewCase, ReviewDecision
from tests.factories import UserFactory, login_staff
from tests.intake.submissions import case_of, send, staffed_clinic

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic(db):
    return staffed_clinic()


@pytest.fixture
def patient(db):
    return UserFactory(full_name="Alex Example")


@pytest.fixture
def case(clinic, patient):
    return case_of(send(clinic, patient, "needs_review"))


def queue_url(clinic, **params) -> str:
    url = reverse("screening:queue", kwargs={"clinic_slug": clinic.slug})
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


def case_url(case, name: str = "case") -> str:
    return reverse(f"screening:{name}", kwargs={"clinic_slug": case.clinic.slug, "case_id": case.pk})


def _text(response) -> str:
    """The page's words, one space between them (tags removed, entities left as they are)."""
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))
    return re.sub(r" ([,.;:)])", r"\1", words)


# --- the queue -------------------------------------------------------------------------------------------------


def test_the_queue_shows_urgent_cases_first_then_by_due_time_with_counts(client, clinic):
    routine_late = case_of(send(clinic, UserFactory(full_name="Rita Routine-Late"), "needs_review"))
    routine_soon = case_of(send(clinic, UserFactory(full_name="Roy Routine-Soon"), "needs_review"))
    case_of(send(clinic, UserFactory(full_name="Uma Urgent"), "urgent"))
    ReviewCase.objects.filter(pk=routine_soon.pk).update(due_at=timezone.now() - timedelta(hours=1))  # overdue
    ReviewCase.objects.filter(pk=routine_late.pk).update(due_at=timezone.now() + timedelta(days=3))
    login_staff(client, clinic.psychiatrist)

    response = client.get(queue_url(clinic))

    assert response.status_code == 200
    text = _text(response)
    assert text.index("Uma Urgent") < text.index("Roy Routine-Soon") < text.index("Rita Routine-Late")
    assert re.search(r"1 urgent waiting.*2 routine waiting.*1 overdue.*0 assigned to you", text)
    assert "Overdue since" in text
    assert 'class="card queue-case queue-case-urgent' in response.content.decode()


def test_filters_priority_status_and_assigned_to_me(client, clinic):
    mine = case_of(send(clinic, UserFactory(full_name="Mina Mine"), "needs_review"))
    case_of(send(clinic, UserFactory(full_name="Otto Other"), "needs_review"))
    case_of(send(clinic, UserFactory(full_name="Uma Urgent"), "urgent"))
    review_case_claim(case_id=mine.pk, user=clinic.psychiatrist)
    login_staff(client, clinic.psychiatrist)

    urgent_only = _text(client.get(queue_url(clinic, priority="urgent")))
    assert "Uma Urgent" in urgent_only and "Otto Other" not in urgent_only
    assigned = _text(client.get(queue_url(clinic, mine="on")))
    assert "Mina Mine" in assigned and "Otto Other" not in assigned and "With you" in assigned
    review_case_request_info(case_id=mine.pk, user=clinic.psychiatrist, patient_message="?")
    waiting = _text(client.get(queue_url(clinic, status="awaiting_patient")))
    assert "Mina Mine" in waiting and "Otto Other" not in waiting
    assert "Mina Mine" not in _text(client.get(queue_url(clinic)))  # not in the default queue any more


def test_a_tampered_filter_or_cursor_shows_the_first_page_with_a_message_not_a_500(client, clinic, case):
    login_staff(client, clinic.psychiatrist)

    response = client.get(queue_url(clinic, status="everything", after="%%%garbage"))

    assert response.status_code == 200
    assert "Choose what to show from the list." in response.content.decode()
    assert "Alex Example" in _text(response)


def test_the_queue_paginates_by_keyset_without_repeating_or_skipping(client, clinic):
    patients = [UserFactory(full_name=f"Patient {i:02d}") for i in range(30)]
    cases = [case_of(send(clinic, p, "needs_review")) for p in patients]
    base = timezone.now()
    for index, c in enumerate(cases):  # two share a due time: the id breaks the tie
        ReviewCase.objects.filter(pk=c.pk).update(due_at=base + timedelta(minutes=index // 2))
    login_staff(client, clinic.psychiatrist)

    first = client.get(queue_url(clinic))
    names_1 = re.findall(r"Patient \d\d", _text(first))
    next_link = re.search(r'href="\?after=([^"]+)"', first.content.decode())
    second = client.get(queue_url(clinic, after=next_link.group(1)))
    names_2 = re.findall(r"Patient \d\d", _text(second))
    previous = re.search(r'href="\?before=([^"]+)"', second.content.decode().replace("&amp;", "&"))
    back = client.get(queue_url(clinic, before=previous.group(1)))

    assert len(names_1) == 25 and len(names_2) == 5
    assert sorted(names_1 + names_2) == sorted(p.full_name for p in patients)
    assert re.findall(r"Patient \d\d", _text(back)) == names_1


def test_viewing_the_queue_is_audited_with_the_case_ids_shown(client, clinic, case):
    login_staff(client, clinic.admin)
    client.get(queue_url(clinic))
    event = AuditEvent.objects.get(action="queue.view")
    assert event.actor == clinic.admin and event.detail["cases"] == [str(case.pk)]


@pytest.mark.parametrize("who", ["coordinator", "other_clinic_psychiatrist", "patient"])
def test_the_queue_and_case_are_404_for_everyone_else(client, clinic, case, who, patient):
    user = {
        "coordinator": clinic.coordinator,
        "other_clinic_psychiatrist": staffed_clinic(name="Other").psychiatrist,
        "patient": patient,
    }[who]
    if who == "patient":
        client.force_login(user)
    else:
        login_staff(client, user)
    assert client.get(queue_url(clinic)).status_code == 404
    assert client.get(case_url(case)).status_code == 404
    assert client.post(case_url(case, "case_claim")).status_code == 404
    assert not AuditEvent.objects.filter(action="case.view").exists()


def test_a_case_of_another_clinic_is_404_even_for_a_psychiatrist_of_this_one(client, clinic):
    other = staffed_clinic(name="Other")
    theirs = case_of(send(other, UserFactory(), "needs_review"))
    login_staff(client, clinic.psychiatrist)
    url = reverse("screening:case", kwargs={"clinic_slug": clinic.slug, "case_id": theirs.pk})
    assert client.get(url).status_code == 404


# --- the case page ------------------------------------------------------------------------------------------------


def test_the_case_page_shows_the_clinical_summary_and_every_view_is_audited(client, clinic, patient):
    case = case_of(
        send(
            clinic,
            patient,
            "needs_review",
            antidepressants={
                "rows": [
                    {
                        "drug": "Zoloft",
                        "dose_mg": "25",
                        "weeks": "10",
                        "as_prescribed": "yes",
                        "improvement": "none",
                        "current_episode": "yes",
                    },
                    {
                        "drug": "bupropion XL",
                        "dose_mg": "300",
                        "weeks": "12",
                        "as_prescribed": "yes",
                        "improvement": "partial",
                        "current_episode": "yes",
                    },
                ]
            },
            medications={"none_taking": "", "rows": [{"name": "Xanax", "daily_dose": "1 mg"}]},
        )
    )
    login_staff(client, clinic.psychiatrist)

    response = client.get(case_url(case))
    client.get(case_url(case))

    assert response.status_code == 200
    text = _text(response)
    assert "Alex Example" in text and "41 years" in text and "Oregon" in text and clinic.name in text
    assert "Outcome needs review, priority routine" in text
    assert "Flags for review" in text and "BIPOLAR_OR_MANIA" in text and "Source:" in text
    assert "PHQ-9: 18 — Moderately severe (15-19)" in text
    assert "9. Thoughts that you would be better off dead" in text
    assert "C-SSRS screener: risk None" in text
    assert "25 mg / 50 mg" in text and "Dose below the minimum adequate dose (50 mg/day)" in text
    assert "Zoloft" in text and "sertraline" in text and "SSRI" in text and "NDRI" in text
    assert "Xanax" in text and "alprazolam" in text and "Benzodiazepine" in text
    assert "Ride home after treatment available" in text
    assert "Version 1" in text and "ruleset 2027.01" in text and "policy v1" in text
    # Each trial's minimum adequate dose names its source; the Maudsley score shows its parts and source.
    assert "minimum: MGH-ATRQ" in text
    assert "Maudsley staging score:" in text and "Failed antidepressants" in text and "Fekadu et al. 2009" in text
    views = AuditEvent.objects.filter(action="case.view", object_id=str(case.pk))
    assert views.count() == 2
    assert views.first().detail == {"page": "case", "submission_id": str(case.submission_id), "version": 1}


def test_case_page_actions_follow_role_and_state(client, clinic, case):
    login_staff(client, clinic.psychiatrist)
    text = _text(client.get(case_url(case)))
    assert "Claim this case" in text and "Clear for evaluation" not in text

    client.post(case_url(case, "case_claim"))
    text = _text(client.get(case_url(case)))
    assert "Clear for evaluation" in text and "Ask for more information" in text and "Decline" in text

    login_staff(client, clinic.psychiatrist2)
    text = _text(client.get(case_url(case)))
    assert "Claim this case" not in text and "Only Dr. Priya Raman can decide" in text

    login_staff(client, clinic.admin)
    text = _text(client.get(case_url(case)))
    assert "Reassign" in text and "Release to the queue" in text and "Clear for evaluation" not in text


def test_claiming_a_case_someone_else_has_says_who(client, clinic, case):
    review_case_claim(case_id=case.pk, user=clinic.psychiatrist)
    login_staff(client, clinic.psychiatrist2)

    response = client.post(case_url(case, "case_claim"), follow=True)

    assert "Dr. Priya Raman has already claimed this case." in _text(response)


def test_a_psychiatrist_clears_from_the_decision_page(client, clinic, case):
    login_staff(client, clinic.psychiatrist)
    client.post(case_url(case, "case_claim"))

    page = client.get(case_url(case, "case_clear"))
    assert page.status_code == 200 and "A care coordinator will call you soon" in page.content.decode()
    response = client.post(case_url(case, "case_clear"), {"note": "Old episode", "patient_message": "Good news"})

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == ReviewCase.Status.CLEARED
    assert WorklistEntry.objects.get(submission=case.submission).source == WorklistEntry.Source.CLEARED
    assert "Cleared for evaluation" in _text(client.get(case_url(case)))


def test_decline_needs_a_reason_and_keeps_the_typing(client, clinic, patient):
    case = case_of(send(clinic, patient, "urgent", health={"pregnancy": "yes"}))
    login_staff(client, clinic.psychiatrist)
    client.post(case_url(case, "case_claim"))

    suggested = client.get(case_url(case, "case_decline")).content.decode()
    assert "Ketamine is not given during pregnancy" in suggested  # a kind starting point to edit
    response = client.post(case_url(case, "case_decline"), {"note": "", "patient_message": "My own words"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Give the reason for declining." in html and "data-error-summary" in html
    assert "My own words" in html
    assert ReviewCase.objects.get(pk=case.pk).status == ReviewCase.Status.CLAIMED


def test_asking_for_information_from_the_page(client, clinic, case):
    login_staff(client, clinic.psychiatrist)
    client.post(case_url(case, "case_claim"))

    empty = client.post(case_url(case, "case_request_info"), {"patient_message": ""})
    assert "Write the question the patient will read." in empty.content.decode()
    client.post(case_url(case, "case_request_info"), {"patient_message": "When did the mania happen?"})

    case.refresh_from_db()
    assert case.status == ReviewCase.Status.AWAITING_PATIENT
    assert case.decisions.get(kind="info_requested").patient_message == "When did the mania happen?"
    assert "Waiting for the patient to answer" in _text(client.get(case_url(case)))


def test_someone_who_did_not_claim_is_sent_back_to_the_case(client, clinic, case):
    review_case_claim(case_id=case.pk, user=clinic.psychiatrist)
    login_staff(client, clinic.psychiatrist2)

    response = client.post(case_url(case, "case_clear"), {"note": ""}, follow=True)

    assert "Only the psychiatrist who claimed this case can decide." in _text(response)
    assert ReviewCase.objects.get(pk=case.pk).status == ReviewCase.Status.CLAIMED


def test_an_admin_reassigns_and_reopens_from_the_case_page(client, clinic, case):
    login_staff(client, clinic.admin)

    bad = client.post(case_url(case, "case_reassign"), {"psychiatrist": str(clinic.coordinator.pk)})
    assert bad.status_code == 200 and "Choose an active psychiatrist of this clinic." in bad.content.decode()
    client.post(case_url(case, "case_reassign"), {"psychiatrist": str(clinic.psychiatrist2.pk)})
    assert ReviewCase.objects.get(pk=case.pk).claimed_by == clinic.psychiatrist2

    review_case_clear(case_id=case.pk, user=clinic.psychiatrist2)
    empty = client.post(case_url(case, "case_reopen"), {"note": ""})
    assert "Say why the case is re-opened." in empty.content.decode()
    client.post(case_url(case, "case_reopen"), {"note": "Wrong patient"})
    assert ReviewCase.objects.get(pk=case.pk).status == ReviewCase.Status.OPEN
    assert AuditEvent.objects.filter(action="case.reopen", actor=clinic.admin).count() == 1


def test_the_acknowledge_button_on_urgent_cases(client, clinic, patient):
    urgent = case_of(send(clinic, patient, "urgent"))
    login_staff(client, clinic.psychiatrist)
    assert "Acknowledge urgent alert" in _text(client.get(case_url(urgent)))

    client.post(case_url(urgent, "case_acknowledge"))

    urgent.refresh_from_db()
    assert urgent.acknowledged_by == clinic.psychiatrist
    text = _text(client.get(case_url(urgent)))
    assert "Acknowledge urgent alert" not in text and "Urgent alert acknowledged by Dr. Priya Raman" in text


def test_the_case_page_shows_what_an_amendment_changed_and_both_versions(client, clinic, case):
    from tests.intake.submissions import amend

    review_case_claim(case_id=case.pk, user=clinic.psychiatrist)
    review_case_request_info(case_id=case.pk, user=clinic.psychiatrist, patient_message="How many drinks?")
    amend(case.submission, "needs_review", substances={"alcohol_drinks_per_week": "30"})
    login_staff(client, clinic.psychiatrist)

    text = _text(client.get(case_url(case)))

    assert "What the patient changed (version 1 → 2)" in text
    assert "Alcoholic drinks per week 2 30" in text
    assert "Version 2" in text and "Version 1" in text
    assert "The patient updated their answers" in text
    # Result versions are numbered across the case: the amendment's first result is v2, not v1 again.
    assert "Result v2:" in text and "Result v1:" in text
    assert "(on result v2)" in text and "(result version 2," in text


def test_rescreen_progress_is_json_for_the_clinic_only(client, clinic):
    from screening.services import rescreen_run_start

    run = rescreen_run_start(clinic=clinic, enqueue=False)
    login_staff(client, clinic.admin)
    url = reverse("screening:rescreen_progress", kwargs={"clinic_slug": clinic.slug, "run_id": run.pk})
    data = client.get(url).json()
    assert data["status"] == "queued" and data["done"] == 0 and data["finished"] is False
    other = staffed_clinic(name="Other")
    login_staff(client, other.admin)
    assert client.get(url).status_code == 404


# --- query counts --------------------------------------------------------------------------------------------------


def _bulk_cases(clinic, template_case, n: int) -> None:
    """n more open cases like `template_case` (same submission and result rows are fine for the page)."""
    from intake.models import IntakeDraft, IntakeSubmission

    subs, cases = [], []
    base = template_case.submission
    now = timezone.now()
    start = ReviewCase.objects.filter(clinic=clinic).count()
    for i in range(start, start + n):
        patient = UserFactory.build(email=f"bulk{i}-{clinic.slug}@example.org", full_name=f"Bulk {i}")
        subs.append((patient, i))
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.bulk_create([p for p, _ in subs])
    drafts = IntakeDraft.objects.bulk_create(
        [IntakeDraft(patient=u, clinic=clinic, answers={}, submitted_at=now) for u in users]
    )
    submissions = IntakeSubmission.objects.bulk_create(
        [
            IntakeSubmission(
                patient=u,
                clinic=clinic,
                draft=d,
                document=base.document,
                consent_version="x",
                consent_text="x",
                signed_name="x",
            )
            for u, d in zip(users, drafts, strict=True)
        ]
    )
    for i, s in enumerate(submissions):
        cases.append(
            ReviewCase(
                clinic=clinic,
                submission=s,
                result=template_case.result,
                priority="urgent" if i % 10 == 0 else "routine",
                due_at=now + timedelta(minutes=i),
                status="claimed" if i % 7 == 0 else "open",
                claimed_by=clinic.psychiatrist if i % 7 == 0 else None,
                claimed_at=now if i % 7 == 0 else None,
            )
        )
    ReviewCase.objects.bulk_create(cases)


@pytest.mark.parametrize("role", ["psychiatrist", "admin"])
def test_queue_and_case_pages_run_a_fixed_number_of_queries_at_10_and_1000_cases(
    client, clinic, patient, role, django_assert_max_num_queries
):
    case = case_of(send(clinic, patient, "needs_review"))
    review_case_claim(case_id=case.pk, user=clinic.psychiatrist)
    review_case_request_info(case_id=case.pk, user=clinic.psychiatrist, patient_message="?")
    _bulk_cases(clinic, case, 9)
    login_staff(client, getattr(clinic, role))
    # session, user, device, staff check, membership, the page's reads (queue: rows + counts; case: case, versions,
    # results, history, psychiatrists, the contact log, the documents), audit (lock, last hash, insert), site-wide
    # context, session save, savepoints
    limit = 22

    with django_assert_max_num_queries(limit) as small_queue:
        assert client.get(queue_url(clinic)).status_code == 200
    with django_assert_max_num_queries(limit) as small_case:
        assert client.get(case_url(case)).status_code == 200
    _bulk_cases(clinic, case, 990)
    assert ReviewCase.objects.filter(clinic=clinic).count() == 1000
    with django_assert_max_num_queries(limit) as big_queue:
        assert client.get(queue_url(clinic)).status_code == 200
    with django_assert_max_num_queries(limit) as big_case:
        assert client.get(case_url(case)).status_code == 200

    assert len(big_queue.captured_queries) == len(small_queue.captured_queries)
    assert len(big_case.captured_queries) == len(small_case.captured_queries)
    assert ReviewDecision.objects.filter(case=case).count() == 2


def test_a_version_1_intake_still_screens_and_renders(client, clinic, patient):
    """Intakes sent before the other-treatments step (intake-document/1) keep working on the case page."""
    from intake.models import IntakeSubmission
    from screening.models import ScreeningResult
    from screening.services import screening_result_create

    case = case_of(send(clinic, patient, "needs_review"))
    document = dict(case.submission.document, schema="intake-document/1")
    document.pop("other_treatments")
    IntakeSubmission.objects.filter(pk=case.submission_id).update(document=document)
    ScreeningResult.objects.filter(submission_id=case.submission_id).update(ruleset="2026.12")
    case.submission.refresh_from_db()
    result = screening_result_create(submission=case.submission, policy=None)
    ReviewCase.objects.filter(pk=case.pk).update(result=result)
    login_staff(client, clinic.psychiatrist)

    response = client.get(case_url(case))

    text = _text(response)
    assert response.status_code == 200 and result.result["ruleset"] == "2027.01"
    assert "Other treatments tried" not in text  # not asked in version 1
    assert re.search(r"Maudsley staging score: \d+ of the parts known", text)
    assert "Not asked in this version of the intake" in text
