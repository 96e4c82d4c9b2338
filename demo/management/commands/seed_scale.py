"""Fill one clinic with years of realistic data, fast: the scale benchmark's 100 and 100,000 submissions.

    manage.py seed_scale --submissions 100000 --clinic scale-100k

Patients, drafts and submissions (intake documents from screening/rules/sample.py), screening results
computed by the real engine under the clinic's policy, review cases in every state (open, claimed, waiting
for the patient, cleared, declined; urgent ones, overdue ones), worklist entries and contact attempts, sent
notifications, appointments (when the scheduling models exist) and hash-chained audit events
(`manage.py verify_audit` still passes). Everything goes in with bulk inserts, one transaction per batch.

Run twice, it tops up: a clinic that already has N seeded submissions gets only the missing ones.
Development and benchmark databases only: it refuses to run with DJANGO_ENV=production.
"""

from __future__ import annotations

import functools
import random
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.utils import timezone

from clinics.models import Clinic, Membership, Role
from clinics.selectors import engine_policy, policy_current
from clinics.services import clinic_create
from core.audit import _CHAIN_LOCK, GENESIS
from core.models import AuditEvent, Notification
from dashboard.models import FunnelDay
from intake.models import IntakeDraft, IntakeSubmission
from scheduling.models import WorklistEntry
from screening.cases import review_due_at
from screening.models import Outcome, Priority, ReviewCase, ScreeningResult
from screening.rules import IntakeDocument, evaluate
from screening.rules.sample import random_document

SCALE_PASSWORD = "scale-password-2026"  # noqa: S105 - benchmark accounts only; refused in production
EMAIL_DOMAIN = "scale.example"
CONSENT_VERSION = "scale-seed"


