"""Reads for screening results, review cases, the psychiatrist's queue, the case page and re-screening.

Every read of a case is scoped to the requesting staff member's clinic: another clinic's case is as missing
as one that does not exist. Each page runs a fixed number of queries whatever the number of cases.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import F, Func, IntegerField, JSONField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.lookups import GreaterThan, LessThan
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from clinics import access
from clinics.models import Clinic, Role
from scheduling.models import WorklistEntry

from .models import Outcome, RescreenRun, ReviewCase, ReviewDecision, ScreeningResult
from .rules import IntakeDocument, Policy, PolicyError, evaluate


def result_latest(*, submission: Any) -> ScreeningResult | None:
    """The newest screening result of a submission (re-screening adds versions)."""
    results = getattr(submission, "results", None)
    if results is not None:  # prefetched, newest first
        return results[0] if results else None
    return ScreeningResult.objects.filter(submission=submission).order_by("-version").first()


def outcome_change_latest(*, submission: Any) -> ScreeningResult | None:
    """The newest result when a re-screening changed the outcome of the one before it (else None)."""
    newest = list(
        ScreeningResult.objects.filter(submission=submission)
        .order_by("-version")
        .only("version", "outcome", "created_at")[:2]
    )
    if len(newest) < 2 or newest[0].outcome == newest[1].outcome:
        return None
    return newest[0]


def case_latest(*, submission: Any) -> ReviewCase | None:
    cases = getattr(submission, "cases", None)
    if cases is not None:
        return cases[0] if cases else None
    return ReviewCase.objects.filter(submission=submission).order_by("-created_at").first()


# --- the queue ---------------------------------------------------------------------------------------------

QUEUE_PAGE_SIZE = 25
# Counts at the top of the queue stop here ("1,000+"): each is an index range of at most this many entries,
# so the page costs the same at 100 and at 100,000 open cases.
COUNT_CAP = 1000

STATUS_FILTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "queue": ("Waiting for a decision", ReviewCase.IN_QUEUE),
    "open": ("Not claimed yet", (ReviewCase.Status.OPEN,)),
    "claimed": ("Claimed", (ReviewCase.Status.CLAIMED,)),
    "awaiting_patient": ("Waiting for the patient", (ReviewCase.Status.AWAITING_PATIENT,)),
    "cleared": ("Cleared", (ReviewCase.Status.CLEARED,)),
    "declined": ("Declined", (ReviewCase.Status.DECLINED,)),
    "closed": ("Closed by re-screening", (ReviewCase.Status.CLOSED,)),
}
PRIORITY_FILTERS = {"urgent": 0, "routine": 1}


@dataclass(frozen=True)
class QueueFilters:
    status: str = "queue"
    priority: str = ""
    mine: bool = False


class _Row(Func):
    """A row value, `(a, b, c)`, for keyset comparisons that use the queue index as one range."""

    template = "(%(expressions)s)"
    arg_joiner = ", "
    output_field = IntegerField()


@dataclass(frozen=True)
class Cursor:
    rank: int
    due_at: datetime
    id: uuid.UUID

    def encode(self) -> str:
        raw = f"{self.rank}|{self.due_at.isoformat()}|{self.id.hex}"
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str | None) -> Cursor | None:
        """A cursor from the URL, or None when it is missing or malformed (the first page is shown)."""
        if not value or len(value) > 200:
            return None
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
            rank, due, hex_id = raw.split("|")
            due_at = parse_datetime(due)
            if due_at is None or rank not in ("0", "1"):
                return None
            return cls(int(rank), due_at, uuid.UUID(hex=hex_id))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return None

    @classmethod
    def of(cls, case: ReviewCase) -> Cursor:
        return cls(case.priority_rank, case.due_at, case.pk)

    def key(self) -> _Row:
        return _Row(
            Value(self.rank),
            Value(self.due_at, output_field=ReviewCase._meta.get_field("due_at")),
            Value(self.id, output_field=ReviewCase._meta.get_field("id")),
        )


def _keyset() -> _Row:
    return _Row(F("priority_rank"), F("due_at"), F("id"))


def _queue_base(*, clinic: Clinic, user: Any, filters: QueueFilters) -> QuerySet[ReviewCase]:
    statuses = STATUS_FILTERS.get(filters.status, STATUS_FILTERS["queue"])[1]
    cases = ReviewCase.objects.filter(clinic=clinic)
    # Written so each combination is one range of an index (see ReviewCase.Meta.indexes).
    cases = cases.filter(status__in=list(statuses)) if len(statuses) > 1 else cases.filter(status=statuses[0])
    if filters.priority in PRIORITY_FILTERS:
        cases = cases.filter(priority_rank=PRIORITY_FILTERS[filters.priority])
    if filters.mine:
        cases = cases.filter(claimed_by=user)
    return cases


@dataclass
class QueueCounts:
    urgent: int
    routine: int
    overdue: int
    mine: int
    awaiting_patient: int
    cap: int = COUNT_CAP

    @property
    def shown(self) -> dict[str, str]:
        """Each count as the page shows it: "1,000+" once it reaches the cap."""
        names = ("urgent", "routine", "overdue", "mine", "awaiting_patient")
        return {n: f"{self.cap:,}+" if getattr(self, n) >= self.cap else f"{getattr(self, n):,}" for n in names}


def queue_counts(*, clinic: Clinic, user: Any, now: datetime | None = None, cap: int = COUNT_CAP) -> QueueCounts:
    """The numbers at the top of the queue, in one query; each count stops at `cap`."""
    names, sql, params = queue_counts_sql(clinic=clinic, user=user, now=now or timezone.now(), cap=cap)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        values = dict(zip(names, cursor.fetchone(), strict=True))
    return QueueCounts(
        urgent=values["urgent"],
        routine=values["routine"],
        overdue=min(cap, values["overdue_urgent"] + values["overdue_routine"]),
        mine=values["mine"],
        awaiting_patient=values["awaiting_patient"],
        cap=cap,
    )


def queue_counts_sql(*, clinic: Clinic, user: Any, now: datetime, cap: int) -> tuple[list[str], str, list[Any]]:
    """One SELECT of capped counts, each an index range: (names, sql, params)."""
    waiting = ReviewCase.objects.filter(clinic=clinic, status__in=list(ReviewCase.IN_QUEUE))
    parts = {
        "urgent": waiting.filter(priority_rank=0),
        "routine": waiting.filter(priority_rank=1),
        "overdue_urgent": waiting.filter(priority_rank=0, due_at__lte=now),
        "overdue_routine": waiting.filter(priority_rank=1, due_at__lte=now),
        "mine": ReviewCase.objects.filter(clinic=clinic, claimed_by=user, status__in=list(ReviewCase.UNDECIDED)),
        "awaiting_patient": ReviewCase.objects.filter(clinic=clinic, status=ReviewCase.Status.AWAITING_PATIENT),
    }
    selects, params = [], []
    for index, queryset in enumerate(parts.values()):
        sql, sql_params = queryset.order_by().values("pk")[:cap].query.sql_with_params()
        # The ORM wrote each inner query; every value stays a parameter.
        selects.append(f"(SELECT COUNT(*) FROM ({sql}) AS capped_{index})")  # noqa: S608
        params.extend(sql_params)
    return list(parts), "SELECT " + ", ".join(selects), params


@dataclass
class QueuePage:
    cases: list[ReviewCase]
    next_cursor: str | None
    previous_cursor: str | None
    counts: QueueCounts
    now: datetime


def queue_page(
    *,
    clinic: Clinic,
    user: Any,
    filters: QueueFilters,
    after: str | None = None,
    before: str | None = None,
    size: int = QUEUE_PAGE_SIZE,
) -> QueuePage:
    """One page of the queue, urgent first, then by due time, keyset-paginated (three queries).

    Each case row carries only what the list shows: the patient's name, age and state, PHQ-9 total, suicide
    risk and the findings' severities (read from the JSON in the database, not the whole documents).
    """
    now = timezone.now()
    after_cursor, before_cursor = Cursor.decode(after), Cursor.decode(before)
    rows = list(
        queue_rows(clinic=clinic, user=user, filters=filters, after=after_cursor, before=before_cursor)[: size + 1]
    )
    more = len(rows) > size
    rows = rows[:size]
    if before_cursor is not None:
        rows.reverse()
        has_next, has_previous = True, more
    else:
        has_next, has_previous = more, after_cursor is not None
    for case in rows:
        _decorate_row(case, now=now, clinic=clinic)
    return QueuePage(
        cases=rows,
        next_cursor=Cursor.of(rows[-1]).encode() if rows and has_next else None,
        previous_cursor=Cursor.of(rows[0]).encode() if rows and has_previous else None,
        counts=queue_counts(clinic=clinic, user=user, now=now),
        now=now,
    )


def queue_rows(
    *, clinic: Clinic, user: Any, filters: QueueFilters, after: Cursor | None = None, before: Cursor | None = None
) -> QuerySet[ReviewCase]:
    """The queue's rows in order from a cursor (backwards from `before`), with what each row shows."""
    base = _queue_base(clinic=clinic, user=user, filters=filters)
    if before is not None:
        window = base.filter(LessThan(_keyset(), before.key())).order_by("-priority_rank", "-due_at", "-id")
    else:
        window = base.order_by("priority_rank", "due_at", "id")
        if after is not None:
            window = window.filter(GreaterThan(_keyset(), after.key()))
    document = KeyTransform("patient", "submission__document")
    result = "result__result"
    return (
        window.select_related("submission__patient", "claimed_by", "result")
        .defer("submission__document", "submission__consent_text", "result__result")
        .annotate(
            date_of_birth=KeyTextTransform("date_of_birth", document),
            patient_state=KeyTextTransform("state", document),
            phq9_total=KeyTextTransform("total", KeyTransform("phq9", result)),
            suicide_risk=KeyTextTransform("suicide_risk", result),
            findings=KeyTransform("findings", result),
        )
    )


