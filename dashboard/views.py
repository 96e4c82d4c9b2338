"""The clinic dashboard for clinic admins: the funnel of a period as a chart and a table; the CSV export."""

from __future__ import annotations

import csv
from datetime import date

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from clinics.access import clinic_role_required
from clinics.models import Role
from core.audit import audit_record

from .forms import PeriodForm
from .funnel import CHART_WIDTH, CSV_COLUMNS, chart_bars, export_rows, funnel

admin_only = clinic_role_required(Role.CLINIC_ADMIN)


def _period_form(request: HttpRequest) -> PeriodForm:
    today = timezone.now().astimezone(request.clinic.zone).date()
    bound = any(request.GET.get(k) for k in ("start", "end"))
    return PeriodForm(request.GET if bound else None, today=today)


@require_GET
@admin_only
def dashboard(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    form = _period_form(request)
    start, end = form.period()
    result = funnel(request.clinic, start, end)
    as_of = result.computed_at.astimezone(request.clinic.zone)
    bars, height = chart_bars(result)
    export_url = reverse("dashboard:export_csv", kwargs={"clinic_slug": request.clinic.slug})
    context = {
        "clinic": request.clinic,
        "membership": request.membership,
        "tab": "dashboard",
        "subtab": "dashboard",
        "form": form,
        "funnel": result,
        "as_of_today": as_of.date() == form.today,
        "bars": bars,
        "chart_width": CHART_WIDTH,
        "chart_height": height,
        "export_url": f"{export_url}?start={start.isoformat()}&end={end.isoformat()}",
    }
    return render(request, "dashboard/dashboard.html", context)


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def _stream(request: HttpRequest, start: date, end: date):
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for row in export_rows(request.clinic, start, end):
        yield writer.writerow(row)


@require_GET
@admin_only
def export_csv(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    """Submissions and results of the period, no free text; streamed, and written to the audit log first."""
    form = _period_form(request)
    if form.is_bound and not form.is_valid():
        errors = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return HttpResponse(f"The period is not valid: {errors}", status=400, content_type="text/plain; charset=utf-8")
    start, end = form.period()
    audit_record(
        action="export.csv",
        actor=request.user,
        clinic=request.clinic,
        request=request,
        detail={"from": start.isoformat(), "to": end.isoformat(), "columns": CSV_COLUMNS},
    )
    response = StreamingHttpResponse(_stream(request, start, end), content_type="text/csv; charset=utf-8")
    filename = f"{request.clinic.slug}-submissions-{start.isoformat()}-to-{end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
