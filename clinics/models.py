"""Clinics, who works there in which role, invitations, and the versioned screening policy."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from localflavor.us.models import USStateField

from .validators import validate_dea_number, validate_time_zone

US_TIME_ZONES = [
    ("America/New_York", "Eastern"),
    ("America/Chicago", "Central"),
    ("America/Denver", "Mountain"),
    ("America/Phoenix", "Mountain (Arizona, no daylight saving)"),
    ("America/Los_Angeles", "Pacific"),
    ("America/Anchorage", "Alaska"),
    ("Pacific/Honolulu", "Hawaii"),
    ("America/Puerto_Rico", "Atlantic (Puerto Rico)"),
]


class Clinic(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=80, unique=True)
    address_line = models.CharField("street address", max_length=200)
    city = models.CharField(max_length=100)
    state = USStateField()
    postal_code = models.CharField("ZIP code", max_length=10)
    phone = models.CharField(max_length=30)
    time_zone = models.CharField(max_length=64, choices=US_TIME_ZONES, validators=[validate_time_zone])
    dea_number = models.CharField("DEA registration number", max_length=9, validators=[validate_dea_number])
    accepting_patients = models.BooleanField("accepting new patients", default=True)
    description = models.TextField("short public description", max_length=1000, blank=True)
    urgent_ack_minutes = models.PositiveSmallIntegerField(
        "minutes to acknowledge an urgent case before clinic admins are alerted", default=30
    )
    # Up to this many hours before an appointment, the patient may cancel or move it themselves; later, they call.
    patient_change_cutoff_hours = models.PositiveSmallIntegerField(
        "hours before an appointment after which patients must call to change it",
        default=24,
        validators=[MaxValueValidator(14 * 24)],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="clinic_name_not_blank"),
            models.CheckConstraint(
                condition=Q(patient_change_cutoff_hours__lte=14 * 24), name="clinic_patient_cutoff_at_most_two_weeks"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ServedState(models.Model):
    """A US state or territory the clinic serves (patients must live there)."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="served_states")
    state = USStateField(db_index=True)

    class Meta:
        ordering = ["state"]
        constraints = [models.UniqueConstraint(fields=["clinic", "state"], name="served_state_unique")]

    def __str__(self) -> str:
        return self.state


class Role(models.TextChoices):
    COORDINATOR = "coordinator", "Coordinator"
    PSYCHIATRIST = "psychiatrist", "Psychiatrist"
    CLINIC_ADMIN = "clinic_admin", "Clinic admin"


class Membership(models.Model):
    """A staff member's role at one clinic. Patients have none."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["clinic", "role", "user__email"]
        constraints = [models.UniqueConstraint(fields=["user", "clinic"], name="membership_unique_per_clinic")]
        indexes = [models.Index(fields=["clinic", "role", "is_active"], name="membership_clinic_role")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} at {self.clinic}"


class Invitation(models.Model):
    """A single-use invitation for a new staff member; the e-mailed link is signed and expires."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "clinic",
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"Invitation to {self.clinic} as {self.get_role_display()}"


class ApiToken(models.Model):
    """A read-only key an EHR integration uses on the FHIR endpoint, for one clinic's records.

    Only the SHA-256 of the key is stored (the key is random, so a fast hash is enough); the admin sees the
    key once, when it is made. Revoking keeps the row, so the audit log still names the key."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12)  # the key's first characters, to tell keys apart
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"), "clinic", condition=Q(revoked_at__isnull=True), name="api_token_one_active_name"
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoked_by__isnull=True)
                | Q(revoked_at__isnull=False, revoked_by__isnull=False),
                name="api_token_revoked_by_whom",
            ),
        ]

    def __str__(self) -> str:
        return f"API key {self.name} ({self.prefix}…) at {self.clinic}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ScreeningPolicy(models.Model):
    """One version of a clinic's screening policy (SCREENING_RULES.md §2). Never edited: saving adds a version."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="policies")
    version = models.PositiveIntegerField()
    values = models.JSONField(help_text="The engine's Policy.to_dict(): every key of §2.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField("reason for the change", max_length=300, blank=True)

    class Meta:
        ordering = ["clinic", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "version"], name="policy_version_unique"),
            models.CheckConstraint(condition=Q(version__gte=1), name="policy_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.clinic} policy v{self.version}"


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
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # One entry per intake submission: a re-screen or a second clearance never queues a patient twice.
            models.UniqueConstraint(fields=["submission"], name="worklist_one_entry_per_submission"),
        ]
        indexes = [models.Index(fields=["clinic", "status", "created_at", "id"], name="worklist_queue")]

    def __str__(self) -> str:
        return f"Worklist entry {self.pk} ({self.status})"


