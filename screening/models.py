"""Screening results (versioned, never overwritten) and the psychiatrist review cases they open."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


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
    """A submission a psychiatrist must review before anything is scheduled (outcome needs_review)."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for a psychiatrist"
        CLAIMED = "claimed", "Claimed"
        AWAITING_PATIENT = "awaiting_patient", "Waiting for the patient"
        CLEARED = "cleared", "Cleared for evaluation"
        DECLINED = "declined", "Declined"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="review_cases")
    # The latest submission of the intake (amendments move it forward).
    submission = models.ForeignKey("intake.IntakeSubmission", on_delete=models.PROTECT, related_name="review_cases")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    priority = models.CharField(max_length=10, choices=Priority.choices)
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
        ]
        indexes = [models.Index(fields=["clinic", "status", "priority", "due_at"], name="review_case_queue")]

    def __str__(self) -> str:
        return f"Review case {self.pk} ({self.priority}, {self.status})"
