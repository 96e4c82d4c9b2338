"""Treatment history on the case page (ruleset 2027.01): a psychiatrist reads the trial table with each drug's
minimum dose and its source, a repeated antidepressant counted once, the other treatments tried and the
Maudsley staging score; every page passes axe-core and is photographed at both widths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.factories import UserFactory
from tests.intake.submissions import case_of, send, staffed_clinic

from .pages import look, staff_sign_in

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = Path(os.environ.get("TREATMENT_SHOTS", "/tmp/shots/treatment"))


def _trial(drug: str, dose: str) -> dict:
    return {
        "drug": drug,
        "dose_mg": dose,
        "weeks": "10",
        "as_prescribed": "yes",
        "improvement": "none",
        "current_episode": "yes",
    }


def test_the_case_page_shows_the_treatment_history(live_server, page: Page, screenshot):
    clinic = staffed_clinic()
    patient = UserFactory(full_name="Robin Repeat")
    submission = send(
        clinic,
        patient,
        "needs_review",
        antidepressants={
            "rows": [_trial("sertralin", "100"), _trial("Zolof", "150"), _trial("Auvelity", "90")],
            "separate_courses": "separate",
        },
        other_treatments={
            "episode_months": "30",
            "ect": "yes",
            "ect_sessions": "8",
            "ect_helped": "partly",
            "augmentation": "yes",
            "augmentation_medicine": "lithium",
            "augmentation_antidepressant": "sertraline",
            "augmentation_weeks": "8",
        },
        medications={"none_taking": "", "rows": [{"name": "Thorazine", "daily_dose": "25 mg"}]},
    )
    case = case_of(submission)
    path = reverse("screening:case", kwargs={"clinic_slug": clinic.slug, "case_id": case.pk})
    staff_sign_in(page, live_server, clinic.psychiatrist, path)
    main = page.get_by_role("main")
    expect(main).to_contain_text("TRIAL_REPEATED")
    trials = page.locator(".trd-table")
    expect(trials).to_contain_text("Same antidepressant as an earlier counted trial (counted once)")
    expect(trials).to_contain_text("minimum: MGH-ATRQ")
    expect(trials).to_contain_text("minimum: AUVELITY label (2022)")
    history = page.locator(".other-treatments")
    expect(history).to_contain_text("about 30 months")
    expect(history).to_contain_text("8 sessions, helped a little")
    expect(history).to_contain_text("lithium added to sertraline, 8 weeks")
    maudsley = page.get_by_role("heading", name="Maudsley staging score: 9 (moderate)")
    expect(maudsley).to_be_visible()
    expect(main).to_contain_text("Fekadu et al. 2009")
    expect(main).to_contain_text("ANTIPSYCHOTIC_USE")
    expect(trials).to_contain_text("NMDA antagonist + NDRI")
    look(page, screenshot, "case-treatment-history")
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.locator("section", has=page.locator("#trd-heading")).screenshot(path=str(SHOTS / f"trd-{width}.png"))
        page.locator("section", has=page.locator("#maudsley-heading")).screenshot(
            path=str(SHOTS / f"maudsley-{width}.png")
        )
        page.locator("section", has=page.locator("#other-treatments-heading")).screenshot(
            path=str(SHOTS / f"other-{width}.png")
        )
