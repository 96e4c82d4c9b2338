"""Reaching a patient at risk: the contact panel of the case page (phone, call preferences, emergency contact and
the clinic's one contact log), and the urgent item opened by high-risk answers before an intake is sent.

Psychiatrists and clinic admins read; psychiatrists acknowledge and log calls. Anyone else gets 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.audit import audit_record
from intake import steps
from intake.builder import suicide_screen
from scheduling.forms import ContactAttemptForm
from scheduling.models import ContactAttempt
from scheduling.worklist import patient_contact_log

from . import display, selectors
from .cases import CaseActionError, alert_allowed_actions, intake_alert_acknowledge
from .contact import contact_context
from .views import _case_or_404, _case_url, _render_case, psychiatrists, readers

CALL_LOGGED = {
    ContactAttempt.Outcome.REACHED: "Call logged: you reached the patient.",
    ContactAttempt.Outcome.VOICEMAIL: "Call logged: you left a voicemail.",
    ContactAttempt.Outcome.NO_ANSWER: "Call logged: no answer.",
}


def _log_call(request: HttpRequest, *, clinic: Any, patient: Any) -> tuple[bool, ContactAttemptForm]:
    form = ContactAttemptForm(request.POST)
    if not form.is_valid():
        return False, form
    outcome = form.cleaned_data["outcome"]
    try:
        patient_contact_log(
            clinic=clinic,
            patient=patient,
            by=request.user,
            outcome=outcome,
            note=form.cleaned_data["note"],
            request=request,
        )
    except PermissionDenied:
        raise Http404("No such patient.") from None
    except ValidationError as exc:
        for field, errors in getattr(exc, "error_dict", {None: exc.error_list}).items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
        return False, form
    messages.success(request, CALL_LOGGED[ContactAttempt.Outcome(outcome)])
    return True, form


@require_POST
@psychiatrists
def case_call(request: HttpRequest, clinic_slug: str, case_id: Any) -> HttpResponse:
    """Log a call to the case's patient in the clinic's contact log."""
    case = _case_or_404(request, case_id)
    logged, form = _log_call(request, clinic=case.clinic, patient=case.submission.patient)
    if logged:
        return redirect(_case_url(case) + "#contact-heading")
    # The case page again, with the error by the field: a view of the record (audited), like its other forms.
    return _render_case(request, case, contact_form=form)


# --- the urgent item before the intake is sent -----------------------------------------------------------------


def _alert_or_404(request: HttpRequest, alert_id: Any) -> Any:
    alert = selectors.intake_alert_for_staff(clinic=request.clinic, alert_id=alert_id)
    if alert is None:
        raise Http404("No such alert.")
    return alert


def _alert_url(alert: Any) -> str:
    return reverse("screening:intake_alert", kwargs={"clinic_slug": alert.clinic.slug, "alert_id": alert.pk})


def _render_alert(request: HttpRequest, alert: Any, *, form: Any = None, status: int = 200) -> HttpResponse:
    answers = alert.draft.answers or {}
    checked = steps.check(answers, alert.clinic)
    # Every page the patient completed so far, as the patient's own review shows it.
    groups = [
        {"step": steps.STEP_BY_NAME[name], "rows": checked.forms[name].display()}
        for name in steps.ANSWER_STEPS
        if name in answers and checked.valid[name]
    ]
    context = {
        "clinic": alert.clinic,
        "membership": request.membership,
        "tab": "queue",
        "alert": alert,
        "patient": alert.patient,
        "cssrs": display.cssrs_rows(suicide_screen(steps.safety_answers(answers))),
        "groups": groups,
        "steps_done": len(groups),
        "steps_total": len(steps.ANSWER_STEPS),
        "actions": alert_allowed_actions(alert, request.membership),
        **contact_context(
            request,
            clinic=alert.clinic,
            patient=alert.patient,
            urgent=True,
            action=reverse(
                "screening:intake_alert_call", kwargs={"clinic_slug": alert.clinic.slug, "alert_id": alert.pk}
            ),
            form=form,
        ),
    }
    audit_record(
        action="intake_alert.view",
        actor=request.user,
        clinic=request.clinic,
        obj=alert,
        request=request,
        detail={"patient_id": str(alert.patient_id)},
    )
    return render(request, "screening/intake_alert.html", context, status=status)


@require_GET
@readers
def intake_alert(request: HttpRequest, clinic_slug: str, alert_id: Any) -> HttpResponse:
    """Who gave high-risk answers, how to reach them and what they answered so far; once sent, their case."""
    alert = _alert_or_404(request, alert_id)
    if alert.case_id is not None:
        return redirect(_case_url(alert.case))
    return _render_alert(request, alert)


@require_POST
@psychiatrists
def intake_alert_acknowledge_view(request: HttpRequest, clinic_slug: str, alert_id: Any) -> HttpResponse:
    alert = _alert_or_404(request, alert_id)
    try:
        intake_alert_acknowledge(alert_id=alert.pk, user=request.user, request=request)
    except CaseActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Acknowledged: the clinic admins will not be alerted. Please contact the patient.")
    return redirect(_alert_url(alert))


@require_POST
@psychiatrists
def intake_alert_call(request: HttpRequest, clinic_slug: str, alert_id: Any) -> HttpResponse:
    alert = _alert_or_404(request, alert_id)
    logged, form = _log_call(request, clinic=alert.clinic, patient=alert.patient)
    if logged:
        return redirect(_alert_url(alert) + "#contact-heading")
    return _render_alert(request, alert, form=form)  # the page again with the error by the field (a view: audited)
