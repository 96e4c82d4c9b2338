"""The patient's home: their drafts, what happened to each intake (the result in plain words, the psychiatrist's
messages, the worklist), crisis help after an urgent result, and starting an update the psychiatrist asked for.

Above intake, screening and scheduling: it reads all three and none of them imports it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from intake import selectors as intake_selectors
from intake import services as intake_services
from intake import steps
from intake.models import IntakeDraft, IntakeSubmission
from intake.patient_messages import ineligible_reasons
from scheduling.models import Appointment, WorklistEntry
from screening.cases import ReplyNotAllowed, review_case_reply
from screening.models import Outcome, Priority, ReviewCase
from screening.selectors import case_latest, outcome_change_latest, result_latest, submission_may_apply_again

from . import selectors
from .forms import ReplyForm


def _submission_url(submission: IntakeSubmission) -> str:
    return reverse("patients:submission", kwargs={"submission_id": submission.pk})


def _submission_or_404(request: HttpRequest, submission_id: Any) -> IntakeSubmission:
    submission = selectors.submission_for_patient(user=request.user, submission_id=submission_id)
    if submission is None:
        raise Http404("No such intake.")
    return submission


# --- status in plain words ----------------------------------------------------------------------


def _worklist_state(submission: IntakeSubmission) -> str | None:
    """The submission's worklist status (annotated by the selectors; one query otherwise), None if not on it."""
    if hasattr(submission, "worklist_status"):
        return submission.worklist_status
    return WorklistEntry.objects.filter(submission=submission).values_list("status", flat=True).first()


def _booked_kind(submission: IntakeSubmission) -> str | None:
    """What is booked ahead for the submission (annotated by the selectors), "evaluation" before "consultation"."""
    if hasattr(submission, "booked_kind"):
        return submission.booked_kind
    return selectors.booked_ahead(submission).values_list("kind", flat=True).first()


def _worklist_status(status: str, submission: IntakeSubmission) -> dict[str, str] | None:
    clinic = submission.clinic
    if status == WorklistEntry.Status.TO_CONTACT:
        return {
            "label": _("Next: a call from the clinic"),
            "text": _("A care coordinator will call you soon to arrange your evaluation."),
            "tone": "success",
        }
    if status == WorklistEntry.Status.REACHED:
        return {
            "label": _("The clinic has spoken with you"),
            "text": _("A care coordinator has talked with you and will confirm your evaluation appointment."),
            "tone": "success",
        }
    if status == WorklistEntry.Status.UNREACHABLE:
        return {
            "label": _("Please call the clinic"),
            "text": _("We tried to reach you; please call the clinic at %(phone)s.") % {"phone": clinic.phone},
            "tone": "warning",
        }
    if status == WorklistEntry.Status.SCHEDULED and _booked_kind(submission) == Appointment.Kind.CONSULTATION:
        return {
            "label": _("Phone call booked"),
            "text": _("Your phone consultation with the clinic is booked. The clinic will remind you before it."),
            "tone": "success",
        }
    if status == WorklistEntry.Status.SCHEDULED:
        return {
            "label": _("Evaluation scheduled"),
            "text": _("Your evaluation with a psychiatrist has been scheduled. The clinic will remind you before it."),
            "tone": "success",
        }
    return None


