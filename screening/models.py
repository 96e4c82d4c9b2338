"""Screening results (versioned, never overwritten), the psychiatrist review cases they open, the
decisions taken on those cases, and re-screening runs."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from intake.models import DocumentKind


class Outcome(models.TextChoices):
    ELIGIBLE = "eligible", "Eligible"
    NEEDS_REVIEW = "needs_review", "Needs review"
    INELIGIBLE = "ineligible", "Ineligible"


class Priority(models.TextChoices):
    URGENT = "urgent", "Urgent"
    ROUTINE = "routine", "Routine"


class ScreeningResult(models.Model):
    """The engine's result for one submission under one ruleset and one clinic policy version.

    Re-screening (a new ruleset or policy) adds version n+1; earlier versions stay as they were.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    submission = models.ForeignKey(
        "intake.IntakeSubmission", on_delete=models.PROTECT, related_name="screening_results"
    )
    version = models.PositiveIntegerField(default=1)
    ruleset = models.CharField(max_length=40)
    # Null only when the clinic had no stored policy and the engine's defaults applied.
    policy = models.ForeignKey(
        "clinics.ScreeningPolicy", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    priority = models.CharField(max_length=10, choices=Priority.choices)
    result = models.JSONField(help_text="The engine's Result.to_dict().")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["submission", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "version"], name="screening_result_version_unique"),
            models.CheckConstraint(condition=Q(version__gte=1), name="screening_result_version_positive"),
            models.CheckConstraint(condition=Q(outcome__in=Outcome.values), name="screening_result_outcome_valid"),
            models.CheckConstraint(condition=Q(priority__in=Priority.values), name="screening_result_priority_valid"),
        ]

    def __str__(self) -> str:
        return f"Screening result {self.pk} v{self.version}: {self.outcome}"


