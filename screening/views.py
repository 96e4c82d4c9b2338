"""The psychiatrist's review queue, the case page and the decisions on a case; re-screening progress.

Psychiatrists and clinic admins of the clinic only (everyone else gets 404). Every page that shows a
patient's record writes an audit event.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinics.access import clinic_role_required
from clinics.models import Role
from core.audit import audit_record
from intake.patient_messages import ineligible_reasons
from scheduling.appointments import patient_upcoming_at_clinic
from scheduling.models import Appointment

from . import cases, display, selectors
from .contact import case_contact_context
from .forms import ClearForm, DeclineForm, QueueFilterForm, ReassignForm, ReopenForm, RequestInfoForm
from .models import ReviewCase, ReviewDecision
from .rules import Policy

readers = clinic_role_required(Role.PSYCHIATRIST, Role.CLINIC_ADMIN)
psychiatrists = clinic_role_required(Role.PSYCHIATRIST)
admins = clinic_role_required(Role.CLINIC_ADMIN)


def _case_url(case: ReviewCase) -> str:
    return reverse("screening:case", kwargs={"clinic_slug": case.clinic.slug, "case_id": case.pk})


def _case_or_404(request: HttpRequest, case_id: Any) -> ReviewCase:
    case = selectors.case_for_staff(clinic=request.clinic, case_id=case_id)
    if case is None:
        raise Http404("No such case.")
    return case


def _audit_view(request: HttpRequest, case: ReviewCase, page: str) -> None:
    audit_record(
        action="case.view",
        actor=request.user,
        clinic=request.clinic,
        obj=case,
        request=request,
        detail={"page": page, "submission_id": str(case.submission_id), "version": case.submission.version},
    )


# --- the queue ---------------------------------------------------------------------------------------------


@require_GET
@readers
def queue(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else selectors.QueueFilters()
    page = selectors.queue_page(
        clinic=request.clinic,
        user=request.user,
        filters=filters,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
    )
    intake_alerts = selectors.intake_alerts_waiting(clinic=request.clinic)
    audit_record(
        action="queue.view",
        actor=request.user,
        clinic=request.clinic,
        request=request,
        detail={
            "status": filters.status,
            "cases": [str(case.pk) for case in page.cases],
            "intake_alerts": [str(alert.pk) for alert in intake_alerts],
        },
    )
    return render(
        request,
        "screening/queue.html",
        {
            "clinic": request.clinic,
            "membership": request.membership,
            "tab": "queue",
            "form": form,
            "filters": filters,
            "filtered": filters != selectors.QueueFilters(),
            "status_label": selectors.STATUS_FILTERS[filters.status][0],
            "page": page,
            "counts": page.counts,
            "intake_alerts": intake_alerts,
        },
    )


# --- the case page -------------------------------------------------------------------------------------------


def _min_weeks(case: ReviewCase) -> int:
    result = case.result
    values = result.policy.values if result is not None and result.policy is not None else {}
    return int(values.get("min_trial_weeks", Policy().min_trial_weeks))


def _case_context(request: HttpRequest, case: ReviewCase, **forms: Any) -> dict[str, Any]:
    submission = case.submission
    document = submission.document or {}
    result = case.result
    data = result.result if result is not None else {}
    versions = selectors.case_versions(case=case)
    previous = next((s for s in versions if s.pk == submission.amends_id), None)
    decisions = selectors.case_decisions(case=case)
    # Result versions numbered across the case: an amendment's results go on from the earlier version's.
    numbers = {
        r.pk: n
        for n, r in enumerate(
            sorted((r for v in versions for r in v.results), key=lambda r: (r.created_at, r.version)), start=1
        )
    }
    for version in versions:
        for r in version.results:
            r.case_number = numbers[r.pk]
    for decision in decisions:
        decision.result_number = numbers.get(decision.result_id)
    clinic_today: date = timezone.localdate(timezone.now(), case.clinic.zone)
    phq9 = data.get("phq9") or {}
    actions = cases.allowed_actions(case, request.membership)
    context = {
        "clinic": case.clinic,
        "membership": request.membership,
        "tab": "queue",
        "case": case,
        "submission": submission,
        "patient": submission.patient,
        "result": result,
        "result_number": numbers.get(result.pk) if result is not None else None,
        "overdue": case.is_overdue,
        "summary": display.patient_summary(document, today=clinic_today),
        "finding_groups": display.findings_by_severity(data.get("findings") or []),
        "phq9": {
            "total": phq9.get("total"),
            "band": display.PHQ9_BANDS.get(phq9.get("severity"), phq9.get("severity")),
            "rows": display.phq9_rows(document.get("phq9") or []),
        },
        "suicide_risk": data.get("suicide_risk"),
        "suicide_risk_words": display.SUICIDE_RISK.get(data.get("suicide_risk"), data.get("suicide_risk")),
        "cssrs": display.cssrs_rows(document.get("suicide_screen") or {}),
        "trd": data.get("trd") or {},
        "trd_classes": [display.class_words(c) for c in (data.get("trd") or {}).get("classes") or []],
        "trials": display.trial_rows(document, data.get("trd") or {}, min_weeks=_min_weeks(case)),
        "min_weeks": _min_weeks(case),
        "maudsley": display.maudsley_block(data.get("maudsley")),
        "other_treatments": display.other_treatment_rows(document),
        "medications": display.medication_rows(document, data.get("medications") or []),
        "answer_sections": display.answer_sections(document),
        "versions": versions,
        "previous": previous,
        "changes": display.document_changes(previous.document, document) if previous else [],
        "decisions": decisions,
        "last_question": next((d for d in reversed(decisions) if d.kind == ReviewDecision.Kind.INFO_REQUESTED), None),
        "worklist_entry": selectors.worklist_entry_for(submission=submission)
        if case.status == ReviewCase.Status.CLEARED
        else None,
        "actions": actions,
    }
    if cases.Action.REASSIGN in actions:
        context["reassign_form"] = forms.get("reassign_form") or ReassignForm(
            psychiatrists=selectors.clinic_psychiatrists(clinic=case.clinic), exclude=case.claimed_by_id
        )
    if cases.Action.REOPEN in actions:
        context["reopen_form"] = forms.get("reopen_form") or ReopenForm()
    context.update(case_contact_context(request, case, forms.get("contact_form")))
    return context


def _render_case(request: HttpRequest, case: ReviewCase, *, status: int = 200, **forms: Any) -> HttpResponse:
    context = _case_context(request, case, **forms)
    _audit_view(request, case, "case")
    return render(request, "screening/case.html", context, status=status)


@require_GET
@readers
def case_detail(request: HttpRequest, clinic_slug: str, case_id: Any) -> HttpResponse:
    return _render_case(request, _case_or_404(request, case_id))


@require_GET
@readers
def case_fhir(request: HttpRequest, clinic_slug: str, case_id: Any) -> HttpResponse:
    """The case as one FHIR Bundle, downloaded for the clinic's EHR (audited like a view of the case)."""
    from .fhir import case_bundle

    case = _case_or_404(request, case_id)
    bundle = case_bundle(case)
    audit_record(
        action="case.fhir_export",
        actor=request.user,
        clinic=request.clinic,
        obj=case,
        request=request,
        detail={"submission_id": str(case.submission_id), "version": case.submission.version},
    )
    response = HttpResponse(
        bundle.model_dump_json(exclude_none=True), content_type="application/fhir+json; charset=utf-8"
    )
    # The file name names the case, never the patient.
    response["Content-Disposition"] = f'attachment; filename="case-{case.pk}.fhir.json"'
    response["Cache-Control"] = "no-store"
    return response


