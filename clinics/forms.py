"""Forms for the clinic directory and the staff pages. Rules live in services and the engine, not here."""

from functools import cache
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext_lazy as _
from localflavor.us.us_states import STATE_CHOICES

from core.audit import ACTIONS
from core.forms import optional_date_field

from .models import Role
from .services import policy_validate

# localflavor's Spanish catalogue writes "Islas Virgenes"; ours (LOCALE_PATHS, read first) puts the accent back.
_SPANISH_SPELLING = (gettext_noop("Virgin Islands"),)

# Armed Forces mail codes are not places a patient lives in; everything else USStateField knows is.
_NOT_PLACES = {"AA", "AE", "AP"}


def state_choices() -> list[tuple[str, str]]:
    return list(_state_choices(get_language()))


@cache
def _state_choices(language: str) -> tuple[tuple[str, str], ...]:
    # Reading STATE_CHOICES sorts its ~60 lazy names in the active language: once per language, not per page.
    return tuple((code, str(name)) for code, name in STATE_CHOICES if code not in _NOT_PLACES)


def state_name(code: str) -> str:
    return _state_names().get(code, code)


@cache
def _state_names() -> dict[str, Any]:
    return dict(STATE_CHOICES)  # the names stay lazy: translated when shown


class DirectoryFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Which state do you live in?"),
        required=False,
        error_messages={"invalid_choice": _("We do not recognize that state. Please choose your state from the list.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("All states")), *state_choices()]


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address",
        max_length=254,
        help_text="We send a sign-up link that works once, for 7 days.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(label="Role", choices=Role.choices, widget=forms.RadioSelect, initial=Role.COORDINATOR)


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Name of the key",
        max_length=80,
        help_text="The system that will use it, e.g. \u201cOpenEMR production\u201d.",
        error_messages={"required": "Give the key a name, such as the system that will use it."},
    )


class SmartClientForm(forms.Form):
    name = forms.CharField(
        label="Name of the client",
        max_length=80,
        help_text="The system that will connect, e.g. \u201cData warehouse\u201d.",
        error_messages={"required": "Give the client a name, such as the system that will use it."},
    )
    jwks = forms.CharField(
        label="Its public keys (JWKS)",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6, "class": "font-monospace", "spellcheck": "false"}),
        help_text='The JSON Web Key Set the system gives you: {"keys": [...]}, RSA (RS384) or EC P-384 (ES384) '
        "public keys. Never paste a private key.",
        error_messages={"required": "Paste the client's public keys (its JWKS)."},
    )


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices)


# Policy: one form field per number; the engine (via policy_validate) decides what is allowed.
POLICY_NUMBER_FIELDS: dict[str, tuple[str, str]] = {
    "min_age": ("Minimum age (years)", "Patients younger than this on the day of screening are not eligible."),
    "min_failed_trials": (
        "Failed antidepressant trials needed",
        "How many adequate antidepressant trials without enough relief count as treatment-resistant depression.",
    ),
    "min_trial_weeks": (
        "Weeks at dose for a trial to count",
        "A trial shorter than this at an adequate dose does not count as adequate.",
    ),
    "phq9_min_total": (
        "Lowest PHQ-9 total to go ahead",
        "A PHQ-9 total below this is flagged as mild depression.",
    ),
    "alcohol_max_drinks_per_week": (
        "Most alcoholic drinks per week",
        "More drinks per week than this are flagged as heavy drinking.",
    ),
}
BP_FIELDS: dict[str, str] = {
    "bp_flag_above": "Flag blood pressure above",
    "bp_exclude_above": "Exclude blood pressure above",
}
BP_SHORT: dict[str, str] = {"bp_flag_above": "Flag above", "bp_exclude_above": "Exclude above"}
BP_LIMIT_WORDS: dict[str, str] = {"bp_flag_above": "flag limit", "bp_exclude_above": "exclusion limit"}
BP_PARTS = ("systolic", "diastolic")
DISTINCT_LABEL = "Must the failed trials include at least two classes of antidepressant?"

# Flattened policy key ("bp_flag_above.systolic") -> a label people understand; used by history and diffs.
POLICY_LABELS: dict[str, str] = {
    **{key: label for key, (label, _help) in POLICY_NUMBER_FIELDS.items()},
    "require_distinct_classes": "Trials from at least two classes",
    **{f"{key}.systolic": f"{label}: systolic (mmHg)" for key, label in BP_FIELDS.items()},
    **{f"{key}.diastolic": f"{label}: diastolic (mmHg)" for key, label in BP_FIELDS.items()},
}
POLICY_ORDER = [
    "min_age",
    "min_failed_trials",
    "min_trial_weeks",
    "require_distinct_classes",
    "phq9_min_total",
    "bp_flag_above.systolic",
    "bp_flag_above.diastolic",
    "bp_exclude_above.systolic",
    "bp_exclude_above.diastolic",
    "alcohol_max_drinks_per_week",
]


def _number(label: str, help_text: str = "") -> forms.IntegerField:
    # No min/max here: the engine's validation is the single source of truth for the ranges.
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        error_messages={"required": "Enter a whole number.", "invalid": "Enter a whole number."},
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": "1", "class": "policy-number"}),
    )


