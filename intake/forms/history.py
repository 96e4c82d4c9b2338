"""The steps about depression and its treatment so far: diagnoses, PHQ-9, safety (C-SSRS), ketamine before,
other treatments, mental-health history."""

from __future__ import annotations

from typing import Any

from crispy_forms.bootstrap import InlineRadios
from crispy_forms.layout import HTML, Div, Field, Fieldset, Layout
from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..instruments import CSSRS, PHQ9_ITEMS, PHQ9_SCALE, numbered
from .base import StepForm
from .fields import (
    CHOOSE,
    DEPRESSED_NOW_CHOICES,
    DIAGNOSIS_CHOICES,
    HELPED_CHOICES,
    PRIOR_KETAMINE_CHOICES,
    PSYCHOSIS_CHOICES,
    THERAPY_CHOICES,
    count_field,
    radio,
    yes_no,
)
from .review import safety_rows


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


class Phq9Form(StepForm):
    """The nine items over the last two weeks, each 0-3 ("Not at all" .. "Nearly every day")."""

    def build_layout(self) -> Layout:
        return Layout(*[Field(name, wrapper_class="phq-item") for name in self.fields])


for _number, _text in enumerate(PHQ9_ITEMS, start=1):
    Phq9Form.base_fields[f"q{_number}"] = radio(numbered(_number, _text), PHQ9_SCALE, coerce=int)


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

    display = safety_rows


class TreatmentForm(StepForm):
    prior_ketamine = radio(
        _("Have you had ketamine or esketamine (Spravato) treatment for depression before?"),
        PRIOR_KETAMINE_CHOICES,
    )


class OtherTreatmentsForm(StepForm):
    """Treatments besides antidepressants (intake-document/2): what a psychiatrist weighs and the Maudsley
    staging score counts. The follow-up questions are plain fields (no JavaScript needed); a "No" ignores them."""

    episode_months = count_field(
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
    therapy_months = count_field(_("About how many months of talking therapy altogether?"), 600)
    ect = yes_no(_("Have you had electroconvulsive therapy (ECT)?"))
    ect_sessions = count_field(_("If you had ECT: about how many sessions?"), 200)
    ect_helped = radio(_("If you had ECT: did it help?"), HELPED_CHOICES, required=False)
    tms = yes_no(_("Have you had transcranial magnetic stimulation (TMS)?"))
    tms_sessions = count_field(_("If you had TMS: about how many sessions?"), 200)
    tms_helped = radio(_("If you had TMS: did it help?"), HELPED_CHOICES, required=False)
    ketamine_treatments = count_field(
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
    augmentation_weeks = count_field(_("If yes: for about how many weeks?"), 1040)

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