# --- claim, release, acknowledge, reassign, re-open ------------------------------------------------------------


def _act(request: HttpRequest, case: ReviewCase, action: Any, success: str) -> HttpResponse:
    try:
        action()
    except cases.CaseActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect(_case_url(case))


@require_POST
@psychiatrists
def case_claim(request: HttpRequest, clinic_slug: str, case_id: Any) -> HttpResponse:
    case = _case_or_404(request, case_id)
    return _act(
        request,
        case,
        lambda: cases.review_case_claim(case_id=case.pk, user=request.user, request=request),
        "You have claimed this case. Nobody else can decide on it until you release it.",
    )


@require_POST
@readers
def case_release(request: HttpRequest, clinic_slug: str, case_id: Any) -> HttpResponse:
    case = _case_or_404(request, case_id)
    return _act(
        request,
        case,
        lambda: cases.review_case_release(case_id=case.pk, user=request.user, request=request),
        "The case is back in the queue for any psychiatrist to claim.",
    )


@require_POST
@psychiatrists
def case_acknowledge(request: HttpRequest, clinic_slug: str, case_id: Any) -> HttpResponse:
    case = _case_or_404(request, case_id)
    return _act(
        request,
        case,
        lambda: cases.review_case_acknowledge(case_id=case.pk, user=request.user, request=request),
        "Acknowledged: the clinic admins will not be alerted about this case.",
    )


