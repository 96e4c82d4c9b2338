"""One form per wizard step, in plain words. Each form's `answers()` is that step's part of the builder's input."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property, lru_cache
from typing import Any

from crispy_forms.bootstrap import InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Fieldset, Layout
from django import forms
from django.utils import dateformat, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from localflavor.us.us_states import CONTIGUOUS_STATES, NON_CONTIGUOUS_STATES, US_TERRITORIES

from core import forms_profile as record
from core.forms import contact_fields
from core.phone import phone_display

from . import builder, readback
from .consent import CONTACT_CONSENT, consent_for
from .instruments import CSSRS, PHQ9_ITEMS, PHQ9_NOTICE, PHQ9_SCALE, numbered  # noqa: F401 (PHQ9_NOTICE: views)

CHOOSE = _("Please choose an answer.")
CHECK_ROWS = _("Please check the answers marked below.")
YES_NO = [("yes", _("Yes")), ("no", _("No"))]

DIAGNOSIS_CHOICES = [
    ("major_depressive_disorder", _("Depression (major depressive disorder)")),
    ("bipolar_disorder", _("Bipolar disorder")),
    ("ptsd", _("Post-traumatic stress disorder (PTSD)")),
    ("generalized_anxiety_disorder", _("Generalized anxiety disorder")),
    ("ocd", _("Obsessive-compulsive disorder (OCD)")),
    ("chronic_pain", _("Chronic pain")),
    ("substance_use_disorder", _("A problem with alcohol or drugs (substance use disorder)")),
    ("eating_disorder", _("An eating disorder")),
    ("other", _("Something else, or I am not sure")),
]
SEX_CHOICES = [
    ("female", _("Female")),
    ("male", _("Male")),
    ("intersex", _("Intersex")),
    ("prefer_not_to_say", _("I prefer not to say")),
]
IMPROVEMENT_CHOICES = [
    ("none", _("It did not help, or helped only a little (less than a quarter better)")),
    ("partial", _("It helped somewhat (about a quarter to a half better)")),
    ("response", _("It helped a lot (more than half better), but some depression stayed")),
    ("remission", _("My depression went away while I was taking it")),
]
PRIOR_KETAMINE_CHOICES = [
    ("never", _("No")),
    ("responded", _("Yes, and it helped")),
    ("did_not_respond", _("Yes, but it did not help")),
]
PSYCHOSIS_CHOICES = [("never", _("No, never")), ("past", _("Yes, in the past")), ("current", _("Yes, now"))]
HYPERTENSION_CHOICES = [
    ("no", _("No")),
    ("controlled", _("Yes, and it is well controlled")),
    ("uncontrolled", _("Yes, and it is not well controlled")),
]
PREGNANCY_CHOICES = [("no", _("No")), ("yes", _("Yes")), ("unsure", _("I am not sure"))]
SUBSTANCE_DISORDER_CHOICES = [
    ("never", _("No")),
    ("in_remission", _("Yes, in the past, and I am in recovery now")),
    ("active", _("Yes, and it is a problem now")),
]
KETAMINE_USE_CHOICES = [("never", _("No, never")), ("past", _("Yes, in the past")), ("current", _("Yes, I still do"))]
DEPRESSED_NOW_CHOICES = [("yes", _("Yes")), ("no", _("No")), ("unsure", _("I am not sure"))]
WEIGHT_UNITS = [("lb", _("pounds (lb)")), ("kg", _("kilograms (kg)"))]

# The rows a patient may add, as the schema allows.
MAX_TRIALS = 30
MAX_MEDICATIONS = 50


def state_choices() -> list[tuple[str, str]]:
    """US states, DC and territories by name (evaluated when used, so translations are not read at import).
    Django calls a callable's choices each time they are read (several times per drawing): built once per
    language."""
    return list(_state_choices(get_language()))


@lru_cache(maxsize=8)
def _state_choices(language: str) -> tuple[tuple[str, str], ...]:
    places = sorted(
        ((code, str(name)) for code, name in CONTIGUOUS_STATES + NON_CONTIGUOUS_STATES + US_TERRITORIES),
        key=lambda place: place[1],
    )
    return (("", str(_("Choose your state"))), *places)


def radio(label: str, choices: list, *, help_text: str = "", required: bool = True, coerce=None) -> forms.Field:
    kwargs: dict[str, Any] = {
        "label": label,
        "choices": choices,
        "widget": forms.RadioSelect,
        "help_text": help_text,
        "required": required,
        "error_messages": {"required": CHOOSE, "invalid_choice": CHOOSE},
    }
    if coerce is not None:
        return forms.TypedChoiceField(coerce=coerce, **kwargs)
    return forms.ChoiceField(**kwargs)


def yes_no(label: str, *, help_text: str = "", required: bool = True) -> forms.Field:
    return radio(label, YES_NO, help_text=help_text, required=required)


def _json(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    return value


@dataclass(frozen=True)
class ErrorItem:
    """One line of the error summary: the input it links to, and what to fix."""

    target: str
    label: str
    message: str


def _target(bound: forms.BoundField) -> str:
    widget = bound.field.widget
    if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
        return f"{bound.auto_id}_0"
    return bound.id_for_label or bound.auto_id


def field_error_items(form: forms.Form, *, label_prefix: str = "") -> list[ErrorItem]:
    items = []
    for bound in form:
        for message in bound.errors:
            items.append(ErrorItem(_target(bound), f"{label_prefix}{bound.label}", message))
    return items


def _helper(layout: Layout) -> FormHelper:
    """crispy-forms settings for a form drawn inside the wizard's own <form> (which adds the buttons)."""
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    helper.layout = layout
    return helper


