"""Clinic admins browse their clinic's audit log; nothing here changes or deletes an event."""

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from core import hooks
from core.audit import ACTIONS, audit_status

from ..access import clinic_role_required
from ..forms import AuditFilterForm, AuditPatientSearchForm
from ..models import Role
from ..selectors import audit_events_for_clinic


def _cursor(raw: str | None) -> int | None:
    try:
        value = int(raw or "")
    except ValueError:
        return None
    return value if 0 < value < 2**63 else None  # beyond a bigint: no such event


def _detail_items(detail: object, users: dict) -> list[tuple[str, str]]:
    """The event's codes and ids as readable pairs; a user id shows who it is."""
    if not isinstance(detail, dict):
        return []
    items = []
    for key, value in detail.items():
        if key == "user_id" and str(value) in users:
            user = users[str(value)]
            items.append(("member", f"{user.get_full_name()} ({user.email})"))
        elif isinstance(value, list):
            items.append((key, ", ".join(str(v) for v in value)))
        else:
            items.append((key, str(value)))
    return items


@require_http_methods(["GET", "POST"])
@clinic_role_required(Role.CLINIC_ADMIN)
def audit_log(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    """GET filters the log (a patient by id); POST searches a patient by name, so the name stays out of URLs."""
    clinic = request.clinic
    form = AuditFilterForm(request.GET or None)
    search = AuditPatientSearchForm(request.POST if request.method == "POST" else None)
    matches = None
    if search.is_bound and search.is_valid():
        matches = hooks.ask("clinic_patients_matching", clinic_id=clinic.pk, text=search.cleaned_data["patient_search"])
    filters = {}
    if form.is_bound:
        form.is_valid()  # an invalid filter is shown with its message; the valid ones still apply
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    patient = None
    if filters.get("patient"):
        patient = get_user_model().objects.filter(pk=filters["patient"]).only("id", "full_name", "email").first()
        filters["patient_records"] = hooks.ask(
            "audit_patient_records", clinic_id=clinic.pk, patient_id=filters["patient"]
        )
    page = audit_events_for_clinic(clinic, before=_cursor(request.GET.get("before")), **filters)
    names = hooks.ask("audit_patient_names", clinic_id=clinic.pk, events=page.events)
    rows = [
        {
            "event": e,
            "label": ACTIONS.get(e.action, e.action),
            "detail": _detail_items(e.detail, page.users),
            "patient": names.get(e.pk),
        }
        for e in page.events
    ]
    context = {
        "clinic": clinic,
        "membership": request.membership,
        "tab": "audit",
        "form": form,
        "rows": rows,
        "next_before": page.next_before,
        "paged": bool(request.GET.get("before")),
        "filtered": bool(filters),
        "search": search,
        "matches": matches,
        "patient": patient,
        "integrity": audit_status(),
    }
    return render(request, "clinics/audit_log.html", context)