@require_POST
@admins
def case_reassign(request: HttpRequest, clinic_slug: str, case_id: Any) -> HttpResponse:
    case = _case_or_404(request, case_id)
    form = ReassignForm(
        request.POST, psychiatrists=selectors.clinic_psychiatrists(clinic=case.clinic), exclude=case.claimed_by_id
    )
    if form.is_valid():
        to_user = form.chosen()
        try:
            cases.review_case_reassign(
                case_id=case.pk, to_user=to_user, by=request.user, note=form.cleaned_data["note"], request=request
            )
        except cases.CaseActionError as exc:
            messages.error(request, str(exc))
            return redirect(_case_url(case))
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("psychiatrist", message)
        else:
            messages.success(request, f"The case is now with {to_user.get_full_name()}, who has been told.")
            return redirect(_case_url(case))
    if refused := cases.refusal(case, request.membership, cases.Action.REASSIGN):
        messages.error(request, refused)
        return redirect(_case_url(case))
    return _render_case(request, case, reassign_form=form)


@require_POST
@admins
def case_reopen(request: HttpRequest, clinic_slug: str, case_id: Any) -> HttpResponse:
    case = _case_or_404(request, case_id)
    form = ReopenForm(request.POST)
    if form.is_valid():
        return _act(
            request,
            case,
            lambda: cases.review_case_reopen(
                case_id=case.pk, user=request.user, note=form.cleaned_data["note"], request=request
            ),
            "The case is open again and back in the queue.",
        )
    if refused := cases.refusal(case, request.membership, cases.Action.REOPEN):
        messages.error(request, refused)
        return redirect(_case_url(case))
    return _render_case(request, case, reopen_form=form)


# --- decisions -------------------------------------------------------------------------------------------------


def clear_message(case: ReviewCase) -> str:
    booked = patient_upcoming_at_clinic(
        clinic_id=case.clinic_id, patient_id=case.submission.patient_id, now=timezone.now()
    )
    if booked is not None and booked.kind == Appointment.Kind.EVALUATION:
        # Booked already (a re-opened case, or booked while eligible): no call to promise.
        return (
            f"Thank you for your answers. A psychiatrist at {case.clinic.name} has reviewed them, and the next step "
            "is your evaluation with a psychiatrist, which is already booked. The clinic will remind you before it."
        )
    return (
        f"Thank you for your answers. A psychiatrist at {case.clinic.name} has reviewed them, and the next step is "
        "an evaluation with a psychiatrist. A care coordinator will call you soon to arrange it."
    )


def decline_message(case: ReviewCase) -> str:
    """A kind starting point for the psychiatrist to edit: the exclusions explained in the patient's words."""
    findings = (case.result.result if case.result else {}).get("findings") or []
    reasons = ineligible_reasons(findings) if any(f.get("severity") == "exclude" for f in findings) else []
    lines = [
        "Thank you for telling us about yourself.",
        f"A psychiatrist at {case.clinic.name} has carefully reviewed your answers. We are sorry, but we cannot "
        "offer ketamine treatment at our clinic at the moment.",
    ]
    lines += [str(reason.explanation) for reason in reasons]
    lines.append(
        "Please talk to your own doctor or psychiatrist: there are other treatments for depression that can help."
    )
    lines.append(
        "If you are struggling or feel unsafe, call or text 988 at any time, or call 911 if you are in immediate "
        "danger."
    )
    return "\n\n".join(lines)