class StepForm(forms.Form):
    """A wizard step: rendered by crispy-forms inside the wizard's own <form> (which adds the buttons)."""

    use_required_attribute = False  # the server validates; the error summary explains (no browser pop-ups)

    @cached_property
    def helper(self) -> FormHelper:
        """Built when a template draws the form, not when a submit only validates every step."""
        return _helper(self.build_layout())

    def build_layout(self) -> Layout:
        return Layout(*[self.layout_field(name) for name in self.fields])

    def layout_field(self, name: str) -> Any:
        field = self.fields[name]
        if isinstance(field.widget, forms.RadioSelect) and len(field.choices) <= 3 and name not in self.stacked:
            return InlineRadios(name)
        return Field(name)

    stacked: tuple[str, ...] = ()

    def answers(self) -> dict[str, Any]:
        """This step's cleaned answers as JSON values (the builder's input)."""
        return {name: _json(value) for name, value in self.cleaned_data.items()}

    def error_items(self) -> list[ErrorItem]:
        items = [ErrorItem("", "", message) for message in self.non_field_errors()]
        return items + field_error_items(self)

    def display(self) -> list[tuple[str, str]]:
        """(question, answer) pairs for the review page, from the cleaned data."""
        rows = []
        for name, field in self.fields.items():
            value = self.cleaned_data.get(name)
            rows.append((str(field.label), display_value(field, value)))
        return rows


def display_value(field: forms.Field, value: Any) -> str:
    if value in (None, "", []):
        return str(_("Not answered"))
    choices = dict(getattr(field, "choices", []) or [])
    if isinstance(value, list):
        return "; ".join(str(choices.get(v, v)) for v in value)
    if isinstance(field, forms.BooleanField):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, date):
        # In the page's language: "2 February 1988", "2 de febrero de 1988".
        return dateformat.format(value, gettext("j F Y"))
    return str(choices.get(value, value))


# --- 1. About you ----------------------------------------------------------------------------


