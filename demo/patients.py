"""Demo patients in every state of the flow, made through the real wizard storage, submit and review services."""

from typing import Any

from django.contrib.auth import get_user_model

from clinics import access
from clinics.models import Clinic, Role
from intake.models import IntakeDraft
from intake.scenarios import raw_answers, scenario
from intake.services import (
    draft_contact_save,
    draft_get_or_start,
    draft_record_save,
    draft_save_step,
    submission_submit,
)
from intake.steps import RECORD_STEP_FIELDS
from screening.cases import review_case_claim, review_case_clear, review_case_decline, review_case_request_info
from screening.models import ReviewCase

from .timeline import demo_backdate

# (e-mail local part, full name, scenario, what happens after submitting)
PATIENTS = [
    ("riley", "Riley Demo", "eligible", None),
    ("jamie", "Jamie Demo", "urgent", None),
    ("casey", "Casey Demo", "needs_review", "overdue"),
    ("morgan", "Morgan Demo", "needs_review", "claimed"),
    ("taylor", "Taylor Demo", "needs_review", "info_requested"),
    ("drew", "Drew Demo", "needs_review", "cleared"),
    ("avery", "Avery Demo", "needs_review", "declined"),
    ("quinn", "Quinn Demo", "ineligible", None),
    ("sky", "Sky Demo", "eligible", "half_done"),
]


def _psychiatrist(clinic: Clinic) -> Any:
    return access.members(clinic, [Role.PSYCHIATRIST])[0].user


def _fill(draft: IntakeDraft, answers: dict, *, stop_after: int | None = None) -> None:
    for index, (step, data) in enumerate(raw_answers(answers).items()):
        if stop_after is not None and index >= stop_after:
            return
        draft_save_step(draft=draft, step=step, data=data)


def _after(case: ReviewCase | None, what: str | None, psychiatrist: Any) -> None:
    if case is None or what is None:
        return
    if what == "overdue":
        return  # demo.timeline moves it past its due time
    review_case_claim(case_id=case.pk, user=psychiatrist)
    if what == "info_requested":
        review_case_request_info(
            case_id=case.pk,
            user=psychiatrist,
            patient_message="Thank you for your answers. Could you tell us the dose of Zoloft you took, "
            "and whether your mood lifted at all on it? You can update your answers from your page. "
            "Please also upload your most recent blood test results.",
            requested_document="labs",
        )
    elif what == "cleared":
        review_case_clear(case_id=case.pk, user=psychiatrist, note="History of hypomania is remote; fine to evaluate.")
    elif what == "declined":
        review_case_decline(
            case_id=case.pk,
            user=psychiatrist,
            note="Mania history needs mood stabilisation first.",
            patient_message="Thank you for reaching out. Ketamine is not the right next step for you just now. "
            "Please talk with your own psychiatrist about your mood history; you are welcome to apply again later.",
        )


# Fictional people: 555-01xx numbers are set aside for fiction, the streets and plans are made up.
STREETS = ("Alder Street", "Birch Avenue", "Cedar Lane", "Dogwood Court", "Elm Road", "Fir Way", "Hawthorn Drive")
EMERGENCY = (("Jordan", "partner"), ("Pat", "mother"), ("Chris", "brother"), ("Robin", "friend"), ("Lee", "husband"))
PAYERS = ("Cascade Demo Health", "Northwest Demo Insurance", "Summit Demo Health Plan")


def demo_record(answers: dict[str, dict[str, Any]], *, index: int, full_name: str, clinic: Clinic) -> None:
    """A complete record for a demo patient (name, home address, emergency contact; a care team for some,
    insurance for some), as the first three pages of the intake ask it."""
    first, _space, last = full_name.partition(" ")
    contact, relationship = EMERGENCY[index % len(EMERGENCY)]
    answers["about"].update(
        first_name=first,
        last_name=last or "Demo",
        preferred_name="Sam" if index == 3 else "",
        pronouns=("she/her", "he/him", "they/them", "")[index % 4],
        street=f"{120 + 37 * index} {STREETS[index % len(STREETS)]}",
        state=clinic.state if clinic.served_states.filter(state=clinic.state).exists() else answers["about"]["state"],
        city=clinic.city,
        zip_code=clinic.postal_code,
    )
    care: dict[str, str] = {
        "emergency_name": f"{contact} {last or 'Demo'}",
        "emergency_relationship": relationship,
        "emergency_phone": f"(503) 555-01{index + 40:02d}",
        "referred": "no",
    }
    if index % 2 == 0:  # a care team for some
        care.update(pcp_name="Dr. Morgan Ellis", pcp_practice="Riverside Family Medicine", pcp_phone="(503) 555-0170")
    if index % 3 == 0:
        care.update(prescriber_name="Dana Whitfield, PMHNP", prescriber_practice="Bridge Psychiatry", referred="yes")
        care["referrer_name"] = "Dana Whitfield, PMHNP"
    answers["care-team"] = care
    if index % 3 == 1:  # insurance for some (esketamine is mostly insured, infusions mostly self-pay)
        answers["payment"] = {
            "payment": "insurance",
            "payer_name": PAYERS[(index // 3) % len(PAYERS)],
            "member_id": f"DM{700000 + index * 1111}",
            "group_number": f"G{4100 + index}",
            "subscriber_relationship": "self" if index != 4 else "spouse",
        }
    else:
        answers["payment"] = {"payment": "self_pay"}


def _save_record(draft: IntakeDraft, patient: Any) -> None:
    draft_contact_save(draft=draft, patient=patient)
    for step in RECORD_STEP_FIELDS:
        draft_record_save(draft=draft, patient=patient, step=step)


def demo_patients(clinic: Clinic, password: str) -> list[str]:
    """Idempotent: a patient who already exists is left as they are."""
    User = get_user_model()
    psychiatrist = _psychiatrist(clinic)
    lines = []
    domain = clinic.slug.split("-")[0]
    for index, (local, full_name, outcome, then) in enumerate(PATIENTS):
        email = f"{local}@patients.{domain}.demo.example"
        if User.objects.filter(email=email).exists():
            continue
        patient = User.objects.create_user(email=email, password=password, full_name=full_name, email_verified=True)
        answers = scenario(outcome)
        answers["about"]["state"] = clinic.served_states.order_by("state").first().state
        answers["consent"]["signed_name"] = full_name
        # 555-0100 to 555-0199 are set aside for fiction: no real person is ever called from the demo.
        answers["about"].update(
            phone=f"(503) 555-01{index + 10:02d}",
            call_time=("morning", "afternoon", "evening", "any")[index % 4],
            voicemail_ok="no" if index % 3 == 1 else "yes",
        )
        demo_record(answers, index=index, full_name=full_name, clinic=clinic)
        draft = draft_get_or_start(patient=patient, clinic=clinic)
        if then == "half_done":
            _fill(draft, answers, stop_after=6)
            _save_record(draft, patient)
            demo_backdate(patient=patient, story=then)
            lines.append(f"  {email:<40} intake half done")
            continue
        _fill(draft, answers)
        _save_record(draft, patient)
        submission = submission_submit(draft=draft, patient=patient)
        case = ReviewCase.objects.filter(submission=submission).first()
        _after(case, then, psychiatrist)
        demo_backdate(patient=patient, story=then or outcome)
        lines.append(f"  {email:<40} {then or outcome}")
    return lines