DECISIONS: dict[str, dict[str, Any]] = {
    "clear": {
        "form": ClearForm,
        "title": "Clear for evaluation",
        "button": "Clear for evaluation",
        "intro": "The patient joins the coordinators' worklist; a coordinator calls them to arrange the psychiatric "
        "evaluation.",
        "done": "Cleared for evaluation. The coordinators have been told and the patient can read your message.",
    },
    "decline": {
        "form": DeclineForm,
        "title": "Decline",
        "button": "Decline and tell the patient",
        "intro": "The patient reads your message in the app; their e-mail only says there is a new message.",
        "done": "Declined. The patient can read your message in the app.",
    },
    "request_info": {
        "form": RequestInfoForm,
        "title": "Ask the patient for more information",
        "button": "Send the question",
        "intro": "The case waits for the patient and stays with you. When they update their answers, the case "
        "comes back to you with the new screening result.",
        "done": "Your question was sent. The case waits for the patient and stays with you.",
    },
}


def _decision_view(request: HttpRequest, case_id: Any, kind: str) -> HttpResponse:
    case = _case_or_404(request, case_id)
    spec = DECISIONS[kind]
    if refused := cases.refusal(case, request.membership, kind):
        messages.error(request, refused)
        return redirect(_case_url(case))
    form_class = spec["form"]
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if kind == "clear":
                    cases.review_case_clear(case_id=case.pk, user=request.user, request=request, **data)
                elif kind == "decline":
                    cases.review_case_decline(case_id=case.pk, user=request.user, request=request, **data)
                else:
                    cases.review_case_request_info(case_id=case.pk, user=request.user, request=request, **data)
            except cases.CaseActionError as exc:
                messages.error(request, str(exc))
                return redirect(_case_url(case))
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, spec["done"])
                return redirect(_case_url(case))
    else:
        initial = {}
        if kind == "clear":
            initial["patient_message"] = clear_message(case)
        elif kind == "decline":
            initial["patient_message"] = decline_message(case)
        form = form_class(initial=initial)
    data = case.result.result if case.result else {}
    _audit_view(request, case, f"decide.{kind}")
    return render(
        request,
        "screening/decide.html",
        {
            "clinic": case.clinic,
            "membership": request.membership,
            "tab": "queue",
            "case": case,
            "patient": case.submission.patient,
            "summary": display.patient_summary(
                case.submission.document or {},
                today=timezone.localdate(timezone.now(), case.clinic.zone),
            ),
            "finding_groups": display.findings_by_severity(data.get("findings") or []),
            "form": form,
            "kind": kind,
            "spec": spec,
        },
        status=200,
    )


@require_http_methods(["GET", "POST"])
@psychiatrists
def case_clear(request: HttpRequest, clinic_slug: str, case_id: Any) -> HttpResponse:
    return _decision_view(request, case_id, "clear")


@require_http_methods(["GET", "POST"])
@psychiatrists
def case_decline(request: HttpRequest, clinic_slug: str, case_id: Any) -> HttpResponse:
    return _decision_view(request, case_id, "decline")


@require_http_methods(["GET", "POST"])
@psychiatrists
def case_request_info(request: HttpRequest, clinic_slug: str, case_id: Any) -> HttpResponse:
    return _decision_view(request, case_id, "request_info")


# --- re-screening progress -------------------------------------------------------------------------------------


@require_GET
@readers
def rescreen_progress(request: HttpRequest, clinic_slug: str, run_id: int) -> JsonResponse:
    """How far a re-screening has got (polled by static/js/review.js on the policy page). Counts only."""
    run = selectors.rescreen_run_for(clinic=request.clinic, run_id=run_id)
    if run is None:
        raise Http404("No such re-screening.")
    return JsonResponse(
        {
            "status": run.status,
            "status_label": run.get_status_display(),
            "total": run.total,
            "done": run.done,
            "percent": run.percent,
            "rescreened": run.rescreened,
            "cases_opened": run.cases_opened,
            "cases_closed": run.cases_closed,
            "priority_changed": run.priority_changed,
            "finished": not run.is_active,
        }
    )