class PolicyForm(forms.Form):
    """Every key of SCREENING_RULES.md §2, blood pressures as two numbers each, and why it changed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, (label, help_text) in POLICY_NUMBER_FIELDS.items():
            self.fields[key] = _number(label, help_text)
        self.fields["require_distinct_classes"] = forms.TypedChoiceField(
            label=DISTINCT_LABEL,
            choices=[("true", "Yes, at least two different classes"), ("false", "No, any two trials can count")],
            coerce=lambda value: value == "true",
            widget=forms.RadioSelect,
            error_messages={"required": "Choose yes or no."},
        )
        for key in BP_FIELDS:
            self.fields[f"{key}_systolic"] = _number(f"{BP_SHORT[key]}: systolic (mmHg)")
            self.fields[f"{key}_diastolic"] = _number(f"{BP_SHORT[key]}: diastolic (mmHg)")
        self.fields["note"] = forms.CharField(
            label="Reason for the change",
            max_length=300,
            widget=forms.Textarea(attrs={"rows": 2}),
            help_text="Saved with this version so colleagues can see why it changed.",
            error_messages={"required": "Say briefly why you are changing the policy."},
        )
        # Keep the fields in the order of SCREENING_RULES.md §2.
        order = [
            "min_age",
            "min_failed_trials",
            "min_trial_weeks",
            "require_distinct_classes",
            "phq9_min_total",
            "bp_flag_above_systolic",
            "bp_flag_above_diastolic",
            "bp_exclude_above_systolic",
            "bp_exclude_above_diastolic",
            "alcohol_max_drinks_per_week",
            "note",
        ]
        self.order_fields(order)

    @staticmethod
    def initial_from(values: dict[str, Any]) -> dict[str, Any]:
        """Form initial data from stored policy values."""
        initial: dict[str, Any] = {key: values.get(key) for key in POLICY_NUMBER_FIELDS}
        initial["require_distinct_classes"] = "true" if values.get("require_distinct_classes") else "false"
        for key in BP_FIELDS:
            pair = values.get(key) or {}
            initial[f"{key}_systolic"] = pair.get("systolic")
            initial[f"{key}_diastolic"] = pair.get("diastolic")
        return initial

    def policy_values(self) -> dict[str, Any]:
        """The policy dict the engine reads, from cleaned data."""
        data = self.cleaned_data
        values: dict[str, Any] = {key: data[key] for key in POLICY_NUMBER_FIELDS}
        values["require_distinct_classes"] = data["require_distinct_classes"]
        for key in BP_FIELDS:
            values[key] = {"systolic": data[f"{key}_systolic"], "diastolic": data[f"{key}_diastolic"]}
        return values

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if any(name in self.errors for name in self.fields if name != "note"):
            return cleaned  # the engine needs every number; show the type errors first
        try:
            self.normalised = policy_validate(self.policy_values())
        except ValidationError as exc:
            self.add_engine_errors(exc)
        return cleaned

    def add_engine_errors(self, exc: ValidationError) -> None:
        """Put each of the engine's messages next to the field its path names; the rest in the summary."""
        if not hasattr(exc, "error_dict"):
            for message in exc.messages:
                self.add_error(None, message)
            return
        for path, messages in exc.message_dict.items():
            field = self.field_for_path(path)
            for message in messages:
                message = _readable(message)
                if field is None and path not in ("", "__all__"):
                    message = f"{POLICY_LABELS.get(path, path)}: {message}"
                self.add_error(field, message)

    def field_for_path(self, path: str) -> str | None:
        """`bp_flag_above.systolic` -> `bp_flag_above_systolic`; a whole pair (`bp_flag_above`) -> its diastolic.

        The engine reports a pair as a whole only when the diastolic is not below the systolic.
        """
        name = path.replace(".", "_")
        if name in self.fields and name != "note":
            return name
        if path in BP_FIELDS:
            return f"{path}_diastolic"
        return None


# "must not be above bp_exclude_above.systolic (180)" -> "... above the systolic exclusion limit (180)".
_KEY_WORDS = {f"{key}.{part}": f"the {part} {words}" for key, words in BP_LIMIT_WORDS.items() for part in BP_PARTS}


def _readable(message: str) -> str:
    """The engine's message as a sentence, with its policy keys in words ("must be ..." -> "Must be ....")."""
    for key, words in _KEY_WORDS.items():
        message = message.replace(key, words)
    message = message[:1].upper() + message[1:]
    return message if message.endswith((".", "?", "!")) else f"{message}."


class AuditPatientSearchForm(forms.Form):
    """Find a patient to filter the audit log by: sent as a POST so the name never appears in a URL."""

    patient_search = forms.CharField(
        label="Patient's name or e-mail",
        max_length=150,
        min_length=2,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={
            "required": "Type at least two letters of the patient's name or e-mail.",
            "min_length": "Type at least two letters of the patient's name or e-mail.",
        },
    )


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label="Action", required=False)
    actor = forms.CharField(
        label="Done by (e-mail)",
        required=False,
        max_length=254,
        help_text="All or part of the address.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    date_from = optional_date_field("From (date)", "2026-03-31")
    date_to = optional_date_field("To (date)", "2026-03-31")
    # A patient's id, never their name: chosen from the patient search (a POST), kept in the links as a UUID.
    patient = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        by_label = sorted(ACTIONS.items(), key=lambda item: item[1])
        self.fields["action"].choices = [("", "Any action"), *[(code, label) for code, label in by_label]]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date must be on or after the start date.")
        return cleaned
