"""Booking, rescheduling, cancelling and marking appointments; the checklist; availability rules."""

from datetime import time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from clinics.models import Role
from core.models import AuditEvent, Notification
from scheduling.appointments import (
    PatientBusy,
    SlotTaken,
    appointment_book_consultation_by_patient,
    appointment_cancel,
    appointment_history,
    appointment_mark,
    appointment_reschedule,
)
from scheduling.availability import availability_exception_add, availability_window_add, free_slots
from scheduling.checklist import checklist_tick
from scheduling.models import (
    PATIENT_BUSY_MESSAGE,
    SLOT_TAKEN_MESSAGE,
    Appointment,
    AppointmentEvent,
    AvailabilityException,
    PreEvaluationChecklist,
    WorklistEntry,
)
from tests.factories import make_staff
from tests.factories.scheduling import book, next_local, on_worklist, weekly_hours

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


def test_booking_an_evaluation_schedules_the_patient_and_queues_the_e_mail(world):
    entry = on_worklist(world["clinic"])
    starts = next_local(3, time(10))

    appointment = book(world, entry, starts)

    assert appointment.status == Appointment.Status.BOOKED
    assert appointment.starts_at == starts and appointment.ends_at == starts + HOUR
    assert appointment.series == appointment.pk
    entry.refresh_from_db()
    assert entry.status == WorklistEntry.Status.SCHEDULED
    assert [e.action for e in appointment_history(appointment)] == [AppointmentEvent.Action.BOOKED]
    note = Notification.objects.get(kind="appointment.booked")
    assert note.recipient == entry.patient and note.object_id == str(appointment.pk)
    event = AuditEvent.objects.get(action="appointment.book")
    assert event.actor == world["coordinator"] and event.object_id == str(appointment.pk)
    assert event.detail["kind"] == "evaluation" and event.detail["minutes"] == 60


def test_only_a_psychiatrist_holds_an_evaluation_and_lengths_are_fixed(world):
    entry = on_worklist(world["clinic"])
    starts = next_local(3, time(10))

    with pytest.raises(ValidationError, match="Only a psychiatrist"):
        book(world, entry, starts, clinician=world["coordinator"])
    with pytest.raises(ValidationError, match="60 or 90 minutes"):
        book(world, entry, starts, minutes=45)
    with pytest.raises(ValidationError, match="15 minutes"):
        book(world, entry, starts, kind=Appointment.Kind.CONSULTATION, clinician=world["coordinator"], minutes=30)
    assert book(world, entry, starts, kind=Appointment.Kind.CONSULTATION, clinician=world["coordinator"], minutes=15)


def test_a_time_outside_the_hours_a_day_off_or_in_the_past_is_refused(world):
    entry = on_worklist(world["clinic"])
    late = next_local(3, time(16, 30))  # a 60-minute evaluation would end at 17:30, after the window
    with pytest.raises(ValidationError, match=r"outside Dr\. Priya Raman's available hours"):
        book(world, entry, late)
    with pytest.raises(ValidationError, match="already passed"):
        book(world, entry, next_local(-1, time(10)))

    day = next_local(4, time(10))
    availability_exception_add(
        clinic=world["clinic"], clinician=world["psychiatrist"], day=day.date(), kind="day_off", by=world["admin"]
    )
    with pytest.raises(ValidationError, match="outside"):
        book(world, entry, day)

    availability_exception_add(
        clinic=world["clinic"],
        clinician=world["psychiatrist"],
        day=late.date(),
        kind=AvailabilityException.Kind.EXTRA_HOURS,
        start_time=time(17),
        end_time=time(19),
        by=world["psychiatrist"],
    )
    assert book(world, entry, late)  # 16:30-17:30 now fits: the extra hours join the weekly ones


def test_an_overlapping_booking_is_refused_on_any_database(world):
    first, second = on_worklist(world["clinic"]), on_worklist(world["clinic"])
    starts = next_local(3, time(10))
    book(world, first, starts, minutes=90)

    with pytest.raises(SlotTaken) as refused:
        book(world, second, starts + timedelta(minutes=30))
    assert (
        refused.value.message
        == SLOT_TAKEN_MESSAGE
        == "That time was just booked by someone else. Please choose another slot."
    )
    assert Appointment.objects.count() == 1
    assert book(world, second, starts + timedelta(minutes=90))  # back to back is fine


