"""Appointments (staff): booking from the worklist, one appointment (move, cancel, mark), the week's calendar,
and ticking the pre-evaluation checklist.

Writes go through scheduling.appointments and scheduling.checklist (each audited); every page that shows a
patient is audited here. The buttons drawn are the ones `allowed_actions` allows.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinics.access import clinic_role_required
from clinics.views import link_around
from core.audit import audit_record
from core.dates import parse_reasonable_date

from . import worklist
from .appointments import (
    SCHEDULERS,
    SlotTaken,
    allowed_actions,
    appointment_book,
    appointment_cancel,
    appointment_history,
    appointment_in_clinic,
    appointment_mark,
    appointment_reschedule,
    appointments_for_entry,
    calendar_week,
    week_start,
)
from .availability import HORIZON_DAYS, clinicians, free_slots, group_by_day, slot_day
from .checklist import checklist_tick
from .forms import APPOINTMENT_TYPES, BookingForm, CancelForm, ChecklistTickForm, MarkForm, RescheduleForm
from .models import Appointment
from .views_shared import ALL_STAFF, clinic_today, errors_to_form, page_context


def _slot_days(
    request: HttpRequest, *, person: Any, kind: str, duration: timedelta, patient: Any, exclude_id: Any = None
) -> list:
    slots = free_slots(
        clinic=request.clinic,
        clinician_ids=[person.pk],
        kind=kind,
        duration=duration,
        now=timezone.now(),
        patient=patient,
        exclude_id=exclude_id,
    )
    return group_by_day(slots, request.clinic.zone)


@require_http_methods(["GET", "POST"])
@clinic_role_required(*SCHEDULERS)
def book(request: HttpRequest, clinic_slug: str, entry_id: Any) -> HttpResponse:
    entry = worklist.entry_in_clinic(request.clinic, entry_id)
    if entry is None:
        raise Http404("No such worklist entry.")
    people = clinicians(request.clinic)
    if request.method == "POST":
        form = BookingForm(request.POST, clinicians=people, require_slot=True)
        if form.is_valid():
            data = form.cleaned_data
            try:
                appointment = appointment_book(
                    clinic=request.clinic,
                    kind=data["kind"],
                    clinician=data["person"],
                    patient=entry.patient,
                    starts_at=data["slot"],
                    duration=data["duration"],
                    booked_by=request.user,
                    entry=entry,
                    request=request,
                )
            except SlotTaken as exc:
                form.add_error("slot", exc.message)
            except ValidationError as exc:
                errors_to_form(form, exc, "slot")
            else:
                messages.success(request, "Booked. The patient has been sent an e-mail with a calendar file.")
                return redirect(
                    "scheduling:appointment", clinic_slug=request.clinic.slug, appointment_id=appointment.pk
                )
    else:
        form = BookingForm(request.GET if "type" in request.GET else None, clinicians=people)
        form.is_valid()
    data = getattr(form, "cleaned_data", {})
    days, picked = None, None
    if data.get("person") and "clinician" not in form.errors and "type" not in form.errors:
        picked = {"type": data["type"], "person": data["person"], "label": APPOINTMENT_TYPES[data["type"]][2]}
        days = _slot_days(
            request, person=data["person"], kind=data["kind"], duration=data["duration"], patient=entry.patient
        )
    context = page_context(
        request,
        entry=entry,
        form=form,
        days=days,
        picked=picked,
        chosen_slot=request.POST.get("slot", ""),
        chosen_day=slot_day(request.POST.get("slot"), request.clinic.zone),
        horizon=HORIZON_DAYS,
        appointments=appointments_for_entry(entry),
        book_refusal=worklist.allowed_actions(entry, request.membership).refusals["book"],
        subtab="calendar",
    )
    audit_record(action="booking.view", actor=request.user, clinic=request.clinic, obj=entry, request=request)
    return render(request, "scheduling/book.html", context)


# --- one appointment ----------------------------------------------------------------------------------------


def _appointment(request: HttpRequest, appointment_id: Any) -> Appointment:
    appointment = appointment_in_clinic(request.clinic, appointment_id)
    if appointment is None:
        raise Http404("No such appointment.")
    return appointment


def _render_appointment(
    request: HttpRequest,
    appointment: Appointment,
    *,
    cancel_form: CancelForm | None = None,
    mark_error: str = "",
    status: int = 200,
) -> HttpResponse:
    actions = allowed_actions(appointment, request.membership)
    context = page_context(
        request,
        appointment=appointment,
        history=appointment_history(appointment),
        zone=request.clinic.zone,
        can_change="cancel" in actions.allowed,
        can_mark="mark" in actions.allowed,
        cancel_form=cancel_form or CancelForm(),
        mark_error=mark_error,
        subtab="calendar",
    )
    audit_record(action="appointment.view", actor=request.user, clinic=request.clinic, obj=appointment, request=request)
    return render(request, "scheduling/appointment.html", context, status=status)


@require_GET
@clinic_role_required(*ALL_STAFF)
def appointment_detail(request: HttpRequest, clinic_slug: str, appointment_id: Any) -> HttpResponse:
    return _render_appointment(request, _appointment(request, appointment_id))


@require_POST
@clinic_role_required(*SCHEDULERS)
def appointment_cancel_view(request: HttpRequest, clinic_slug: str, appointment_id: Any) -> HttpResponse:
    appointment = _appointment(request, appointment_id)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            appointment_cancel(
                appointment=appointment, by=request.user, reason=form.cleaned_data["reason"], request=request
            )
        except ValidationError as exc:
            errors_to_form(form, exc, "reason")
        else:
            messages.success(request, "Cancelled. The patient has been sent an e-mail.")
            return redirect("scheduling:appointment", clinic_slug=request.clinic.slug, appointment_id=appointment.pk)
    return _render_appointment(request, _appointment(request, appointment_id), cancel_form=form)


@require_POST
@clinic_role_required(*ALL_STAFF)
def appointment_mark_view(request: HttpRequest, clinic_slug: str, appointment_id: Any) -> HttpResponse:
    appointment = _appointment(request, appointment_id)
    form = MarkForm(request.POST)
    if not form.is_valid():
        return _render_appointment(request, appointment, mark_error="Choose attended or did not attend.")
    try:
        appointment_mark(
            appointment=appointment, outcome=form.cleaned_data["outcome"], by=request.user, request=request
        )
    except ValidationError as exc:
        return _render_appointment(request, appointment, mark_error=" ".join(exc.messages))
    messages.success(request, f"Marked: {Appointment.Status(form.cleaned_data['outcome']).label.lower()}.")
    return redirect("scheduling:appointment", clinic_slug=request.clinic.slug, appointment_id=appointment.pk)


@require_http_methods(["GET", "POST"])
@clinic_role_required(*SCHEDULERS)
def appointment_reschedule_view(request: HttpRequest, clinic_slug: str, appointment_id: Any) -> HttpResponse:
    appointment = _appointment(request, appointment_id)
    if refusal := allowed_actions(appointment, request.membership).refusals["reschedule"]:
        messages.error(request, refusal)
        return redirect("scheduling:appointment", clinic_slug=request.clinic.slug, appointment_id=appointment.pk)
    people = clinicians(request.clinic, appointment.kind)
    if request.method == "POST":
        form = RescheduleForm(request.POST, clinicians=people, require_all=True)
        if form.is_valid():
            data = form.cleaned_data
            try:
                new = appointment_reschedule(
                    appointment=appointment,
                    starts_at=data["slot"],
                    by=request.user,
                    reason=data["reason"],
                    clinician=data["person"],
                    request=request,
                )
            except SlotTaken as exc:
                form.add_error("slot", exc.message)
            except ValidationError as exc:
                errors_to_form(form, exc, "slot")
            else:
                messages.success(request, "Moved. The patient has been sent an e-mail with the new time.")
                return redirect("scheduling:appointment", clinic_slug=request.clinic.slug, appointment_id=new.pk)
    else:
        initial = {"clinician": str(appointment.clinician_id)}
        form = RescheduleForm(request.GET if "clinician" in request.GET else None, clinicians=people, initial=initial)
        form.is_valid()
    person = getattr(form, "cleaned_data", {}).get("person") or next(
        (p for p in people if p.pk == appointment.clinician_id), None
    )
    days = None
    if person is not None:
        days = _slot_days(
            request,
            person=person,
            kind=appointment.kind,
            duration=appointment.ends_at - appointment.starts_at,
            patient=appointment.patient,
            exclude_id=appointment.pk,  # the appointment being moved does not block its own new time
        )
    context = page_context(
        request,
        appointment=appointment,
        form=form,
        person=person,
        days=days,
        chosen_slot=request.POST.get("slot", ""),
        chosen_day=slot_day(request.POST.get("slot"), request.clinic.zone),
        horizon=HORIZON_DAYS,
        subtab="calendar",
    )
    audit_record(action="appointment.view", actor=request.user, clinic=request.clinic, obj=appointment, request=request)
    return render(request, "scheduling/reschedule.html", context)


# --- the calendar -----------------------------------------------------------------------------------------


def _parse_day(raw: str | None) -> date | None:
    return parse_reasonable_date(raw)  # a week in year 9999 or 0001 would overflow: this week instead


@require_GET
@clinic_role_required(*ALL_STAFF)
def calendar(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    today = clinic_today(request)
    monday = week_start(_parse_day(request.GET.get("week")) or today)
    people = clinicians(request.clinic)
    chosen = next((p for p in people if str(p.pk) == request.GET.get("clinician")), None)
    days = calendar_week(request.clinic, monday=monday, clinician_id=chosen.pk if chosen else None)
    link_before, link_after = link_around("scheduling:appointment", "appointment_id", clinic_slug=request.clinic.slug)
    audit_record(
        action="calendar.view",
        actor=request.user,
        clinic=request.clinic,
        request=request,
        detail={"week": monday.isoformat()},
    )
    context = page_context(
        request,
        days=days,
        monday=monday,
        sunday=monday + timedelta(days=6),
        previous_week=(monday - timedelta(days=7)).isoformat(),
        next_week=(monday + timedelta(days=7)).isoformat(),
        this_week=week_start(today),
        today=today,
        people=people,
        chosen=chosen,
        zone=request.clinic.zone,
        total=sum(len(d.appointments) for d in days),
        link_before=link_before,
        link_after=link_after,
        subtab="calendar",
    )
    return render(request, "scheduling/calendar.html", context)


# --- the checklist ----------------------------------------------------------------------------------------


@require_POST
@clinic_role_required(*ALL_STAFF)
def checklist_tick_view(request: HttpRequest, clinic_slug: str, entry_id: Any) -> HttpResponse:
    entry = worklist.entry_in_clinic(request.clinic, entry_id)
    if entry is None:
        raise Http404("No such worklist entry.")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("scheduling:calendar", kwargs={"clinic_slug": request.clinic.slug})
    form = ChecklistTickForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That checklist change was not saved: choose an item and whether it is done.")
        return redirect(next_url)
    item, done = form.cleaned_data["item"], form.cleaned_data["done"]
    checklist_tick(clinic=request.clinic, patient=entry.patient, item=item, done=done, by=request.user, request=request)
    label = dict(form.fields["item"].choices)[item]
    messages.success(request, f"{label}: {'ticked' if done else 'not done any more'}.")
    return redirect(f"{next_url}#checklist")