class ReviewCase(models.Model):
    """A submission a psychiatrist must review before anything is scheduled (outcome needs_review).

    Life cycle: open -> claimed -> cleared | declined | awaiting_patient; awaiting_patient -> claimed (or open)
    when the patient amends; claimed -> open when released. A clinic admin may re-open a decided case.
    Re-screening may close a case nobody has claimed when its new result no longer needs review.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for a psychiatrist"
        CLAIMED = "claimed", "Claimed"
        AWAITING_PATIENT = "awaiting_patient", "Waiting for the patient"
        CLEARED = "cleared", "Cleared for evaluation"
        DECLINED = "declined", "Declined"
        # No human decision: re-screening found the submission no longer needs review.
        CLOSED = "closed", "Closed by re-screening"

    # The queue: cases nobody has decided yet and the patient is not being waited for.
    IN_QUEUE = (Status.OPEN, Status.CLAIMED)
    UNDECIDED = (Status.OPEN, Status.CLAIMED, Status.AWAITING_PATIENT)
    DECIDED = (Status.CLEARED, Status.DECLINED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="review_cases")
    # The latest submission of the intake (amendments move it forward).
    submission = models.ForeignKey("intake.IntakeSubmission", on_delete=models.PROTECT, related_name="review_cases")
    # The result the case is currently routed on (the newest one of `submission`); null only for cases made
    # before this field existed.
    result = models.ForeignKey(ScreeningResult, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    priority = models.CharField(max_length=10, choices=Priority.choices)
    # 0 urgent, 1 routine: "urgent first, then by due time" is one index range (see Meta.indexes).
    priority_rank = models.GeneratedField(
        expression=Case(When(priority=Priority.URGENT, then=Value(0)), default=Value(1)),
        output_field=models.SmallIntegerField(),
        db_persist=True,
    )
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # Urgent cases: a psychiatrist acknowledges the alert; if nobody does in time, admins are alerted once.
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    ack_escalated_at = models.DateTimeField(null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at"]
        constraints = [
            models.CheckConstraint(condition=Q(priority__in=Priority.values), name="review_case_priority_valid"),
            models.CheckConstraint(
                condition=~Q(status="claimed") | Q(claimed_by__isnull=False), name="review_case_claimed_has_claimer"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "claimed", "awaiting_patient", "cleared", "declined", "closed"]),
                name="review_case_status_valid",
            ),
            # Nobody holds an open case; a waiting-for-the-patient case stays with the psychiatrist who asked.
            models.CheckConstraint(
                condition=~Q(status="open") | Q(claimed_by__isnull=True, claimed_at__isnull=True),
                name="review_case_open_has_no_claimer",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["cleared", "declined"])
                | Q(decided_by__isnull=False, decided_at__isnull=False),
                name="review_case_decided_has_decider",
            ),
            # One case per submission: an amendment moves the case to the new version instead of opening another.
            models.UniqueConstraint(fields=["submission"], name="review_case_one_per_submission"),
        ]
        indexes = [
            models.Index(fields=["clinic", "status", "priority", "due_at"], name="review_case_queue"),
            # The default queue (open and claimed): urgent first, then due time, keyset-paginated on id.
            models.Index(
                fields=["clinic", "priority_rank", "due_at", "id"],
                condition=Q(status__in=["open", "claimed"]),
                name="review_case_queue_open",
            ),
            # Any one status (waiting for the patient, decided, ...), same order.
            models.Index(fields=["clinic", "status", "priority_rank", "due_at", "id"], name="review_case_queue_status"),
            # "Assigned to me".
            models.Index(
                fields=["claimed_by", "priority_rank", "due_at", "id"],
                condition=Q(claimed_by__isnull=False),
                name="review_case_claimer",
            ),
        ]

    def __str__(self) -> str:
        return f"Review case {self.pk} ({self.priority}, {self.status})"

    @property
    def is_overdue(self) -> bool:
        return self.status in self.UNDECIDED and self.due_at <= timezone.now()


class ReviewDecision(models.Model):
    """One step in a case's history: who did what, when, on which screening result, and why.

    `note` is for clinicians only; `patient_message` is what the patient reads in the app (never e-mailed).
    """

    class Kind(models.TextChoices):
        CLAIMED = "claimed", "Claimed"
        RELEASED = "released", "Released"
        REASSIGNED = "reassigned", "Reassigned"
        ACKNOWLEDGED = "acknowledged", "Urgent alert acknowledged"
        INFO_REQUESTED = "info_requested", "Asked the patient for more information"
        AMENDED = "amended", "The patient updated their answers"
        CLEARED = "cleared", "Cleared for evaluation"
        DECLINED = "declined", "Declined"
        REOPENED = "reopened", "Re-opened"
        RESCREENED = "rescreened", "Re-screened"
        REPLIED = "replied", "The patient replied"

    # Decisions a patient is told about, and the ones that need words for the patient.
    NEEDS_PATIENT_MESSAGE = (Kind.DECLINED, Kind.INFO_REQUESTED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(ReviewCase, on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Null for what the system did (re-screening).
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    # Reassigned: the psychiatrist who now holds the case.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The screening result (and so the submission version, ruleset and policy) the step was taken on.
    result = models.ForeignKey(ScreeningResult, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField("note for clinicians", max_length=4000, blank=True)
    patient_message = models.TextField("message to the patient", max_length=4000, blank=True)
    # Asking for more information can ask for a document (intake.DocumentKind); an upload of that kind answers it.
    requested_document = models.CharField(
        "document asked for", max_length=20, choices=DocumentKind.choices, blank=True, default=""
    )
    # Replied: the patient's answer to the psychiatrist's question, in their own words (read on the case page).
    patient_reply = models.TextField("the patient's reply", max_length=4000, blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "claimed",
                        "released",
                        "reassigned",
                        "acknowledged",
                        "info_requested",
                        "amended",
                        "cleared",
                        "declined",
                        "reopened",
                        "rescreened",
                        "replied",
                    ]
                ),
                name="review_decision_kind_valid",
            ),
            models.CheckConstraint(
                condition=~Q(kind="replied") | ~Q(patient_reply=""), name="review_decision_reply_has_text"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["declined", "info_requested"]) | ~Q(patient_message=""),
                name="review_decision_patient_message_required",
            ),
            # A decline and a re-opening always say why.
            models.CheckConstraint(
                condition=~Q(kind__in=["declined", "reopened"]) | ~Q(note=""), name="review_decision_reason_required"
            ),
            models.CheckConstraint(
                condition=~Q(kind="reassigned") | Q(assignee__isnull=False),
                name="review_decision_reassign_has_assignee",
            ),
            # Only a request for more information asks for a document.
            models.CheckConstraint(
                condition=Q(requested_document="")
                | Q(kind="info_requested", requested_document__in=DocumentKind.values),
                name="review_decision_requested_document_valid",
            ),
        ]
        indexes = [models.Index(fields=["case", "at"], name="review_decision_case")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"


class RescreenRun(models.Model):
    """One re-screening of a clinic's open submissions after its policy or the ruleset changed.

    A Celery task works through the submissions in chunks, keyset-ordered by id; `cursor` is the last id
    done, so a task that runs twice (or resumes after a crash) carries on instead of starting over.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        SUPERSEDED = "superseded", "Replaced by a newer re-screening"

    class Reason(models.TextChoices):
        POLICY = "policy", "Policy changed"
        RULESET = "ruleset", "Ruleset changed"

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="rescreen_runs")
    # Null only when the clinic has no stored policy (the engine's defaults).
    policy = models.ForeignKey(
        "clinics.ScreeningPolicy", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ruleset = models.CharField(max_length=40)
    reason = models.CharField(max_length=10, choices=Reason.choices, default=Reason.POLICY)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0, help_text="Open submissions when the run was queued.")
    done = models.PositiveIntegerField(default=0, help_text="Submissions looked at so far.")
    rescreened = models.PositiveIntegerField(default=0, help_text="New result versions written.")
    skipped = models.PositiveIntegerField(default=0, help_text="Already screened under this ruleset and policy.")
    cases_opened = models.PositiveIntegerField(default=0)
    cases_closed = models.PositiveIntegerField(default=0)
    priority_changed = models.PositiveIntegerField(default=0)
    # {"eligible->needs_review": 3, ...}: outcome moves, codes only.
    moves = models.JSONField(default=dict, blank=True)
    cursor = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic"],
                condition=Q(status__in=["queued", "running"]),
                name="rescreen_one_active_run_per_clinic",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "finished", "superseded"]), name="rescreen_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["finished", "superseded"]) | Q(finished_at__isnull=False),
                name="rescreen_finished_has_time",
            ),
        ]
        indexes = [models.Index(fields=["clinic", "-created_at"], name="rescreen_clinic_recent")]

    def __str__(self) -> str:
        return f"Re-screening {self.pk} of {self.clinic_id} ({self.status}, {self.done}/{self.total})"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        if self.status == self.Status.FINISHED or not self.total:
            return 100 if self.status == self.Status.FINISHED else 0
        return min(100, round(100 * self.done / self.total))