class AboutForm(StepForm):
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y"],
        error_messages={
            "required": _("Please enter your date of birth."),
            "invalid": _("Please enter a real date, for example 03/27/1985."),
        },
    )
    sex_at_birth = radio(
        _("Sex assigned at birth"),
        SEX_CHOICES,
        help_text=_("We ask because some treatment questions depend on it."),
    )
    state = forms.ChoiceField(
        label=_("The state where you live"),
        choices=state_choices,
        error_messages={"required": _("Please choose your state."), "invalid_choice": _("Please choose your state.")},
    )
    weight = forms.DecimalField(
        label=_("Your weight (optional)"),
        required=False,
        max_digits=6,
        decimal_places=1,
        min_value=0,
        help_text=_("If you know it. A rough figure is fine."),
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.1"}),
        error_messages={
            "invalid": _("Please enter your weight as a number, for example 150."),
            "max_decimal_places": _("Please use at most one decimal place."),
            "max_digits": _("Please enter your weight as a number, for example 150."),
            "min_value": _("Please enter your weight as a number above 0."),
        },
    )
    weight_unit = radio(_("Weight in"), WEIGHT_UNITS, required=False)

    CONTACT_FIELDS = ("phone", "call_time", "voicemail_ok", "texts_ok")
    # Kept on the account (core.PatientProfile), not in the intake document.
    RECORD_FIELDS = (*record.NAME_FIELDS, "street", "city", "zip_code")

    def __init__(
        self,
        *args: Any,
        served_states: tuple[str, ...] | None = None,
        clinic_name: str = "",
        contact_required: bool = True,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", {}).setdefault("weight_unit", "lb")
        self.served_states = served_states
        self.clinic_name = clinic_name
        super().__init__(*args, **kwargs)
        # The name and home address (the state above is the address's state: one question) are the account's
        # record; answers sent before the step asked for them stay readable (contact_required=False).
        address = record.address_fields(required=contact_required)
        del address["state"]
        self.fields.update(record.name_fields(required=contact_required))
        self.fields.update(address)
        # Answers sent before the step asked for a phone stay readable (contact_required=False).
        self.fields.update(contact_fields(required=contact_required))

    def clean_state(self) -> str:
        state = self.cleaned_data["state"]
        if self.served_states is not None and state not in self.served_states:
            names = dict(state_choices())
            served = ", ".join(names.get(s, s) for s in self.served_states) or str(_("no state yet"))
            # A clinic may only treat people who live where it is licensed: say so before 15 minutes of questions.
            raise forms.ValidationError(
                _(
                    "%(clinic)s can only see patients who live in: %(states)s. "
                    "The clinic directory shows clinics that serve your state."
                )
                % {"clinic": self.clinic_name or _("This clinic"), "states": served}
            )
        return state

    def build_layout(self) -> Layout:
        return Layout(
            Fieldset(
                _("Your name"),
                Field("first_name"),
                Field("last_name"),
                Field("preferred_name"),
                Field("pronouns"),
                css_class="record-group name-group",
            ),
            Field("date_of_birth", css_class="date-input"),
            Field("sex_at_birth"),
            Fieldset(
                _("Your home address"),
                Field("street"),
                Field("city"),
                Field("state"),
                Field("zip_code", css_class="zip-input"),
                css_class="record-group address-group",
            ),
            Div(Field("weight", css_class="weight-input"), InlineRadios("weight_unit"), css_class="weight-group"),
            Fieldset(
                _("How the clinic can reach you"),
                Field("phone", css_class="phone-input"),
                Field("call_time"),
                InlineRadios("voicemail_ok"),
                InlineRadios("texts_ok"),
                css_class="contact-group",
            ),
        )

    def clean_date_of_birth(self) -> date:
        born = self.cleaned_data["date_of_birth"]
        if born > timezone.localdate():
            raise forms.ValidationError(_("Your date of birth cannot be in the future."))
        if born.year < 1900:
            raise forms.ValidationError(_("Please check the year of your date of birth."))
        return born

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        weight = cleaned.get("weight")
        if weight is not None:
            unit = cleaned.get("weight_unit") or "lb"
            cleaned["weight_unit"] = unit
            kg = builder.weight_kg(weight, unit)
            if kg is None or not 25 <= kg <= 350:
                self.add_error(
                    "weight",
                    _("Please check your weight: it should be between 55 and 770 pounds (25 and 350 kg)."),
                )
        else:
            cleaned["weight_unit"] = cleaned.get("weight_unit") or "lb"
        return cleaned

    def answers(self) -> dict[str, Any]:
        """The builder's input: the contact details are the account's, not the intake document's."""
        kept = self.CONTACT_FIELDS + self.RECORD_FIELDS
        return {name: value for name, value in super().answers().items() if name not in kept}

    def record(self) -> dict[str, Any]:
        """The name and home address, for the patient's record (only when valid and a name was given)."""
        return record.record_values(self.cleaned_data, (*self.RECORD_FIELDS, "state"))

    def contact(self) -> dict[str, Any]:
        """The phone and call preferences, for the patient's account (only when valid and a phone was given)."""
        data = self.cleaned_data
        return {
            "phone": data["phone"],
            "call_time": data.get("call_time") or "",
            "voicemail_ok": data.get("voicemail_ok") == "yes",
            "texts_ok": data.get("texts_ok") == "yes",
        }

    def display(self) -> list[tuple[str, str]]:
        rows = dict(zip(self.fields, super().display(), strict=True))
        weight = self.cleaned_data.get("weight")
        unit = self.cleaned_data.get("weight_unit") or "lb"
        if self.cleaned_data.get("phone"):
            rows["phone"] = (rows["phone"][0], phone_display(self.cleaned_data["phone"]))
        rows["weight"] = (
            str(_("Your weight")),
            f"{_json(weight)} {unit}" if weight is not None else str(_("Not given")),
        )
        order = (
            *record.NAME_FIELDS,
            "date_of_birth",
            "sex_at_birth",
            "street",
            "city",
            "state",
            "zip_code",
            "weight",
            *self.CONTACT_FIELDS,
        )
        return [rows[name] for name in order if name in rows]


# --- 1b. Someone to call and the care team; paying for treatment (kept on the account) -----------------


class CareTeamForm(StepForm):
    """The emergency contact (required) and the care team (optional): kept on the account, not in the document."""

    stacked = ("referred",)

    def __init__(self, *args: Any, required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(record.care_fields(required=required))

    def build_layout(self) -> Layout:
        return Layout(
            Fieldset(
                _("Someone to call in an emergency"),
                HTML(
                    format_html(
                        '<p class="form-text">{}</p>',
                        _("A treatment day needs someone the clinic can call if you are unwell."),
                    )
                ),
                *record.EMERGENCY_FIELDS,
                css_class="record-group emergency-group",
            ),
            Fieldset(
                _("Your primary care clinician (optional)"), *record.PCP_FIELDS, css_class="record-group pcp-group"
            ),
            Fieldset(
                _("Your current prescriber or therapist (optional)"),
                *record.PRESCRIBER_FIELDS,
                css_class="record-group prescriber-group",
            ),
            Fieldset(
                _("Referral"),
                InlineRadios("referred"),
                Div(
                    Field("referrer_name"),
                    css_class="conditional",
                    data_show_when="care-team-referred",
                    data_show_value="yes",
                ),
                css_class="record-group referral-group",
            ),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        record.clean_care(self, cleaned)
        return cleaned

    def answers(self) -> dict[str, Any]:
        return {}  # the account's record, not the intake document's

    def record(self) -> dict[str, Any]:
        return record.record_values(self.cleaned_data, record.CARE_FIELDS)

    def display(self) -> list[tuple[str, str]]:
        rows = []
        for name, field in self.fields.items():
            value = self.cleaned_data.get(name)
            if name.endswith("_phone") and value:
                value = phone_display(value)
            if name == "referrer_name" and self.cleaned_data.get("referred") != "yes":
                continue
            rows.append((str(field.label), display_value(field, value)))
        return rows


class PaymentForm(StepForm):
    """Self-pay or insurance (then the card's details): kept on the account, not in the document."""

    stacked = ("payment", "subscriber_relationship")

    def __init__(self, *args: Any, required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(record.payment_fields(required=required))

    def build_layout(self) -> Layout:
        return Layout(
            Field("payment"),
            Fieldset(
                _("If you use insurance"),
                *record.INSURANCE_FIELDS,
                css_class="record-group insurance-group",
                data_show_when="payment-payment",
                data_show_value="insurance",
            ),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        record.clean_payment(self, cleaned)
        return cleaned

    def answers(self) -> dict[str, Any]:
        return {}  # the account's record, not the intake document's

    def record(self) -> dict[str, Any]:
        return record.record_values(self.cleaned_data, record.PAYMENT_FIELDS)

    def display(self) -> list[tuple[str, str]]:
        insured = self.cleaned_data.get("payment") == "insurance"
        return [
            (str(field.label), display_value(field, self.cleaned_data.get(name)))
            for name, field in self.fields.items()
            if insured or name == "payment"
        ]


# --- 2. Diagnoses ----------------------------------------------------------------------------


class DiagnosesForm(StepForm):
    diagnoses = forms.MultipleChoiceField(
        label=_("Which of these has a doctor or therapist told you that you have?"),
        choices=DIAGNOSIS_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Check all that apply."),
        error_messages={
            "required": _("Please check at least one. If you are not sure, check “Something else, or I am not sure”."),
            "invalid_choice": _("Please check only the choices shown."),
        },
    )
    depressed_now = radio(_("Are you going through a period of depression now?"), DEPRESSED_NOW_CHOICES)


# --- 3. PHQ-9 --------------------------------------------------------------------------------


class Phq9Form(StepForm):
    """The nine items over the last two weeks, each 0-3 ("Not at all" .. "Nearly every day")."""

    def build_layout(self) -> Layout:
        return Layout(*[Field(name, wrapper_class="phq-item") for name in self.fields])


for _number, _text in enumerate(PHQ9_ITEMS, start=1):
    Phq9Form.base_fields[f"q{_number}"] = radio(numbered(_number, _text), PHQ9_SCALE, coerce=int)


# --- 4. Safety (C-SSRS screener) -------------------------------------------------------------


class SafetyForm(StepForm):
    wish_dead = yes_no(numbered(1, CSSRS["wish_dead"]))
    thoughts = yes_no(numbered(2, CSSRS["thoughts"]))
    method = yes_no(numbered(3, CSSRS["method"]), required=False)
    intent = yes_no(numbered(4, CSSRS["intent"]), required=False)
    plan = yes_no(numbered(5, CSSRS["plan"]), required=False)
    behavior = yes_no(numbered(6, CSSRS["behavior"]), help_text=CSSRS["behavior_examples"])
    behavior_recent = yes_no(numbered(7, CSSRS["behavior_recent"]), required=False)

    FOLLOW_UPS = ("method", "intent", "plan")

    def build_layout(self) -> Layout:
        return Layout(
            HTML(format_html('<p class="fw-semibold">{}</p>', _("Questions 1 to 5 are about the past month."))),
            InlineRadios("wish_dead"),
            InlineRadios("thoughts"),
            Div(
                HTML(
                    format_html(
                        '<p class="form-text skip-note" data-skip-note>{}</p>',
                        _(
                            "Answer questions 3 to 5 only if you answered “Yes” to question 2. "
                            "Otherwise go on to question 6."
                        ),
                    )
                ),
                InlineRadios("method"),
                InlineRadios("intent"),
                InlineRadios("plan"),
                css_class="conditional",
                data_show_when="safety-thoughts",
                data_show_value="yes",
            ),
            InlineRadios("behavior"),
            Div(
                HTML(
                    format_html(
                        '<p class="form-text skip-note" data-skip-note>{}</p>',
                        _("Answer question 7 only if you answered “Yes” to question 6."),
                    )
                ),
                InlineRadios("behavior_recent"),
                css_class="conditional",
                data_show_when="safety-behavior",
                data_show_value="yes",
            ),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # Questions 3-5 are asked only after a yes to question 2; 7 only after a yes to 6.
        if cleaned.get("thoughts") == "yes":
            for name in self.FOLLOW_UPS:
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, CHOOSE)
        else:
            for name in self.FOLLOW_UPS:
                self.errors.pop(name, None)
                cleaned[name] = None
        if cleaned.get("behavior") == "yes":
            if not cleaned.get("behavior_recent") and "behavior_recent" not in self.errors:
                self.add_error("behavior_recent", CHOOSE)
        else:
            self.errors.pop("behavior_recent", None)
            cleaned["behavior_recent"] = None
        return cleaned

    def display(self) -> list[tuple[str, str]]:
        rows = super().display()
        skipped = set()
        if self.cleaned_data.get("thoughts") != "yes":
            skipped |= {str(self.fields[n].label) for n in self.FOLLOW_UPS}
        if self.cleaned_data.get("behavior") != "yes":
            skipped.add(str(self.fields["behavior_recent"].label))
        return [(q, a) for q, a in rows if q not in skipped]


# --- rows: antidepressants tried, current medicines -----------------------------------------


class RowForm(forms.Form):
    """One repeatable row; its "Remove" checkbox (DELETE) is drawn by the row template, not the layout."""

    use_required_attribute = False

    @cached_property
    def helper(self) -> FormHelper:
        return _helper(self.row_layout())

    def row_layout(self) -> Layout:
        return Layout(*[Field(name) for name in self.fields if name != "DELETE"])

    def answers(self) -> dict[str, Any]:
        return {name: _json(value) for name, value in self.cleaned_data.items() if name != "DELETE"}

    name_field = ""
    is_trial = False

    @cached_property
    def readback(self) -> readback.ReadBack | None:
        """How the typed name was read (shown beside the row), from what the patient last sent."""
        if not self.is_bound or not self.name_field:
            return None
        value = self[self.name_field].value()
        return readback.read_back(value if isinstance(value, str) else None, trial=self.is_trial)


class TrialForm(RowForm):
    name_field = "drug"
    is_trial = True
    drug = forms.CharField(
        label=_("Name of the antidepressant"),
        max_length=100,
        widget=forms.TextInput(attrs={"list": "drug-names", "autocomplete": "off", "class": "drug-input"}),
        error_messages={
            "required": _("Please enter the name of the medicine."),
            "max_length": _("Please shorten this."),
        },
    )
    dose_mg = forms.DecimalField(
        label=_("Highest dose you took each day, in mg"),
        required=False,
        max_digits=6,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=2000,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
        error_messages={
            "invalid": _("Please enter the dose as a number of mg, for example 150."),
            "min_value": _("Please enter a dose above 0 mg."),
            "max_value": _("Please check the dose: it should be 2000 mg or less."),
            "max_digits": _("Please enter the dose as a number of mg, for example 150."),
            "max_decimal_places": _("Please use at most two decimal places."),
        },
    )
    dose_unknown = forms.BooleanField(label=_("I don't know the dose"), required=False)
    weeks = forms.IntegerField(
        label=_("How many weeks did you take that dose?"),
        min_value=0,
        max_value=1040,
        help_text=_("A rough number is fine. One month is about 4 weeks."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": _("Please enter roughly how many weeks."),
            "invalid": _("Please enter a whole number of weeks, for example 8."),
            "min_value": _("Please enter 0 or more weeks."),
            "max_value": _("Please check the number of weeks (at most 1040, which is 20 years)."),
        },
    )
    as_prescribed = yes_no(_("Did you take it as prescribed, most days?"))
    improvement = radio(_("How much did it help?"), IMPROVEMENT_CHOICES)
    current_episode = yes_no(_("Did you take it during your current period of depression?"))

    def row_layout(self) -> Layout:
        return Layout(
            Field("drug"),
            Div(
                Div(Field("dose_mg"), css_class="col-sm-6"),
                Div(Field("dose_unknown", wrapper_class="dose-unknown"), css_class="col-sm-6 align-self-center"),
                css_class="row",
            ),
            Field("weeks", css_class="weeks-input"),
            InlineRadios("as_prescribed"),
            Field("improvement"),
            InlineRadios("current_episode"),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("dose_unknown"):
            cleaned["dose_mg"] = None
            self.errors.pop("dose_mg", None)
        elif cleaned.get("dose_mg") is None and "dose_mg" not in self.errors:
            self.add_error("dose_mg", _("Please enter the dose in mg, or check “I don't know the dose”."))
        return cleaned


class MedicationForm(RowForm):
    name_field = "name"
    name = forms.CharField(
        label=_("Name of the medicine"),
        max_length=100,
        widget=forms.TextInput(attrs={"list": "drug-names", "autocomplete": "off", "class": "drug-input"}),
        error_messages={
            "required": _("Please enter the name of the medicine."),
            "max_length": _("Please shorten this."),
        },
    )
    daily_dose = forms.CharField(
        label=_("How much, and how often (optional)"),
        max_length=50,
        required=False,
        help_text=_("For example: 50 mg once a day."),
        error_messages={"max_length": _("Please keep this under 50 characters.")},
    )


TrialFormSet = forms.formset_factory(
    TrialForm, extra=1, can_delete=True, max_num=MAX_TRIALS, absolute_max=MAX_TRIALS, validate_max=True
)
MedicationFormSet = forms.formset_factory(
    MedicationForm, extra=1, can_delete=True, max_num=MAX_MEDICATIONS, absolute_max=MAX_MEDICATIONS, validate_max=True
)


class RowsStepForm(StepForm):
    """A step made of one "none" checkbox and a formset of rows (add and remove)."""

    formset_class: type[forms.BaseFormSet]
    none_field: str
    row_label: str
    empty_message: str
    both_message: str

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = self.formset_class(
            data=self.data if self.is_bound else None,
            prefix=f"{self.prefix}-rows" if self.prefix else "rows",
        )

    def build_layout(self) -> Layout:
        return Layout(Field(self.none_field))

    def full_clean(self) -> None:
        super().full_clean()
        if not self.is_bound:
            return
        rows_valid = self.rows.is_valid()
        filled = self.filled_rows()
        none = self.cleaned_data.get(self.none_field)
        if none and filled:
            self.add_error(self.none_field, self.both_message)
        elif not none and not filled and rows_valid:
            self.add_error(None, self.empty_message)
        elif not rows_valid:
            self.add_error(None, CHECK_ROWS)

    def filled_rows(self) -> list[forms.Form]:
        return [
            form
            for form in self.rows.forms
            if form.has_changed() and not (self.rows.can_delete and self.rows._should_delete_form(form))
        ]

    def has_changed(self) -> bool:
        return super().has_changed() or self.rows.has_changed()

    def answers(self) -> dict[str, Any]:
        none = bool(self.cleaned_data.get(self.none_field))
        rows = [] if none else [form.answers() for form in self.filled_rows()]
        return {self.none_field: none, "rows": rows}

    def error_items(self) -> list[ErrorItem]:
        first_row = self.rows.forms[0] if self.rows.forms else None
        target = first_row[next(iter(first_row.fields))].id_for_label if first_row is not None else ""
        items = [ErrorItem(target, "", m) for m in self.non_field_errors() if m != CHECK_ROWS]
        items += field_error_items(self)
        for message in self.rows.non_form_errors():
            items.append(ErrorItem("", "", message))
        for index, form in enumerate(self.rows.forms, start=1):
            items += field_error_items(form, label_prefix=f"{self.row_label} {index}, ")
        return items

    def display(self) -> list[tuple[str, str]]:
        raise NotImplementedError


class AntidepressantsForm(RowsStepForm):
    none_tried = forms.BooleanField(label=_("I have not taken any antidepressants"), required=False)
    formset_class = TrialFormSet
    none_field = "none_tried"
    row_label = _("Antidepressant")
    empty_message = _("Please add the antidepressants you have taken, or check “I have not taken any antidepressants”.")
    both_message = _("You checked this box but also listed antidepressants. Please uncheck it, or remove the rows.")
    separate_courses = radio(
        _("Were these separate courses of the same antidepressant?"),
        [
            ("separate", _("Yes, they were separate courses")),
            ("same", _("No, it was one course: keep only the first of these rows")),
        ],
        required=False,
    )
    stacked = ("separate_courses",)

    @cached_property
    def repeats(self) -> dict[str, list[int]]:
        """Antidepressants written in two or more rows (the same generic, however written)."""
        if not self.is_bound or not self.rows.is_valid():
            return {}
        return readback.repeated_rows([form.cleaned_data.get("drug", "") for form in self.filled_rows()])

    def repeat_words(self) -> str:
        return "; ".join(
            str(_("rows %(rows)s are the same medicine, %(drug)s"))
            % {"rows": " & ".join(str(n) for n in numbers), "drug": generic}
            for generic, numbers in self.repeats.items()
        )

    def build_layout(self) -> Layout:
        if not self.repeats:
            return Layout(Field(self.none_field))
        return Layout(
            Field(self.none_field),
            HTML(
                format_html(
                    '<p class="alert alert-info repeated-rows mb-2">{}</p>',
                    _("You listed one antidepressant more than once (%(rows)s). Counting it once is fairer to you.")
                    % {"rows": self.repeat_words()},
                )
            ),
            Field("separate_courses"),
        )

    def full_clean(self) -> None:
        super().full_clean()
        if not self.is_bound or not hasattr(self, "cleaned_data"):
            return
        answered = self.cleaned_data.get("separate_courses")
        if self.repeats and not self.cleaned_data.get(self.none_field) and not answered:
            self.add_error(
                "separate_courses",
                _("Please tell us whether these were separate courses (%(rows)s).") % {"rows": self.repeat_words()},
            )

    def answers(self) -> dict[str, Any]:
        answers = super().answers()
        if self.cleaned_data.get("separate_courses") == "same" and self.repeats:
            drop = {number for numbers in self.repeats.values() for number in numbers[1:]}
            answers["rows"] = [row for number, row in enumerate(answers["rows"], start=1) if number not in drop]
        return answers

    def display(self) -> list[tuple[str, str]]:
        answers = self.answers()
        if answers["none_tried"]:
            return [(str(_("Antidepressants taken")), str(_("None")))]
        rows = []
        improvement = dict(IMPROVEMENT_CHOICES)
        for index, row in enumerate(answers["rows"], start=1):
            dose = _("dose not known") if row["dose_unknown"] else _("%(dose)s mg a day") % {"dose": row["dose_mg"]}
            helped = str(improvement[row["improvement"]])
            parts = [
                _("%(drug)s, %(dose)s for %(weeks)s weeks")
                % {"drug": row["drug"], "dose": dose, "weeks": row["weeks"]},
                _("taken as prescribed") if row["as_prescribed"] == "yes" else _("not taken as prescribed"),
                helped[0].lower() + helped[1:],
                _("during the current period of depression")
                if row["current_episode"] == "yes"
                else _("not during the current period of depression"),
            ]
            rows.append((f"{self.row_label} {index}", "; ".join(str(part) for part in parts)))
        return rows


class MedicationsForm(RowsStepForm):
    none_taking = forms.BooleanField(label=_("I am not taking any medicines"), required=False)
    formset_class = MedicationFormSet
    none_field = "none_taking"
    row_label = _("Medicine")
    empty_message = _("Please add the medicines you take, or check “I am not taking any medicines”.")
    both_message = _("You checked this box but also listed medicines. Please uncheck it, or remove the rows.")

    def display(self) -> list[tuple[str, str]]:
        answers = self.answers()
        if answers["none_taking"]:
            return [(str(_("Current medicines")), str(_("None")))]
        return [
            (f"{self.row_label} {index}", f"{row['name']}" + (f", {row['daily_dose']}" if row["daily_dose"] else ""))
            for index, row in enumerate(answers["rows"], start=1)
        ]


# --- 6-12 --------------------------------------------------------------------------------------


class TreatmentForm(StepForm):
    prior_ketamine = radio(
        _("Have you had ketamine or esketamine (Spravato) treatment for depression before?"),
        PRIOR_KETAMINE_CHOICES,
    )


HELPED_CHOICES = [
    ("yes", _("Yes, it helped")),
    ("partly", _("It helped a little")),
    ("no", _("No, it did not help")),
    ("unsure", _("I am not sure")),
]
THERAPY_CHOICES = [
    ("cbt", _("Cognitive behavioural therapy (CBT)")),
    ("ipt", _("Interpersonal therapy (IPT)")),
    ("behavioral_activation", _("Behavioural activation")),
    ("psychodynamic", _("Psychodynamic therapy")),
    ("dbt", _("Dialectical behaviour therapy (DBT)")),
    ("counselling", _("Counselling")),
    ("other", _("Another talking therapy, or I am not sure which")),
]


def _count(label: str, top: int, *, help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=top,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "invalid": _("Please enter a whole number, or leave it empty if you are not sure."),
            "min_value": _("Please enter a whole number, or leave it empty if you are not sure."),
            "max_value": _("Please enter a number up to %(limit_value)s."),
        },
    )


class OtherTreatmentsForm(StepForm):
    """Treatments besides antidepressants (intake-document/2): what a psychiatrist weighs and the Maudsley
    staging score counts. The follow-up questions are plain fields (no JavaScript needed); a "No" ignores them."""

    episode_months = _count(
        _("About how many months has this period of depression lasted?"),
        600,
        help_text=_("Leave it empty if you are not sure."),
    )
    therapy = forms.MultipleChoiceField(
        label=_("Which talking therapies (psychotherapy) have you had for depression?"),
        choices=THERAPY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Check all that apply. Leave them empty if you have had none."),
        error_messages={"invalid_choice": _("Please check only the choices shown.")},
    )
    therapy_months = _count(_("About how many months of talking therapy altogether?"), 600)
    ect = yes_no(_("Have you had electroconvulsive therapy (ECT)?"))
    ect_sessions = _count(_("If you had ECT: about how many sessions?"), 200)
    ect_helped = radio(_("If you had ECT: did it help?"), HELPED_CHOICES, required=False)
    tms = yes_no(_("Have you had transcranial magnetic stimulation (TMS)?"))
    tms_sessions = _count(_("If you had TMS: about how many sessions?"), 200)
    tms_helped = radio(_("If you had TMS: did it help?"), HELPED_CHOICES, required=False)
    ketamine_treatments = _count(
        _("If you have had ketamine or esketamine (Spravato) treatment: about how many treatments?"),
        500,
        help_text=_("Leave it empty if you have had none or are not sure."),
    )
    augmentation = yes_no(
        _("Has a doctor ever added another medicine to an antidepressant to make it work better?"),
        help_text=_(
            "For example lithium, an antipsychotic such as aripiprazole (Abilify) or quetiapine (Seroquel), or "
            "thyroid hormone (liothyronine, Cytomel)."
        ),
    )
    augmentation_medicine = forms.CharField(
        label=_("If yes: which medicine was added?"), required=False, max_length=100
    )
    augmentation_antidepressant = forms.CharField(
        label=_("If yes: to which antidepressant?"), required=False, max_length=100
    )
    augmentation_weeks = _count(_("If yes: for about how many weeks?"), 1040)

    stacked = ("ect_helped", "tms_helped")
    FOLLOW_UPS = {
        "ect": ("ect_sessions", "ect_helped"),
        "tms": ("tms_sessions", "tms_helped"),
        "augmentation": ("augmentation_medicine", "augmentation_antidepressant", "augmentation_weeks"),
    }

    def build_layout(self) -> Layout:
        return Layout(
            Fieldset(_("This period of depression"), Field("episode_months")),
            Fieldset(_("Talking therapy"), Field("therapy"), Field("therapy_months")),
            Fieldset(_("ECT"), InlineRadios("ect"), self._follow_ups("ect")),
            Fieldset(_("TMS"), InlineRadios("tms"), self._follow_ups("tms")),
            Fieldset(_("Ketamine or esketamine"), Field("ketamine_treatments")),
            Fieldset(
                _("A medicine added to an antidepressant"),
                InlineRadios("augmentation"),
                self._follow_ups("augmentation"),
            ),
        )

    def _follow_ups(self, name: str) -> Div:
        """Shown by intake.js only after a "Yes"; without JavaScript they show, labelled "If you had…"."""
        return Div(
            *[Field(follow_up) for follow_up in self.FOLLOW_UPS[name]],
            css_class="conditional",
            data_show_when=f"{self.prefix}-{name}" if self.prefix else name,
            data_show_value="yes",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name, follow_ups in self.FOLLOW_UPS.items():
            if data.get(name) != "yes":
                for follow_up in follow_ups:  # a "No" drops what was typed under it
                    data[follow_up] = "" if isinstance(self.fields[follow_up], forms.CharField) else None
        for name, words in (
            ("ect", _("Please tell us whether ECT helped.")),
            ("tms", _("Please tell us whether TMS helped.")),
        ):
            if data.get(name) == "yes" and not data.get(f"{name}_helped"):
                self.add_error(f"{name}_helped", words)
        if data.get("augmentation") == "yes":
            for name in ("augmentation_medicine", "augmentation_antidepressant"):
                if not (data.get(name) or "").strip():
                    self.add_error(name, _("Please tell us, or answer No above if you are not sure."))
        for count in ("ect_sessions", "tms_sessions", "ketamine_treatments"):
            if data.get(count) == 0:
                data[count] = None  # "0 sessions" says nothing the Yes/No does not
        return data


class MentalHealthForm(StepForm):
    psychosis = radio(
        _("Have you ever had psychosis?"),
        PSYCHOSIS_CHOICES,
        help_text=_(
            "For example, hearing or seeing things other people did not, or believing things that others "
            "told you were not real."
        ),
    )
    schizophrenia = yes_no(
        _(
            "Has a doctor ever told you that you have schizophrenia, schizoaffective disorder or another "
            "psychotic disorder?"
        )
    )
    mania = yes_no(
        _("Have you ever had a period of mania or hypomania?"),
        help_text=_(
            "Several days of unusually high energy or mood, needing much less sleep than usual, racing "
            "thoughts, or doing risky things you would not normally do."
        ),
    )


class HeartForm(StepForm):
    hypertension = radio(_("Do you have high blood pressure?"), HYPERTENSION_CHOICES)
    systolic = forms.IntegerField(
        label=_("Top number (systolic)"),
        required=False,
        min_value=60,
        max_value=300,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "invalid": _("Please enter a whole number, for example 120."),
            "min_value": _("Please check the top number: it is usually between 90 and 200."),
            "max_value": _("Please check the top number: it is usually between 90 and 200."),
        },
    )
    diastolic = forms.IntegerField(
        label=_("Bottom number (diastolic)"),
        required=False,
        min_value=30,
        max_value=200,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "invalid": _("Please enter a whole number, for example 80."),
            "min_value": _("Please check the bottom number: it is usually between 50 and 120."),
            "max_value": _("Please check the bottom number: it is usually between 50 and 120."),
        },
    )
    heart_disease = yes_no(_("Do you have heart disease, such as heart failure, angina or a past heart attack?"))
    arrhythmia = yes_no(_("Do you have an irregular heartbeat (arrhythmia)?"))
    stroke_or_tia = yes_no(_("Have you ever had a stroke or a mini-stroke (TIA)?"))
    aneurysm_or_avm = yes_no(
        _("Have you ever been told you have an aneurysm or an arteriovenous malformation (AVM)?"),
        help_text=_(
            "An aneurysm is a bulge in a blood vessel; an AVM is a tangle of blood vessels, often in the brain."
        ),
    )
    intracerebral_hemorrhage = yes_no(_("Have you ever had bleeding in the brain?"))

    def build_layout(self) -> Layout:
        return Layout(
            Field("hypertension"),
            Fieldset(
                _("Your most recent blood pressure reading, if you know it (optional)"),
                HTML(
                    format_html(
                        '<p class="form-text">{}</p>',
                        _("For example, 120 over 80. Leave both empty if you do not know."),
                    )
                ),
                Div(
                    Div(Field("systolic"), css_class="col-6 col-md-4"),
                    Div(Field("diastolic"), css_class="col-6 col-md-4"),
                    css_class="row",
                ),
                css_class="bp-group",
            ),
            *[InlineRadios(name) for name in builder.MEDICAL_HEART],
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        systolic, diastolic = cleaned.get("systolic"), cleaned.get("diastolic")
        if "systolic" in self.errors or "diastolic" in self.errors:
            return cleaned
        if systolic is None and diastolic is not None:
            self.add_error("systolic", _("Please enter the top number too, or leave both empty."))
        elif diastolic is None and systolic is not None:
            self.add_error("diastolic", _("Please enter the bottom number too, or leave both empty."))
        elif systolic is not None and diastolic is not None and diastolic >= systolic:
            self.add_error("diastolic", _("The bottom number should be lower than the top number. Please check them."))
        return cleaned

    def display(self) -> list[tuple[str, str]]:
        rows = super().display()
        systolic, diastolic = self.cleaned_data.get("systolic"), self.cleaned_data.get("diastolic")
        reading = f"{systolic}/{diastolic}" if systolic is not None else str(_("Not known"))
        return [rows[0], (str(_("Most recent blood pressure")), reading), *rows[3:]]


class HealthForm(StepForm):
    seizure_disorder = yes_no(_("Do you have epilepsy or have you had seizures?"))
    brain_injury_or_mass = yes_no(
        _("Have you had a serious head injury, a brain tumor or another growth in the brain?")
    )
    glaucoma_or_eye_injury = yes_no(_("Do you have glaucoma or an eye injury?"))
    liver_disease = yes_no(_("Do you have liver disease, such as hepatitis or cirrhosis?"))
    bladder_or_urinary_condition = yes_no(_("Do you have a bladder or urinary problem, such as interstitial cystitis?"))
    hyperthyroidism_uncontrolled = yes_no(_("Do you have an overactive thyroid that is not under control?"))
    ketamine_allergy = yes_no(_("Have you ever had an allergic reaction to ketamine or esketamine?"))
    pregnancy = radio(_("Are you pregnant, or could you be?"), PREGNANCY_CHOICES, required=False)
    breastfeeding = yes_no(_("Are you breastfeeding?"), required=False)

    PREGNANCY_FIELDS = ("pregnancy", "breastfeeding")

    def __init__(self, *args: Any, asks_pregnancy: bool = True, **kwargs: Any) -> None:
        self.asks_pregnancy = asks_pregnancy
        super().__init__(*args, **kwargs)
        if not asks_pregnancy:
            for name in self.PREGNANCY_FIELDS:
                del self.fields[name]

    def build_layout(self) -> Layout:
        items: list[Any] = [InlineRadios(name) for name in builder.MEDICAL_OTHER]
        if self.asks_pregnancy:
            items.append(
                Fieldset(
                    _("Pregnancy"),
                    InlineRadios("pregnancy"),
                    InlineRadios("breastfeeding"),
                    css_class="pregnancy-group",
                )
            )
        return Layout(*items)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.asks_pregnancy:
            for name in self.PREGNANCY_FIELDS:
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, CHOOSE)
        else:
            for name in self.PREGNANCY_FIELDS:
                cleaned[name] = None
        return cleaned


class SubstancesForm(StepForm):
    alcohol_drinks_per_week = forms.IntegerField(
        label=_("About how many alcoholic drinks do you have in a typical week?"),
        min_value=0,
        max_value=500,
        help_text=_("One drink is a can of beer, a glass of wine or a shot of liquor. Enter 0 if you do not drink."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": _("Please enter a number. Enter 0 if you do not drink."),
            "invalid": _("Please enter a whole number, for example 3."),
            "min_value": _("Please enter 0 or more."),
            "max_value": _("Please check this number (at most 500)."),
        },
    )
    substance_use_disorder = radio(
        _("Have you ever had a problem with alcohol or drug use?"), SUBSTANCE_DISORDER_CHOICES
    )
    ketamine_nonmedical_use = radio(
        _("Have you ever used ketamine outside of medical treatment, for example recreationally?"),
        KETAMINE_USE_CHOICES,
    )
    cannabis = yes_no(_("Do you use cannabis (marijuana) now?"))
    stimulants_nonprescribed = yes_no(
        _(
            "Do you use stimulants that were not prescribed to you, such as cocaine, methamphetamine or someone "
            "else's ADHD medicine?"
        )
    )
    opioids_nonprescribed = yes_no(
        _("Do you use opioids that were not prescribed to you, such as heroin, fentanyl or someone else's pain pills?")
    )

    stacked = ("substance_use_disorder", "ketamine_nonmedical_use")


class GettingHomeForm(StepForm):
    ride_home = yes_no(
        _("Will someone be able to take you home after each treatment?"),
        help_text=_(
            "After a ketamine treatment you must not drive until the next day. A friend or family member can "
            "drive you, or someone can ride home with you in a taxi. If not, the clinic can help you plan."
        ),
    )


class ConsentForm(StepForm):
    agree_privacy = forms.BooleanField(
        label=_("I have read the privacy notice"),
        error_messages={"required": _("Please confirm you have read the privacy notice.")},
    )
    agree_contact = forms.BooleanField(
        label=CONTACT_CONSENT,
        error_messages={"required": _("Please agree that the clinic may contact you, so it can help you.")},
    )
    signed_name = forms.CharField(
        label=_("Type your full name to sign"),
        max_length=150,
        help_text=_("Typing your name here is your signature."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Please type your full name to sign."), "max_length": _("Please shorten this.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The signed text is versioned per language (intake/consent.py), not taken from the catalogue.
        self.consent = consent_for()
        self.fields["agree_contact"].label = self.consent.contact

    def build_layout(self) -> Layout:
        return Layout(
            Fieldset(
                _("Privacy notice"),
                HTML(
                    format_html(
                        '<ul class="consent-text">{}</ul>',
                        format_html_join("", "<li>{}</li>", ((point,) for point in self.consent.privacy_points)),
                    )
                ),
                Field("agree_privacy"),
            ),
            Fieldset(_("Consent to be contacted"), Field("agree_contact")),
            Fieldset(
                _("Your signature"),
                HTML(format_html('<p class="consent-text">{}</p>', self.consent.accuracy)),
                Field("signed_name", css_class="name-input"),
            ),
        )

    def clean_signed_name(self) -> str:
        name = " ".join(self.cleaned_data["signed_name"].split())
        if len(name) < 2 or not any(ch.isalpha() for ch in name):
            raise forms.ValidationError(_("Please type your full name to sign."))
        return name

    def display(self) -> list[tuple[str, str]]:
        return [
            (
                str(_("Privacy notice")),
                str(_("Read") if self.cleaned_data.get("agree_privacy") else _("Not confirmed")),
            ),
            (
                str(_("Consent to be contacted")),
                str(_("Given") if self.cleaned_data.get("agree_contact") else _("Not given")),
            ),
            (str(_("Signed by")), self.cleaned_data.get("signed_name") or str(_("Not signed"))),
        ]


class ReviewForm(StepForm):
    """The last step: nothing to answer, the Submit button sends the intake."""

    def answers(self) -> dict[str, Any]:
        return {}
