"""The clinic dashboard's numbers: the funnel of a period, median times, and the CSV export's rows.

The cohort is the intakes first submitted in the period (version 1; local dates in the clinic's time
zone); each step counts what has happened to the patient at the clinic since. "Intakes started" counts
intakes begun in the period (not the drafts of amendments).
Every figure comes from a fixed number of aggregate queries on indexed columns.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Count, DurationField, Exists, F, OuterRef, Q, QuerySet, Subquery

from intake.models import IntakeDraft, IntakeSubmission
from screening.models import Outcome, Priority, ReviewCase, ScreeningResult

from .models import Appointment, Clinic
from .scheduling_selectors import clinic_zone


class Median(Aggregate):
    """PostgreSQL's continuous median of an interval."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


@dataclass(frozen=True)
class FunnelStep:
    key: str
    label: str
    count: int
    indent: bool = False  # a part of the step above it
    share: int | None = None  # per cent of the intakes submitted (steps after "Submitted")


@dataclass(frozen=True)
class Funnel:
    start: date
    end: date
    steps: list[FunnelStep]
    median_to_decision: timedelta | None
    decisions: int
    median_to_evaluation: timedelta | None
    evaluations: int

    @property
    def largest(self) -> int:
        return max((s.count for s in self.steps), default=0)


