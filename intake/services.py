"""Writes for the patient intake: start a draft, save a step, report a safety risk, submit."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from clinics.models import Clinic
from core import hooks
from core.forms_profile import record_values
from core.outbox import outbox_add
from core.services import contact_details_save, patient_profile_save
from screening.rules import evaluate, validate_document

from . import steps
from .builder import build_document, safety_probe_document
from .consent import consent_for
from .models import IntakeDraft, IntakeSubmission, MedicalRecordNumber


class DraftSubmitted(Exception):
    """The draft was already submitted; it can no longer change."""


class IntakeIncomplete(Exception):
    """A step is missing or does not validate; `step` is the first such step."""

    def __init__(self, step: str) -> None:
        super().__init__(step)
        self.step = step


class IntakeDocumentInvalid(Exception):
    """The builder produced a document the schema refuses: a bug, never the patient's fault."""


class AmendmentNotAllowed(Exception):
    """Answers already sent can be updated only while a psychiatrist is waiting for the patient."""


def clinic_today(clinic: Clinic) -> date:
    return timezone.localdate(timezone.now(), clinic.zone)


@transaction.atomic
def draft_get_or_start(*, patient: Any, clinic: Clinic) -> IntakeDraft:
    """The patient's open draft for this clinic, or a new one (one open draft per patient and clinic)."""
    draft = IntakeDraft.objects.filter(patient=patient, clinic=clinic, submitted_at__isnull=True).first()
    if draft is not None:
        return draft
    previous = (
        IntakeSubmission.objects.filter(patient=patient).select_related("draft").order_by("-submitted_at").first()
    )
    start: dict[str, Any] = {}
    if previous is not None:
        # Coming back: start from the last answers sent (any clinic), each carried step to be confirmed.
        answers = steps.with_contact(steps.carried_answers(previous.draft.answers or {}), patient)
        start = {
            "answers": answers,
            "carried_from": previous,
            "unconfirmed_steps": [name for name in steps.ANSWER_STEPS if name in answers],
        }
    try:
        with transaction.atomic():
            return IntakeDraft.objects.create(patient=patient, clinic=clinic, **start)
    except IntegrityError:  # started at the same moment in another tab
        return IntakeDraft.objects.get(patient=patient, clinic=clinic, submitted_at__isnull=True)


@transaction.atomic
def draft_save_step(*, draft: IntakeDraft, step: str, data: dict[str, list[str]]) -> None:
    """Store one step's answers as posted; another tab's steps are kept (the row is locked and merged)."""
    if step not in steps.STEP_BY_NAME:
        raise ValueError(f"unknown step {step!r}")
    locked = IntakeDraft.objects.select_for_update().only("answers", "submitted_at").get(pk=draft.pk)
    if locked.submitted_at is not None:
        raise DraftSubmitted(str(draft.pk))
    answers = dict(locked.answers or {})
    answers[step] = data
    locked.answers = answers
    locked.save(update_fields=["answers", "updated_at"])
    draft.answers = answers
    draft.updated_at = locked.updated_at


def draft_contact_save(*, draft: IntakeDraft, patient: Any) -> None:
    """Once the first step is complete, its phone and call preferences become the account's (coordinators call
    that number; the patient edits it later on the contact page)."""
    form = steps.bind("about", draft.answers)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        contact_details_save(
            user=patient,
            phone=data["phone"],
            call_time=data.get("call_time") or "",
            voicemail_ok=data.get("voicemail_ok") == "yes",
            texts_ok=data.get("texts_ok") == "yes",
        )


@transaction.atomic
def draft_record_save(*, draft: IntakeDraft, patient: Any, step: str) -> None:
    """Once a record step is complete (name and address, emergency contact and care team, payment), its answers
    become the account's record (core.PatientProfile): staff pages name the patient, /account/ edits it."""
    if step not in steps.RECORD_STEP_FIELDS:
        return
    form = steps.bind(step, draft.answers, clinic=draft.clinic)
    if form.is_bound and form.is_valid():
        patient_profile_save(user=patient, values=_record(step, form.cleaned_data))


def _record(step: str, cleaned: dict[str, Any]) -> dict[str, Any]:
    """A record step's answers as the account's record (name and address, care team, payment)."""
    return record_values(cleaned, steps.RECORD_STEP_FIELDS[step])


@transaction.atomic
def draft_confirm_step(*, draft: IntakeDraft, step: str) -> None:
    """The patient pressed Next on a step carried from an earlier intake: it now counts as done."""
    locked = IntakeDraft.objects.select_for_update().only("unconfirmed_steps", "submitted_at").get(pk=draft.pk)
    if step not in (locked.unconfirmed_steps or []) or locked.submitted_at is not None:
        return
    locked.unconfirmed_steps = [name for name in locked.unconfirmed_steps if name != step]
    locked.save(update_fields=["unconfirmed_steps", "updated_at"])
    draft.unconfirmed_steps = locked.unconfirmed_steps


