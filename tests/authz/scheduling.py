"""Matrix entries for scheduling (availability, booking, appointments, calendar, checklist, dashboard and the
patient's own booking), and the world records they need."""

from datetime import time, timedelta

from scheduling.appointments import appointment_book
from scheduling.models import Appointment, AvailabilityException, AvailabilityWindow, ClinicClosure, WorklistEntry
from scheduling.worklist import put_on_worklist
from tests.authz.helpers import ALL_STAFF_A, Expect, patient_own, staff
from tests.factories.scheduling import next_local

SCHEDULERS = ("coordinator_a", "admin_a")


def _own_hours(status: int) -> Expect:
    """Removing hours: the clinician they belong to (coordinator A in the world) and clinic admins."""
    return Expect(statuses={"anonymous": 302, "coordinator_a": status, "admin_a": status}, method="post")


EXPECTED = {
    # Every clinician keeps their own hours; a clinic admin keeps everyone's.
    "scheduling:availability": (staff(*ALL_STAFF_A), staff(*ALL_STAFF_A, method="post")),
    "scheduling:availability_window_remove": _own_hours(302),
    "scheduling:availability_exception_remove": _own_hours(302),
    # Clinic-wide closures (holidays): clinic admins only; an empty POST shows its errors.
    "scheduling:closures": (staff("admin_a"), staff("admin_a", method="post")),
    "scheduling:closure_remove": staff("admin_a", status=302, method="post"),
    # Who is booked when, for every clinician of the clinic.
    "scheduling:calendar": staff(*ALL_STAFF_A),
    # Booking, moving and cancelling: the coordinators' job (and the admins'); an empty POST shows its errors.
    "scheduling:book": (staff(*SCHEDULERS), staff(*SCHEDULERS, method="post")),
    "scheduling:appointment_reschedule": (staff(*SCHEDULERS), staff(*SCHEDULERS, method="post")),
    "scheduling:appointment_cancel": staff(*SCHEDULERS, method="post"),
    # The appointment itself and attendance: anyone at the clinic who may see or hold it.
    "scheduling:appointment": staff(*ALL_STAFF_A),
    "scheduling:appointment_mark": staff(*ALL_STAFF_A, method="post"),
    "scheduling:checklist_tick": staff(*ALL_STAFF_A, status=302, method="post"),
    # Figures and the export: clinic admins.
    "dashboard:dashboard": staff("admin_a"),
    "dashboard:export_csv": staff("admin_a"),
    # The patient on the worklist books their own free call and sees their own appointments.
    "patients:patient_book": (patient_own(), patient_own(method="post")),
    "patients:patient_appointment": patient_own(),
    "patients:patient_appointment_ics": patient_own(),
    # ... and moves or cancels them, up to the clinic's cut-off (the cancel asks first, then redirects).
    "patients:patient_appointment_move": (patient_own(), patient_own(method="post")),
    "patients:patient_appointment_cancel": (patient_own(), patient_own(302, method="post")),
}


def extend(world) -> None:
    clinic = world.objects["clinic_a"]
    coordinator, psychiatrist = world.users["coordinator_a"], world.users["psychiatrist_a"]
    # The same entry the worklist module uses (one per submission).
    entry = put_on_worklist(submission=world.objects["submission"], source=WorklistEntry.Source.CLEARED)
    for clinician in (coordinator, psychiatrist):
        for weekday in range(7):
            AvailabilityWindow.objects.create(
                clinic=clinic, clinician=clinician, weekday=weekday, start_time=time(9), end_time=time(17)
            )
    window = AvailabilityWindow.objects.filter(clinician=coordinator).first()
    exception = AvailabilityException.objects.create(
        clinic=clinic, clinician=coordinator, date=next_local(10, time(0)).date(), kind="day_off"
    )
    appointment = appointment_book(
        clinic=clinic,
        kind=Appointment.Kind.EVALUATION,
        clinician=psychiatrist,
        patient=entry.patient,
        starts_at=next_local(3, time(10)),
        duration=timedelta(minutes=60),
        booked_by=coordinator,
        entry=entry,
    )
    closure = ClinicClosure.objects.create(clinic=clinic, date=next_local(12, time(0)).date(), name="Holiday")
    world.objects.setdefault("worklist_entry", entry)
    world.objects.update(appointment=appointment, availability_window=window, availability_exception=exception)
    world.kwarg_values.update(
        entry_id=entry.pk,
        appointment_id=appointment.pk,
        window_id=window.pk,
        exception_id=exception.pk,
        closure_id=closure.pk,
    )


__all__ = ["EXPECTED", "extend"]
