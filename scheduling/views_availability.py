"""Availability and closures: each clinician's weekly hours and dates off or extra, and the clinic's closed days.

Writes go through scheduling.availability (each audited).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from clinics.access import clinic_role_required
from clinics.models import Role

from .availability import (
    availability_exception_add,
    availability_exception_remove,
    availability_window_add,
    availability_window_remove,
    clinic_closure_add,
    clinic_closure_remove,
    clinicians,
    closure_in_clinic,
    closures_upcoming,
    exception_in_clinic,
    exceptions_upcoming,
    window_in_clinic,
    windows_of,
)
from .forms import AvailabilityExceptionForm, AvailabilityWindowForm, ClinicClosureForm
from .views_shared import ALL_STAFF, clinic_today, errors_to_form, is_admin, page_context


def _availability_target(request: HttpRequest, raw: str | None, *, strict: bool) -> tuple[Any | None, list[Any]]:
    """Whose hours the page shows: your own; a clinic admin may choose any coordinator or psychiatrist
    (the first one until they choose; a change is only ever made to the one named in the form)."""
    people = clinicians(request.clinic)
    by_id = {str(u.pk): u for u in people}
    if not is_admin(request):
        return by_id.get(str(request.user.pk)), people
    if strict:
        return by_id.get(raw or ""), people
    return (by_id.get(raw or "") or (people[0] if people else None)), people


@require_http_methods(["GET", "POST"])
@clinic_role_required(*ALL_STAFF)
def availability(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    raw = request.POST.get("clinician") if request.method == "POST" else request.GET.get("clinician")
    which = request.POST.get("form") if request.method == "POST" else None
    if which not in (None, "window", "exception"):
        which = None
    target, people = _availability_target(request, raw, strict=which is not None)
    if which is not None and target is None:
        raise Http404("No such clinician.")
    today = clinic_today(request)
    window_form = AvailabilityWindowForm(request.POST if which == "window" else None, prefix="window")
    exception_form = AvailabilityExceptionForm(
        request.POST if which == "exception" else None, prefix="exception", today=today
    )
    if which == "window" and window_form.is_valid():
        data = window_form.cleaned_data
        try:
            availability_window_add(
                clinic=request.clinic,
                clinician=target,
                weekday=data["weekday"],
                start_time=data["start_time"],
                end_time=data["end_time"],
                by=request.user,
                request=request,
            )
        except ValidationError as exc:
            errors_to_form(window_form, exc)
        else:
            messages.success(request, "Weekly hours added.")
            return redirect(_availability_url(request, target))
    if which == "exception" and exception_form.is_valid():
        data = exception_form.cleaned_data
        try:
            availability_exception_add(
                clinic=request.clinic,
                clinician=target,
                day=data["date"],
                kind=data["kind"],
                start_time=data.get("start_time"),
                end_time=data.get("end_time"),
                by=request.user,
                request=request,
            )
        except ValidationError as exc:
            errors_to_form(exception_form, exc)
        else:
            messages.success(request, "Saved.")
            return redirect(_availability_url(request, target))
    context = page_context(
        request,
        target=target,
        people=people,
        is_admin=is_admin(request),
        windows=windows_of(request.clinic, target) if target else [],
        exceptions=exceptions_upcoming(request.clinic, target, today=today) if target else [],
        closures=closures_upcoming(request.clinic, today=today),
        window_form=window_form,
        exception_form=exception_form,
        subtab="availability",
    )
    return render(request, "scheduling/availability.html", context)


def _availability_url(request: HttpRequest, target: Any) -> str:
    url = reverse("scheduling:availability", kwargs={"clinic_slug": request.clinic.slug})
    return f"{url}?clinician={target.pk}" if is_admin(request) else url


def _own_or_admin(request: HttpRequest, clinician_id: Any) -> None:
    if not is_admin(request) and clinician_id != request.user.pk:
        raise Http404("No such hours.")


@require_POST
@clinic_role_required(*ALL_STAFF)
def availability_window_remove_view(request: HttpRequest, clinic_slug: str, window_id: int) -> HttpResponse:
    window = window_in_clinic(request.clinic, window_id)
    if window is None:
        raise Http404("No such hours.")
    _own_or_admin(request, window.clinician_id)
    target = window.clinician
    availability_window_remove(window=window, by=request.user, request=request)
    messages.success(request, "Weekly hours removed. Appointments already booked stay booked.")
    return redirect(_availability_url(request, target))


@require_POST
@clinic_role_required(*ALL_STAFF)
def availability_exception_remove_view(request: HttpRequest, clinic_slug: str, exception_id: int) -> HttpResponse:
    exception = exception_in_clinic(request.clinic, exception_id)
    if exception is None:
        raise Http404("No such date.")
    _own_or_admin(request, exception.clinician_id)
    target = exception.clinician
    availability_exception_remove(exception=exception, by=request.user, request=request)
    messages.success(request, "Removed.")
    return redirect(_availability_url(request, target))


# --- clinic closures (holidays) ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@clinic_role_required(Role.CLINIC_ADMIN)
def closures(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    """The dates the whole clinic is closed; adding one takes those days out of every clinician's free time."""
    today = clinic_today(request)
    form = ClinicClosureForm(request.POST if request.method == "POST" else None, today=today)
    if request.method == "POST" and form.is_valid():
        try:
            clinic_closure_add(
                clinic=request.clinic,
                day=form.cleaned_data["date"],
                name=form.cleaned_data["name"],
                by=request.user,
                request=request,
            )
        except ValidationError as exc:
            errors_to_form(form, exc, "date")
        else:
            messages.success(
                request,
                "Closure added. No free time is offered that day; appointments already booked on it are listed "
                "on the worklist to be moved.",
            )
            return redirect("scheduling:closures", clinic_slug=request.clinic.slug)
    context = page_context(
        request, form=form, closures=closures_upcoming(request.clinic, today=today), subtab="closures"
    )
    return render(request, "scheduling/closures.html", context)


@require_POST
@clinic_role_required(Role.CLINIC_ADMIN)
def closure_remove_view(request: HttpRequest, clinic_slug: str, closure_id: Any) -> HttpResponse:
    closure = closure_in_clinic(request.clinic, closure_id)
    if closure is None:
        raise Http404("No such closure.")
    clinic_closure_remove(closure=closure, by=request.user, request=request)
    messages.success(request, "Closure removed: that day is bookable again.")
    return redirect("scheduling:closures", clinic_slug=request.clinic.slug)