def _decorate_row(case: ReviewCase, *, now: datetime, clinic: Clinic) -> None:
    from datetime import date

    from .rules import age_on

    findings = case.findings if isinstance(case.findings, list) else []
    case.severity_counts = Counter(f.get("severity") for f in findings if isinstance(f, dict))
    case.top_finding = next((f for f in findings if isinstance(f, dict)), None)
    case.overdue = case.status in ReviewCase.UNDECIDED and case.due_at <= now
    try:
        case.age = age_on(date.fromisoformat(case.date_of_birth), timezone.localdate(now, clinic.zone))
    except (TypeError, ValueError):
        case.age = None


# --- one case ------------------------------------------------------------------------------------------------


def case_for_staff(*, clinic: Clinic, case_id: Any) -> ReviewCase | None:
    """A case of this clinic (another clinic's case is None, like a missing one), with who holds it."""
    return (
        ReviewCase.objects.select_related(
            "clinic",
            "submission__patient__profile",
            "submission__clinic",
            "result__policy",
            "claimed_by",
            "decided_by",
            "acknowledged_by",
        )
        .filter(clinic=clinic, pk=case_id)
        .first()
    )


def case_versions(*, case: ReviewCase) -> list[Any]:
    """Every submission this patient sent to the clinic, newest version first, each with `.results` (newest
    first, with their policy version): the history the case page lists (two queries)."""
    from intake.models import IntakeSubmission

    results = ScreeningResult.objects.select_related("policy").order_by("-version")
    return list(
        IntakeSubmission.objects.filter(patient_id=case.submission.patient_id, clinic_id=case.clinic_id)
        .defer("consent_text")
        .order_by("-version", "-submitted_at")
        .prefetch_related(Prefetch("screening_results", queryset=results, to_attr="results"))
    )


