"""The steps made of rows a patient adds and removes: antidepressants tried, medicines taken now."""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from typing import Any

from crispy_forms.bootstrap import InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Layout
from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .. import readback
from .base import ErrorItem, StepForm, field_error_items, helper_for
from .fields import CHECK_ROWS, IMPROVEMENT_CHOICES, as_json, radio, yes_no
from .review import antidepressant_rows, medication_rows

# The rows a patient may add, as the schema allows.
MAX_TRIALS = 30
MAX_MEDICATIONS = 50


class RowForm(forms.Form):
    """One repeatable row; its "Remove" checkbox (DELETE) is drawn by the row template, not the layout."""

    use_required_attribute = False

    @cached_property
    def helper(self) -> FormHelper:
        return helper_for(self.row_layout())

    def row_layout(self) -> Layout:
        return Layout(*[Field(name) for name in self.fields if name != "DELETE"])

    def answers(self) -> dict[str, Any]:
        return {name: as_json(value) for name, value in self.cleaned_data.items() if name != "DELETE"}

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

    display = antidepressant_rows


class MedicationsForm(RowsStepForm):
    none_taking = forms.BooleanField(label=_("I am not taking any medicines"), required=False)
    formset_class = MedicationFormSet
    none_field = "none_taking"
    row_label = _("Medicine")
    empty_message = _("Please add the medicines you take, or check “I am not taking any medicines”.")
    both_message = _("You checked this box but also listed medicines. Please uncheck it, or remove the rows.")

    display = medication_rows