def test_the_patient_cannot_be_in_two_appointments_at_once(world):
    entry = on_worklist(world["clinic"])
    starts = next_local(3, time(10))
    book(world, entry, starts)

    with pytest.raises(PatientBusy) as refused:
        book(world, entry, starts, kind=Appointment.Kind.CONSULTATION, clinician=world["coordinator"], minutes=15)
    assert refused.value.message == PATIENT_BUSY_MESSAGE


def test_a_cancelled_appointment_frees_the_slot_and_the_patient_goes_back_to_be_contacted(world):
    entry = on_worklist(world["clinic"])
    starts = next_local(3, time(10))
    appointment = book(world, entry, starts)

    with pytest.raises(ValidationError, match="reason"):
        appointment_cancel(appointment=appointment, by=world["coordinator"], reason="  ")
    appointment_cancel(appointment=appointment, by=world["coordinator"], reason="Patient has a family emergency")

    appointment.refresh_from_db()
    entry.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.cancel_reason == "Patient has a family emergency"
    assert entry.status == WorklistEntry.Status.TO_CONTACT
    assert Notification.objects.filter(kind="appointment.cancelled", object_id=str(appointment.pk)).count() == 1
    assert AuditEvent.objects.filter(action="appointment.cancel").count() == 1
    with pytest.raises(ValidationError, match="no longer booked"):
        appointment_cancel(appointment=appointment, by=world["coordinator"], reason="again")
    assert book(world, on_worklist(world["clinic"]), starts)  # the time is free again


def test_rescheduling_moves_the_appointment_and_keeps_the_history(world):
    entry = on_worklist(world["clinic"])
    starts = next_local(3, time(10))
    appointment = book(world, entry, starts)

    # Half an hour later overlaps the old time: fine, the old one is cancelled in the same transaction.
    moved = appointment_reschedule(
        appointment=appointment,
        starts_at=starts + timedelta(minutes=30),
        by=world["admin"],
        reason="Doctor running late",
    )

    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert moved.rescheduled_from == appointment and moved.series == appointment.series
    assert moved.starts_at == starts + timedelta(minutes=30) and moved.duration == HOUR
    assert moved.entry == entry and moved.booked_by == world["admin"]
    history = appointment_history(moved)
    assert [(e.appointment_id, e.action) for e in history] == [
        (appointment.pk, "booked"),
        (appointment.pk, "rescheduled"),
        (moved.pk, "booked"),
    ]
    assert history[1].reason == "Doctor running late"
    assert Notification.objects.filter(kind="appointment.rescheduled", object_id=str(moved.pk)).count() == 1
    entry.refresh_from_db()
    assert entry.status == WorklistEntry.Status.SCHEDULED


def test_a_refused_reschedule_leaves_the_appointment_as_it_was(world):
    mine, theirs = on_worklist(world["clinic"]), on_worklist(world["clinic"])
    starts = next_local(3, time(10))
    appointment = book(world, mine, starts)
    book(world, theirs, starts + 2 * HOUR)

    with pytest.raises(SlotTaken):
        appointment_reschedule(
            appointment=appointment, starts_at=starts + 2 * HOUR, by=world["coordinator"], reason="x"
        )
    with pytest.raises(ValidationError, match="reason"):
        appointment_reschedule(appointment=appointment, starts_at=starts + 4 * HOUR, by=world["coordinator"], reason="")

    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED
    assert Appointment.objects.filter(rescheduled_from=appointment).count() == 0


