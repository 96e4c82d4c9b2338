"""High-risk answers before an intake is sent: an urgent item in the queue at once, with who to call and what they
answered; acknowledged and escalated like an urgent case; it becomes the case when the patient submits. And the
case page's contact panel: phone, call preferences, emergency contact, and the clinic's one contact log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent, Notification, PatientProfile, User
from core.notifications import inbox_link
from intake import steps
from intake.services import draft_get_or_start, draft_report_risk, submission_submit
from scheduling.models import ContactAttempt, WorklistEntry
from scheduling.worklist import contact_attempt_log
from screening.cases import intake_alert_acknowledge, review_case_claim, review_case_clear
from screening.escalation import cases_escalate_due
from screening.models import IntakeAlert, ReviewCase
from screening.notification_kinds import intake_alert_urgent
from screening.services import submission_rescreen
from tests.factories import PatientProfileFactory, UserFactory, login_staff
from tests.intake.answers import raw_answers
from tests.intake.submissions import answers_for, case_of, send, staffed_clinic

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic(db):
    return staffed_clinic()


@pytest.fixture
def patient(db):
    profile = PatientProfileFactory(
        first_name="Robin",
        last_name="Castillo",
        preferred_name="Rob",
        emergency_name="Jordan Castillo",
        emergency_relationship="Brother",
        emergency_phone="+15035550177",
        user__phone="+15035550123",
        user__voicemail_ok=False,
        user__call_time="evening",
    )
    return profile.user


def risky_draft(clinic, patient):
    """A draft whose safety answers mean high risk, the rest of the intake not sent (as at the safety step)."""
    draft = draft_get_or_start(patient=patient, clinic=clinic)
    answered = steps.ANSWER_STEPS[: steps.ANSWER_STEPS.index("safety") + 1]
    draft.answers = {k: v for k, v in raw_answers(answers_for("urgent")).items() if k in answered}
    draft.save(update_fields=["answers"])
    draft_report_risk(draft=draft)
    return draft


def alert_url(alert, name: str = "intake_alert") -> str:
    return reverse(f"screening:{name}", kwargs={"clinic_slug": alert.clinic.slug, "alert_id": alert.pk})


def case_url(case, name: str = "case") -> str:
    return reverse(f"screening:{name}", kwargs={"clinic_slug": case.clinic.slug, "case_id": case.pk})


# --- the urgent item before any submission ---------------------------------------------------------------------


def test_high_risk_answers_open_one_urgent_item_and_alert_each_psychiatrist_once_with_a_link_to_it(clinic, patient):
    draft = risky_draft(clinic, patient)
    draft_report_risk(draft=draft)  # the patient goes back and presses Next again

    alert = IntakeAlert.objects.get()
    assert (alert.clinic, alert.patient, alert.case) == (clinic, patient, None)
    assert timedelta(hours=3, minutes=59) <= alert.due_at - alert.created_at <= timedelta(hours=4, minutes=1)
    notes = Notification.objects.filter(kind="intake_alert.urgent")
    assert sorted(n.recipient.email for n in notes if n.channel == "email") == sorted(
        [clinic.psychiatrist.email, clinic.psychiatrist2.email]
    )
    # The link opens the item itself, not just the queue; no name in the e-mail.
    assert all(inbox_link(n) == alert_url(alert) for n in notes)
    message = intake_alert_urgent(notes[0])
    assert "Urgent" in message.subject and "Robin" not in message.subject + message.body


def test_the_queue_lists_the_item_first_with_the_patients_name_and_phone(client, clinic, patient):
    send(clinic, UserFactory(full_name="Uma Urgent"), "urgent")
    risky_draft(clinic, patient)
    login_staff(client, clinic.psychiatrist)

    page = client.get(reverse("screening:queue", kwargs={"clinic_slug": clinic.slug})).content.decode()

    assert "Urgent answers during an intake (1)" in page
    assert page.index("Robin Castillo") < page.index("Uma Urgent")
    assert 'href="tel:+15035550123"' in page and "No voicemail" in page
    assert alert_url(IntakeAlert.objects.get()) in page


def test_the_item_page_shows_who_to_call_their_preferences_emergency_contact_and_answers_so_far(
    client, clinic, patient
):
    alert = IntakeAlert.objects.get(draft=risky_draft(clinic, patient))
    login_staff(client, clinic.psychiatrist)

    response = client.get(alert_url(alert))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Robin Castillo" in page and "goes by Rob" in page
    assert 'href="tel:+15035550123"' in page and "Do not leave a voicemail" in page
    assert "Evening (5 to 8)" in page
    assert "Jordan Castillo (Brother)" in page and 'href="tel:+15035550177"' in page
    assert "C-SSRS" in page and "table-warning" in page  # the positive answers stand out
    assert "Acknowledge urgent alert" in page
    done = steps.ANSWER_STEPS.index("safety") + 1  # every page up to the safety questions
    assert f"{done} of {len(steps.ANSWER_STEPS)} intake pages complete so far" in page
    assert f"Every answer given so far ({done} pages)" in page and "How you have been feeling" in page
    assert "Antidepressants you have taken" not in page
    event = AuditEvent.objects.get(action="intake_alert.view")
    assert (event.actor, event.object_id) == (clinic.psychiatrist, str(alert.pk))


def test_a_patient_without_a_profile_yet_still_shows_with_their_e_mail(client, clinic):
    patient = UserFactory(full_name="", phone="")
    alert = IntakeAlert.objects.get(draft=risky_draft(clinic, patient))
    login_staff(client, clinic.admin)

    page = client.get(alert_url(alert)).content.decode()

    assert patient.email in page and "Not given yet" in page and "No phone given" in page
    assert "Log this call" not in page  # a clinic admin reads; psychiatrists log calls


def test_acknowledging_stops_the_escalation_and_an_unacknowledged_item_alerts_the_admins_once(client, clinic, patient):
    first = IntakeAlert.objects.get(draft=risky_draft(clinic, patient))
    other = IntakeAlert.objects.get(draft=risky_draft(clinic, UserFactory()))
    login_staff(client, clinic.psychiatrist)
    assert client.post(alert_url(first, "intake_alert_acknowledge")).status_code == 302
    later = timezone.now() + timedelta(minutes=clinic.urgent_ack_minutes + 1)

    assert cases_escalate_due(timezone.now())["intake_alerts"] == 0  # not late yet
    assert cases_escalate_due(later)["intake_alerts"] == 1
    assert cases_escalate_due(later)["intake_alerts"] == 0  # once

    first.refresh_from_db()
    assert first.acknowledged_by == clinic.psychiatrist and first.ack_escalated_at is None
    escalated = Notification.objects.filter(kind="intake_alert.ack_escalated", channel="email")
    assert [(n.recipient, n.object_id) for n in escalated] == [(clinic.admin, str(other.pk))]
    assert AuditEvent.objects.filter(action="intake_alert.acknowledge", object_id=str(first.pk)).exists()


def test_only_a_psychiatrist_acknowledges(clinic, patient):
    alert = IntakeAlert.objects.get(draft=risky_draft(clinic, patient))

    with pytest.raises(Exception, match="role"):
        intake_alert_acknowledge(alert_id=alert.pk, user=clinic.coordinator)

    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_on_submit_the_item_becomes_the_urgent_case_keeping_the_acknowledgement_and_no_second_alert(
    client, clinic, patient
):
    draft = risky_draft(clinic, patient)
    alert = IntakeAlert.objects.get(draft=draft)
    intake_alert_acknowledge(alert_id=alert.pk, user=clinic.psychiatrist2)
    draft.answers = raw_answers(answers_for("urgent"))  # the patient finishes the intake
    draft.save(update_fields=["answers"])

    submission = submission_submit(draft=draft, patient=patient)

    case = case_of(submission)
    alert.refresh_from_db()
    assert alert.case == case and alert.linked_at is not None
    assert case.priority == "urgent" and case.due_at <= alert.due_at
    assert case.acknowledged_by == clinic.psychiatrist2
    assert not Notification.objects.filter(kind="case.urgent").exists()
    login_staff(client, clinic.psychiatrist)
    queue = client.get(reverse("screening:queue", kwargs={"clinic_slug": clinic.slug})).content.decode()
    assert "Urgent answers during an intake" not in queue and case_url(case) in queue
    # The alert's notification now leads to the case.
    assert client.get(alert_url(alert))["Location"] == case_url(case)
    assert "Urgent alert acknowledged by Dr. Sam Okafor" in client.get(case_url(case)).content.decode()


def test_answers_changed_before_submitting_still_give_an_urgent_case(clinic, patient):
    draft = risky_draft(clinic, patient)
    draft.answers = raw_answers(answers_for("needs_review"))
    draft.save(update_fields=["answers"])

    case = case_of(submission_submit(draft=draft, patient=patient))

    assert case.priority == "urgent" and IntakeAlert.objects.get().case == case
    # Re-screening (a new ruleset) does not quietly make it routine again.
    submission_rescreen(submission=case.submission, policy=None, ruleset="an-older-ruleset")
    case.refresh_from_db()
    assert case.priority == "urgent" and case.result.version == 2


def test_another_clinics_item_is_not_found(client, clinic, patient):
    alert = IntakeAlert.objects.get(draft=risky_draft(clinic, patient))
    elsewhere = staffed_clinic("Elsewhere Clinic")
    login_staff(client, elsewhere.psychiatrist)

    assert client.get(alert_url(alert).replace(clinic.slug, elsewhere.slug)).status_code == 404


# --- calling the patient: one contact log -------------------------------------------------------------------


def test_a_psychiatrist_logs_a_call_from_the_urgent_case_and_the_coordinators_see_it(client, clinic, patient):
    case = case_of(send(clinic, patient, "urgent"))
    # The intake's pages saved the helper's own contact answers to the account: put the patient's back.
    PatientProfile.objects.filter(user=patient).update(
        emergency_name="Jordan Castillo", emergency_relationship="Brother", emergency_phone="+15035550177"
    )
    User.objects.filter(pk=patient.pk).update(phone="+15035550123", voicemail_ok=False, call_time="evening")
    login_staff(client, clinic.psychiatrist)

    page = client.get(case_url(case)).content.decode()
    assert "Contact the patient now" in page and 'href="tel:+15035550123"' in page
    assert "Do not leave a voicemail" in page and "Jordan Castillo (Brother)" in page
    response = client.post(case_url(case, "case_call"), {"outcome": "reached", "note": "Safe at home with brother."})

    assert response.status_code == 302
    attempt = ContactAttempt.objects.get()
    assert (attempt.clinic, attempt.patient, attempt.by, attempt.entry) == (clinic, patient, clinic.psychiatrist, None)
    assert "Safe at home with brother." in client.get(case_url(case)).content.decode()
    assert AuditEvent.objects.filter(action="patient.contact_attempt", object_id=str(attempt.pk)).exists()
    # The coordinators' worklist entry shows the same log once the case is cleared.
    review_case_claim(case_id=case.pk, user=clinic.psychiatrist)
    review_case_clear(case_id=case.pk, user=clinic.psychiatrist)
    entry = WorklistEntry.objects.get()
    login_staff(client, clinic.coordinator)
    entry_page = client.get(
        reverse("scheduling:worklist_entry", kwargs={"clinic_slug": clinic.slug, "entry_id": entry.pk})
    ).content.decode()
    assert "Safe at home with brother." in entry_page and "Dr. Priya Raman" in entry_page


def test_a_coordinators_call_shows_on_the_case_page(client, clinic, patient):
    submission = send(clinic, patient, "eligible")
    entry = WorklistEntry.objects.get(submission=submission)
    contact_attempt_log(entry=entry, by=clinic.coordinator, outcome="voicemail", note="Left a message at 6pm.")
    case = ReviewCase.objects.create(
        clinic=clinic, submission=submission, priority="urgent", due_at=timezone.now() + timedelta(hours=4)
    )
    login_staff(client, clinic.psychiatrist)

    page = client.get(case_url(case)).content.decode()

    assert "Left a message at 6pm." in page and "Cole Martinez" in page


def test_a_call_without_an_outcome_is_refused_next_to_the_field_keeping_the_note(client, clinic, patient):
    alert = IntakeAlert.objects.get(draft=risky_draft(clinic, patient))
    login_staff(client, clinic.psychiatrist)

    response = client.post(alert_url(alert, "intake_alert_call"), {"note": "Tried twice"})

    assert response.status_code == 200  # the item again, the error by the field
    page = response.content.decode()
    assert "Choose what happened on the call." in page and "Tried twice" in page
    assert not ContactAttempt.objects.exists()
    assert client.post(alert_url(alert, "intake_alert_call"), {"outcome": "no_answer"}).status_code == 302
    assert ContactAttempt.objects.get().patient == patient


def test_only_the_clinics_staff_log_a_call_and_the_outcome_and_note_are_checked(clinic, patient):
    from django.core.exceptions import PermissionDenied, ValidationError

    from scheduling.worklist import patient_contact_log

    elsewhere = staffed_clinic("Elsewhere Clinic")
    for outsider in (patient, elsewhere.psychiatrist):
        with pytest.raises(PermissionDenied):
            patient_contact_log(clinic=clinic, patient=patient, by=outsider, outcome="reached")
    with pytest.raises(ValidationError, match="Choose what happened"):
        patient_contact_log(clinic=clinic, patient=patient, by=clinic.psychiatrist, outcome="carrier pigeon")
    with pytest.raises(ValidationError, match="under 500"):
        patient_contact_log(clinic=clinic, patient=patient, by=clinic.psychiatrist, outcome="reached", note="x" * 501)
    assert not ContactAttempt.objects.exists()

    for member in (clinic.psychiatrist, clinic.coordinator, clinic.admin):
        patient_contact_log(clinic=clinic, patient=patient, by=member, outcome="no_answer", note="  ")
    assert ContactAttempt.objects.filter(clinic=clinic, patient=patient, entry=None, note="").count() == 3
