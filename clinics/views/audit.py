"""Clinic admins browse their clinic's audit log; nothing here changes or deletes an event."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.audit import ACTIONS, audit_status

from ..forms import AuditFilterForm
from ..models import Role
from ..permissions import clinic_role_required
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


@require_GET
@clinic_role_required(Role.CLINIC_ADMIN)
def audit_log(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    clinic = request.clinic
    form = AuditFilterForm(request.GET or None)
    filters = {}
    if form.is_bound:
        form.is_valid()  # an invalid filter is shown with its message; the valid ones still apply
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    page = audit_events_for_clinic(clinic, before=_cursor(request.GET.get("before")), **filters)
    rows = [
        {"event": e, "label": ACTIONS.get(e.action, e.action), "detail": _detail_items(e.detail, page.users)}
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
        "integrity": audit_status(),
    }
    return render(request, "clinics/audit_log.html", context)
