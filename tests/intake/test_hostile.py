"""Random and hostile posts to every step never give a 500, and never store anything unsafe."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake import steps
from intake.models import IntakeDraft

from .conftest import step_url

pytestmark = pytest.mark.django_db

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)
NASTY = st.sampled_from(
    [
        "",
        " ",
        "yes",
        "no",
        "on",
        "-1",
        "0",
        "1e309",
        "NaN",
        "Infinity",
        "99999999999999999999",
        "2026-02-30",
        "1985-03-27",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "\x00",
        "\u202e",
        "9" * 5000,
        "__prefix__",
        "1000",
        "31",
    ]
)
VALUE = st.one_of(NASTY, TEXT)


def field_names(step: str) -> list[str]:
    form = steps.bind(step, {})
    names = [f"{step}-{name}" for name in form.fields]
    if isinstance(form, steps.forms.RowsStepForm):
        prefix = f"{step}-rows"
        names += [f"{prefix}-{k}" for k in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS")]
        for index in (0, 1, 29, 30, 999):
            names += [f"{prefix}-{index}-{name}" for name in [*form.rows.form.base_fields, "DELETE"]]
    return names or [f"{step}-confirm"]


@st.composite
def hostile_post(draw, step: str) -> dict:
    keys = draw(st.lists(st.one_of(st.sampled_from(field_names(step)), TEXT), max_size=25))
    data = {key: draw(st.one_of(VALUE, st.lists(VALUE, max_size=4))) for key in keys}
    data["action"] = draw(st.one_of(st.sampled_from(["next", "back", "save", "add_row"]), TEXT))
    return data


@pytest.mark.parametrize("step", steps.STEP_NAMES)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_hostile_posts_never_give_a_500(patient_client, draft, step, data):
    body = data.draw(hostile_post(step))

    response = patient_client.post(step_url(draft, step), body)

    assert response.status_code in (200, 302)
    # Whatever was stored can be shown again and judged again.
    answers = IntakeDraft.objects.get(pk=draft.pk).answers
    json.dumps(answers)
    assert "\x00" not in json.dumps(answers, ensure_ascii=False)
    assert patient_client.get(step_url(draft, step)).status_code == 200
    assert patient_client.get(step_url(draft, "review")).status_code == 200
