"""Demo times that follow each other: each demo patient's records are moved into the past as one block.

The demo's services run within a second of each other at `load_demo` time, so a case would read "sent
12:17 AM, overdue since 6:17 PM the day before". Moving a patient's submission-side times back by one span
and their review decision back by a shorter one keeps the order (joined, started, sent, screened, queued,
claimed, decided) and gives a believable history. Appointments are booked after this, in the future.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import F
from django.utils import timezone

from intake.models import IntakeDraft, IntakeSubmission
from scheduling.models import ContactAttempt, WorklistEntry
from screening.cases import review_due_at
from screening.models import ReviewCase, ReviewDecision, ScreeningResult

# Per demo story (the scenario, or what happened after): hours ago the answers were sent, and hours ago the
# psychiatrist acted on them (None: nobody has yet).
STORY_HOURS = {
    "eligible": (74, None),
    "urgent": (1, None),
    "overdue": (72, None),  # moved further back until it is past due
    "claimed": (20, 2),
    "info_requested": (30, 22),
    "cleared": (96, 70),
    "declined": (80, 52),
    "ineligible": (120, None),
    "half_done": (27, None),
}
OVERDUE_BY = timedelta(hours=6)
OVERDUE_SENT = timedelta(days=3)
MINUTES_TO_FILL_IN = timedelta(minutes=25)
STARTED_BEFORE_JOINED = timedelta(minutes=5)


def _shift(rows: Any, delta: timedelta, *fields: str) -> None:
    """Move the named times back by delta (empty ones stay empty)."""
    rows.update(**{name: F(name) - delta for name in fields})


def demo_backdate(*, patient: Any, story: str) -> None:
    """Move one demo patient's records into the past, in order (see the module's docstring)."""
    now = timezone.now()
    case = ReviewCase.objects.filter(submission__patient=patient).order_by("created_at").first()
    hours_sent, hours_decided = STORY_HOURS.get(story, (2, None))
    sent_ago = timedelta(hours=hours_sent)
    due_at = None
    if case is not None:
        zone = case.clinic.zone

        def due(ago: timedelta) -> datetime:
            return review_due_at(priority=case.priority, start=case.created_at - ago, zone=zone)

        if story == "overdue":
            # Sent long enough ago to be past its due time (weekends count as no working days).
            sent_ago = OVERDUE_SENT
            while due(sent_ago) > now - OVERDUE_BY:
                sent_ago += timedelta(hours=12)
        elif case.status in ReviewCase.UNDECIDED:
            # Still waiting for a decision: keep it within its due time.
            while sent_ago > timedelta(minutes=40) and due(sent_ago) <= now + timedelta(hours=1):
                sent_ago /= 2
        due_at = due(sent_ago)
    decided_ago = timedelta(hours=hours_decided) if hours_decided is not None else None
    if decided_ago is not None:
        decided_ago = min(decided_ago, sent_ago / 2)
    _shift(
        type(patient).objects.filter(pk=patient.pk),
        sent_ago + MINUTES_TO_FILL_IN + STARTED_BEFORE_JOINED,
        "date_joined",
    )
    drafts = IntakeDraft.objects.filter(patient=patient)
    _shift(drafts, sent_ago + MINUTES_TO_FILL_IN, "created_at")
    _shift(drafts, sent_ago, "updated_at", "submitted_at")
    submissions = IntakeSubmission.objects.filter(patient=patient)
    _shift(submissions, sent_ago, "submitted_at")
    _shift(ScreeningResult.objects.filter(submission__patient=patient), sent_ago, "created_at")
    cases = ReviewCase.objects.filter(submission__patient=patient)
    _shift(cases, sent_ago, "created_at")
    if due_at is not None:
        cases.update(due_at=due_at)
    decisions = ReviewDecision.objects.filter(case__submission__patient=patient)
    entries = WorklistEntry.objects.filter(patient=patient)
    if decided_ago is None:
        _shift(cases, sent_ago, "updated_at", "claimed_at", "acknowledged_at")
        _shift(decisions, sent_ago, "at")
        _shift(entries, sent_ago, "created_at", "updated_at")
    else:
        # Claimed a little before the decision, on the same sitting.
        _shift(cases, decided_ago + timedelta(minutes=12), "claimed_at")
        _shift(cases, decided_ago, "updated_at", "decided_at", "acknowledged_at")
        _shift(decisions.filter(kind=ReviewDecision.Kind.CLAIMED), decided_ago + timedelta(minutes=12), "at")
        _shift(decisions.exclude(kind=ReviewDecision.Kind.CLAIMED), decided_ago, "at")
        _shift(entries, decided_ago, "created_at", "updated_at")
    _shift(ContactAttempt.objects.filter(entry__patient=patient), decided_ago or sent_ago, "at")
    _shift(entries.exclude(last_attempt_at=None), decided_ago or sent_ago, "last_attempt_at")


__all__ = ["STORY_HOURS", "demo_backdate"]
