"""The coordinators' worklist: who is on it and in what order, what a coordinator sees (and does not), logging
calls, marking a patient unreachable, the audit trail, and a fixed number of queries per page."""

import logging
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from clinics.models import Role
from core.models import AuditEvent
from intake.models import IntakeDraft, IntakeSubmission
from scheduling.models import ContactAttempt, WorklistEntry
from scheduling.worklist import contact_attempt_log, put_on_worklist, worklist_mark_unreachable
from tests.factories import UserFactory, login_staff, make_clinic, make_staff
from tests.factories.submissions import submission_for

pytestmark = pytest.mark.django_db

NOTE = "Asked to call back after 5pm; prefers mornings next week."


@pytest.fixture
def clinic():
    clinic = make_clinic(name="Willow Ketamine Clinic")
    clinic.coordinator = make_staff(clinic, Role.COORDINATOR, full_name="Cory Coordinator")
    clinic.admin = make_staff(clinic, Role.CLINIC_ADMIN)
    clinic.psychiatrist = make_staff(clinic, Role.PSYCHIATRIST)
    return clinic


def add_patient(clinic, *, name: str, age: timedelta = timedelta(0), source=WorklistEntry.Source.ELIGIBLE, **user):
    patient = UserFactory(full_name=name, **user)
    _, submission = submission_for(patient, clinic, seed=len(name))
    entry = put_on_worklist(submission=submission, source=source)
    WorklistEntry.objects.filter(pk=entry.pk).update(created_at=timezone.now() - age)
    entry.refresh_from_db()
    return entry


@pytest.fixture
def coordinator_client(client, clinic):
    login_staff(client, clinic.coordinator)
    return client


def list_url(clinic, **query) -> str:
    url = reverse("scheduling:worklist", kwargs={"clinic_slug": clinic.slug})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def entry_url(entry) -> str:
    return reverse("scheduling:worklist_entry", kwargs={"clinic_slug": entry.clinic.slug, "entry_id": entry.pk})


def test_patients_to_contact_are_listed_oldest_first_with_their_contact_details(coordinator_client, clinic):
    newer = add_patient(clinic, name="Nora Newer", age=timedelta(hours=1), email="nora@example.org")
    older = add_patient(
        clinic, name="Otto Older", age=timedelta(days=2), phone="541-555-0142", source=WorklistEntry.Source.CLEARED
    )
    reached = add_patient(clinic, name="Rita Reached", age=timedelta(days=5))
    WorklistEntry.objects.filter(pk=reached.pk).update(status=WorklistEntry.Status.REACHED)
    other_clinic = add_patient(make_clinic(name="Elsewhere"), name="Elsie Elsewhere", age=timedelta(days=9))

    response = coordinator_client.get(list_url(clinic))

    html = response.content.decode()
    assert response.status_code == 200
    assert [e.pk for e in response.context["entries"]] == [older.pk, newer.pk]
    assert html.index("Otto Older") < html.index("Nora Newer")
    assert "541-555-0142" in html and "nora@example.org" in html
    assert "Cleared by a psychiatrist" in html and "Eligible at screening" in html
    assert "Rita Reached" not in html
    assert other_clinic.patient.full_name not in html

    reached_page = coordinator_client.get(list_url(clinic, status="reached"))
    assert [e.pk for e in reached_page.context["entries"]] == [reached.pk]
    assert coordinator_client.get(list_url(clinic, status="bogus")).context["status"] == "to_contact"


def test_the_list_pages_forward_without_gaps_or_repeats(coordinator_client, clinic):
    same_moment = timezone.now() - timedelta(days=1)
    entries = [add_patient(clinic, name=f"Patient {i:03d}") for i in range(55)]
    WorklistEntry.objects.filter(pk__in=[e.pk for e in entries[:10]]).update(created_at=same_moment)  # ties

    first = coordinator_client.get(list_url(clinic))
    second = coordinator_client.get(list_url(clinic), {"after": first.context["next_after"]})
    garbage = coordinator_client.get(list_url(clinic), {"after": "yesterday|nobody"})

    seen = [e.pk for e in first.context["entries"]] + [e.pk for e in second.context["entries"]]
    assert len(first.context["entries"]) == 50
    assert sorted(map(str, seen)) == sorted(str(e.pk) for e in entries)
    assert second.context["next_after"] is None
    assert first.context["total"] == 55
    assert garbage.status_code == 200