def case_decisions(*, case: ReviewCase) -> list[ReviewDecision]:
    return list(case.decisions.select_related("by", "assignee", "result").order_by("at", "id"))


def clinic_psychiatrists(*, clinic: Clinic) -> list[Any]:
    """Active psychiatrists of the clinic (who a case can be reassigned to), by name."""
    return access.member_users(clinic, [Role.PSYCHIATRIST])


def worklist_entry_for(*, submission: Any) -> WorklistEntry | None:
    return WorklistEntry.objects.filter(submission=submission).first()


# --- re-screening: what a policy change would do, and runs ----------------------------------------------------


@dataclass
class ImpactMove:
    submission_id: Any
    patient_name: str
    case_id: Any
    case_status: str | None
    before: str  # "Needs review", "Needs review (urgent)", ...
    after: str


@dataclass
class FindingChange:
    """A submission that would gain or lose findings (flags, notes...) even if its outcome stays."""

    submission_id: Any
    patient_name: str
    case_id: Any
    gained: list[str]
    lost: list[str]


@dataclass
class Impact:
    open_submissions: int = 0
    moves: Counter = field(default_factory=Counter)  # (before outcome, after outcome) -> count
    changed: list[ImpactMove] = field(default_factory=list)  # every submission whose outcome or priority moves
    finding_changes: list[FindingChange] = field(default_factory=list)  # every one gaining or losing a finding
    gained: Counter = field(default_factory=Counter)  # finding code -> submissions that would gain it
    lost: Counter = field(default_factory=Counter)
    listed: int = 200

    @property
    def moved(self) -> int:
        return len(self.changed)

    @property
    def findings_changed(self) -> int:
        return len(self.finding_changes)

    def finding_rows(self) -> list[dict[str, Any]]:
        codes = sorted(set(self.gained) | set(self.lost))
        return [{"code": code, "gained": self.gained[code], "lost": self.lost[code]} for code in codes]

    def move_rows(self) -> list[dict[str, Any]]:
        return [{"before": before, "after": after, "count": n} for (before, after), n in sorted(self.moves.items())]

    def fingerprint(self) -> list[str]:
        """What publishing would move, as ids and outcomes (to check the admin saw what will happen)."""
        moves = [f"{m.submission_id}:{m.before}:{m.after}" for m in self.changed]
        findings = [f"{c.submission_id}:+{','.join(c.gained)}:-{','.join(c.lost)}" for c in self.finding_changes]
        return sorted(moves + findings)


