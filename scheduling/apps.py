from django.apps import AppConfig

# What this app writes to the audit log, with the label the audit-log filter shows (core.audit).
AUDIT_ACTIONS = {
    "appointment.book": "Appointment booked",
    "appointment.cancel": "Appointment cancelled",
    "appointment.mark": "Appointment marked attended or missed",
    "appointment.reschedule": "Appointment moved",
    "appointment.view": "Appointment viewed",
    "availability.exception_add": "Time off added",
    "availability.exception_remove": "Time off removed",
    "availability.window_add": "Working hours added",
    "availability.window_remove": "Working hours removed",
    "booking.view": "Booking page viewed",
    "calendar.view": "Calendar viewed",
    "checklist.tick": "Checklist item changed",
    "closure.add": "Clinic closure added",
    "closure.remove": "Clinic closure removed",
    "patient.contact_attempt": "Call logged outside the worklist",
    "worklist.attempt": "Call logged",
    "worklist.list": "Worklist viewed",
    "worklist.unreachable": "Patient marked unreachable",
    "worklist.view": "Worklist entry viewed",
}


class SchedulingConfig(AppConfig):
    """The worklist, availability, appointments, reminders and the pre-evaluation checklist."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "scheduling"

    def ready(self) -> None:
        from core import audit

        audit.register_actions(AUDIT_ACTIONS)
