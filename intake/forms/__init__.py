"""One form per wizard step, in plain words. Each form's `answers()` is that step's part of the builder's input;
its `display()` is its rows on the review page (review.py).

By group of steps, each form with its layout: about.py (the record steps), history.py, rows.py, health.py,
closing.py; what they share in base.py and fields.py.
"""

from .about import AboutForm, CareTeamForm, PaymentForm
from .base import StepForm
from .closing import ConsentForm, GettingHomeForm, ReviewForm
from .fields import (
    DEPRESSED_NOW_CHOICES,
    DIAGNOSIS_CHOICES,
    HELPED_CHOICES,
    HYPERTENSION_CHOICES,
    IMPROVEMENT_CHOICES,
    KETAMINE_USE_CHOICES,
    PREGNANCY_CHOICES,
    PRIOR_KETAMINE_CHOICES,
    PSYCHOSIS_CHOICES,
    SEX_CHOICES,
    SUBSTANCE_DISORDER_CHOICES,
    THERAPY_CHOICES,
)
from .health import HealthForm, HeartForm, SubstancesForm
from .history import DiagnosesForm, MentalHealthForm, OtherTreatmentsForm, Phq9Form, SafetyForm, TreatmentForm
from .review import display_value
from .rows import AntidepressantsForm, MedicationsForm, RowsStepForm

__all__ = [
    "DEPRESSED_NOW_CHOICES",
    "DIAGNOSIS_CHOICES",
    "HELPED_CHOICES",
    "HYPERTENSION_CHOICES",
    "IMPROVEMENT_CHOICES",
    "KETAMINE_USE_CHOICES",
    "PREGNANCY_CHOICES",
    "PRIOR_KETAMINE_CHOICES",
    "PSYCHOSIS_CHOICES",
    "SEX_CHOICES",
    "SUBSTANCE_DISORDER_CHOICES",
    "THERAPY_CHOICES",
    "AboutForm",
    "AntidepressantsForm",
    "CareTeamForm",
    "ConsentForm",
    "DiagnosesForm",
    "GettingHomeForm",
    "HealthForm",
    "HeartForm",
    "MedicationsForm",
    "MentalHealthForm",
    "OtherTreatmentsForm",
    "PaymentForm",
    "Phq9Form",
    "ReviewForm",
    "RowsStepForm",
    "SafetyForm",
    "StepForm",
    "SubstancesForm",
    "TreatmentForm",
    "display_value",
]