OUTCOME_WORDS = {"eligible": "Eligible", "needs_review": "Needs review", "ineligible": "Ineligible"}


def _label(outcome: str, priority: str) -> str:
    words = OUTCOME_WORDS.get(outcome, outcome or "Not screened")
    return f"{words} (urgent)" if priority == "urgent" else words


def policy_impact(*, clinic: Clinic, values: dict[str, Any]) -> Impact:
    """Screen every open submission of the clinic in memory under `values`, saving nothing, and say which
    would move between eligible, needs review and ineligible (or change priority). One streamed query."""
    from .services import rescreen_candidates

    try:
        policy = Policy.from_dict(values)
    except PolicyError:
        return Impact()
    latest = ScreeningResult.objects.filter(submission=OuterRef("pk")).order_by("-version")
    case = ReviewCase.objects.filter(submission=OuterRef("pk"))
    submissions = (
        rescreen_candidates(clinic.pk)
        .annotate(
            old_outcome=Subquery(latest.values("outcome")[:1]),
            old_priority=Subquery(latest.values("priority")[:1]),
            old_result=Subquery(latest.values("result")[:1], output_field=JSONField()),
            case_id=Subquery(case.values("pk")[:1]),
            case_status=Subquery(case.values("status")[:1]),
        )
        .values(
            "pk",
            "document",
            "patient__full_name",
            "patient__email",
            "old_outcome",
            "old_priority",
            "old_result",
            "case_id",
            "case_status",
        )
        .order_by("submitted_at", "pk")
    )
    impact = Impact()
    for row in submissions.iterator(chunk_size=500):
        impact.open_submissions += 1
        result = evaluate(IntakeDocument.from_dict(row["document"]), policy)
        before = _label(row["old_outcome"] or "", row["old_priority"] or "")
        after = _label(result.outcome.value, result.priority.value)
        old_result = row["old_result"]
        if isinstance(old_result, str):  # a backend that hands JSON back as text
            old_result = json.loads(old_result)
        old_codes = list(dict.fromkeys(f["code"] for f in (old_result or {}).get("findings") or []))
        new_codes = list(dict.fromkeys(f.code for f in result.findings))
        gained = [code for code in new_codes if code not in old_codes]
        lost = [code for code in old_codes if code not in new_codes]
        if gained or lost:
            impact.gained.update(gained)
            impact.lost.update(lost)
            impact.finding_changes.append(
                FindingChange(
                    submission_id=row["pk"],
                    patient_name=row["patient__full_name"] or row["patient__email"],
                    case_id=row["case_id"],
                    gained=gained,
                    lost=lost,
                )
            )
        if before == after:
            continue
        impact.moves[(before, after)] += 1
        impact.changed.append(
            ImpactMove(
                submission_id=row["pk"],
                patient_name=row["patient__full_name"] or row["patient__email"],
                case_id=row["case_id"],
                case_status=row["case_status"],
                before=before,
                after=after,
            )
        )
    return impact


def rescreen_runs_recent(*, clinic: Clinic, limit: int = 5) -> list[RescreenRun]:
    return list(clinic.rescreen_runs.select_related("policy", "triggered_by").order_by("-created_at", "-id")[:limit])