class ContactAttempt(models.Model):
    """One call or message by a coordinator to a patient on the worklist."""

    class Outcome(models.TextChoices):
        REACHED = "reached", "Reached"
        VOICEMAIL = "voicemail", "Left a voicemail"
        NO_ANSWER = "no_answer", "No answer"

    entry = models.ForeignKey(WorklistEntry, on_delete=models.PROTECT, related_name="contact_attempts")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at"]

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


class TsTzRange(models.Func):
    """tstzrange(start, end, '[)') for the exclusion constraints (PostgreSQL only)."""

    function = "TSTZRANGE"

    @property
    def output_field(self):  # imported lazily: SQLite installs need not load the PostgreSQL range types
        from django.contrib.postgres.fields import DateTimeRangeField

        return DateTimeRangeField()


class PostgresExclusionConstraint(models.BaseConstraint):
    """An ExclusionConstraint on PostgreSQL; nothing on other databases (SQLite for `make run`).

    On SQLite the scheduling services refuse overlaps with a check inside a write-locked transaction.
    """

    def __init__(self, *, name: str, expressions, condition=None, violation_error_message=None, **kwargs):
        self.expressions = expressions
        self.condition = condition
        super().__init__(name=name, violation_error_message=violation_error_message, **kwargs)

    def _postgres(self):
        from django.contrib.postgres.constraints import ExclusionConstraint

        return ExclusionConstraint(
            name=self.name,
            expressions=self.expressions,
            condition=self.condition,
            violation_error_message=self.violation_error_message,
        )

    def constraint_sql(self, model, schema_editor):
        return self._postgres().constraint_sql(model, schema_editor) if _is_postgres(schema_editor) else None

    def create_sql(self, model, schema_editor):
        return self._postgres().create_sql(model, schema_editor) if _is_postgres(schema_editor) else None

    def remove_sql(self, model, schema_editor):
        return self._postgres().remove_sql(model, schema_editor) if _is_postgres(schema_editor) else None

    def validate(self, model, instance, exclude=None, using="default"):
        from django.db import connections

        if connections[using].vendor == "postgresql":
            self._postgres().validate(model, instance, exclude=exclude, using=using)

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        kwargs["expressions"] = self.expressions
        if self.condition is not None:
            kwargs["condition"] = self.condition
        return path, args, kwargs

    def __eq__(self, other):
        if isinstance(other, PostgresExclusionConstraint):
            return (
                self.name == other.name
                and self.expressions == other.expressions
                and self.condition == other.condition
                and self.violation_error_message == other.violation_error_message
            )
        return super().__eq__(other)


def _is_postgres(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


SLOT_TAKEN_MESSAGE = gettext_noop("That time was just booked by someone else. Please choose another slot.")
PATIENT_BUSY_MESSAGE = "The patient already has an appointment at that time. Please choose another slot."


class Appointment(models.Model):
    """A phone consultation or a psychiatric evaluation. Times are stored in UTC.

    Active appointments (not cancelled) never overlap for a clinician or for a patient: exclusion
    constraints on PostgreSQL (PostgresExclusionConstraint below), and a check inside a
    write-locked transaction in clinics.scheduling on SQLite.
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
        constraints = [models.UniqueConstraint(fields=["clinic", "patient"], name="checklist_one_per_patient")]

    def __str__(self) -> str:
        return f"Pre-evaluation checklist {self.pk}"


class FunnelDay(models.Model):
    """One local day of a clinic's dashboard funnel, computed in the background so the page reads, not counts."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="funnel_days")
    # The clinic's local date: of the first submission (version 1), or for "started" of the draft's start.
    day = models.DateField()
    counts = models.JSONField(default=dict)  # step key -> intakes
    # Seconds from submission, one per intake of the day's cohort: the median of many days stays exact.
    to_decision = models.JSONField(default=list)
    to_evaluation = models.JSONField(default=list)
    computed_at = models.DateTimeField()  # when the computation started

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic", "day"], name="funnel_day_unique")]

    def __str__(self) -> str:
        return f"Funnel {self.day:%Y-%m-%d}"