def test_marking_attendance_waits_for_the_start_and_an_attended_evaluation_ticks_the_checklist(world):
    entry = on_worklist(world["clinic"])
    starts = next_local(3, time(10))
    appointment = book(world, entry, starts)

    with pytest.raises(ValidationError, match="once the appointment has started"):
        appointment_mark(appointment=appointment, outcome="attended", by=world["psychiatrist"])
    appointment_mark(appointment=appointment, outcome="no_show", by=world["psychiatrist"], now=starts + HOUR)
    appointment_mark(appointment=appointment, outcome="attended", by=world["psychiatrist"], now=starts + HOUR)

    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.ATTENDED
    assert [e.action for e in appointment_history(appointment)] == ["booked", "no_show", "attended"]
    checklist = PreEvaluationChecklist.objects.get(clinic=world["clinic"], patient=entry.patient)
    assert checklist.evaluation_done_by == world["psychiatrist"] and checklist.evaluation_done_at == starts + HOUR


def test_a_cancelled_appointment_cannot_be_marked(world):
    appointment = book(world, on_worklist(world["clinic"]), next_local(3, time(10)))
    appointment_cancel(appointment=appointment, by=world["coordinator"], reason="Patient asked")
    with pytest.raises(ValidationError, match="cancelled"):
        appointment_mark(appointment=appointment, outcome="attended", by=world["coordinator"], now=appointment.ends_at)


def test_checklist_ticks_record_who_and_when_and_can_be_undone(world):
    entry = on_worklist(world["clinic"])
    clinic, patient = world["clinic"], entry.patient

    checklist = checklist_tick(clinic=clinic, patient=patient, item="labs_received", done=True, by=world["coordinator"])
    first_at = checklist.labs_received_at
    checklist_tick(clinic=clinic, patient=patient, item="labs_received", done=True, by=world["admin"])  # no change
    checklist.refresh_from_db()
    assert checklist.labs_received_by == world["coordinator"] and checklist.labs_received_at == first_at

    checklist_tick(clinic=clinic, patient=patient, item="labs_received", done=False, by=world["admin"])
    checklist.refresh_from_db()
    assert checklist.labs_received_at is None and checklist.labs_received_by is None
    assert list(AuditEvent.objects.filter(action__startswith="checklist.").values_list("action", flat=True)) == [
        "checklist.untick",
        "checklist.tick",
    ]
    assert AuditEvent.objects.filter(action="checklist.tick").get().detail == {
        "item": "labs_received",
        "patient_id": str(patient.pk),
    }
    with pytest.raises(ValidationError):
        checklist_tick(clinic=clinic, patient=patient, item="favourite_colour", done=True, by=world["admin"])


def test_weekly_hours_may_not_overlap_and_only_clinicians_have_them(world):
    clinic, coordinator = world["clinic"], world["coordinator"]
    with pytest.raises(ValidationError, match="overlap Monday 9:00 AM to 5:00 PM"):
        availability_window_add(
            clinic=clinic, clinician=coordinator, weekday=0, start_time=time(16), end_time=time(18), by=coordinator
        )
    with pytest.raises(ValidationError, match="Only coordinators and psychiatrists"):
        availability_window_add(
            clinic=clinic, clinician=world["admin"], weekday=0, start_time=time(9), end_time=time(10), by=coordinator
        )
    window = availability_window_add(
        clinic=clinic, clinician=coordinator, weekday=0, start_time=time(17), end_time=time(18), by=coordinator
    )
    assert AuditEvent.objects.filter(action="availability.window_add", object_id=str(window.pk)).exists()


def test_a_patient_books_the_first_clinician_free_at_that_time(world):
    clinic = world["clinic"]
    entry = on_worklist(clinic, source=WorklistEntry.Source.ELIGIBLE)
    starts = next_local(3, time(11))
    # Both clinicians hold calls; the one listed first by name is taken at 11:00.
    book(world, on_worklist(clinic), starts, kind="consultation", clinician=world["psychiatrist"], minutes=15)
    book(world, on_worklist(clinic), starts, kind="consultation", clinician=world["coordinator"], minutes=15)
    third = make_staff(clinic, Role.COORDINATOR, full_name="Zed Last")
    weekly_hours(clinic, third)

    appointment = appointment_book_consultation_by_patient(
        clinic=clinic, patient=entry.patient, entry=entry, starts_at=starts
    )

    assert appointment.clinician == third and appointment.booked_by == entry.patient
    assert appointment.kind == "consultation" and appointment.duration == timedelta(minutes=15)
    late = on_worklist(clinic, source=WorklistEntry.Source.ELIGIBLE)
    with pytest.raises(SlotTaken):  # nobody else is free at 11:00
        appointment_book_consultation_by_patient(clinic=clinic, patient=late.patient, entry=late, starts_at=starts)


