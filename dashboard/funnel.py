"""The clinic dashboard's numbers: the funnel of a period, median times, and the CSV export's rows.

The cohort is the intakes first submitted in the period (version 1; local dates in the clinic's time
zone); each step counts what has happened to the patient at the clinic since. "Intakes started" counts
intakes begun in the period (not the drafts of amendments).
Counting a period on every page load grows with the clinic (a few correlated subqueries per intake), so
the figures are kept per local day in FunnelDay: the page reads the period's days (one query) and adds
them up; the beat task `dashboard_refresh` recomputes stale days every few minutes, and the page
recomputes any day still missing or stale (three more queries, whatever the number of days). Each day
keeps its durations, not their median, so the median over many days stays exact.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from clinics.models import Clinic
from intake.models import IntakeDraft, IntakeSubmission
from scheduling.models import Appointment
from screening.models import Outcome, Priority, ReviewCase, ScreeningResult

from .models import FunnelDay

# How old a day's figures may get before they are recomputed: recent intakes still move through the
# funnel (the beat refreshes those days every 5 minutes); older ones rarely change, so once a day will do.
RECENT_DAYS = 30
FRESH_RECENT = timedelta(minutes=5)
FRESH_OLDER = timedelta(hours=24)

# (key, label, a part of the step above it)
STEPS = (
    ("started", "Intakes started", False),
    ("submitted", "Submitted", False),
    ("eligible", "Eligible at screening", False),
    ("needs_review", "Needs review", False),
    ("urgent", "urgent", True),
    ("routine", "routine", True),
    ("ineligible", "Ineligible", False),
    ("cleared", "Cleared by a psychiatrist", False),
    ("consultation", "Phone consultation booked", False),
    ("evaluation", "Evaluation booked", False),
    ("evaluated", "Evaluated", False),
)


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
    computed_at: datetime  # the oldest day's: every figure is at least this recent

    @property
    def largest(self) -> int:
        return max((s.count for s in self.steps), default=0)


def period_bounds(clinic: Clinic, start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in the clinic's time zone, as aware datetimes."""
    zone = clinic.zone
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
    """The patient's newest review case at the clinic (an amendment moves a case forward, it is not re-created).

    Driven from the patient's few submissions like `_latest_result`: a condition on the case's own clinic
    lets a planner with stale statistics scan every case of the clinic for each intake.
    """
    return ReviewCase.objects.filter(
        submission__clinic_id=OuterRef("clinic_id"), submission__patient_id=OuterRef("patient_id")
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


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def _today(clinic: Clinic, now: datetime) -> date:
    return now.astimezone(clinic.zone).date()


def _stale(days: Iterable[date], computed: dict[date, datetime], today: date, now: datetime) -> list[date]:
    """The days with no row, or a row older than its freshness at `now`."""
    recent = today - timedelta(days=RECENT_DAYS)
    return [
        day
        for day in days
        if day not in computed or now - computed[day] > (FRESH_RECENT if day >= recent else FRESH_OLDER)
    ]


def funnel_days_refresh(clinic: Clinic, start: date, end: date, *, now: datetime | None = None) -> list[FunnelDay]:
    """Recompute and store every day of [start, end], empty days as zeros (so they are not recomputed on
    every load): two queries over the whole range and one upsert."""
    computed_at = now or timezone.now()  # before reading: a change committed meanwhile is caught next time
    zone = clinic.zone
    since, until = period_bounds(clinic, start, end)
    counts = {day: dict.fromkeys((key for key, _, _ in STEPS), 0) for day in _days(start, end)}
    to_decision: dict[date, list[float]] = {day: [] for day in counts}
    to_evaluation: dict[date, list[float]] = {day: [] for day in counts}
    started = (
        IntakeDraft.objects.filter(clinic=clinic, amends__isnull=True, created_at__gte=since, created_at__lt=until)
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .order_by()
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    for day, n in started:
        counts[day]["started"] = n
    rows = (
        cohort(clinic, start, end)
        .order_by()
        .values_list(
            "submitted_at",
            "outcome",
            "priority",
            "case_status",
            "decided_at",
            "consultation_booked",
            "evaluation_booked",
            "evaluated_at",
        )
    )
    for submitted, outcome, priority, case_status, decided, consultation, evaluation, evaluated in rows:
        day = submitted.astimezone(zone).date()
        steps = counts[day]
        steps["submitted"] += 1
        if outcome == Outcome.ELIGIBLE:
            steps["eligible"] += 1
        elif outcome == Outcome.INELIGIBLE:
            steps["ineligible"] += 1
        elif outcome == Outcome.NEEDS_REVIEW:
            steps["needs_review"] += 1
            if priority == Priority.URGENT:
                steps["urgent"] += 1
            elif priority == Priority.ROUTINE:
                steps["routine"] += 1
        steps["cleared"] += case_status == ReviewCase.Status.CLEARED
        steps["consultation"] += bool(consultation)
        steps["evaluation"] += bool(evaluation)
        if decided is not None:
            to_decision[day].append((decided - submitted).total_seconds())
        if evaluated is not None:
            steps["evaluated"] += 1
            to_evaluation[day].append((evaluated - submitted).total_seconds())
    days = [
        FunnelDay(
            clinic=clinic,
            day=day,
            counts=steps,
            to_decision=to_decision[day],
            to_evaluation=to_evaluation[day],
            computed_at=computed_at,
        )
        for day, steps in counts.items()
    ]
    FunnelDay.objects.bulk_create(
        days,
        update_conflicts=True,
        unique_fields=["clinic", "day"],
        update_fields=["counts", "to_decision", "to_evaluation", "computed_at"],
    )
    return days


def funnel_days_refresh_stale(
    clinic: Clinic, start: date, end: date, *, now: datetime | None = None, ahead: timedelta = timedelta(0)
) -> int:
    """Recompute the days of [start, end] that are missing or stale `ahead` of now (the beat looks one run
    ahead, so the page finds them fresh); the number of days recomputed."""
    now = now or timezone.now()
    computed = dict(FunnelDay.objects.filter(clinic=clinic, day__range=(start, end)).values_list("day", "computed_at"))
    stale = _stale(_days(start, end), computed, _today(clinic, now), now + ahead)
    if not stale:
        return 0
    # One span: three queries whatever the gaps; recomputing a fresh day in between does no harm.
    return len(funnel_days_refresh(clinic, min(stale), max(stale), now=now))


def _median(seconds: list[float]) -> timedelta | None:
    """statistics.median averages the two middle values, as PostgreSQL's PERCENTILE_CONT(0.5) does."""
    return timedelta(seconds=statistics.median(seconds)) if seconds else None


def funnel(clinic: Clinic, start: date, end: date, *, now: datetime | None = None) -> Funnel:
    """The funnel of one period from its stored days: one query when they are fresh, three more otherwise."""
    now = now or timezone.now()
    rows = {row.day: row for row in FunnelDay.objects.filter(clinic=clinic, day__range=(start, end))}
    stale = _stale(_days(start, end), {day: row.computed_at for day, row in rows.items()}, _today(clinic, now), now)
    if stale:
        rows.update((row.day, row) for row in funnel_days_refresh(clinic, min(stale), max(stale), now=now))
    days = [rows[day] for day in _days(start, end)]
    totals = {key: sum(day.counts.get(key, 0) for day in days) for key, _, _ in STEPS}
    submitted = totals["submitted"]
    steps = [
        FunnelStep(
            key,
            label,
            totals[key],
            indent=indent,
            share=round(100 * totals[key] / submitted) if index >= 2 and submitted else None,
        )
        for index, (key, label, indent) in enumerate(STEPS)
    ]
    to_decision = [seconds for day in days for seconds in day.to_decision]
    to_evaluation = [seconds for day in days for seconds in day.to_evaluation]
    return Funnel(
        start=start,
        end=end,
        steps=steps,
        median_to_decision=_median(to_decision),
        decisions=len(to_decision),
        median_to_evaluation=_median(to_evaluation),
        evaluations=len(to_evaluation),
        computed_at=min(day.computed_at for day in days),
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
    zone = clinic.zone
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