def _bulk_entries(clinic, count: int) -> None:
    User = get_user_model()
    users = User.objects.bulk_create(
        User(email=f"bulk-{uuid.uuid4().hex[:10]}@example.org", full_name=f"Bulk {i}") for i in range(count)
    )
    now = timezone.now()
    drafts = IntakeDraft.objects.bulk_create(IntakeDraft(patient=u, clinic=clinic, submitted_at=now) for u in users)
    submissions = IntakeSubmission.objects.bulk_create(
        IntakeSubmission(
            patient=u, clinic=clinic, draft=d, document={}, consent_version="t", consent_text="t", signed_name="x"
        )
        for u, d in zip(users, drafts, strict=True)
    )
    WorklistEntry.objects.bulk_create(
        WorklistEntry(
            clinic=clinic,
            patient=s.patient,
            submission=s,
            source=WorklistEntry.Source.ELIGIBLE,
            created_at=now - timedelta(minutes=i),
            attempts=i % 3,
            last_attempt_at=now if i % 2 else None,
        )
        for i, s in enumerate(submissions)
    )


def test_the_worklist_runs_a_fixed_number_of_queries_at_10_and_1000_entries(
    coordinator_client, clinic, django_assert_max_num_queries
):
    counts = {}
    for total, more in ((10, 10), (1000, 990)):
        _bulk_entries(clinic, more)
        coordinator_client.get(list_url(clinic))
        # session, user, OTP device, staff check, membership, the count, the page, the audit event (savepoint,
        # chain lock on PostgreSQL, last hash, insert, release), the badge, the session's save (3), the closures
        # and days off to come (2; appointments on them would add one)
        with django_assert_max_num_queries(18) as context:
            response = coordinator_client.get(list_url(clinic))
        assert response.status_code == 200
        assert len(response.context["entries"]) == min(total, 50)
        counts[total] = len(context)

    assert counts[10] == counts[1000]


def test_the_entry_page_shows_contact_details_but_never_the_screening(coordinator_client, clinic):
    entry = add_patient(clinic, name="Pia Patient", phone="971-555-0107", email="pia@example.org")
    findings = entry.submission.screening_results.first().result["findings"]
    document = entry.submission.document

    response = coordinator_client.get(entry_url(entry))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Pia Patient" in html and "pia@example.org" in html and 'href="tel:971-555-0107"' in html
    for finding in findings:
        assert finding["message"] not in html
    assert "PHQ" not in html and "phq" not in html
    for medication in document.get("current_medications", []):
        assert medication.get("name", "\0") not in html


def test_every_view_of_an_entry_and_of_the_list_is_audited(coordinator_client, clinic):
    entry = add_patient(clinic, name="Audrey Audit")

    coordinator_client.get(entry_url(entry))
    coordinator_client.get(list_url(clinic))

    view = AuditEvent.objects.get(action="worklist.view")
    assert view.actor == clinic.coordinator
    assert view.object_id == str(entry.pk)
    assert view.clinic == clinic
    listing = AuditEvent.objects.get(action="worklist.list")
    assert listing.detail["entries"] == [str(entry.pk)]


def test_logging_a_call_stores_the_note_and_audits_without_it(coordinator_client, clinic, caplog):
    entry = add_patient(clinic, name="Carl Caller")

    with caplog.at_level(logging.DEBUG):
        response = coordinator_client.post(entry_url(entry), {"outcome": "no_answer", "note": NOTE})

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.attempts == 1
    assert entry.last_attempt_at is not None
    assert entry.status == WorklistEntry.Status.TO_CONTACT
    attempt = ContactAttempt.objects.get(entry=entry)
    assert (attempt.outcome, attempt.note, attempt.by) == ("no_answer", NOTE, clinic.coordinator)
    event = AuditEvent.objects.get(action="worklist.attempt")
    assert event.detail["outcome"] == "no_answer"
    assert NOTE not in str(event.detail)
    assert NOTE not in caplog.text
    page = coordinator_client.get(response.url).content.decode()
    assert "Call logged: no answer." in page
    assert NOTE in page
    assert "Carl Caller" not in str(coordinator_client.session.items())  # flash messages name nobody


def test_reaching_the_patient_moves_them_to_reached(coordinator_client, clinic):
    entry = add_patient(clinic, name="Rey Reached")

    coordinator_client.post(entry_url(entry), {"outcome": "reached"})

    entry.refresh_from_db()
    assert entry.status == WorklistEntry.Status.REACHED


def test_a_call_without_an_outcome_keeps_the_note_and_says_what_is_missing(coordinator_client, clinic):
    entry = add_patient(clinic, name="Mo Missing")

    response = coordinator_client.post(entry_url(entry), {"note": NOTE})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose what happened on the call." in html
    assert NOTE in html
    assert not ContactAttempt.objects.exists()


