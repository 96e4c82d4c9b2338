"""Scheduling pages: availability, booking from the worklist, appointments, the calendar, the checklist,
and the patient's own booking of the free phone consultation.

Writes go through scheduling.services (each audited); every staff page that shows a patient is audited here.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinics.access import clinic_role_required
from clinics.models import Role
from clinics.views import link_around
from core.audit import audit_record
from core.dates import parse_reasonable_date

from .forms import (
    APPOINTMENT_TYPES,
    AvailabilityExceptionForm,
    AvailabilityWindowForm,
    BookingForm,
    CancelForm,
    ChecklistTickForm,
    ClinicClosureForm,
    MarkForm,
    PatientSlotForm,
    RescheduleForm,
)
from .models import Appointment, AvailabilityException, AvailabilityWindow, WorklistEntry
from .notification_kinds import appointment_ics
from .selectors import (
    HORIZON_DAYS,
    PATIENT_MIN_NOTICE,
    allowed_minutes,
    appointment_for_patient,
    appointment_history,
    appointment_in_clinic,
    appointments_for_entry,
    calendar_week,
    clinicians,
    closure_in_clinic,
    closures_upcoming,
    entry_in_clinic,
    exceptions_upcoming,
    free_slots,
    group_by_day,
    parse_slot_value,
    patient_entry_for_clinic,
    patient_may_change,
    patient_upcoming_at_clinic,
    week_start,
    windows_of,
)
from .services import (
    SlotTaken,
    appointment_book,
    appointment_book_consultation_by_patient,
    appointment_cancel,
    appointment_cancel_by_patient,
    appointment_mark,
    appointment_reschedule,
    appointment_reschedule_by_patient,
    availability_exception_add,
    availability_exception_remove,
    availability_window_add,
    availability_window_remove,
    checklist_tick,
    clinic_closure_add,
    clinic_closure_remove,
)

SCHEDULERS = (Role.COORDINATOR, Role.CLINIC_ADMIN)
ALL_STAFF = (Role.COORDINATOR, Role.PSYCHIATRIST, Role.CLINIC_ADMIN)


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {"clinic": request.clinic, "membership": request.membership, "tab": "schedule", **extra}


def _today(request: HttpRequest) -> date:
    return timezone.now().astimezone(request.clinic.zone).date()


def _is_admin(request: HttpRequest) -> bool:
    return request.membership.role == Role.CLINIC_ADMIN


def _errors_to_form(form, exc: ValidationError, default_field: str | None = None) -> None:
    """A service's ValidationError shown on the form: by field when it names fields, else at `default_field`."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(default_field, exc)


# --- availability ---------------------------------------------------------------------------------------