def period_bounds(clinic: Clinic, start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in the clinic's time zone, as aware datetimes."""
    zone = clinic_zone(clinic)
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


def _latest_result() -> QuerySet[ScreeningResult]:
    """The newest result for the patient at the clinic: re-screens and amendments (new submissions that
    amend the last one) both add results, so the newest one is where the intake stands now."""
    return ScreeningResult.objects.filter(
        submission__clinic_id=OuterRef("clinic_id"),
        submission__patient_id=OuterRef("patient_id"),
        created_at__gte=OuterRef("submitted_at"),
    ).order_by("-created_at", "-version")


def _latest_case() -> QuerySet[ReviewCase]:
    """The patient's newest review case at the clinic (an amendment moves a case forward, it is not re-created)."""
    return ReviewCase.objects.filter(
        clinic_id=OuterRef("clinic_id"), submission__patient_id=OuterRef("patient_id")
    ).order_by("-created_at")


def _appointments(kind: str) -> QuerySet[Appointment]:
    """The patient's active appointments of this kind at the clinic, booked since the submission."""
    return Appointment.objects.filter(
        clinic_id=OuterRef("clinic_id"),
        patient_id=OuterRef("patient_id"),
        kind=kind,
        created_at__gte=OuterRef("submitted_at"),
    ).exclude(status=Appointment.Status.CANCELLED)


def cohort(clinic: Clinic, start: date, end: date) -> QuerySet[IntakeSubmission]:
    """Intakes first submitted in the period, each with where it stands now (annotations, no extra queries)."""
    since, until = period_bounds(clinic, start, end)
    attended_evaluation = _appointments(Appointment.Kind.EVALUATION).filter(
        status=Appointment.Status.ATTENDED, starts_at__gte=OuterRef("submitted_at")
    )
    return IntakeSubmission.objects.filter(
        clinic=clinic, version=1, submitted_at__gte=since, submitted_at__lt=until
    ).annotate(
        outcome=Subquery(_latest_result().values("outcome")[:1]),
        priority=Subquery(_latest_result().values("priority")[:1]),
        case_status=Subquery(_latest_case().values("status")[:1]),
        decided_at=Subquery(_latest_case().values("decided_at")[:1]),
        consultation_booked=Exists(_appointments(Appointment.Kind.CONSULTATION)),
        evaluation_booked=Exists(_appointments(Appointment.Kind.EVALUATION)),
        evaluated_at=Subquery(attended_evaluation.order_by("starts_at").values("starts_at")[:1]),
    )


def _medians_in_python(rows: QuerySet[IntakeSubmission]) -> dict[str, Any]:
    """SQLite has no median: the period is at most a year, so the durations are a bounded list."""
    decisions, evaluations = [], []
    for submitted, decided, evaluated in rows.values_list("submitted_at", "decided_at", "evaluated_at"):
        if decided is not None:
            decisions.append((decided - submitted).total_seconds())
        if evaluated is not None:
            evaluations.append((evaluated - submitted).total_seconds())
    return {
        "to_decision": timedelta(seconds=statistics.median(decisions)) if decisions else None,
        "decisions": len(decisions),
        "to_evaluation": timedelta(seconds=statistics.median(evaluations)) if evaluations else None,
        "evaluations": len(evaluations),
    }


def funnel(clinic: Clinic, start: date, end: date) -> Funnel:
    """The funnel of one period: 2 queries on PostgreSQL, 3 on SQLite, whatever the number of intakes."""
    since, until = period_bounds(clinic, start, end)
    started = IntakeDraft.objects.filter(
        clinic=clinic, amends__isnull=True, created_at__gte=since, created_at__lt=until
    ).count()
    rows = cohort(clinic, start, end)
    counts: dict[str, Any] = {
        "submitted": Count("pk"),
        "eligible": Count("pk", filter=Q(outcome=Outcome.ELIGIBLE)),
        "needs_review": Count("pk", filter=Q(outcome=Outcome.NEEDS_REVIEW)),
        "urgent": Count("pk", filter=Q(outcome=Outcome.NEEDS_REVIEW, priority=Priority.URGENT)),
        "routine": Count("pk", filter=Q(outcome=Outcome.NEEDS_REVIEW, priority=Priority.ROUTINE)),
        "ineligible": Count("pk", filter=Q(outcome=Outcome.INELIGIBLE)),
        "cleared": Count("pk", filter=Q(case_status=ReviewCase.Status.CLEARED)),
        "consultation": Count("pk", filter=Q(consultation_booked=True)),
        "evaluation": Count("pk", filter=Q(evaluation_booked=True)),
        "evaluated": Count("pk", filter=Q(evaluated_at__isnull=False)),
    }
    if connection.vendor == "postgresql":
        counts.update(
            to_decision=Median(F("decided_at") - F("submitted_at"), filter=Q(decided_at__isnull=False)),
            decisions=Count("pk", filter=Q(decided_at__isnull=False)),
            to_evaluation=Median(F("evaluated_at") - F("submitted_at"), filter=Q(evaluated_at__isnull=False)),
            evaluations=Count("pk", filter=Q(evaluated_at__isnull=False)),
        )
        figures = rows.aggregate(**counts)
    else:
        figures = rows.aggregate(**counts) | _medians_in_python(rows)
    steps = [
        FunnelStep("started", "Intakes started", started),
        FunnelStep("submitted", "Submitted", figures["submitted"]),
        FunnelStep("eligible", "Eligible at screening", figures["eligible"]),
        FunnelStep("needs_review", "Needs review", figures["needs_review"]),
        FunnelStep("urgent", "urgent", figures["urgent"], indent=True),
        FunnelStep("routine", "routine", figures["routine"], indent=True),
        FunnelStep("ineligible", "Ineligible", figures["ineligible"]),
        FunnelStep("cleared", "Cleared by a psychiatrist", figures["cleared"]),
        FunnelStep("consultation", "Phone consultation booked", figures["consultation"]),
        FunnelStep("evaluation", "Evaluation booked", figures["evaluation"]),
        FunnelStep("evaluated", "Evaluated", figures["evaluated"]),
    ]
    submitted = figures["submitted"]
    steps = [
        step if index < 2 or not submitted else replace(step, share=round(100 * step.count / submitted))
        for index, step in enumerate(steps)
    ]
    return Funnel(
        start=start,
        end=end,
        steps=steps,
        median_to_decision=figures["to_decision"],
        decisions=figures["decisions"],
        median_to_evaluation=figures["to_evaluation"],
        evaluations=figures["evaluations"],
    )


# --- the chart ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    step: FunnelStep
    y: int
    label_y: int
    width: float
    value_x: float


CHART_WIDTH = 360
BAR_LEFT = 0
BAR_MAX = 290
ROW = 44


def chart_bars(result: Funnel) -> tuple[list[Bar], int]:
    """Bar geometry for the server-drawn SVG (viewBox units; the page scales it)."""
    largest = result.largest or 1
    bars = []
    for index, step in enumerate(result.steps):
        top = index * ROW
        width = round(BAR_MAX * step.count / largest, 1)
        bars.append(Bar(step, y=top + 20, label_y=top + 14, width=width, value_x=BAR_LEFT + width + 6))
    return bars, len(result.steps) * ROW


# --- the CSV export -----------------------------------------------------------------------------------------


CSV_COLUMNS = [
    "submission_id",
    "submitted_at",
    "version",
    "outcome",
    "priority",
    "ruleset",
    "policy_version",
    "case_status",
    "decision_at",
    "evaluation_at",
    "evaluation_status",
]


def export_rows(clinic: Clinic, start: date, end: date) -> Iterator[list[str]]:
    """Every submission of the period with its latest result, case and evaluation: codes and times, no free text.

    One query, read in chunks (a server-side cursor on PostgreSQL), so a long period streams.
    """
    since, until = period_bounds(clinic, start, end)
    zone = clinic_zone(clinic)
    result = ScreeningResult.objects.filter(submission_id=OuterRef("pk")).order_by("-version")
    evaluation = (
        Appointment.objects.filter(
            clinic_id=OuterRef("clinic_id"),
            patient_id=OuterRef("patient_id"),
            kind=Appointment.Kind.EVALUATION,
            created_at__gte=OuterRef("submitted_at"),
        )
        .exclude(status=Appointment.Status.CANCELLED)
        .order_by("starts_at")
    )
    rows = (
        IntakeSubmission.objects.filter(clinic=clinic, submitted_at__gte=since, submitted_at__lt=until)
        .annotate(
            outcome=Subquery(result.values("outcome")[:1]),
            priority=Subquery(result.values("priority")[:1]),
            ruleset=Subquery(result.values("ruleset")[:1]),
            policy_version=Subquery(result.values("policy__version")[:1]),
            case_status=Subquery(_latest_case().values("status")[:1]),
            decided_at=Subquery(_latest_case().values("decided_at")[:1]),
            evaluation_at=Subquery(evaluation.values("starts_at")[:1]),
            evaluation_status=Subquery(evaluation.values("status")[:1]),
        )
        .order_by("submitted_at", "id")
        .values_list(
            "id",
            "submitted_at",
            "version",
            "outcome",
            "priority",
            "ruleset",
            "policy_version",
            "case_status",
            "decided_at",
            "evaluation_at",
            "evaluation_status",
        )
    )

    def when(moment: datetime | None) -> str:
        return moment.astimezone(zone).isoformat(timespec="seconds") if moment else ""

    for (
        sid,
        submitted,
        version,
        outcome,
        priority,
        ruleset,
        policy,
        case,
        decided,
        evaluated,
        ev_status,
    ) in rows.iterator(chunk_size=2000):
        yield [
            str(sid),
            when(submitted),
            str(version),
            outcome or "",
            priority or "",
            ruleset or "",
            "" if policy is None else str(policy),
            case or "",
            when(decided),
            when(evaluated),
            ev_status or "",
        ]
