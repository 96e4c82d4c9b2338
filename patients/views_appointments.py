"""The patient's own appointments: booking the free phone call, seeing, moving and cancelling an appointment
(up to the clinic's cut-off) and its calendar file. Mounted under /patient/appointments/.

Writes go through scheduling.appointments, which also says what the patient may still do
(`allowed_actions`: the buttons here and the services' refusals read the same rule).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from scheduling.appointments import (
    SlotTaken,
    allowed_actions,
    appointment_book_consultation_by_patient,
    appointment_cancel_by_patient,
    appointment_for_patient,
    appointment_reschedule_by_patient,
    patient_upcoming_at_clinic,
)
from scheduling.availability import (
    PATIENT_MIN_NOTICE,
    allowed_minutes,
    clinicians,
    free_slots,
    group_by_day,
    slot_day,
)
from scheduling.models import Appointment
from scheduling.notification_kinds import appointment_ics
from scheduling.worklist import patient_entry_for_clinic

from .forms import PatientSlotForm


def _slot_error(form: forms.Form, exc: ValidationError) -> None:
    form.add_error("slot", exc.messages)


@require_http_methods(["GET", "POST"])
@login_required
def patient_book(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    entry = patient_entry_for_clinic(request.user, clinic_slug)
    if entry is None:
        raise Http404("No such page.")
    clinic = entry.clinic
    now = timezone.now()
    # A booked evaluation makes the free phone call pointless: it is not offered then.
    existing = patient_upcoming_at_clinic(clinic_id=clinic.pk, patient_id=request.user.pk, now=now)
    form = PatientSlotForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and existing is None and form.is_valid():
        try:
            appointment = appointment_book_consultation_by_patient(
                clinic=clinic, patient=request.user, entry=entry, starts_at=form.cleaned_data["slot"], request=request
            )
        except SlotTaken as exc:
            form.add_error("slot", exc.message)
        except ValidationError as exc:
            _slot_error(form, exc)
        else:
            messages.success(request, _("Your call is booked. We have sent you an e-mail with a calendar file."))
            return redirect("patients:patient_appointment", appointment_id=appointment.pk)
    days = []
    if existing is None:
        kind = Appointment.Kind.CONSULTATION
        slots = free_slots(
            clinic=clinic,
            clinician_ids=[u.pk for u in clinicians(clinic, kind)],
            kind=kind,
            duration=timedelta(minutes=allowed_minutes(kind)[0]),
            now=now,
            patient=request.user,
            min_notice=PATIENT_MIN_NOTICE,
        )
        days = group_by_day(slots, clinic.zone)
    context = {
        "clinic": clinic,
        "existing": existing,
        "form": form,
        "days": days,
        "chosen_slot": request.POST.get("slot", ""),
        "chosen_day": slot_day(request.POST.get("slot"), clinic.zone),
    }
    return render(request, "patients/book.html", context)


def _own_appointment(request: HttpRequest, appointment_id: Any) -> Appointment:
    appointment = appointment_for_patient(user=request.user, appointment_id=appointment_id)
    if appointment is None:
        raise Http404("No such appointment.")
    return appointment


@require_GET
@login_required
def patient_appointment(request: HttpRequest, appointment_id: Any) -> HttpResponse:
    appointment = _own_appointment(request, appointment_id)
    now = timezone.now()
    moved_to = (
        getattr(appointment, "rescheduled_to", None) if appointment.status == Appointment.Status.CANCELLED else None
    )
    context = {
        "appointment": appointment,
        "clinic": appointment.clinic,
        "zone": appointment.clinic.zone,
        "moved_to": moved_to,
        "upcoming": appointment.status == Appointment.Status.BOOKED and appointment.ends_at > now,
        "may_change": "cancel" in allowed_actions(appointment, None, now=now).allowed,
        "cutoff_hours": appointment.clinic.patient_change_cutoff_hours,
    }
    return render(request, "patients/appointment.html", context)


def _refused(request: HttpRequest, appointment: Appointment, action: str) -> HttpResponse | None:
    """Inside the cut-off (or no longer booked): back to the appointment page, which says to call."""
    why = allowed_actions(appointment, None).refusals[action]
    if not why:
        return None
    if appointment.status == Appointment.Status.BOOKED:
        messages.info(request, why)
    return redirect("patients:patient_appointment", appointment_id=appointment.pk)


@require_http_methods(["GET", "POST"])
@login_required
def patient_appointment_move(request: HttpRequest, appointment_id: Any) -> HttpResponse:
    """The patient moves their appointment to another free time with the same clinician."""
    appointment = _own_appointment(request, appointment_id)
    if (response := _refused(request, appointment, "reschedule")) is not None:
        return response
    clinic = appointment.clinic
    form = PatientSlotForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            new = appointment_reschedule_by_patient(
                appointment=appointment, patient=request.user, starts_at=form.cleaned_data["slot"], request=request
            )
        except SlotTaken as exc:
            form.add_error("slot", exc.message)
        except ValidationError as exc:
            _slot_error(form, exc)
        else:
            messages.success(request, _("Your appointment has moved. We have sent you an e-mail with the new time."))
            return redirect("patients:patient_appointment", appointment_id=new.pk)
    slots = free_slots(
        clinic=clinic,
        clinician_ids=[appointment.clinician_id],
        kind=appointment.kind,
        duration=appointment.ends_at - appointment.starts_at,
        now=timezone.now(),
        patient=request.user,
        exclude_id=appointment.pk,
        min_notice=PATIENT_MIN_NOTICE,
    )
    slots = [slot for slot in slots if slot.starts_at != appointment.starts_at]  # "moving" to where it is: no
    context = {
        "appointment": appointment,
        "clinic": clinic,
        "form": form,
        "days": group_by_day(slots, clinic.zone),
        "chosen_slot": request.POST.get("slot", ""),
        "chosen_day": slot_day(request.POST.get("slot"), clinic.zone),
    }
    return render(request, "patients/appointment_move.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def patient_appointment_cancel(request: HttpRequest, appointment_id: Any) -> HttpResponse:
    """Asks once ("Are you sure?"), then cancels the patient's own appointment."""
    appointment = _own_appointment(request, appointment_id)
    if (response := _refused(request, appointment, "cancel")) is not None:
        return response
    if request.method == "POST":
        try:
            appointment_cancel_by_patient(appointment=appointment, patient=request.user, request=request)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Your appointment is cancelled. We have sent you an e-mail to confirm it."))
        return redirect("patients:patient_appointment", appointment_id=appointment.pk)
    return render(
        request,
        "patients/appointment_cancel.html",
        {"appointment": appointment, "clinic": appointment.clinic},
    )


@require_GET
@login_required
def patient_appointment_ics(request: HttpRequest, appointment_id: Any) -> HttpResponse:
    appointment = _own_appointment(request, appointment_id)
    cancelled = appointment.status == Appointment.Status.CANCELLED
    response = HttpResponse(
        appointment_ics(appointment, cancelled=cancelled), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="appointment.ics"'
    return response
