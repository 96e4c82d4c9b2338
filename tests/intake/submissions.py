"""Real submissions without a browser: a draft holding a scenario's answers, sent through intake.services'
one-transaction submit (screened and routed exactly as the wizard does)."""

from __future__ import annotations

from typing import Any

from intake.models import IntakeSubmission
from intake.services import draft_get_or_start, draft_start_amendment, submission_submit
from screening.models import ReviewCase

from .answers import raw_answers, scenario


def answers_for(name: str = "eligible", **changes: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A scenario's answers with some steps' values changed: answers_for("urgent", heart={"systolic": "150"})."""
    answers = scenario(name)
    for step, values in changes.items():
        answers[step.replace("_", "-")].update(values)
    return answers


def _as_typed_by(
    patient: Any, answers: dict[str, dict[str, Any]], changes: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """The patient types their own legal name on the first page (the record keeps it as the account's name)."""
    first, _space, last = (patient.full_name or "").partition(" ")
    if first and last and "first_name" not in changes.get("about", {}):
        answers["about"] = {**answers["about"], "first_name": first, "last_name": last}
    return answers


def send(clinic: Any, patient: Any, name: str = "eligible", **changes: dict[str, Any]) -> IntakeSubmission:
    """The patient's first submission to the clinic, screened and routed."""
    draft = draft_get_or_start(patient=patient, clinic=clinic)
    draft.answers = raw_answers(_as_typed_by(patient, answers_for(name, **changes), changes))
    draft.unconfirmed_steps = []  # every page posted with Next, as the wizard does
    draft.save(update_fields=["answers", "unconfirmed_steps"])
    return submission_submit(draft=draft, patient=patient)


def amend(submission: IntakeSubmission, name: str = "eligible", **changes: dict[str, Any]) -> IntakeSubmission:
    """The patient's updated answers (version n+1) after a psychiatrist asked for more information."""
    draft = draft_start_amendment(submission=submission, patient=submission.patient)
    draft.answers = raw_answers(_as_typed_by(submission.patient, answers_for(name, **changes), changes))
    draft.save(update_fields=["answers"])
    return submission_submit(draft=draft, patient=submission.patient)


def case_of(submission: IntakeSubmission) -> ReviewCase:
    return ReviewCase.objects.select_related("clinic", "submission").get(submission=submission)


def staffed_clinic(name: str = "Harbor Ketamine Clinic", **fields: Any) -> Any:
    """A clinic with two psychiatrists, a coordinator and an admin (as attributes), second factor set up."""
    from clinics.models import Role
    from tests.factories import make_clinic, make_staff

    clinic = make_clinic(name=name, states=("OR", "WA"), **fields)
    clinic.psychiatrist = make_staff(clinic, Role.PSYCHIATRIST, full_name="Dr. Priya Raman")
    clinic.psychiatrist2 = make_staff(clinic, Role.PSYCHIATRIST, full_name="Dr. Sam Okafor")
    clinic.coordinator = make_staff(clinic, Role.COORDINATOR, full_name="Cole Martinez")
    clinic.admin = make_staff(clinic, Role.CLINIC_ADMIN, full_name="Ada Admin")
    return clinic
