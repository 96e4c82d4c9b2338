"""Scheduling: the coordinators' worklist, clinicians' availability, appointments and the pre-evaluation checklist.

The tables keep the names they had when these models lived in clinics (db_table): the move changed no data.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from clinics.models import Clinic
from core.db import PostgresExclusionConstraint, TsTzRange

SLOT_TAKEN_MESSAGE = gettext_noop("That time was just booked by someone else. Please choose another slot.")
PATIENT_BUSY_MESSAGE = "The patient already has an appointment at that time. Please choose another slot."


class WorklistEntry(models.Model):
    """A patient the coordinators must contact: eligible at screening, or cleared by a psychiatrist."""

    class Source(models.TextChoices):
        ELIGIBLE = "eligible", "Eligible at screening"
        CLEARED = "cleared", "Cleared by a psychiatrist"

    class Status(models.TextChoices):
        TO_CONTACT = "to_contact", "To contact"
        REACHED = "reached", "Reached"
        UNREACHABLE = "unreachable", "Unreachable"
        SCHEDULED = "scheduled", "Scheduled"
        CLOSED = "closed", "Closed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="worklist")
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submission = models.ForeignKey("intake.IntakeSubmission", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=10, choices=Source.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.TO_CONTACT)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    # The psychiatrist's "Note for the clinical team" when they cleared the patient: read where the team books.
    team_note = models.TextField("note for the clinical team", max_length=4000, blank=True)
    team_note_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    team_note_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "clinics_worklistentry"
        ordering = ["created_at", "id"]
        constraints = [
            # One entry per intake submission: a re-screen or a second clearance never queues a patient twice.
            models.UniqueConstraint(fields=["submission"], name="worklist_one_entry_per_submission"),
        ]
        indexes = [models.Index(fields=["clinic", "status", "created_at", "id"], name="worklist_queue")]

    def __str__(self) -> str:
        return f"Worklist entry {self.pk} ({self.status})"


class ContactAttempt(models.Model):
    """One call or message by clinic staff to a patient: one log per patient and clinic, kept by coordinators
    on the worklist and by psychiatrists on the case page (`entry` is set when the call was made from it)."""

    class Outcome(models.TextChoices):
        REACHED = "reached", "Reached"
        VOICEMAIL = "voicemail", "Left a voicemail"
        NO_ANSWER = "no_answer", "No answer"

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entry = models.ForeignKey(
        WorklistEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="contact_attempts"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        db_table = "clinics_contactattempt"
        ordering = ["-at"]
        indexes = [models.Index(fields=["clinic", "patient", "-at"], name="contact_attempt_patient")]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} at {self.at:%Y-%m-%d %H:%M}"


# --- scheduling: availability, appointments, the pre-evaluation checklist ----------------------------


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class AvailabilityWindow(models.Model):
    """Weekly hours a clinician can be booked, as wall-clock times in the clinic's time zone."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="availability_windows")
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "clinics_availabilitywindow"
        ordering = ["clinic", "clinician", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_time__lt=models.F("end_time")), name="availability_start_before_end"
            ),
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="availability_weekday_valid"),
        ]
        indexes = [models.Index(fields=["clinic", "clinician", "weekday"], name="availability_clinician")]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class AvailabilityException(models.Model):
    """One date that differs from the weekly hours: a day off, or extra hours (clinic time zone)."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", "Day off"
        EXTRA_HOURS = "extra_hours", "Extra hours"

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="availability_exceptions")
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "clinics_availabilityexception"
        ordering = ["clinic", "clinician", "date", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="day_off", start_time__isnull=True, end_time__isnull=True))
                | Q(
                    kind="extra_hours",
                    start_time__isnull=False,
                    end_time__isnull=False,
                    start_time__lt=models.F("end_time"),
                ),
                name="availability_exception_times_match_kind",
            ),
            models.UniqueConstraint(
                fields=["clinic", "clinician", "date"], condition=Q(kind="day_off"), name="availability_one_day_off"
            ),
        ]
        indexes = [models.Index(fields=["clinic", "clinician", "date"], name="availability_exception_date")]

    def __str__(self) -> str:
        if self.kind == self.Kind.DAY_OFF:
            return f"{self.date:%Y-%m-%d} day off"
        return f"{self.date:%Y-%m-%d} extra {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class ClinicClosure(models.Model):
    """A date the whole clinic is closed (a holiday): nobody can be booked, whatever their hours say.

    A person's own day off is an AvailabilityException; a closure applies to every clinician at once.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="closures")
    date = models.DateField()
    name = models.CharField(max_length=80, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["clinic", "date"]
        constraints = [models.UniqueConstraint(fields=["clinic", "date"], name="closure_one_per_clinic_date")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} closed"


class Appointment(models.Model):
    """A phone consultation or a psychiatric evaluation. Times are stored in UTC.

    Active appointments (not cancelled) never overlap for a clinician or for a patient: exclusion
    constraints on PostgreSQL (PostgresExclusionConstraint below), and a check inside a
    write-locked transaction in scheduling.appointments on SQLite.
    A reschedule cancels this row and books a new one with `rescheduled_from` pointing here.
    """

    class Kind(models.TextChoices):
        CONSULTATION = "consultation", _("Phone consultation")
        EVALUATION = "evaluation", _("Psychiatric evaluation")

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CANCELLED = "cancelled", _("Cancelled")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("Did not attend")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="appointments")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments")
    entry = models.ForeignKey(
        WorklistEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    cancel_reason = models.CharField(max_length=300, blank=True)
    rescheduled_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="rescheduled_to"
    )
    # The first appointment of a reschedule chain: its history is read in one query.
    series = models.UUIDField(db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    reminder_24h_sent_at = models.DateTimeField(null=True, blank=True)
    reminder_2h_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "clinics_appointment"
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(starts_at__lt=models.F("ends_at")), name="appointment_start_before_end"),
            models.CheckConstraint(condition=Q(kind__in=["consultation", "evaluation"]), name="appointment_kind_valid"),
            models.CheckConstraint(
                condition=Q(status__in=["booked", "cancelled", "attended", "no_show"]), name="appointment_status_valid"
            ),
            PostgresExclusionConstraint(
                name="appointment_no_clinician_overlap",
                expressions=[
                    ("clinician", "="),
                    (TsTzRange("starts_at", "ends_at", models.Value("[)")), "&&"),
                ],
                condition=~Q(status="cancelled"),
                violation_error_message=SLOT_TAKEN_MESSAGE,
            ),
            PostgresExclusionConstraint(
                name="appointment_no_patient_overlap",
                expressions=[
                    ("patient", "="),
                    (TsTzRange("starts_at", "ends_at", models.Value("[)")), "&&"),
                ],
                condition=~Q(status="cancelled"),
                violation_error_message=PATIENT_BUSY_MESSAGE,
            ),
        ]
        indexes = [
            models.Index(fields=["clinic", "starts_at"], name="appointment_clinic_time"),
            models.Index(fields=["clinician", "starts_at"], name="appointment_clinician_time"),
            models.Index(fields=["patient", "starts_at"], name="appointment_patient_time"),
            models.Index(fields=["status", "starts_at"], name="appointment_status_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.starts_at:%Y-%m-%d %H:%M} UTC ({self.status})"

    @property
    def duration(self):
        return self.ends_at - self.starts_at


class AppointmentEvent(models.Model):
    """One step in an appointment's history: booked, rescheduled, cancelled, attended, no-show."""

    class Action(models.TextChoices):
        BOOKED = "booked", "Booked"
        RESCHEDULED = "rescheduled", "Moved to another time"
        CANCELLED = "cancelled", "Cancelled"
        ATTENDED = "attended", "Marked attended"
        NO_SHOW = "no_show", "Marked did not attend"

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=12, choices=Action.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        db_table = "clinics_appointmentevent"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} at {self.at:%Y-%m-%d %H:%M}"


class PreEvaluationChecklist(models.Model):
    """What must be in place before a patient's evaluation and treatment, per patient and clinic.

    Each item records who ticked it and when; unticking clears both (the audit log keeps the history).
    """

    ITEMS = ("labs_received", "consent_signed", "ride_arranged", "evaluation_done")

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="checklists")
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    labs_received_at = models.DateTimeField(null=True, blank=True)
    labs_received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    consent_signed_at = models.DateTimeField(null=True, blank=True)
    consent_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ride_arranged_at = models.DateTimeField(null=True, blank=True)
    ride_arranged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    evaluation_done_at = models.DateTimeField(null=True, blank=True)
    evaluation_done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "clinics_preevaluationchecklist"
        constraints = [models.UniqueConstraint(fields=["clinic", "patient"], name="checklist_one_per_patient")]

    def __str__(self) -> str:
        return f"Pre-evaluation checklist {self.pk}"