def rescreen_run_for(*, clinic: Clinic, run_id: Any) -> RescreenRun | None:
    return clinic.rescreen_runs.select_related("policy").filter(pk=run_id).first()


# --- what intake asks screening (core.hooks, provided in apps.py) -----------------------------------------


def amendment_question(draft: Any) -> ReviewDecision | None:
    """The psychiatrist's latest question about the version this draft updates (shown while the patient edits)."""
    if not draft.amends_id:
        return None
    return (
        ReviewDecision.objects.filter(
            case__submission_id=draft.amends_id,
            kind=ReviewDecision.Kind.INFO_REQUESTED,
            case__clinic_id=draft.clinic_id,
        )
        .order_by("-at")
        .first()
    )


def submission_may_apply_again(submission: Any) -> bool:
    """The clinic's answer to these answers is final and negative (a psychiatrist declined, or screening found the
    patient ineligible with no case open): the patient may start a new intake there (issue 20, coming back)."""
    cases = ReviewCase.objects.filter(submission=submission)
    if cases.filter(status=ReviewCase.Status.DECLINED).exists():
        return True
    if cases.exclude(status__in=(ReviewCase.Status.DECLINED, ReviewCase.Status.CLOSED)).exists():
        return False
    latest = result_latest(submission=submission)
    return latest is not None and latest.outcome == Outcome.INELIGIBLE


def submission_awaits_patient(submission: Any) -> bool:
    """A psychiatrist asked the patient to update these answers and is waiting for them."""
    return ReviewCase.objects.filter(submission=submission, status=ReviewCase.Status.AWAITING_PATIENT).exists()


# --- urgent answers during an intake ------------------------------------------------------------------------


def intake_alerts_waiting(*, clinic: Clinic) -> list[Any]:
    """The clinic's intake alerts that need someone: not yet a case, and either unacknowledged or the intake is
    still not sent; oldest first, with the patient (one query)."""
    from .models import IntakeAlert

    return list(
        IntakeAlert.objects.filter(clinic=clinic, case__isnull=True)
        .filter(Q(acknowledged_at__isnull=True) | Q(draft__submitted_at__isnull=True))
        .select_related("patient", "acknowledged_by")
        .only(
            "id",
            "created_at",
            "due_at",
            "acknowledged_at",
            "patient__id",
            "patient__email",
            "patient__full_name",
            "patient__phone",
            "patient__voicemail_ok",
            "acknowledged_by__id",
            "acknowledged_by__full_name",
            "acknowledged_by__email",
        )
        .order_by("created_at", "id")[:50]
    )


def intake_alert_for_staff(*, clinic: Clinic, alert_id: Any) -> Any | None:
    """An alert of this clinic with its patient, draft and case (another clinic's is None, like a missing one)."""
    from .models import IntakeAlert

    return (
        IntakeAlert.objects.select_related("clinic", "patient__profile", "draft", "acknowledged_by", "case")
        .filter(clinic=clinic, pk=alert_id)
        .first()
    )


def patient_profile(patient: Any) -> Any | None:
    """The patient's profile (name, emergency contact), or None for an account that has none yet."""
    from django.core.exceptions import ObjectDoesNotExist

    try:
        return patient.profile
    except ObjectDoesNotExist:
        return None


def _patient_paths() -> dict[str, tuple[Any, str]]:
    """Each kind of record staff notifications and audit events name, and the path from it to its patient.
    Records moved from clinics kept their ids, so the old labels map to the same models."""
    from intake.models import IntakeDraft, IntakeSubmission
    from scheduling.models import Appointment, ContactAttempt

    from .models import IntakeAlert

    paths = {
        "screening.reviewcase": (ReviewCase, "submission__patient"),
        "screening.intakealert": (IntakeAlert, "patient"),
        "scheduling.worklistentry": (WorklistEntry, "patient"),
        "scheduling.appointment": (Appointment, "patient"),
        "scheduling.contactattempt": (ContactAttempt, "patient"),
        "intake.intakesubmission": (IntakeSubmission, "patient"),
        "intake.intakedraft": (IntakeDraft, "patient"),
    }
    paths["clinics.worklistentry"] = paths["scheduling.worklistentry"]
    paths["clinics.appointment"] = paths["scheduling.appointment"]
    paths["clinics.contactattempt"] = paths["scheduling.contactattempt"]
    return paths


