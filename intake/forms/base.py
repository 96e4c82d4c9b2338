"""The step form every page of the wizard is, and its error summary."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from crispy_forms.bootstrap import InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout
from django import forms

from .fields import as_json
from .review import default_rows


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


def helper_for(layout: Layout) -> FormHelper:
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
        return helper_for(self.build_layout())

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
        return {name: as_json(value) for name, value in self.cleaned_data.items()}

    def error_items(self) -> list[ErrorItem]:
        items = [ErrorItem("", "", message) for message in self.non_field_errors()]
        return items + field_error_items(self)

    # (question, answer) pairs for the review page, from the cleaned data (review.py: one function per step).
    display = default_rows