def status_for(submission: IntakeSubmission) -> dict[str, str]:
    """The patient's view of where a submission stands: a short label and one sentence.

    In order: what a psychiatrist is doing or decided (the review case), then what the coordinators are doing
    (the worklist entry), then the screening outcome.
    """
    result = result_latest(submission=submission)
    if result is None:
        return {"label": _("Received"), "text": _("The clinic has your answers."), "tone": "info"}
    case = case_latest(submission=submission)
    clinic = submission.clinic
    status = case.status if case is not None else None
    if status == ReviewCase.Status.AWAITING_PATIENT:
        return {
            "label": _("The psychiatrist has a question for you"),
            "text": _("Please read their question below, then update your answers."),
            "tone": "warning",
        }
    if status in ReviewCase.IN_QUEUE and case.priority == Priority.URGENT:
        return {
            "label": _("The clinic will contact you soon"),
            "text": _("A member of the clinic's team will contact you soon."),
            "tone": "warning",
        }
    if status in ReviewCase.IN_QUEUE:
        return {
            "label": _("Being reviewed by a psychiatrist"),
            "text": _("A psychiatrist will look at your answers and then contact you."),
            "tone": "info",
        }
    if status == ReviewCase.Status.DECLINED:
        return {
            "label": _("Not offered at the moment"),
            "text": _("A psychiatrist has reviewed your answers. Please read their message below."),
            "tone": "secondary",
        }
    on_worklist = _worklist_state(submission)
    if on_worklist is not None and (worded := _worklist_status(on_worklist, submission)) is not None:
        return worded
    if status == ReviewCase.Status.CLEARED or (on_worklist is not None and result.outcome == Outcome.ELIGIBLE):
        # The coordinators closed the entry (or it is not there yet).
        return {
            "label": _("The clinic will contact you"),
            "text": _("If you have questions, please call the clinic at %(phone)s.") % {"phone": clinic.phone},
            "tone": "info",
        }
    if result.outcome == Outcome.ELIGIBLE:
        return {
            "label": _("Next: a call from the clinic"),
            "text": _("A care coordinator will call you to arrange an evaluation with a psychiatrist."),
            "tone": "success",
        }
    if result.outcome == Outcome.NEEDS_REVIEW and result.priority == Priority.URGENT:
        return {
            "label": _("The clinic will contact you soon"),
            "text": _("A member of the clinic's team will contact you soon."),
            "tone": "warning",
        }
    if result.outcome == Outcome.NEEDS_REVIEW:
        return {
            "label": _("Being reviewed by a psychiatrist"),
            "text": _("A psychiatrist will look at your answers and then contact you."),
            "tone": "info",
        }
    return {
        "label": _("Not offered at the moment"),
        "text": _("The clinic cannot offer ketamine treatment at the moment. Your result explains why."),
        "tone": "secondary",
    }


def _newer_version(submission: IntakeSubmission) -> IntakeSubmission | None:
    """The version that replaced this one (the patient updated their answers), if any."""
    try:
        return submission.amended_by
    except IntakeSubmission.DoesNotExist:
        return None


def conversation_for(submission: IntakeSubmission) -> dict[str, Any]:
    """What the psychiatrist told the patient, and whether the patient can (or already started to) update
    their answers: `timeline` (oldest first), `latest_message`, `can_amend`, `amendment_draft`."""
    case = case_latest(submission=submission)
    timeline = list(getattr(case, "timeline", None) or []) if case is not None else []
    if case is not None and not hasattr(case, "timeline"):
        timeline = list(case.decisions.filter(kind__in=selectors.PATIENT_TIMELINE).order_by("at", "id"))
    messages_ = [d for d in timeline if d.patient_message]
    try:
        draft = submission.amendment_draft
    except IntakeDraft.DoesNotExist:
        draft = None
    waiting = case is not None and case.status == ReviewCase.Status.AWAITING_PATIENT
    return {
        "timeline": timeline,
        "latest_message": messages_[-1] if messages_ else None,
        "waiting": waiting,
        "can_amend": waiting and draft is None,
        "amendment_draft": draft if draft is not None and not draft.is_submitted else None,
    }


# --- dashboard -----------------------------------------------------------------------------------


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    drafts = list(intake_selectors.drafts_open_for_patient(user=request.user))
    submissions = list(selectors.submissions_for_patient(user=request.user))
    chosen_slug = request.session.get("chosen_clinic")
    chosen = None
    if chosen_slug:
        chosen = intake_selectors.clinic_accepting(slug=chosen_slug)
        taken = {d.clinic_id for d in drafts} | {s.clinic_id for s in submissions}
        if chosen is not None and chosen.pk in taken:
            chosen = None
    if not drafts and not submissions and chosen is None:
        return redirect("clinics:directory")
    draft_rows = []
    for draft in drafts:
        checked = steps.check_draft(draft)
        draft_rows.append(
            {
                "draft": draft,
                "amends": draft.amends,
                "done": checked.done_count,
                "total": steps.PAGE_COUNT,
                "next_title": steps.STEP_BY_NAME[checked.first_incomplete].title,
            }
        )
    submission_rows = [
        {"submission": s, "status": status_for(s), "conversation": conversation_for(s)} for s in submissions
    ]
    return render(
        request,
        "patients/dashboard.html",
        {"drafts": draft_rows, "submissions": submission_rows, "chosen": chosen},
    )


# --- after submitting -----------------------------------------------------------------------------


def _may_apply_again(request: HttpRequest, submission: IntakeSubmission) -> bool:
    """Declined or ineligible, and the patient's latest answers to that clinic: they may start a new intake."""
    latest = intake_selectors.submission_for_clinic(user=request.user, clinic=submission.clinic)
    return latest == submission and submission_may_apply_again(submission)