def _is_id(value: Any, model: Any) -> bool:
    try:
        model._meta.pk.to_python(value)
    except Exception:  # noqa: BLE001 (a malformed id names nobody)
        return False
    return True


def _patient_names_of(pairs: set[tuple[str, str]], clinic_ids: set[Any]) -> dict[tuple[str, str], tuple[str, str]]:
    """{(object_type, object_id): (patient name, patient id)} for records of these clinics; one query per kind."""
    paths = _patient_paths()
    wanted: dict[str, set[str]] = {}
    for object_type, object_id in pairs:
        if object_type in paths and _is_id(object_id, paths[object_type][0]):
            wanted.setdefault(object_type, set()).add(object_id)
    found: dict[tuple[str, str], str] = {}
    for object_type, ids in wanted.items():
        model, path = paths[object_type]
        rows = model.objects.filter(pk__in=ids, clinic_id__in=clinic_ids).values_list(
            "pk", f"{path}__full_name", f"{path}__email", f"{path}__id"
        )
        for pk, full_name, email, patient_id in rows:
            found[(object_type, str(pk))] = (full_name or email, str(patient_id))
    return found


def notification_patient_names(*, notifications: list[Any], user: Any) -> dict[Any, str]:
    """Whom each of a staff member's notifications is about, for their inbox: only at clinics where they still
    work, one query per kind of record (cases, intake alerts, worklist entries, submissions, appointments)."""
    clinic_ids = access.staff_clinic_ids(user)
    pairs = {(n.object_type, n.object_id) for n in notifications if n.clinic_id in clinic_ids}
    found = _patient_names_of(pairs, clinic_ids)
    return {
        n.pk: found[(n.object_type, n.object_id)][0] for n in notifications if (n.object_type, n.object_id) in found
    }


def audit_patient_names(*, clinic_id: Any, events: list[Any]) -> dict[Any, tuple[str, str]]:
    """Whom each audit event of the clinic is about, as (name, patient id): its record's patient, or the patient
    its detail names."""
    from django.contrib.auth import get_user_model

    found = _patient_names_of({(e.object_type, e.object_id) for e in events}, {clinic_id})
    user_model = get_user_model()
    named = {
        str(e.detail.get("patient_id")) for e in events if isinstance(e.detail, dict) and e.detail.get("patient_id")
    }
    named = {value for value in named if _is_id(value, user_model)}
    people = {}
    if named:
        rows = user_model.objects.filter(pk__in=named).values_list("pk", "full_name", "email")
        people = {str(pk): (full_name or email, str(pk)) for pk, full_name, email in rows}
    names = {}
    for event in events:
        name = found.get((event.object_type, event.object_id))
        if name is None and isinstance(event.detail, dict):
            name = people.get(str(event.detail.get("patient_id")))
        if name:
            names[event.pk] = name
    return names


def audit_patient_records(*, clinic_id: Any, patient_id: Any) -> list[tuple[str, list[str]]]:
    """Every record of this patient at the clinic, as (object_type, ids), for filtering the audit log by patient
    (one query per kind of record; a patient has few)."""
    records = []
    for object_type, (model, path) in _patient_paths().items():
        if object_type.startswith("clinics."):
            continue
        ids = [
            str(pk)
            for pk in model.objects.filter(clinic_id=clinic_id, **{path: patient_id}).values_list("pk", flat=True)
        ]
        if ids:
            records.append((object_type, ids))
            if object_type in ("scheduling.worklistentry", "scheduling.appointment", "scheduling.contactattempt"):
                records.append((object_type.replace("scheduling.", "clinics."), ids))
    return records


def clinic_patients_matching(*, clinic_id: Any, text: str, limit: int = 20) -> list[Any]:
    """Patients who started an intake at the clinic whose name or e-mail contains `text` (the audit log's patient
    search; the text comes in a POST body, never a URL)."""
    from django.contrib.auth import get_user_model

    from intake.models import IntakeDraft

    text = (text or "").strip()
    if len(text) < 2:
        return []
    drafts = IntakeDraft.objects.filter(clinic_id=clinic_id).values("patient_id")
    return list(
        get_user_model()
        .objects.filter(pk__in=drafts)
        .filter(Q(full_name__icontains=text) | Q(email__icontains=text))
        .only("id", "full_name", "email")
        .order_by("full_name", "email")[:limit]
    )
