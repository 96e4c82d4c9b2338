"""The steps about the body and habits: heart and blood pressure, other health questions, alcohol and other
substances."""

from __future__ import annotations

from typing import Any

from crispy_forms.bootstrap import InlineRadios
from crispy_forms.layout import HTML, Div, Field, Fieldset, Layout
from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .. import builder
from .base import StepForm
from .fields import (
    CHOOSE,
    HYPERTENSION_CHOICES,
    KETAMINE_USE_CHOICES,
    PREGNANCY_CHOICES,
    SUBSTANCE_DISORDER_CHOICES,
    radio,
    yes_no,
)
from .review import heart_rows


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

    display = heart_rows


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