def _availability_target(request: HttpRequest, raw: str | None, *, strict: bool) -> tuple[Any | None, list[Any]]:
    """Whose hours the page shows: your own; a clinic admin may choose any coordinator or psychiatrist
    (the first one until they choose; a change is only ever made to the one named in the form)."""
    people = clinicians(request.clinic)
    by_id = {str(u.pk): u for u in people}
    if not _is_admin(request):
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
    today = _today(request)
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
            _errors_to_form(window_form, exc)
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
            _errors_to_form(exception_form, exc)
        else:
            messages.success(request, "Saved.")
            return redirect(_availability_url(request, target))
    context = _context(
        request,
        target=target,
        people=people,
        is_admin=_is_admin(request),
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
    return f"{url}?clinician={target.pk}" if _is_admin(request) else url


def _own_or_admin(request: HttpRequest, clinician_id: Any) -> None:
    if not _is_admin(request) and clinician_id != request.user.pk:
        raise Http404("No such hours.")


@require_POST
@clinic_role_required(*ALL_STAFF)
def availability_window_remove_view(request: HttpRequest, clinic_slug: str, window_id: int) -> HttpResponse:
    window = AvailabilityWindow.objects.filter(clinic=request.clinic, pk=window_id).select_related("clinic").first()
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
    exception = (
        AvailabilityException.objects.filter(clinic=request.clinic, pk=exception_id).select_related("clinic").first()
    )
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
    today = _today(request)
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
            _errors_to_form(form, exc, "date")
        else:
            messages.success(
                request,
                "Closure added. No free time is offered that day; appointments already booked on it are listed "
                "on the worklist to be moved.",
            )
            return redirect("scheduling:closures", clinic_slug=request.clinic.slug)
    context = _context(request, form=form, closures=closures_upcoming(request.clinic, today=today), subtab="closures")
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


# --- booking from the worklist ------------------------------------------------------------------------------


def _chosen_day(raw: str | None, clinic: Any) -> date | None:
    """The local day of the slot that was posted, so its list opens again after an error."""
    moment = parse_slot_value(raw or "")
    return moment.astimezone(clinic.zone).date() if moment else None


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
    entry = entry_in_clinic(request.clinic, entry_id)
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
                _errors_to_form(form, exc, "slot")
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
    context = _context(
        request,
        entry=entry,
        form=form,
        days=days,
        picked=picked,
        chosen_slot=request.POST.get("slot", ""),
        chosen_day=_chosen_day(request.POST.get("slot"), request.clinic),
        horizon=HORIZON_DAYS,
        appointments=appointments_for_entry(entry),
        closed=entry.status == WorklistEntry.Status.CLOSED,
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
    role = request.membership.role
    now = timezone.now()
    context = _context(
        request,
        appointment=appointment,
        history=appointment_history(appointment),
        zone=request.clinic.zone,
        can_change=role in SCHEDULERS and appointment.status == Appointment.Status.BOOKED,
        can_mark=appointment.status != Appointment.Status.CANCELLED and appointment.starts_at <= now,
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
            _errors_to_form(form, exc, "reason")
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
    if appointment.status != Appointment.Status.BOOKED:
        messages.error(request, "This appointment is no longer booked, so it cannot be moved.")
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
                _errors_to_form(form, exc, "slot")
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
    context = _context(
        request,
        appointment=appointment,
        form=form,
        person=person,
        days=days,
        chosen_slot=request.POST.get("slot", ""),
        chosen_day=_chosen_day(request.POST.get("slot"), request.clinic),
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
    today = _today(request)
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
    context = _context(
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
    entry = entry_in_clinic(request.clinic, entry_id)
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


# --- the patient's own pages --------------------------------------------------------------------------------


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
            _errors_to_form(form, exc, "slot")
        else:
            messages.success(request, "Your call is booked. We have sent you an e-mail with a calendar file.")
            return redirect("scheduling:patient_appointment", appointment_id=appointment.pk)
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
        "chosen_day": _chosen_day(request.POST.get("slot"), clinic),
    }
    return render(request, "scheduling/patient_book.html", context)


def _own_appointment(request: HttpRequest, appointment_id: Any) -> Appointment:
    appointment = appointment_for_patient(user=request.user, appointment_id=appointment_id)
    if appointment is None:
        raise Http404("No such appointment.")
    return appointment


@require_GET
@login_required
def patient_appointment(request: HttpRequest, appointment_id: Any) -> HttpResponse:
    appointment = _own_appointment(request, appointment_id)
    moved_to = (
        getattr(appointment, "rescheduled_to", None) if appointment.status == Appointment.Status.CANCELLED else None
    )
    context = {
        "appointment": appointment,
        "clinic": appointment.clinic,
        "zone": appointment.clinic.zone,
        "moved_to": moved_to,
        "upcoming": appointment.status == Appointment.Status.BOOKED and appointment.ends_at > timezone.now(),
        "may_change": patient_may_change(appointment, timezone.now()),
        "cutoff_hours": appointment.clinic.patient_change_cutoff_hours,
    }
    return render(request, "scheduling/patient_appointment.html", context)


def _too_late(request: HttpRequest, appointment: Appointment) -> HttpResponse | None:
    """Inside the cut-off (or no longer booked): back to the appointment page, which says to call."""
    if patient_may_change(appointment, timezone.now()):
        return None
    if appointment.status == Appointment.Status.BOOKED:
        clinic = appointment.clinic
        messages.info(
            request,
            f"Your appointment is less than {clinic.patient_change_cutoff_hours} hours away, so it can no longer be "
            f"changed here. Please call {clinic.name} at {clinic.phone}.",
        )
    return redirect("scheduling:patient_appointment", appointment_id=appointment.pk)


@require_http_methods(["GET", "POST"])
@login_required
def patient_appointment_move(request: HttpRequest, appointment_id: Any) -> HttpResponse:
    """The patient moves their appointment to another free time with the same clinician."""
    appointment = _own_appointment(request, appointment_id)
    if (response := _too_late(request, appointment)) is not None:
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
            _errors_to_form(form, exc, "slot")
        else:
            messages.success(request, "Your appointment has moved. We have sent you an e-mail with the new time.")
            return redirect("scheduling:patient_appointment", appointment_id=new.pk)
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
        "chosen_day": _chosen_day(request.POST.get("slot"), clinic),
    }
    return render(request, "scheduling/patient_move.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def patient_appointment_cancel(request: HttpRequest, appointment_id: Any) -> HttpResponse:
    """Asks once ("Are you sure?"), then cancels the patient's own appointment."""
    appointment = _own_appointment(request, appointment_id)
    if (response := _too_late(request, appointment)) is not None:
        return response
    if request.method == "POST":
        try:
            appointment_cancel_by_patient(appointment=appointment, patient=request.user, request=request)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Your appointment is cancelled. We have sent you an e-mail to confirm it.")
        return redirect("scheduling:patient_appointment", appointment_id=appointment.pk)
    return render(
        request,
        "scheduling/patient_cancel.html",
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