def test_a_patient_books_at_least_two_hours_ahead(world):
    entry = on_worklist(world["clinic"], source=WorklistEntry.Source.ELIGIBLE)
    soon = timezone.now() + timedelta(minutes=30)
    with pytest.raises(ValidationError, match="two hours"):
        appointment_book_consultation_by_patient(
            clinic=world["clinic"], patient=entry.patient, entry=entry, starts_at=soon
        )


def test_free_slots_leave_out_booked_times_and_the_patients_own_appointments(world):
    clinic = world["clinic"]
    entry = on_worklist(clinic)
    starts = next_local(3, time(10))
    book(world, entry, starts)
    day = starts.date()
    slots = free_slots(
        clinic=clinic,
        clinician_ids=[world["coordinator"].pk],
        kind="consultation",
        duration=timedelta(minutes=15),
        now=timezone.now(),
        first_day=day,
        days=1,
        patient=entry.patient,
    )
    local = [s.starts_at.astimezone(starts.tzinfo).time() for s in slots]
    assert len(local) == 32 - 4  # 9:00-17:00 in quarter hours, less the patient's evaluation 10:00-11:00
    assert time(10) not in local and time(10, 45) not in local and time(11) in local and time(9, 45) in local


# --- PostgreSQL: the exclusion constraints themselves -------------------------------------------------------


@pytest.mark.postgres
def test_the_database_itself_refuses_overlapping_active_appointments(world):
    first, second = on_worklist(world["clinic"]), on_worklist(world["clinic"])
    starts = next_local(3, time(10))
    booked = book(world, first, starts)
    row = {
        "clinic": world["clinic"],
        "kind": "evaluation",
        "clinician": world["psychiatrist"],
        "patient": second.patient,
        "starts_at": starts + timedelta(minutes=59),
        "ends_at": starts + 2 * HOUR,
        "booked_by": world["coordinator"],
    }
    with pytest.raises(IntegrityError, match="appointment_no_clinician_overlap"), transaction.atomic():
        Appointment.objects.create(series=booked.pk, **row)
    with pytest.raises(IntegrityError, match="appointment_no_patient_overlap"), transaction.atomic():
        Appointment.objects.create(
            series=booked.pk, **{**row, "patient": first.patient, "clinician": make_staff(world["clinic"])}
        )
    # Cancelled rows and back-to-back rows do not conflict.
    Appointment.objects.create(series=booked.pk, **{**row, "status": "cancelled"})
    Appointment.objects.create(series=booked.pk, **{**row, "starts_at": starts + HOUR})
    assert connection.vendor == "postgresql"


def test_only_the_clinics_schedulers_book_move_or_cancel_and_the_page_offers_what_the_service_allows(world):
    from clinics import access
    from scheduling.appointments import allowed_actions

    entry = on_worklist(world["clinic"])
    starts = next_local(3, time(10))
    with pytest.raises(PermissionDenied):
        book(world, entry, starts, by=world["psychiatrist"])
    appointment = book(world, entry, starts)

    psychiatrist = access.membership(world["psychiatrist"], world["clinic"])
    coordinator = access.membership(world["coordinator"], world["clinic"])
    assert allowed_actions(appointment, psychiatrist).allowed == set()  # not started: nothing to mark yet
    assert allowed_actions(appointment, coordinator).allowed == {"cancel", "reschedule"}
    with pytest.raises(PermissionDenied):
        appointment_cancel(appointment=appointment, by=world["psychiatrist"], reason="Clinician away")
    with pytest.raises(PermissionDenied):
        appointment_reschedule(
            appointment=appointment, starts_at=starts + HOUR, by=world["psychiatrist"], reason="Clinician away"
        )
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED
    assert allowed_actions(appointment, psychiatrist, now=starts + HOUR).allowed == {"mark"}
