"""The wizard's steps in order, and how a draft's stored answers are checked and cleaned.

The draft stores what was posted for each step (field name -> list of values, prefixed by the step
name); this module rebuilds each step's form from it, so the wizard, the resume link, the review page
and the submission all judge the same answers the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.core.exceptions import ObjectDoesNotExist
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _

from core import forms_profile as record
from core.phone import phone_display

from . import builder, forms
from .instruments import PHQ9_QUESTION


@dataclass(frozen=True)
class Step:
    name: str
    title: Any  # a lazy translation
    form_class: type[forms.StepForm]
    intro: Any = ""


STEPS: tuple[Step, ...] = (
    Step("about", _("About you"), forms.AboutForm),
    Step(
        "care-team",
        _("Someone to call and your care team"),
        forms.CareTeamForm,
        _("Only the clinic's staff see these details. The care team is optional, but it helps the psychiatrist."),
    ),
    Step(
        "payment",
        _("Paying for treatment"),
        forms.PaymentForm,
        _(
            "Ketamine infusions are usually paid for by the patient; esketamine (Spravato) is often covered by "
            "insurance. The clinic checks your coverage before any treatment."
        ),
    ),
    Step(
        "diagnoses",
        _("Your diagnoses"),
        forms.DiagnosesForm,
        _("Tell us which conditions you have been diagnosed with. It is fine if you are not sure."),
    ),
    Step(
        "phq9",
        _("How you have been feeling"),
        forms.Phq9Form,
        PHQ9_QUESTION,
    ),
    Step(
        "safety",
        _("Your safety"),
        forms.SafetyForm,
        _(
            "These questions are about thoughts of suicide. We ask everyone, because it helps the clinic keep you "
            "safe. There are no wrong answers."
        ),
    ),
    Step(
        "antidepressants",
        _("Antidepressants you have taken"),
        forms.AntidepressantsForm,
        _(
            "List each antidepressant you have taken, one row each. If you are not sure of a detail, give your "
            "best guess."
        ),
    ),
    Step("treatment", _("Ketamine treatment before"), forms.TreatmentForm),
    Step(
        "other-treatments",
        _("Other treatments tried"),
        forms.OtherTreatmentsForm,
        _("Besides antidepressants, tell us what else you have tried for depression. A rough answer is fine."),
    ),
    Step("mental-health", _("Your mental-health history"), forms.MentalHealthForm),
    Step("heart", _("Heart and blood pressure"), forms.HeartForm),
    Step("health", _("Other health questions"), forms.HealthForm),
    Step(
        "medications",
        _("Medicines you take now"),
        forms.MedicationsForm,
        _(
            "Include every prescription medicine you take now, including antidepressants. Please do not stop or "
            "change any medicine because of this intake."
        ),
    ),
    Step("substances", _("Alcohol and other substances"), forms.SubstancesForm),
    Step("getting-home", _("Getting home"), forms.GettingHomeForm),
    Step("consent", _("Privacy and consent"), forms.ConsentForm),
    Step("review", _("Check your answers"), forms.ReviewForm),
)
STEP_BY_NAME = {step.name: step for step in STEPS}
STEP_NAMES = tuple(STEP_BY_NAME)
REVIEW = "review"
ANSWER_STEPS = STEP_NAMES[:-1]  # every step with questions
PAGE_COUNT = len(ANSWER_STEPS)  # "Step 1 of N", "N short pages", "0 of N pages done": the review page is the last look
# Kept on the account (core.PatientProfile), not in the intake document or its FHIR QuestionnaireResponse.
RECORD_STEPS = ("care-team", "payment")
DOCUMENT_STEPS = tuple(name for name in ANSWER_STEPS if name not in RECORD_STEPS)
# Never carried into a new intake: they describe today (PHQ-9, C-SSRS, blood pressure, pregnancy), or are signed
# anew for each clinic (consent).
NOT_CARRIED_STEPS = ("phq9", "safety", "consent", "review")
NOT_CARRIED_FIELDS = {
    "heart": ("systolic", "diastolic"),
    "health": ("pregnancy", "breastfeeding"),
}

# Hostile or runaway posts are trimmed before they are stored (a real form posts far less).
MAX_KEYS = 800
MAX_VALUES = 30
MAX_VALUE_LENGTH = 2000


def _first(raw: dict[str, Any], step: str, field: str) -> str | None:
    values = (raw.get(step) or {}).get(f"{step}-{field}")
    if isinstance(values, list) and values and isinstance(values[0], str):
        return values[0]
    return None


def form_kwargs(step: str, raw: dict[str, Any], clinic: Any = None, *, sent: bool = False) -> dict[str, Any]:
    """Extra arguments for a step's form that depend on other steps' answers (and the clinic's states).

    `sent`: answers already submitted, shown read-only (those sent before the phone was asked stay valid)."""
    if step == "health":
        return {"asks_pregnancy": builder.pregnancy_applies(_first(raw, "about", "sex_at_birth"))}
    if step in RECORD_STEPS:
        return {"required": not sent}
    if step == "about":
        kwargs: dict[str, Any] = {"contact_required": not sent}
        if clinic is not None:
            kwargs["served_states"] = tuple(clinic.served_states.order_by("state").values_list("state", flat=True))
            kwargs["clinic_name"] = clinic.name
        return kwargs
    return {}


def contact_initial(user: Any) -> dict[str, str]:
    """The account's phone and call preferences as the first step's answers ({} when no phone is known)."""
    if not getattr(user, "phone", ""):
        return {}
    return {
        "phone": phone_display(user.phone),  # as people read and type it; the form cleans it back to E.164
        "call_time": user.call_time,
        "voicemail_ok": "yes" if user.voicemail_ok else "no",
        "texts_ok": "yes" if user.texts_ok else "no",
    }


RECORD_STEP_FIELDS = {
    "about": (*forms.AboutForm.RECORD_FIELDS, "state"),
    "care-team": record.CARE_FIELDS,
    "payment": record.PAYMENT_FIELDS,
}


def _profile(user: Any) -> Any:
    try:
        return user.profile
    except (AttributeError, ObjectDoesNotExist):
        return None


def record_initial(user: Any, step: str) -> dict[str, str]:
    """The account's record as a step's answers (a second clinic's intake starts from what the patient gave)."""
    initial = record.record_initial(_profile(user), RECORD_STEP_FIELDS.get(step, ()))
    if step == "about":
        initial.update(contact_initial(user))
    return initial


def with_contact(raw: dict[str, Any], user: Any) -> dict[str, Any]:
    """Stored answers whose record steps carry the account's current contact details and record (an amendment or
    a new intake starts from answers sent earlier; the phone or the address may have changed since)."""
    raw = dict(raw)
    for step in RECORD_STEP_FIELDS:
        initial = record_initial(user, step)
        if not initial:
            continue
        values = dict(raw[step]) if isinstance(raw.get(step), dict) else {}
        values.update({f"{step}-{name}": [value] for name, value in initial.items() if value})
        raw[step] = values
    return raw


def carried_answers(raw: dict[str, Any]) -> dict[str, Any]:
    """A submission's answers as the start of a new intake: without what describes today (or is signed anew)."""
    carried = {}
    for step, values in raw.items():
        if step in NOT_CARRIED_STEPS or step not in STEP_BY_NAME or not isinstance(values, dict):
            continue
        dropped = {f"{step}-{name}" for name in NOT_CARRIED_FIELDS.get(step, ())}
        carried[step] = {key: value for key, value in values.items() if key not in dropped}
    return carried


def step_data(raw: dict[str, Any], step: str) -> MultiValueDict | None:
    values = raw.get(step)
    if not isinstance(values, dict):
        return None
    return MultiValueDict({k: [str(v) for v in vs] for k, vs in values.items() if isinstance(vs, list)})


def bind(
    step: str,
    raw: dict[str, Any],
    data: Any = None,
    clinic: Any = None,
    *,
    sent: bool = False,
    initial: dict[str, Any] | None = None,
) -> forms.StepForm:
    """The step's form bound to `data` (default: the stored answers; unbound when nothing is stored)."""
    if data is None:
        data = step_data(raw, step)
        if data is None and sent and step in RECORD_STEPS:
            data = MultiValueDict()  # sent before the intake asked it: nothing to show, nothing missing
    form_class = STEP_BY_NAME[step].form_class
    return form_class(data=data, prefix=step, initial=initial, **form_kwargs(step, raw, clinic, sent=sent))


def previous_step(step: str) -> str | None:
    index = STEP_NAMES.index(step)
    return STEP_NAMES[index - 1] if index > 0 else None


def next_step(step: str) -> str | None:
    index = STEP_NAMES.index(step) + 1
    return STEP_NAMES[index] if index < len(STEP_NAMES) else None


def clean_for_storage(step: str, posted: MultiValueDict, *, add_row: bool = False) -> dict[str, list[str]]:
    """What to store for a step: only its own fields, trimmed, deleted rows dropped, optionally one more row."""
    prefix = f"{step}-"
    data: dict[str, list[str]] = {}
    for key, values in posted.lists():
        if not key.startswith(prefix) or len(data) >= MAX_KEYS:
            continue
        # PostgreSQL's jsonb cannot hold NUL characters; no real answer contains one.
        data[key[:200].replace("\x00", "")] = [
            str(v)[:MAX_VALUE_LENGTH].replace("\x00", "") for v in values[:MAX_VALUES]
        ]
    form_class = STEP_BY_NAME[step].form_class
    if issubclass(form_class, forms.RowsStepForm):
        data = _compact_rows(data, f"{prefix}rows", form_class.formset_class, add_row=add_row)
    return data


def _int(values: list[str] | None, default: int = 0) -> int:
    try:
        return int(values[0]) if values else default
    except (TypeError, ValueError):
        return default


def _compact_rows(
    data: dict[str, list[str]], prefix: str, formset_class: type[django_forms.BaseFormSet], *, add_row: bool
) -> dict[str, list[str]]:
    """Drop rows marked for removal and empty rows, renumber the rest: a removed row never comes back."""
    limit = formset_class.absolute_max
    total = min(max(_int(data.get(f"{prefix}-TOTAL_FORMS")), 0), limit)
    kept: list[dict[str, list[str]]] = []
    for index in range(total):
        row_prefix = f"{prefix}-{index}-"
        row = {k[len(row_prefix) :]: v for k, v in data.items() if k.startswith(row_prefix)}
        if row.get("DELETE") and row["DELETE"][0] not in ("", "false", "False", "0", "off"):
            continue
        row.pop("DELETE", None)
        if any(value.strip() for values in row.values() for value in values):
            kept.append(row)  # a row left completely empty is dropped
    if (add_row or not kept) and len(kept) < limit:
        kept.append({})  # "Add another", or the one empty row a step always shows
    compacted = {k: v for k, v in data.items() if not k.startswith(f"{prefix}-")}
    for index, row in enumerate(kept):
        for field, values in row.items():
            compacted[f"{prefix}-{index}-{field}"] = values
    compacted[f"{prefix}-TOTAL_FORMS"] = [str(len(kept))]
    compacted[f"{prefix}-INITIAL_FORMS"] = ["0"]
    compacted[f"{prefix}-MIN_NUM_FORMS"] = ["0"]
    compacted[f"{prefix}-MAX_NUM_FORMS"] = [str(limit)]
    return compacted


def safety_answers(raw: dict[str, Any]) -> dict[str, Any]:
    """The safety step's answers so far, even when the page is not complete (a missing answer counts as no),
    so that a high risk is recognised as soon as it is stated."""
    form = bind("safety", raw)
    if form.is_bound and form.is_valid():
        return form.answers()
    return {name: value if (value := _first(raw, "safety", name)) in ("yes", "no") else None for name in form.fields}


@dataclass
class Checked:
    """Every step's form bound to the stored answers, and what that says about the draft."""

    forms: dict[str, forms.StepForm]
    valid: dict[str, bool]
    unconfirmed: tuple[str, ...] = ()

    @property
    def first_incomplete(self) -> str:
        return next((name for name in ANSWER_STEPS if not self.valid[name]), REVIEW)

    @property
    def complete(self) -> bool:
        return all(self.valid[name] for name in ANSWER_STEPS)

    @property
    def done_count(self) -> int:
        return sum(1 for name in ANSWER_STEPS if self.valid[name])

    def answers(self) -> dict[str, Any]:
        """The builder's input; only when `complete`."""
        return {name: self.forms[name].answers() for name in DOCUMENT_STEPS}


def check(raw: dict[str, Any], clinic: Any = None, *, sent: bool = False, unconfirmed: Any = ()) -> Checked:
    """Every answer step bound and validated; with `clinic`, the patient's state must be one it serves.

    `unconfirmed`: steps carried from an earlier intake that the patient has not confirmed yet (not done)."""
    bound = {name: bind(name, raw, clinic=clinic, sent=sent) for name in ANSWER_STEPS}
    pending = tuple(name for name in unconfirmed or () if name in bound)
    valid = {name: form.is_bound and form.is_valid() and name not in pending for name, form in bound.items()}
    return Checked(bound, valid, pending)


def check_draft(draft: Any, *, clinic: Any = None) -> Checked:
    return check(draft.answers, clinic, unconfirmed=draft.unconfirmed_steps)
