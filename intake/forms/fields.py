"""What the step forms share: the answers' choices and the fields built from them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from localflavor.us.us_states import CONTIGUOUS_STATES, NON_CONTIGUOUS_STATES, US_TERRITORIES

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


def as_json(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, (list, tuple)):
        return [as_json(v) for v in value]
    return value


def count_field(label: str, top: int, *, help_text: str = "") -> forms.IntegerField:
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
