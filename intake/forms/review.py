"""The review page: each step's answers as (question, answer) rows, found by field name, never by position.

Each function takes a bound, valid step form and is that form's `display()`; a field it does not name gets the
plain row, in the form's order, so adding or reordering a field cannot put an answer under another question.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import dateformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import forms_profile as record
from core.phone import phone_display

from .fields import IMPROVEMENT_CHOICES, as_json

Row = tuple[str, str]


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


def row(form: Any, name: str, answer: str | None = None) -> Row:
    """The field's question and its answer (as cleaned, unless `answer` is given)."""
    field = form.fields[name]
    return (str(field.label), display_value(field, form.cleaned_data.get(name)) if answer is None else answer)


def rows(form: Any, *, first: tuple[str, ...] = (), own: dict[str, Row | None] | None = None) -> list[Row]:
    """A row per field: those in `first` in that order, then the rest in the form's order. `own` gives a field its
    own row, or None to leave it out."""
    own = own or {}
    names = [name for name in first if name in form.fields]
    names += [name for name in form.fields if name not in names]
    found = [own[name] if name in own else row(form, name) for name in names]
    return [item for item in found if item is not None]


def default_rows(form: Any) -> list[Row]:
    return rows(form)


def about_rows(form: Any) -> list[Row]:
    data = form.cleaned_data
    weight = data.get("weight")
    unit = data.get("weight_unit") or "lb"
    own: dict[str, Row | None] = {
        "weight": (str(_("Your weight")), f"{as_json(weight)} {unit}" if weight is not None else str(_("Not given"))),
        "weight_unit": None,  # said with the weight
    }
    if data.get("phone"):
        own["phone"] = row(form, "phone", phone_display(data["phone"]))
    first = (*record.NAME_FIELDS, "date_of_birth", "sex_at_birth", *record.ADDRESS_FIELDS, "weight")
    return rows(form, first=first, own=own)


def care_team_rows(form: Any) -> list[Row]:
    data = form.cleaned_data
    own: dict[str, Row | None] = {
        name: row(form, name, phone_display(data[name]))
        for name in form.fields
        if name.endswith("_phone") and data.get(name)
    }
    if data.get("referred") != "yes":
        own["referrer_name"] = None
    return rows(form, own=own)


def payment_rows(form: Any) -> list[Row]:
    if form.cleaned_data.get("payment") == "insurance":
        return rows(form)
    return rows(form, own=dict.fromkeys(record.INSURANCE_FIELDS))


def safety_rows(form: Any) -> list[Row]:
    """Without the questions skipped (3 to 5 after a "No" to question 2, 7 after a "No" to question 6)."""
    data = form.cleaned_data
    skipped = []
    if data.get("thoughts") != "yes":
        skipped += form.FOLLOW_UPS
    if data.get("behavior") != "yes":
        skipped.append("behavior_recent")
    return rows(form, own=dict.fromkeys(skipped))


def heart_rows(form: Any) -> list[Row]:
    """The two blood-pressure numbers as one reading, after the high-blood-pressure question."""
    systolic, diastolic = form.cleaned_data.get("systolic"), form.cleaned_data.get("diastolic")
    reading = f"{systolic}/{diastolic}" if systolic is not None else str(_("Not known"))
    own = {"systolic": (str(_("Most recent blood pressure")), reading), "diastolic": None}
    return rows(form, first=("hypertension", "systolic"), own=own)


def consent_rows(form: Any) -> list[Row]:
    data = form.cleaned_data
    return rows(
        form,
        own={
            "agree_privacy": (
                str(_("Privacy notice")),
                str(_("Read") if data.get("agree_privacy") else _("Not confirmed")),
            ),
            "agree_contact": (
                str(_("Consent to be contacted")),
                str(_("Given") if data.get("agree_contact") else _("Not given")),
            ),
            "signed_name": (str(_("Signed by")), data.get("signed_name") or str(_("Not signed"))),
        },
    )


def antidepressant_rows(form: Any) -> list[Row]:
    answers = form.answers()
    if answers["none_tried"]:
        return [(str(_("Antidepressants taken")), str(_("None")))]
    found = []
    improvement = dict(IMPROVEMENT_CHOICES)
    for index, trial in enumerate(answers["rows"], start=1):
        dose = _("dose not known") if trial["dose_unknown"] else _("%(dose)s mg a day") % {"dose": trial["dose_mg"]}
        helped = str(improvement[trial["improvement"]])
        parts = [
            _("%(drug)s, %(dose)s for %(weeks)s weeks")
            % {"drug": trial["drug"], "dose": dose, "weeks": trial["weeks"]},
            _("taken as prescribed") if trial["as_prescribed"] == "yes" else _("not taken as prescribed"),
            helped[0].lower() + helped[1:],
            _("during the current period of depression")
            if trial["current_episode"] == "yes"
            else _("not during the current period of depression"),
        ]
        found.append((f"{form.row_label} {index}", "; ".join(str(part) for part in parts)))
    return found


def medication_rows(form: Any) -> list[Row]:
    answers = form.answers()
    if answers["none_taking"]:
        return [(str(_("Current medicines")), str(_("None")))]
    return [
        (
            f"{form.row_label} {index}",
            f"{medicine['name']}" + (f", {medicine['daily_dose']}" if medicine["daily_dose"] else ""),
        )
        for index, medicine in enumerate(answers["rows"], start=1)
    ]