class IntakeAlert(models.Model):
    """High-risk safety (C-SSRS) answers given during an intake, before anything is submitted: an urgent item in
    the queue at once, with who to call, acknowledged like an urgent case (admins are alerted when nobody does).

    A separate item rather than a ReviewCase without a submission: a case is a decision on a frozen, screened
    submission (one per submission, a result, versions, FHIR, re-screening), and nothing can be decided on a draft.
    When the patient submits, the alert is linked to the case that opens (`case`), which becomes urgent and keeps
    the acknowledgement; the alert then leaves the queue and its page leads to the case.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="intake_alerts")
    draft = models.OneToOneField("intake.IntakeDraft", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    ack_escalated_at = models.DateTimeField(null=True, blank=True)
    case = models.OneToOneField(
        ReviewCase, null=True, blank=True, on_delete=models.PROTECT, related_name="intake_alert"
    )
    linked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | Q(acknowledged_by__isnull=False),
                name="intake_alert_acknowledged_has_who",
            ),
            models.CheckConstraint(
                condition=Q(case__isnull=True) | Q(linked_at__isnull=False), name="intake_alert_linked_has_time"
            ),
        ]
        indexes = [
            models.Index(fields=["clinic", "created_at"], condition=Q(case__isnull=True), name="intake_alert_open"),
        ]

    def __str__(self) -> str:
        return f"Intake alert {self.pk}"
