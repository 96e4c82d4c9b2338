"""The coordinators' worklist: patients to contact (eligible or cleared), oldest first, and each contact.

Minimum necessary: coordinators and clinic admins see contact details, how the patient came here and the
contact history; never the answers or the screening findings. Every page that shows a patient is audited.
"""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinics.access import clinic_role_required
from clinics.views import link_around

from .availability import appointments_on_closed_days
from .forms import WORKLIST_STATUSES, ContactAttemptForm, worklist_status
from .models import ContactAttempt, WorklistEntry
from .worklist import (
    WORKLIST_COUNT_CAP,
    WORKLIST_ROLES,
    allowed_actions,
    contact_attempt_log,
    unanswered_attempts,
    worklist_contact_attempts,
    worklist_entry_in_clinic,
    worklist_entry_view_record,
    worklist_mark_unreachable,
    worklist_page,
    worklist_view_record,
)

worklist_roles = clinic_role_required(*WORKLIST_ROLES)

# Flash messages name no patient: they travel in the session (or a cookie).
ATTEMPT_LOGGED = {
    ContactAttempt.Outcome.REACHED: "Call logged: you reached the patient.",
    ContactAttempt.Outcome.VOICEMAIL: "Call logged: you left a voicemail.",
    ContactAttempt.Outcome.NO_ANSWER: "Call logged: no answer.",
}


@require_GET
@worklist_roles
def worklist(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    clinic = request.clinic
    status = worklist_status(request.GET.get("status"))
    after = request.GET.get("after")
    page = worklist_page(clinic, status=status, after=after)
    worklist_view_record(entries=page.entries, by=request.user, clinic=clinic, status=status, request=request)
    context = {
        "clinic": clinic,
        "membership": request.membership,
        "tab": "worklist",
        "status": status,
        "status_label": WorklistEntry.Status(status).label,
        "statuses": WORKLIST_STATUSES,
        "entries": page.entries,
        "entry_link": link_around("scheduling:worklist_entry", "entry_id", clinic_slug=clinic.slug),
        "total": page.total,
        "total_capped": page.total > WORKLIST_COUNT_CAP,
        "count_cap": WORKLIST_COUNT_CAP,
        "next_after": page.next_after,
        "paged": bool(after),
    }
    # Appointments booked before a closure or a day off was entered: flagged at the top, to be moved.
    context["closed_day_appointments"] = [] if after else appointments_on_closed_days(clinic, now=timezone.now())
    return render(request, "scheduling/worklist.html", context)


def _entry(request: HttpRequest, entry_id: Any) -> WorklistEntry:
    entry = worklist_entry_in_clinic(request.clinic, entry_id)
    if entry is None:
        raise Http404("No such worklist entry.")
    entry.clinic = request.clinic
    return entry


def _render_entry(request: HttpRequest, entry: WorklistEntry, form: ContactAttemptForm) -> HttpResponse:
    worklist_entry_view_record(entry=entry, by=request.user, request=request)
    attempts = worklist_contact_attempts(entry)
    unanswered = unanswered_attempts(entry, attempts)
    actions = allowed_actions(entry, request.membership, unanswered=unanswered)
    context = {
        "clinic": request.clinic,
        "membership": request.membership,
        "tab": "worklist",
        "entry": entry,
        "patient": entry.patient,
        "attempts": attempts,
        "form": form,
        "unanswered": unanswered,
        "unreachable_after": settings.WORKLIST_UNREACHABLE_AFTER,
        "can_mark_unreachable": "mark_unreachable" in actions.allowed,
        "can_log": "log_call" in actions.allowed,
    }
    return render(request, "scheduling/worklist_entry.html", context)


@require_http_methods(["GET", "POST"])
@worklist_roles
def worklist_entry(request: HttpRequest, clinic_slug: str, entry_id: Any) -> HttpResponse:
    """The patient's contact details and contact history; POST logs a call (outcome and an optional note)."""
    entry = _entry(request, entry_id)
    form = ContactAttemptForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        outcome = form.cleaned_data["outcome"]
        try:
            contact_attempt_log(
                entry=entry, by=request.user, outcome=outcome, note=form.cleaned_data["note"], request=request
            )
        except ValidationError as exc:
            for field, errors in getattr(exc, "error_dict", {None: exc.error_list}).items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, ATTEMPT_LOGGED[ContactAttempt.Outcome(outcome)])
            return redirect("scheduling:worklist_entry", clinic_slug=clinic_slug, entry_id=entry.pk)
    return _render_entry(request, entry, form)


@require_POST
@worklist_roles
def worklist_unreachable(request: HttpRequest, clinic_slug: str, entry_id: Any) -> HttpResponse:
    entry = _entry(request, entry_id)
    try:
        worklist_mark_unreachable(entry=entry, by=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Marked unreachable. A call that reaches the patient later brings them back.")
    return redirect("scheduling:worklist_entry", clinic_slug=clinic_slug, entry_id=entry.pk)
