"""Fields drawn in Python give the same page as crispy-forms' and Django's templates.

core/templatetags/crispy_fields.py draws crispy's bootstrap5 fields, core/form_renderer.py Django's widgets.

Every intake step is drawn three ways (empty, refused with errors, filled in), in English and Spanish, once with
the Python drawing and once with `FIELDS_DRAWN_IN_PYTHON = False` (every field through the bootstrap5 pack's
templates); the pages must be the same, whitespace runs counted as one space (what a browser shows).
"""

from __future__ import annotations

import difflib
import re

import pytest
from django.test import override_settings
from django.urls import reverse

from intake import steps
from intake.models import IntakeDraft
from intake.scenarios import post_data, scenario
from tests.factories import UserFactory, make_clinic

PACK_TEMPLATES = {
    "bootstrap5/layout/help_text_and_errors.html",
    "bootstrap5/layout/radio_checkbox_select.html",
    "bootstrap5/layout/help_text.html",
    "django/forms/widgets/attrs.html",
}


# One treatment or medication row with a drug named and every other answer wrong or missing.
REFUSED_ROW = {
    "TOTAL_FORMS": "1",
    "INITIAL_FORMS": "0",
    "MIN_NUM_FORMS": "0",
    "MAX_NUM_FORMS": "20",
    "0-drug": "sertraline",
    "0-name": "sertraline",
    "0-dose_mg": "lots",
    "0-weeks": "many",
    "0-daily_dose": "twice a day " * 5,
}


def _normalised(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken"', html)
    html = re.sub(r'name="csrf-token" content="[^"]+"', 'name="csrf-token"', html)
    return re.sub(r"\s+", " ", html).strip()


def _same(fast, slow, what: str) -> None:
    a, b = _normalised(fast.content.decode()), _normalised(slow.content.decode())
    if a != b:
        diff = "\n".join(
            difflib.unified_diff(
                b.replace("<", "\n<").splitlines(), a.replace("<", "\n<").splitlines(), lineterm="", n=2
            )
        )
        pytest.fail(f"{what}: the Python-drawn fields differ from crispy's templates\n{diff[:6000]}")


def _both(request):
    """The same request drawn with the Python fields, then with the pack's templates."""
    fast = request()
    with override_settings(FIELDS_DRAWN_IN_PYTHON=False):
        slow = request()
    assert fast.status_code == slow.status_code
    assert not PACK_TEMPLATES & {t.name for t in fast.templates}, "the fields went through the pack's templates"
    assert PACK_TEMPLATES & {t.name for t in slow.templates} or b"<input" not in slow.content
    return fast, slow


@pytest.fixture
def draft(client, db):
    clinic = make_clinic(name="Harbor Ketamine Clinic", states=("OR", "WA"))
    patient = UserFactory(full_name="Alex Example")
    client.force_login(patient)
    assert client.post(reverse("intake:start", args=[clinic.slug])).status_code == 302
    return IntakeDraft.objects.get(patient=patient, clinic=clinic)


def _url(draft, step: str) -> str:
    return reverse("intake:step", kwargs={"draft_id": draft.pk, "step": step})


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_intake_step_draws_the_same_html_as_crispys_templates(client, draft, language):
    client.cookies["django_language"] = language
    answers = scenario("eligible")
    refused_pages = {}
    for name in steps.ANSWER_STEPS:
        url = _url(draft, name)
        _same(*_both(lambda url=url: client.get(url)), f"{name} (empty, {language})")
        # Refused: every required field with its error, the wrong values kept.
        refused = {
            "action": "next",
            f"{name}-weight": "heavy",
            f"{name}-zip_code": "1",
            **{f"{name}-rows-{key}": value for key, value in REFUSED_ROW.items()},
        }
        fast, slow = _both(lambda url=url, refused=refused: client.post(url, refused, follow=True))
        assert fast.status_code == 200, name
        _same(fast, slow, f"{name} (refused, {language})")
        refused_pages[name] = fast.content.decode()
    assert all("invalid-feedback" in page for page in refused_pages.values()), "a refused step showed no error"
    for name in steps.ANSWER_STEPS:
        assert client.post(_url(draft, name), post_data(name, answers[name])).status_code == 302, name
    for name in steps.ANSWER_STEPS:
        url = _url(draft, name)
        _same(*_both(lambda url=url: client.get(url)), f"{name} (answered, {language})")


def test_sign_in_and_sign_up_fields_draw_the_same_html(client, db):
    for url in (reverse("account:login"), reverse("account:signup")):
        _same(*_both(lambda url=url: client.get(url)), f"GET {url}")
        _same(*_both(lambda url=url: client.post(url, {"email": "not an address"})), f"POST {url}")
