"""The intake wizard through the Django test client, as a patient uses it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinics.selectors import policy_current
from core.models import Notification
from intake import steps
from intake.consent import CONSENT_TEXT, CONSENT_VERSION
from intake.models import IntakeDraft, IntakeSubmission
from screening.models import IntakeAlert, ReviewCase, ScreeningResult
from screening.rules import RULESET, validate_document
from tests.factories import UserFactory, login_staff

from .answers import BASE, post_data, scenario
from .conftest import fill, step_url, submit

pytestmark = pytest.mark.django_db


def kinds(**filters) -> list[tuple[str, str]]:
    return sorted(
        (n.kind, n.recipient.email) for n in Notification.objects.filter(**filters).select_related("recipient")
    )


# --- the four outcomes ------------------------------------------------------------------------


def test_eligible_patient_sees_a_coordinator_will_call_and_staff_are_told(patient_client, complete, clinic, patient):
    draft = complete("eligible")

    response = submit(patient_client, draft)

    submission = IntakeSubmission.objects.get()
    assert response["Location"] == reverse("patients:submission", args=[submission.pk])
    page = patient_client.get(response["Location"]).content.decode()
    assert "care coordinator" in page and "psychiatric evaluation" in page
    assert "TRD" not in page and "ELIGIBLE" not in page
    # The frozen document is valid, screened on the submission date, with the consent stored beside it.
    assert validate_document(submission.document) == []
    assert (
        submission.document["screened_on"] == timezone.localdate().isoformat()
        or submission.document["screened_on"] == (timezone.localdate() - timedelta(days=1)).isoformat()
    )
    assert submission.consent_version == CONSENT_VERSION
    assert submission.consent_text == CONSENT_TEXT
    assert submission.signed_name == "Alex Example"
    assert submission.version == 1
    draft.refresh_from_db()
    assert draft.submitted_at is not None
    result = ScreeningResult.objects.get()
    assert (result.outcome, result.priority, result.version) == ("eligible", "routine", 1)
    assert result.ruleset == RULESET == result.result["ruleset"]
    assert result.policy == policy_current(clinic)
    assert not ReviewCase.objects.exists()
    assert kinds() == sorted([("patient.eligible", clinic.coordinator.email), ("submission.received", patient.email)])


def test_needs_review_opens_a_routine_case_due_in_two_business_days(patient_client, complete, clinic, patient):
    draft = complete("needs_review")

    response = submit(patient_client, draft)

    case = ReviewCase.objects.get()
    assert (case.status, case.priority, case.clinic) == ("open", "routine", clinic)
    assert timedelta(days=2) <= case.due_at - case.created_at <= timedelta(days=4)
    page = patient_client.get(response["Location"]).content.decode()
    assert "A psychiatrist at Harbor Ketamine Clinic will review your answers" in page
    assert "within two working days" in page
    assert "BIPOLAR_OR_MANIA" not in page
    assert kinds() == sorted(
        [
            ("case.new", clinic.psychiatrist.email),
            ("case.new", clinic.psychiatrist2.email),
            ("submission.received", patient.email),
        ]
    )


def test_ineligible_patient_reads_each_reason_kindly_with_what_to_do_instead(patient_client, complete, patient):
    draft = complete("ineligible")

    response = submit(patient_client, draft)

    page = patient_client.get(response["Location"]).content.decode()
    assert "cannot offer ketamine treatment at the moment" in page
    assert "not given during pregnancy" in page
    assert "What you can do instead" in page
    assert "988" in page
    assert "PREGNANT" not in page
    assert not ReviewCase.objects.exists()
    assert kinds() == [("submission.received", patient.email)]


def test_urgent_answers_show_help_at_once_and_alert_every_psychiatrist(patient_client, draft, clinic, patient):
    answers = scenario("urgent")
    responses = fill(patient_client, draft, answers, until="antidepressants")

    # Straight after the safety step: the help page, before anything else.
    assert responses[-1]["Location"] == reverse("intake:reach_out", args=[draft.pk])
    page = patient_client.get(responses[-1]["Location"]).content.decode()
    assert "Please reach out now" in page and 'href="tel:988"' in page and 'href="tel:911"' in page
    assert "will contact you" in page
    # A human is alerted even if the intake is never finished.
    assert kinds(kind="intake_alert.urgent") == sorted(
        [("intake_alert.urgent", clinic.psychiatrist.email), ("intake_alert.urgent", clinic.psychiatrist2.email)]
    )
    alert = IntakeAlert.objects.get()
    assert alert.patient == patient and alert.case is None
    # The intake can still be finished.
    for name in steps.ANSWER_STEPS[steps.ANSWER_STEPS.index("antidepressants") :]:
        assert patient_client.post(step_url(draft, name), post_data(name, answers[name])).status_code == 302

    response = submit(patient_client, draft)

    submission = IntakeSubmission.objects.get()
    assert response["Location"] == reverse("patients:submission_help", args=[submission.pk])
    help_page = patient_client.get(response["Location"]).content.decode()
    assert "Call 988" in help_page and reverse("patients:submission", args=[submission.pk]) in help_page
    case = ReviewCase.objects.get()
    assert case.priority == "urgent"
    assert timedelta(hours=3, minutes=59) <= case.due_at - case.created_at <= timedelta(hours=4, minutes=1)
    result_page = patient_client.get(reverse("patients:submission", args=[submission.pk])).content.decode()
    assert "will contact you soon" in result_page and "Call 988" in result_page
    # The alert became this case: the psychiatrists are not alerted a second time.
    alert.refresh_from_db()
    assert alert.case == case
    assert kinds(kind="case.urgent") == []


def test_urgent_case_alerts_the_clinic_admins_when_there_is_no_psychiatrist(patient_client, complete, clinic):
    clinic.memberships.filter(role="psychiatrist").update(is_active=False)
    draft = complete("urgent")

    submit(patient_client, draft)

    # Alerted once, at the safety step; the submission becomes the alert's case.
    assert kinds(kind="intake_alert.urgent") == [("intake_alert.urgent", clinic.admin.email)]
    assert kinds(kind="case.urgent") == []
    assert IntakeAlert.objects.get().case == ReviewCase.objects.get()


# --- never two submissions --------------------------------------------------------------------


def test_double_click_refresh_and_back_give_the_same_single_submission(patient_client, complete):
    draft = complete("eligible")

    first = submit(patient_client, draft)
    second = submit(patient_client, draft)  # a double click or a refresh re-posts
    back = patient_client.get(step_url(draft, "review"))  # the Back button
    resume = patient_client.get(reverse("intake:resume", args=[draft.pk]))

    assert IntakeSubmission.objects.count() == 1
    assert ScreeningResult.objects.count() == 1
    assert first["Location"] == second["Location"] == back["Location"] == resume["Location"]


def test_a_submitted_intake_is_read_only(patient_client, complete):
    draft = complete("eligible")
    submit(patient_client, draft)
    before = IntakeDraft.objects.get().answers

    response = patient_client.post(step_url(draft, "about"), post_data("about", {**BASE["about"], "state": "WA"}))

    assert response.status_code == 302
    assert IntakeDraft.objects.get().answers == before
    assert IntakeSubmission.objects.get().document["patient"]["state"] == "OR"


def test_submit_with_a_step_missing_sends_the_patient_to_that_step(patient_client, draft):
    answers = scenario("eligible")
    for name in steps.ANSWER_STEPS:
        if name != "heart":
            patient_client.post(step_url(draft, name), post_data(name, answers[name]))

    response = submit(patient_client, draft)

    assert response["Location"] == step_url(draft, "heart") + "?check=1"  # its errors shown at once
    assert not IntakeSubmission.objects.exists()


# --- nothing is lost --------------------------------------------------------------------------


def test_a_validation_error_keeps_every_answer_and_lists_the_error_at_the_top(patient_client, draft):
    values = {**BASE["about"], "sex_at_birth": "", "weight": "2000"}

    response = patient_client.post(step_url(draft, "about"), post_data("about", values))

    assert response["Location"] == step_url(draft, "about") + "?check=1"
    page = patient_client.get(response["Location"]).content.decode()
    assert 'value="1985-03-27"' in page
    assert 'value="2000"' in page
    assert '<option value="OR" selected>' in page
    assert "data-error-summary" in page
    assert 'href="#id_about-sex_at_birth_0"' in page
    assert 'href="#id_about-weight"' in page


def test_save_and_finish_later_then_sign_in_elsewhere_resumes_at_the_first_incomplete_step(
    patient_client, draft, patient
):
    answers = scenario("eligible")
    fill(patient_client, draft, answers, until="heart")
    half = {"hypertension": "controlled", "systolic": "135"}
    response = patient_client.post(step_url(draft, "heart"), post_data("heart", half, action="save"))
    assert response["Location"] == reverse("patients:dashboard")
    assert "Your answers are saved" in patient_client.get(response["Location"]).content.decode()
    patient_client.logout()

    other_device = Client()
    other_device.force_login(patient)
    dashboard = other_device.get(reverse("patients:dashboard")).content.decode()
    resume = other_device.get(reverse("intake:resume", args=[draft.pk]))

    done = steps.ANSWER_STEPS.index("heart")  # every page before it
    assert f"{done} of {steps.PAGE_COUNT} pages done" in dashboard
    assert resume["Location"] == step_url(draft, "heart")
    page = other_device.get(resume["Location"]).content.decode()
    assert re.search(r'value="controlled"[^>]*checked', page)
    assert 'value="135"' in page
    # Earlier steps kept every answer too.
    assert re.search(r'value="never"[^>]*checked', other_device.get(step_url(draft, "treatment")).content.decode())


def test_back_saves_what_was_typed_and_goes_to_the_previous_step(patient_client, draft):
    fill(patient_client, draft, scenario("eligible"), until="diagnoses")

    response = patient_client.post(
        step_url(draft, "diagnoses"), post_data("diagnoses", {"diagnoses": ["ptsd"]}, action="back")
    )

    assert response["Location"] == step_url(draft, "payment")
    assert IntakeDraft.objects.get().answers["diagnoses"]["diagnoses-diagnoses"] == ["ptsd"]


def test_back_from_an_untouched_step_stores_nothing(patient_client, draft):
    fill(patient_client, draft, scenario("eligible"), until="diagnoses")

    patient_client.post(step_url(draft, "diagnoses"), {"action": "back"})

    assert "diagnoses" not in IntakeDraft.objects.get().answers


# --- skip logic and conditional questions ---------------------------------------------------


def test_safety_follow_up_questions_are_not_required_after_a_no(patient_client, draft):
    response = patient_client.post(
        step_url(draft, "safety"), post_data("safety", {"wish_dead": "yes", "thoughts": "no", "behavior": "no"})
    )
    assert response["Location"] == step_url(draft, "antidepressants")


def test_safety_follow_up_questions_are_required_after_a_yes(patient_client, draft):
    response = patient_client.post(
        step_url(draft, "safety"),
        post_data("safety", {"wish_dead": "yes", "thoughts": "yes", "behavior": "yes"}),
    )
    assert response["Location"] == step_url(draft, "safety") + "?check=1"
    page = patient_client.get(response["Location"]).content.decode()
    for name in ("method", "intent", "plan", "behavior_recent"):
        assert f'href="#id_safety-{name}_0"' in page


def test_moderate_risk_does_not_show_the_crisis_page(patient_client, draft):
    response = patient_client.post(
        step_url(draft, "safety"),
        post_data(
            "safety",
            {
                "wish_dead": "yes",
                "thoughts": "yes",
                "method": "yes",
                "intent": "no",
                "plan": "no",
                "behavior": "yes",
                "behavior_recent": "no",
            },
        ),
    )
    assert response["Location"] == step_url(draft, "antidepressants")
    assert not Notification.objects.filter(kind="intake_alert.urgent").exists()


def test_pregnancy_is_not_asked_when_sex_at_birth_is_male(patient_client, draft):
    patient_client.post(step_url(draft, "about"), post_data("about", {**BASE["about"], "sex_at_birth": "male"}))
    page = patient_client.get(step_url(draft, "health")).content.decode()
    assert "pregnant" not in page

    health = {k: v for k, v in BASE["health"].items() if k not in ("pregnancy", "breastfeeding")}
    response = patient_client.post(step_url(draft, "health"), post_data("health", health))
    assert response["Location"] == step_url(draft, "medications")


@pytest.mark.parametrize("sex", ["female", "intersex", "prefer_not_to_say"])
def test_pregnancy_is_asked_when_it_can_apply(patient_client, draft, sex):
    patient_client.post(step_url(draft, "about"), post_data("about", {**BASE["about"], "sex_at_birth": sex}))
    health = {k: v for k, v in BASE["health"].items() if k not in ("pregnancy", "breastfeeding")}

    response = patient_client.post(step_url(draft, "health"), post_data("health", health))

    assert response["Location"] == step_url(draft, "health") + "?check=1"
    assert "Are you pregnant, or could you be?" in patient_client.get(response["Location"]).content.decode()


# --- repeatable rows ------------------------------------------------------------------------


def test_add_another_without_javascript_adds_a_row_and_keeps_the_first(patient_client, draft):
    one = {"rows": BASE["antidepressants"]["rows"][:1]}

    response = patient_client.post(
        step_url(draft, "antidepressants"), post_data("antidepressants", one, action="add_row")
    )

    assert response["Location"] == step_url(draft, "antidepressants") + "#rows-end"
    page = patient_client.get(step_url(draft, "antidepressants")).content.decode()
    assert 'value="Zoloft"' in page
    assert 'name="antidepressants-rows-1-drug"' in page
    assert 'name="antidepressants-rows-TOTAL_FORMS" value="2"' in page
    assert "data-error-summary" not in page  # an empty new row is not an error


def test_a_removed_row_is_gone_for_good(patient_client, draft):
    rows = [dict(r) for r in BASE["antidepressants"]["rows"]]
    rows[0]["DELETE"] = "on"

    response = patient_client.post(step_url(draft, "antidepressants"), post_data("antidepressants", {"rows": rows}))

    assert response["Location"] == step_url(draft, "treatment")
    stored = IntakeDraft.objects.get().answers["antidepressants"]
    assert stored["antidepressants-rows-TOTAL_FORMS"] == ["1"]
    assert stored["antidepressants-rows-0-drug"] == ["bupropion XL"]


def test_no_antidepressants_needs_the_box_ticked(patient_client, draft):
    response = patient_client.post(step_url(draft, "antidepressants"), post_data("antidepressants", {"rows": []}))
    page = patient_client.get(response["Location"]).content.decode()
    assert "or check “I have not taken any antidepressants”" in page

    response = patient_client.post(
        step_url(draft, "antidepressants"), post_data("antidepressants", {"none_tried": "on", "rows": []})
    )
    assert response["Location"] == step_url(draft, "treatment")


def test_dose_unknown_is_accepted_and_a_row_error_links_to_its_field(patient_client, draft):
    rows = [
        {
            "drug": "Lexapro",
            "dose_unknown": "on",
            "weeks": "8",
            "as_prescribed": "yes",
            "improvement": "none",
            "current_episode": "yes",
        },
        {"drug": "Prozac", "weeks": "8", "as_prescribed": "yes", "improvement": "none", "current_episode": "yes"},
    ]

    response = patient_client.post(step_url(draft, "antidepressants"), post_data("antidepressants", {"rows": rows}))

    page = patient_client.get(response["Location"]).content.decode()
    assert 'href="#id_antidepressants-rows-1-dose_mg"' in page
    assert "Antidepressant 2, Highest dose you took each day, in mg" in page
    assert 'href="#id_antidepressants-rows-0-dose_mg"' not in page


def test_the_drug_names_are_suggested_from_the_engine_vocabulary(patient_client, draft):
    page = patient_client.get(step_url(draft, "medications")).content.decode()
    assert '<datalist id="drug-names">' in page
    assert '<option value="Zoloft">' in page or '<option value="Zoloft"></option>' in page
    assert 'list="drug-names"' in page


# --- pages and content ------------------------------------------------------------------------


def test_every_step_shows_progress_and_the_three_buttons(patient_client, draft):
    for number, name in enumerate(steps.STEP_NAMES, start=1):
        page = patient_client.get(step_url(draft, name)).content.decode()
        if name == steps.REVIEW:  # the last look: the same count as the start page and the dashboard
            assert f"Last step: check and send ({steps.PAGE_COUNT} pages)" in page
        else:
            assert f"Step {number} of {steps.PAGE_COUNT}" in page
        assert "Save and finish later" in page
        assert ('value="back"' in page) == (number > 1)
        assert "Need help now?" in page


def test_phq9_shows_the_nine_items_the_scale_and_pfizers_notice(patient_client, draft):
    page = patient_client.get(step_url(draft, "phq9")).content.decode()
    for value, label in enumerate(("Not at all", "Several days", "More than half the days", "Nearly every day")):
        assert len(re.findall(rf'value="{value}"[^>]*>\s*<label[^>]*>\s*{label}\s*</label>', page)) == 9
    assert "Thoughts that you would be better off dead or of hurting yourself in some way" in page
    assert "with an educational grant from Pfizer Inc." in page


def test_review_lists_every_answer_with_edit_links(patient_client, complete):
    draft = complete("eligible")

    page = patient_client.get(step_url(draft, "review")).content.decode()

    for name in steps.ANSWER_STEPS:
        assert f'href="{step_url(draft, name)}?from=review"' in page
    assert "Zoloft" in page and "Alex Example" in page and "Several days" not in page
    assert "More than half the days" in page


def test_dashboard_without_a_chosen_clinic_sends_the_patient_to_the_directory(patient_client):
    assert patient_client.get(reverse("patients:dashboard"))["Location"] == reverse("clinics:directory")


def test_dashboard_offers_the_clinic_chosen_at_sign_up(patient_client, clinic):
    session = patient_client.session
    session["chosen_clinic"] = clinic.slug
    session.save()

    page = patient_client.get(reverse("patients:dashboard")).content.decode()

    assert "Start your intake with Harbor Ketamine Clinic" in page
    assert reverse("intake:start", args=[clinic.slug]) in page


def test_dashboard_lists_drafts_and_submissions_with_plain_status(patient_client, complete, clinic):
    draft = complete("needs_review")
    submit(patient_client, draft)

    page = patient_client.get(reverse("patients:dashboard")).content.decode()

    assert "Being reviewed by a psychiatrist" in page
    assert reverse("patients:submission", args=[IntakeSubmission.objects.get().pk]) in page


def test_starting_twice_resumes_the_same_draft(patient_client, draft, clinic):
    response = patient_client.post(reverse("intake:start", args=[clinic.slug]))
    assert response["Location"] == reverse("intake:resume", args=[draft.pk])
    assert IntakeDraft.objects.count() == 1


def test_a_clinic_not_accepting_patients_cannot_be_started(patient_client):
    from tests.factories import make_clinic

    closed = make_clinic(accepting_patients=False)
    assert patient_client.post(reverse("intake:start", args=[closed.slug])).status_code == 404


# --- privacy: another patient's records are a 404 -----------------------------------------------


def test_a_missing_draft_is_the_same_404(patient_client):
    import uuid

    assert patient_client.get(reverse("intake:resume", args=[uuid.uuid4()])).status_code == 404


# --- queries: fixed per page whatever the data -------------------------------------------------


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_each_page_runs_a_fixed_number_of_queries(patient_client, complete, clinic, patient):
    draft = complete("eligible")
    few = {name: _queries(patient_client, step_url(draft, name)) for name in steps.STEP_NAMES}
    rows = [dict(BASE["antidepressants"]["rows"][0], drug=f"Zoloft {i} mg") for i in range(25)]
    # One drug in every row: the patient says they were separate courses (asked since ruleset 2027.01).
    many_rows = {"rows": rows, "separate_courses": "separate"}
    patient_client.post(step_url(draft, "antidepressants"), post_data("antidepressants", many_rows))
    many = {name: _queries(patient_client, step_url(draft, name)) for name in steps.STEP_NAMES}
    assert few == many
    assert max(many.values()) <= 9  # session, user, staff, unread count, draft, served states, session save, savepoint

    submit(patient_client, draft)
    submission = IntakeSubmission.objects.get()
    detail = _queries(patient_client, reverse("patients:submission", args=[submission.pk]))
    dashboard_one = _queries(patient_client, reverse("patients:dashboard"))
    for other_clinic_number in range(3):
        from tests.factories import make_clinic

        other = make_clinic(name=f"Other {other_clinic_number}")
        patient_client.post(reverse("intake:start", args=[other.slug]))
    assert _queries(patient_client, reverse("patients:dashboard")) == dashboard_one
    assert detail <= 12  # the result page: submission, results, case, decisions, worklist, appointments


@pytest.mark.parametrize("action", ["save", "back", "next"])
def test_high_risk_shows_help_first_whatever_button_and_even_half_answered(patient_client, draft, action):
    half = {"wish_dead": "yes", "thoughts": "yes", "intent": "yes"}  # questions 3, 5 and 6 not answered yet

    response = patient_client.post(step_url(draft, "safety"), post_data("safety", half, action=action))

    assert response["Location"] == reverse("intake:reach_out", args=[draft.pk])
    assert Notification.objects.filter(kind="intake_alert.urgent").count() == 2


def test_pages_need_no_inline_script_or_style_for_the_content_security_policy(patient_client, complete):
    draft = complete("urgent")
    urls = [step_url(draft, name) for name in steps.STEP_NAMES] + [reverse("intake:reach_out", args=[draft.pk])]
    submit(patient_client, draft)
    submission = IntakeSubmission.objects.get()
    urls += [
        reverse("patients:submission", args=[submission.pk]),
        reverse("patients:submission_help", args=[submission.pk]),
        reverse("patients:dashboard"),
    ]
    for url in urls:
        response = patient_client.get(url, follow=True)
        page = response.content.decode()
        assert response.status_code == 200, url
        assert " style=" not in page, url
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), url
        assert re.search(r"<script[^>]+/static/js/intake\.js", page), url


def test_the_admin_lists_intakes_and_results_without_answers(client, patient_client, complete):
    draft = complete("needs_review")
    submit(patient_client, draft)
    admin = UserFactory(is_staff=True, is_superuser=True)
    TOTPDevice.objects.create(user=admin, name="Authenticator", confirmed=True)
    admin_client = Client()
    login_staff(admin_client, admin)
    for name in ("intake_intakedraft", "intake_intakesubmission", "screening_screeningresult", "screening_reviewcase"):
        assert admin_client.get(reverse(f"admin:{name}_changelist")).status_code == 200, name
    submission = IntakeSubmission.objects.get()
    detail = admin_client.get(reverse("admin:intake_intakesubmission_change", args=[submission.pk])).content.decode()
    assert "Zoloft" not in detail


def test_an_edit_from_the_review_page_comes_straight_back_to_it(patient_client, complete):
    draft = complete("eligible")
    edit = step_url(draft, "treatment") + "?from=review"
    assert f'action="{edit}"' in patient_client.get(edit).content.decode()

    response = patient_client.post(edit, post_data("treatment", {"prior_ketamine": "responded"}))

    assert response["Location"] == step_url(draft, "review")
    assert "Yes, and it helped" in patient_client.get(response["Location"]).content.decode()


def test_a_state_the_clinic_does_not_serve_is_explained_and_nothing_typed_is_lost(patient_client, draft):
    about = dict(BASE["about"], state="TX")

    response = patient_client.post(step_url(draft, "about"), post_data("about", about))

    assert response["Location"] == step_url(draft, "about") + "?check=1"  # stays on the step, errors shown
    page = patient_client.get(response["Location"]).content.decode()
    assert "Harbor Ketamine Clinic can only see patients who live in: Oregon, Washington" in page
    assert 'value="1985-03-27"' in page and 'value="150' in page
    draft.refresh_from_db()
    assert draft.answers["about"]["about-state"] == ["TX"]


def test_an_eligible_patient_lands_on_the_coordinators_worklist_once(patient_client, complete, clinic, patient):
    from scheduling.models import WorklistEntry

    draft = complete("eligible")
    submit(patient_client, draft)
    submit(patient_client, draft)  # a double click

    entry = WorklistEntry.objects.get()
    assert (entry.clinic, entry.patient, entry.source, entry.status) == (clinic, patient, "eligible", "to_contact")