def test_a_too_long_note_is_refused_next_to_the_field(coordinator_client, clinic):
    entry = add_patient(clinic, name="Lou Long")

    response = coordinator_client.post(entry_url(entry), {"outcome": "voicemail", "note": "x" * 501})

    assert response.status_code == 200
    assert "Keep the note under 500 characters" in response.content.decode()


def test_unreachable_only_after_three_unanswered_calls(coordinator_client, clinic, settings):
    entry = add_patient(clinic, name="Una Unreachable")
    unreachable_url = reverse(
        "scheduling:worklist_unreachable", kwargs={"clinic_slug": clinic.slug, "entry_id": entry.pk}
    )
    assert settings.WORKLIST_UNREACHABLE_AFTER == 3

    for outcome in ("no_answer", "voicemail"):
        coordinator_client.post(entry_url(entry), {"outcome": outcome})
    early = coordinator_client.post(unreachable_url, follow=True)
    entry.refresh_from_db()
    assert entry.status == WorklistEntry.Status.TO_CONTACT
    assert "Try at least 3 times" in early.content.decode()

    coordinator_client.post(entry_url(entry), {"outcome": "no_answer"})
    coordinator_client.post(unreachable_url)
    entry.refresh_from_db()
    assert entry.status == WorklistEntry.Status.UNREACHABLE
    assert AuditEvent.objects.filter(action="worklist.unreachable", object_id=str(entry.pk)).exists()

    # The patient calls back: reaching them brings them back.
    coordinator_client.post(entry_url(entry), {"outcome": "reached"})
    entry.refresh_from_db()
    assert entry.status == WorklistEntry.Status.REACHED
    assert entry.attempts == 4


def test_services_refuse_other_roles_and_closed_entries(clinic):
    entry = add_patient(clinic, name="Sam Service")

    with pytest.raises(PermissionDenied):
        contact_attempt_log(entry=entry, by=clinic.psychiatrist, outcome="reached")
    with pytest.raises(PermissionDenied):
        worklist_mark_unreachable(entry=entry, by=make_staff(make_clinic(), Role.COORDINATOR))
    WorklistEntry.objects.filter(pk=entry.pk).update(status=WorklistEntry.Status.CLOSED)
    with pytest.raises(ValidationError):
        contact_attempt_log(entry=entry, by=clinic.coordinator, outcome="reached")
    with pytest.raises(ValidationError):
        contact_attempt_log(entry=entry, by=clinic.coordinator, outcome="carrier pigeon")


def test_another_clinics_entry_is_not_found(coordinator_client, clinic):
    elsewhere = add_patient(make_clinic(name="Elsewhere"), name="Ned Notyours")
    url = reverse("scheduling:worklist_entry", kwargs={"clinic_slug": clinic.slug, "entry_id": elsewhere.pk})

    assert coordinator_client.get(url).status_code == 404
    assert coordinator_client.post(url, {"outcome": "reached"}).status_code == 404
    assert not ContactAttempt.objects.exists()


def test_psychiatrists_do_not_see_the_worklist(client, clinic):
    login_staff(client, clinic.psychiatrist)

    assert client.get(list_url(clinic)).status_code == 404


def test_unanswered_calls_are_voicemails_and_no_answers_of_this_entry_on_the_page_and_in_the_service(
    coordinator_client, clinic, settings
):
    settings.WORKLIST_UNREACHABLE_AFTER = 2
    entry = add_patient(clinic, name="Vic Voicemail")
    ContactAttempt.objects.create(  # a call made outside the worklist does not count for this entry
        clinic=clinic, patient=entry.patient, by=clinic.psychiatrist, outcome=ContactAttempt.Outcome.NO_ANSWER
    )
    coordinator_client.post(entry_url(entry), {"outcome": "voicemail"})

    page = coordinator_client.get(entry_url(entry)).content.decode()
    assert "Mark unreachable" not in page and "(1 so far)" in page
    with pytest.raises(ValidationError, match=r"\(1 unanswered so far\)"):
        worklist_mark_unreachable(entry=entry, by=clinic.coordinator)

    coordinator_client.post(entry_url(entry), {"outcome": "no_answer"})
    assert "Mark unreachable" in coordinator_client.get(entry_url(entry)).content.decode()
    worklist_mark_unreachable(entry=entry, by=clinic.coordinator)
    entry.refresh_from_db()
    assert entry.status == WorklistEntry.Status.UNREACHABLE