def after_submit_url(submission: IntakeSubmission) -> str:
    """Where the wizard sends the patient after Submit (asked through core.hooks): crisis help first."""
    result = result_latest(submission=submission)
    if result is not None and result.priority == Priority.URGENT:
        return reverse("patients:submission_help", kwargs={"submission_id": submission.pk})
    return _submission_url(submission)


@login_required
@require_GET
def submission_help(request: HttpRequest, submission_id: Any) -> HttpResponse:
    """For urgent results: how to get help now, before anything else."""
    submission = _submission_or_404(request, submission_id)
    return render(
        request,
        "patients/submission_help.html",
        {"submission": submission, "clinic": submission.clinic, "continue_url": _submission_url(submission)},
    )


@login_required
@require_GET
def submission_detail(request: HttpRequest, submission_id: Any) -> HttpResponse:
    """The result in plain words, then the answers that were sent (read-only)."""
    return _render_submission(request, _submission_or_404(request, submission_id))


def _render_submission(
    request: HttpRequest, submission: IntakeSubmission, *, reply_form: ReplyForm | None = None, status: int = 200
) -> HttpResponse:
    result = result_latest(submission=submission)
    case = case_latest(submission=submission)
    clinic = submission.clinic
    checked = steps.check(submission.draft.answers, sent=True)
    newer = _newer_version(submission)
    groups = [
        {"step": steps.STEP_BY_NAME[name], "rows": checked.forms[name].display() if checked.valid[name] else []}
        for name in steps.ANSWER_STEPS
    ]
    outcome = result.outcome if result else None
    urgent = result is not None and result.priority == Priority.URGENT
    reasons = ineligible_reasons(result.result.get("findings", [])) if outcome == Outcome.INELIGIBLE else []
    return render(
        request,
        "patients/submission.html",
        {
            "submission": submission,
            "clinic": clinic,
            "outcome": outcome,
            "urgent": urgent,
            "status": status_for(submission),
            "conversation": conversation_for(submission),
            "newer": newer,
            # Asked only when the result is final and negative (no extra queries on every other result page).
            "may_apply_again": newer is None
            and (outcome == Outcome.INELIGIBLE or (case is not None and case.status == ReviewCase.Status.DECLINED))
            and _may_apply_again(request, submission),
            "case_status": case.status if case else None,
            "worklist_started": _worklist_state(submission) not in (None, WorklistEntry.Status.TO_CONTACT),
            "due_at": case.due_at if case else None,
            "reasons": reasons,
            "groups": groups,
            # Told only while no psychiatrist holds the case (then the conversation says what happens).
            "rescreened": outcome_change_latest(submission=submission) if case_status_open(case) else None,
            "reply_form": reply_form or ReplyForm(),
        },
        status=status,
    )


def case_status_open(case: ReviewCase | None) -> bool:
    return case is None or case.status in (ReviewCase.Status.OPEN, ReviewCase.Status.CLOSED)


@login_required
@require_POST
def amend(request: HttpRequest, submission_id: Any) -> HttpResponse:
    """Start updating answers already sent (a psychiatrist asked): a pre-filled draft, then the wizard."""
    submission = _submission_or_404(request, submission_id)
    try:
        draft = intake_services.draft_start_amendment(submission=submission, patient=request.user)
    except intake_services.AmendmentNotAllowed as exc:
        messages.info(request, str(exc))
        return redirect(_submission_url(submission))
    return redirect("intake:resume", draft_id=draft.pk)


@login_required
@require_POST
def reply(request: HttpRequest, submission_id: Any) -> HttpResponse:
    """Answer the psychiatrist's question in words; a blank or too long answer is shown again with its message."""
    submission = _submission_or_404(request, submission_id)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            review_case_reply(
                submission=submission, patient=request.user, text=form.cleaned_data["text"], request=request
            )
        except ReplyNotAllowed:
            messages.info(request, _("The psychiatrist is no longer waiting for an answer to this question."))
            return redirect(_submission_url(submission))
        except ValidationError as exc:
            for error in exc.message_dict.get("text", exc.messages):
                form.add_error("text", error)
        else:
            messages.success(request, _("Thank you. Your answer has been sent to the psychiatrist."))
            return redirect(_submission_url(submission) + "#next-step")
    return _render_submission(request, submission, reply_form=form, status=400)