def record_number_assign(*, clinic: Clinic, patient: Any) -> MedicalRecordNumber:
    """The patient's medical record number at this clinic: the one they have, or a new random one."""
    existing = MedicalRecordNumber.objects.filter(clinic=clinic, patient=patient).first()
    if existing is not None:
        return existing
    for _attempt in range(20):
        number = f"{secrets.randbelow(90_000_000) + 10_000_000}"
        if MedicalRecordNumber.objects.filter(clinic=clinic, number=number).exists():
            continue
        try:
            with transaction.atomic():
                return MedicalRecordNumber.objects.create(clinic=clinic, patient=patient, number=number)
        except IntegrityError:  # the same patient numbered in another request at this instant
            existing = MedicalRecordNumber.objects.filter(clinic=clinic, patient=patient).first()
            if existing is not None:
                return existing
    raise RuntimeError("no free record number")  # pragma: no cover - 90 million numbers per clinic


def safety_risk_high(safety_answers: dict[str, Any]) -> bool:
    """Whether the engine rates these C-SSRS answers as high risk (the rule lives in the engine only)."""
    document = safety_probe_document(safety_answers, screened_on=timezone.localdate())
    return evaluate(document).suicide_risk == "high"


@transaction.atomic
def draft_report_risk(*, draft: IntakeDraft) -> None:
    """Alert the clinic's clinicians as soon as the safety answers mean high risk, even if the intake is
    never finished: screening opens an urgent item in the queue and alerts them, once per draft (core.hooks;
    nobody answering is a configuration error, never a silent pass)."""
    hooks.ask("intake_risk_reported", draft=draft)


def submission_submit(*, draft: IntakeDraft, patient: Any, request: HttpRequest | None = None) -> IntakeSubmission:
    """Freeze the draft as a submission and screen it, in one transaction.

    A double click, a refresh or the Back button gives back the same submission, never a second one.
    """
    try:
        return _submit(draft_id=draft.pk, patient=patient)
    except IntegrityError:
        # Two requests raced past the lock (SQLite has no row locks): the first one's submission stands.
        existing = IntakeSubmission.objects.filter(draft_id=draft.pk, patient=patient).order_by("-version").first()
        if existing is None:
            raise
        return existing


@transaction.atomic
def _submit(*, draft_id: Any, patient: Any) -> IntakeSubmission:
    draft = (
        IntakeDraft.objects.select_for_update(of=("self",)).select_related("clinic").get(pk=draft_id, patient=patient)
    )
    if draft.submitted_at is not None:
        return IntakeSubmission.objects.filter(draft=draft).order_by("-version").first()
    clinic = draft.clinic
    checked = steps.check_draft(draft, clinic=clinic)
    if not checked.complete:
        raise IntakeIncomplete(checked.first_incomplete)
    now = timezone.now()
    answers = checked.answers()
    document = build_document(answers, screened_on=clinic_today(clinic))
    errors = validate_document(document)
    if errors:
        raise IntakeDocumentInvalid("; ".join(f"{e.path}: {e.message}" for e in errors))
    if IntakeDraft.objects.filter(pk=draft.pk, submitted_at__isnull=True).update(submitted_at=now) != 1:
        return IntakeSubmission.objects.filter(draft=draft).order_by("-version").first()
    consent = checked.forms["consent"].cleaned_data
    signed = consent_for()  # the language of this request: the one the patient read the consent in
    previous = draft.amends
    submission = IntakeSubmission.objects.create(
        patient=patient,
        clinic=clinic,
        draft=draft,
        version=previous.version + 1 if previous else 1,
        amends=previous,
        document=document,
        answers=answers,
        consent_version=signed.version,
        consent_language=signed.language,
        consent_text=signed.text,
        signed_name=consent["signed_name"],
        submitted_at=now,
    )
    # The record as sent is the account's (already saved page by page; this keeps both the same).
    record: dict[str, Any] = {}
    for name in steps.RECORD_STEP_FIELDS:
        record.update(_record(name, checked.forms[name].cleaned_data))
    patient_profile_save(user=patient, values=record)
    record_number_assign(clinic=clinic, patient=patient)
    outbox_add(kind="submission.received", recipient=patient, obj=submission, clinic=clinic)
    # Screening sits above intake (tests/test_architecture.py): it answers, in this transaction, or the submit fails.
    hooks.ask("screen_submission", submission=submission, previous=previous)
    return submission


@transaction.atomic
def draft_start_amendment(*, submission: IntakeSubmission, patient: Any) -> IntakeDraft:
    """A new draft, pre-filled with the answers of `submission`, whose submission will be its next version.

    Only while the psychiatrist is waiting for the patient, and only from the newest version; starting twice
    (a double click, a second tab) gives back the same draft.
    """
    submission = (
        IntakeSubmission.objects.select_for_update(of=("self",))
        .select_related("draft")
        .get(pk=submission.pk, patient=patient)
    )
    existing = IntakeDraft.objects.filter(amends=submission).first()
    if existing is not None:
        return existing
    if IntakeSubmission.objects.filter(amends=submission).exists():
        raise AmendmentNotAllowed("These answers have already been updated.")
    if not hooks.ask("submission_awaits_patient", submission):
        raise AmendmentNotAllowed("The clinic is not waiting for new answers from you.")
    if IntakeDraft.objects.filter(patient=patient, clinic_id=submission.clinic_id, submitted_at__isnull=True).exists():
        raise AmendmentNotAllowed("You already have answers for this clinic that are not sent yet.")
    return IntakeDraft.objects.create(
        patient=patient,
        clinic_id=submission.clinic_id,
        answers=steps.with_contact(dict(submission.draft.answers or {}), patient),
        amends=submission,
    )