# What a patient posted on each step, as the draft stores it (field -> list of values): the wizard's
# complete "eligible" answers. Drafts only need to render; the frozen documents carry the variety.
def _stored(step: str, values: dict[str, Any]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, value in values.items():
        if name == "rows":
            prefix = f"{step}-rows"
            data.update({f"{prefix}-TOTAL_FORMS": [str(len(value))], f"{prefix}-INITIAL_FORMS": ["0"]})
            for index, row in enumerate(value):
                data.update({f"{prefix}-{index}-{k}": [v] for k, v in row.items()})
        else:
            data[f"{step}-{name}"] = value if isinstance(value, list) else [value]
    return data


_TRIAL = {"as_prescribed": "yes", "current_episode": "yes"}
ANSWERS = {
    step: _stored(step, values)
    for step, values in {
        "about": {
            "date_of_birth": "1985-03-27",
            "sex_at_birth": "female",
            "state": "OR",
            "weight": "150",
            "weight_unit": "lb",
            "phone": "(503) 555-0100",
            "call_time": "afternoon",
            "voicemail_ok": "yes",
            "texts_ok": "no",
        },
        "diagnoses": {"diagnoses": ["major_depressive_disorder"], "depressed_now": "yes"},
        "phq9": {f"q{i}": "2" for i in range(1, 10)},
        "safety": {"wish_dead": "no", "thoughts": "no", "behavior": "no"},
        "antidepressants": {
            "rows": [
                {"drug": "Zoloft", "dose_mg": "100", "weeks": "10", "improvement": "none", **_TRIAL},
                {"drug": "bupropion XL", "dose_mg": "300", "weeks": "12", "improvement": "partial", **_TRIAL},
            ]
        },
        "treatment": {"prior_ketamine": "never"},
        "other-treatments": {
            "episode_months": "14",
            "therapy": ["cbt"],
            "therapy_months": "6",
            "ect": "no",
            "tms": "no",
            "augmentation": "no",
        },
        "mental-health": {"psychosis": "never", "schizophrenia": "no", "mania": "no"},
        "heart": {
            "hypertension": "no",
            "systolic": "120",
            "diastolic": "80",
            **dict.fromkeys(
                ("heart_disease", "arrhythmia", "stroke_or_tia", "aneurysm_or_avm", "intracerebral_hemorrhage"), "no"
            ),
        },
        "health": dict.fromkeys(
            (
                "seizure_disorder",
                "brain_injury_or_mass",
                "glaucoma_or_eye_injury",
                "liver_disease",
                "bladder_or_urinary_condition",
                "hyperthyroidism_uncontrolled",
                "ketamine_allergy",
                "pregnancy",
                "breastfeeding",
            ),
            "no",
        ),
        "medications": {"none_taking": "on", "rows": []},
        "substances": {
            "alcohol_drinks_per_week": "2",
            "substance_use_disorder": "never",
            "ketamine_nonmedical_use": "never",
            **dict.fromkeys(("cannabis", "stimulants_nonprescribed", "opioids_nonprescribed"), "no"),
        },
        "getting-home": {"ride_home": "yes"},
        "consent": {"agree_privacy": "on", "agree_contact": "on", "signed_name": "Scale Patient"},
    }.items()
}

# Case states by the case's age: recent ones are being worked on; old ones are mostly decided, with a
# backlog of undecided (overdue) ones that never goes away entirely.
CASE_STATES = (
    (timedelta(days=3), {"open": 60, "claimed": 25, "awaiting_patient": 15}),
    (timedelta(days=14), {"open": 20, "claimed": 15, "awaiting_patient": 15, "cleared": 30, "declined": 20}),
    (None, {"open": 3, "claimed": 1, "awaiting_patient": 3, "cleared": 55, "declined": 38}),
)
WORKLIST_STATES = (
    (timedelta(days=7), {"to_contact": 70, "reached": 15, "unreachable": 5, "scheduled": 10}),
    (None, {"to_contact": 3, "reached": 10, "unreachable": 12, "scheduled": 35, "closed": 40}),
)


def _pick(rng: random.Random, table: tuple, age: timedelta) -> str:
    for limit, weights in table:
        if limit is None or age < limit:
            return rng.choices(list(weights), weights=list(weights.values()))[0]
    raise AssertionError("unreachable")  # pragma: no cover


def _fields(model: type[models.Model]) -> set[str]:
    concrete = [f for f in model._meta.get_fields() if getattr(f, "concrete", False)]
    return {f.name for f in concrete} | {f.attname for f in concrete}


@functools.cache
def _cleaned_answers() -> dict[str, Any]:
    from intake import steps

    return steps.check(ANSWERS, sent=True).answers()


def _only(model: type[models.Model], **values: Any) -> models.Model:
    """An instance with the values the model has fields for (the models grow while this command stays)."""
    names = _fields(model)
    return model(**{k: v for k, v in values.items() if k in names})


@dataclass
class Staff:
    psychiatrists: list[Any]
    coordinators: list[Any]
    admins: list[Any]


class Command(BaseCommand):
    help = "Seed a clinic with N realistic submissions and everything that follows them (bulk inserts)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--submissions", type=int, default=100_000)
        parser.add_argument("--clinic", default="scale-clinic", help="the clinic's slug (created when missing)")
        parser.add_argument("--batch", type=int, default=5_000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--days", type=int, default=None, help="spread over this many days (default: N / 100, 14 to 1,095)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("seed_scale fills a database with made-up patients: never in production.")
        target = options["submissions"]
        if target < 1 or options["batch"] < 1:
            raise CommandError("--submissions and --batch must be at least 1.")
        started = time.monotonic()
        clinic, staff = self._clinic(options["clinic"], target)
        existing = IntakeSubmission.objects.filter(clinic=clinic, consent_version=CONSENT_VERSION).count()
        missing = target - existing
        if missing <= 0:
            self.stdout.write(f"{clinic.slug} already has {existing} seeded submissions; nothing to add.")
            return
        days = options["days"] or min(max(target // 100, 14), 1_095)
        policy = policy_current(clinic)
        context = _Context(
            clinic=clinic,
            staff=staff,
            policy=policy,
            engine_policy=engine_policy(policy),
            password=make_password(SCALE_PASSWORD),
            rng=random.Random(f"{options['seed']}-{clinic.slug}-{existing}"),
            now=timezone.now(),
            span=timedelta(days=days),
            zone=clinic.zone,
            used_slots=_used_slots(clinic),
        )
        self.stdout.write(f"seeding {missing} submissions into {clinic.slug} over {days} days ({existing} there)")
        # Oldest first over the whole run, so follow-ups (slots, audit order) go forward in time like real life.
        moments = sorted(context.now - context.span * context.rng.random() for _ in range(missing))
        done = 0
        while done < missing:
            size = min(options["batch"], missing - done)
            counts = _seed_batch(context, first=existing + done, moments=moments[done : done + size])
            done += size
            rate = done / max(time.monotonic() - started, 1e-9)
            self.stdout.write(f"  {existing + done}/{target} ({rate:,.0f} submissions/s) {counts}")
        # Bulk inserts bypass the dashboard's per-day figures: drop them, the page recomputes them.
        FunnelDay.objects.filter(clinic=clinic).delete()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                for table in _tables():
                    cursor.execute(f'ANALYZE "{table}"')
        self.stdout.write(f"done in {time.monotonic() - started:.1f} s")

    def _clinic(self, slug: str, target: int) -> tuple[Clinic, Staff]:
        clinic = Clinic.objects.filter(slug=slug).first()
        if clinic is None:
            clinic = clinic_create(
                states=["OR", "WA", "CA"],
                name=f"Scale Clinic {slug}",
                slug=slug,
                address_line="100 Scale Street",
                city="Portland",
                state="OR",
                postal_code="97201",
                phone="503-555-0111",
                time_zone="America/Los_Angeles",
                dea_number="AB1234563",
                description="Made-up data for the scale benchmark.",
            )
        # Enough psychiatrists that a busy clinic's evaluations fit in their hours.
        wanted = {Role.PSYCHIATRIST: max(4, target // 10_000), Role.COORDINATOR: 3, Role.CLINIC_ADMIN: 1}
        from django_otp.plugins.otp_totp.models import TOTPDevice

        User = get_user_model()
        password = None
        people: dict[str, list[Any]] = {}
        for role, count in wanted.items():
            people[role] = []
            for i in range(count):
                email = f"{slug}-{role}-{i}@{EMAIL_DOMAIN}".replace("_", "-")
                user = User.objects.filter(email=email).first()
                if user is None:
                    password = password or make_password(SCALE_PASSWORD)
                    user = User.objects.create(
                        email=email, full_name=f"{role.label} {i}", password=password, email_verified=True
                    )
                    TOTPDevice.objects.create(user=user, name="Scale authenticator", confirmed=True)
                Membership.objects.get_or_create(user=user, clinic=clinic, defaults={"role": role})
                people[role].append(user)
        return clinic, Staff(people[Role.PSYCHIATRIST], people[Role.COORDINATOR], people[Role.CLINIC_ADMIN])


@dataclass
class _Context:
    clinic: Clinic
    staff: Staff
    policy: Any
    engine_policy: Any
    password: str
    rng: random.Random
    now: datetime
    span: timedelta
    zone: ZoneInfo
    used_slots: set[tuple[Any, datetime]]


def _used_slots(clinic: Clinic) -> set[tuple[Any, datetime]]:
    """Evaluation slots already taken by a clinician (a top-up must not double-book anyone)."""
    model = _optional_model("scheduling.Appointment")
    if model is None:
        return set()
    return set(model.objects.filter(clinic=clinic).values_list("clinician_id", "starts_at"))


def _tables() -> list[str]:
    models_ = [IntakeDraft, IntakeSubmission, ScreeningResult, ReviewCase, WorklistEntry, AuditEvent, Notification]
    for label in ("scheduling.Appointment", "scheduling.ContactAttempt", "screening.ReviewDecision"):
        if (model := _optional_model(label)) is not None:
            models_.append(model)
    return [m._meta.db_table for m in models_]


def _optional_model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except LookupError:
        return None


@transaction.atomic
def _seed_batch(ctx: _Context, *, first: int, moments: list[datetime]) -> dict[str, int]:
    rng = ctx.rng
    clinic = ctx.clinic
    User = get_user_model()
    tag = uuid.uuid4().hex[:6]
    patients = User.objects.bulk_create(
        [
            User(
                email=f"{clinic.slug}-p{first + i}-{tag}@{EMAIL_DOMAIN}",
                full_name="Scale Patient",
                password=ctx.password,
                email_verified=True,
                date_joined=at - timedelta(minutes=20),
            )
            for i, at in enumerate(moments)
        ]
    )
    drafts = IntakeDraft.objects.bulk_create(
        [
            IntakeDraft(
                patient=p, clinic=clinic, answers=ANSWERS, created_at=at - timedelta(minutes=15), submitted_at=at
            )
            for p, at in zip(patients, moments, strict=True)
        ]
    )
    documents = [random_document(rng, at.astimezone(ctx.zone).date().isoformat()) for at in moments]
    submissions = IntakeSubmission.objects.bulk_create(
        [
            _only(
                IntakeSubmission,
                patient=p,
                clinic=clinic,
                draft=d,
                version=1,
                document=doc,
                # The builder's input the wizard stores with each submission (FHIR responses are made from it):
                # the drafts' answers, the same for every seeded patient, while the frozen documents vary.
                answers=_cleaned_answers(),
                consent_version=CONSENT_VERSION,
                consent_text="Made-up consent for the scale benchmark.",
                signed_name="Scale Patient",
                submitted_at=at,
            )
            for p, d, doc, at in zip(patients, drafts, documents, moments, strict=True)
        ]
    )
    results = []
    for submission, doc, at in zip(submissions, documents, moments, strict=True):
        result = evaluate(IntakeDocument.from_dict(doc), ctx.engine_policy)
        results.append(
            ScreeningResult(
                submission=submission,
                version=1,
                ruleset=result.ruleset,
                policy=ctx.policy,
                outcome=result.outcome.value,
                priority=result.priority.value,
                result=result.to_dict(),
                created_at=at,
            )
        )
    ScreeningResult.objects.bulk_create(results)

    cases, entries, notes, events = [], [], [], []
    decisions: list[models.Model] = []
    decision_model = _optional_model("screening.ReviewDecision")
    psychiatrists, coordinators = ctx.staff.psychiatrists, ctx.staff.coordinators
    for submission, result, at in zip(submissions, results, moments, strict=True):
        age = ctx.now - at
        patient = submission.patient
        notes.append(_notification("submission.received", patient, clinic, submission, at, read=age > timedelta(1)))
        if result.outcome == Outcome.NEEDS_REVIEW:
            case, case_events, case_decisions = _case(ctx, submission, result, at, age, decision_model)
            cases.append(case)
            events += case_events
            decisions += case_decisions
            kind = "case.urgent" if result.priority == Priority.URGENT else "case.new"
            notes += [_notification(kind, user, clinic, case, at, read=age > timedelta(1)) for user in psychiatrists]
            if case.status == ReviewCase.Status.CLEARED:
                entries.append(_entry(ctx, submission, WorklistEntry.Source.CLEARED, case.decided_at))
        elif result.outcome == Outcome.ELIGIBLE:
            entries.append(_entry(ctx, submission, WorklistEntry.Source.ELIGIBLE, at))
            notes += [
                _notification("patient.eligible", user, clinic, submission, at, read=age > timedelta(1))
                for user in coordinators
            ]
    ReviewCase.objects.bulk_create(cases)
    if decisions:
        decision_model.objects.bulk_create(decisions)
    WorklistEntry.objects.bulk_create(entries)
    attempts, appointments, more_events = _worklist_follow_up(ctx, entries)
    events += more_events
    contact_model = _optional_model("scheduling.ContactAttempt")
    if contact_model is not None and attempts:
        contact_model.objects.bulk_create(attempts)
    if appointments:
        _optional_model("scheduling.Appointment").objects.bulk_create(appointments)
    Notification.objects.bulk_create(notes)
    _audit_chain(events)
    return {
        "cases": len(cases),
        "worklist": len(entries),
        "appointments": len(appointments),
        "notifications": len(notes),
        "audit": len(events),
    }


def _case(ctx: _Context, submission, result: ScreeningResult, at: datetime, age: timedelta, decision_model):
    rng = ctx.rng
    status = _pick(rng, CASE_STATES, age)
    psychiatrist = rng.choice(ctx.staff.psychiatrists)
    due = review_due_at(priority=result.priority, start=at, zone=ctx.clinic.zone)
    claimed_at = min(at + timedelta(hours=rng.uniform(0.2, 30)), ctx.now)
    decided_at = min(claimed_at + timedelta(hours=rng.uniform(0.1, 8)), ctx.now)
    values: dict[str, Any] = {
        "clinic": ctx.clinic,
        "submission": submission,
        "result": result,
        "status": status,
        "priority": result.priority,
        "due_at": due,
        "created_at": at,
    }
    events = [_event(claimed_at, "case.view", ctx.clinic, psychiatrist, None, "screening.reviewcase")]
    kinds = []
    if status != "open":
        values.update(claimed_by=psychiatrist, claimed_at=claimed_at)
        kinds.append(("claimed", claimed_at))
    if status == "awaiting_patient":
        kinds.append(("info_requested", decided_at))
    if status in ("cleared", "declined"):
        values.update(decided_by=psychiatrist, decided_at=decided_at)
        kinds.append((status, decided_at))
    if result.priority == Priority.URGENT and status != "open":
        values.update(acknowledged_by=psychiatrist, acknowledged_at=claimed_at)
    case = _only(ReviewCase, **values)
    for event in events:
        event.object_id = str(case.pk)
    decisions = []
    for kind, when in kinds:
        # The codes review_case_claim and review_case_decide write (core.audit.ACTIONS).
        action, detail = ("case.claim", {}) if kind == "claimed" else ("case.decide", {"decision": kind})
        events.append(_event(when, action, ctx.clinic, psychiatrist, case, detail=detail))
        if decision_model is not None:
            # Messages and reasons as the clinicians' forms require them (the model's constraints).
            words = {
                "declined": ("Exclusion criterion confirmed on review.", "The clinic cannot offer treatment now."),
                "info_requested": ("", "Please tell us more about your answers."),
            }.get(kind, ("", ""))
            decisions.append(
                _only(
                    decision_model,
                    case=case,
                    kind=kind,
                    by=psychiatrist,
                    at=when,
                    result=result,
                    note=words[0],
                    patient_message=words[1],
                )
            )
    return case, events, decisions


def _entry(ctx: _Context, submission, source: str, at: datetime) -> WorklistEntry:
    age = ctx.now - at
    status = _pick(ctx.rng, WORKLIST_STATES, age)
    attempts = 0 if status == "to_contact" else ctx.rng.randint(1, 3)
    last = min(at + timedelta(hours=ctx.rng.uniform(1, 72)), ctx.now) if attempts else None
    return WorklistEntry(
        clinic=ctx.clinic,
        patient=submission.patient,
        submission=submission,
        source=source,
        status=status,
        attempts=attempts,
        last_attempt_at=last,
        created_at=at,
    )


def _worklist_follow_up(ctx: _Context, entries: list[WorklistEntry]):
    """Contact attempts for entries that were worked on; an evaluation for each scheduled one."""
    contact_model = _optional_model("scheduling.ContactAttempt")
    appointment_model = _optional_model("scheduling.Appointment")
    attempts, appointments, events = [], [], []
    rng = ctx.rng
    for entry in entries:
        coordinator = rng.choice(ctx.staff.coordinators)
        if entry.attempts and contact_model is not None:
            outcome = "reached" if entry.status in ("reached", "scheduled", "closed") else "no_answer"
            attempts.append(
                contact_model(
                    clinic_id=entry.clinic_id,
                    patient_id=entry.patient_id,
                    entry=entry,
                    by=coordinator,
                    at=entry.last_attempt_at,
                    outcome=outcome,
                )
            )
            events.append(_event(entry.last_attempt_at, "worklist.attempt", ctx.clinic, coordinator, entry))
        if entry.status == "scheduled" and appointment_model is not None:
            appointment = _appointment(ctx, appointment_model, entry, coordinator)
            if appointment is not None:
                appointments.append(appointment)
                events.append(_event(entry.last_attempt_at, "appointment.book", ctx.clinic, coordinator, appointment))
    return attempts, appointments, events


# Evaluation slots: 90 minutes, six a weekday from 08:00 in the clinic's time zone.
SLOT_STARTS = ((8, 0), (9, 30), (11, 0), (12, 30), (14, 0), (15, 30))


def _appointment(ctx: _Context, model, entry: WorklistEntry, coordinator) -> models.Model | None:
    """An evaluation in the first free slot of a psychiatrist a few days after the patient was reached."""
    clinician = ctx.staff.psychiatrists[entry.pk.int % len(ctx.staff.psychiatrists)]
    wanted = ((entry.last_attempt_at or entry.created_at) + timedelta(days=ctx.rng.randint(2, 10))).astimezone(ctx.zone)
    day = wanted.date()
    for _ in range(3_000):  # bounded: about 12 years of a clinician's slots
        if day.weekday() < 5:
            for hour, minute in SLOT_STARTS:
                start = datetime(day.year, day.month, day.day, hour, minute, tzinfo=ctx.zone).astimezone(UTC)
                if start >= wanted and (clinician.pk, start) not in ctx.used_slots:
                    ctx.used_slots.add((clinician.pk, start))
                    ends = start + timedelta(minutes=90)
                    past = ends < ctx.now
                    status = ctx.rng.choice(["attended", "attended", "attended", "no_show"]) if past else "booked"
                    return _only(
                        model,
                        clinic=ctx.clinic,
                        kind="evaluation",
                        clinician=clinician,
                        patient_id=entry.patient_id,
                        entry=entry,
                        starts_at=start,
                        ends_at=ends,
                        status=status,
                        booked_by=coordinator,
                        series=uuid.uuid4(),
                        created_at=entry.last_attempt_at or entry.created_at,
                    )
        day += timedelta(days=1)
    return None


def _notification(kind: str, recipient, clinic, obj, at: datetime, *, read: bool) -> Notification:
    label = obj._meta.label_lower
    return _only(
        Notification,
        created_at=at,
        kind=kind,
        recipient=recipient,
        clinic=clinic,
        object_type=label,
        object_id=str(obj.pk),
        dedupe_key=f"{kind}:{label}:{obj.pk}::{recipient.pk}:email",
        sent_at=at + timedelta(seconds=5),
        read_at=at + timedelta(hours=2) if read else None,
        attempts=1,
        next_attempt_at=at,
    )


def _event(
    at: datetime, action: str, clinic, actor, obj, object_type: str = "", detail: dict | None = None
) -> AuditEvent:
    return AuditEvent(
        created_at=at.astimezone(UTC),  # as the database gives it back, so the stored hash verifies
        actor=actor,
        actor_email=actor.email if actor else "",
        clinic=clinic,
        action=action,
        object_type=object_type or (obj._meta.label_lower if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None else "",
        ip_address="127.0.0.1",
        detail=detail or {},
    )


def _audit_chain(events: list[AuditEvent]) -> None:
    """Append the batch's events to the hash chain, oldest first, holding the chain's lock like audit_record."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
    previous = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS
    events.sort(key=lambda e: e.created_at)
    for event in events:
        event.prev_hash = previous
        event.hash = event.compute_hash()
        previous = event.hash
    # One INSERT per batch: PostgreSQL and SQLite hand out the ids in row order, so the chain follows id order.
    AuditEvent.objects.bulk_create(events, batch_size=len(events) or 1)
