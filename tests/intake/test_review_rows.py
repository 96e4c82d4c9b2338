"""The review page finds each answer by its field's name: reordering or adding a field cannot put an answer under
another step's or another field's question."""

from __future__ import annotations

import pytest
from django import forms

from core.phone import phone_display
from intake import steps
from intake.forms import display_value

from .answers import raw_answers, scenario

# The review page's own wording for a few answers; every other field shows as its question and its answer.
OWN_ROWS = {
    "about": {"weight", "weight_unit", "phone"},
    "heart": {"systolic", "diastolic"},
    "consent": {"agree_privacy", "agree_contact", "signed_name"},
}
ROWS_STEPS = {"antidepressants", "medications"}


def every_answer() -> dict:
    """Answers that show every kind of row: an insured patient, phones in the care team, the safety follow-ups."""
    answers = scenario("urgent")
    answers["care-team"].update(pcp_name="Dr. Ana Lopez", pcp_practice="Eastside", pcp_phone="(503) 555-0111")
    answers["payment"] = {
        "payment": "insurance",
        "payer_name": "Aetna",
        "member_id": "W123456789",
        "group_number": "G-77",
        "subscriber_relationship": "self",
    }
    answers["medications"] = {"rows": [{"name": "lithium", "daily_dose": "300 mg twice a day"}]}
    return answers


@pytest.fixture
def checked(db):
    checked = steps.check(raw_answers(every_answer()))
    assert checked.complete, {name: form.errors for name, form in checked.forms.items() if not checked.valid[name]}
    return checked


def expected(form: forms.Form, name: str) -> str:
    value = form.cleaned_data.get(name)
    if name.endswith("phone") and value:
        return phone_display(value)
    return display_value(form.fields[name], value)


@pytest.mark.parametrize("step", [name for name in steps.ANSWER_STEPS if name not in ROWS_STEPS])
def test_each_answer_shows_under_its_own_question(checked, step):
    form = checked.forms[step]
    shown = form.display()
    questions = {question for question, _answer in shown}
    for name, field in form.fields.items():
        if name in OWN_ROWS.get(step, ()) or str(field.label) not in questions:
            continue  # its own wording, or left out (a question that was skipped)
        assert (str(field.label), expected(form, name)) in shown, f"{step}: {name}"


def test_the_rows_a_step_words_itself_say_what_the_patient_answered(checked):
    assert ("Your weight", "150 lb") in checked.forms["about"].display()
    assert ("Most recent blood pressure", "120/80") in checked.forms["heart"].display()
    assert ("Signed by", "Alex Example") in checked.forms["consent"].display()
    questions = [question for question, _answer in checked.forms["safety"].display()]
    assert len(questions) == 6  # questions 3 to 5 after a yes to question 2; not 7 after a no to question 6
    assert checked.forms["medications"].display() == [("Medicine 1", "lithium, 300 mg twice a day")]


@pytest.mark.parametrize("step", steps.ANSWER_STEPS)
def test_reordering_a_steps_fields_keeps_every_answer_under_its_question(checked, step):
    form = checked.forms[step]
    before = form.display()
    form.fields = dict(reversed(form.fields.items()))
    after = form.display()
    assert sorted(after) == sorted(before)  # the same (question, answer) pairs, whatever the order


@pytest.mark.parametrize("step", [name for name in steps.ANSWER_STEPS if name not in ROWS_STEPS])
def test_a_new_question_adds_its_own_row_and_moves_no_other_answer(checked, step):
    form = checked.forms[step]
    before = form.display()
    form.fields = {"added": forms.CharField(label="A new question"), **form.fields}
    form.cleaned_data["added"] = "A new answer"
    after = form.display()
    assert ("A new question", "A new answer") in after
    assert [row for row in after if row[0] != "A new question"] == before
