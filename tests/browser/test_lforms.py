"""Our Questionnaire in a form client we did not write: the NLM's LHC-Forms (`lforms` from npm, installed by
`npm ci` in tests/conformance and served to Chromium from node_modules, no network). It renders every item, the
C-SSRS follow-ups appear and disappear with the screening answer, and one of our QuestionnaireResponses merges
back into the form with the patient's answers in place."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from intake.fhir import questionnaire, questionnaire_response_data
from tests.factories import UserFactory
from tests.intake.submissions import send, staffed_clinic

LFORMS = Path(__file__).resolve().parent.parent / "conformance" / "node_modules" / "lforms" / "dist" / "lforms"
ORIGIN = "http://lforms.test"
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>LHC-Forms</title>
<link rel="stylesheet" href="/lforms/webcomponent/styles.css"></head><body><div id="form"></div>
<script src="/lforms/webcomponent/assets/lib/zone.min.js"></script>
<script src="/lforms/webcomponent/lhc-forms.js"></script>
<script src="/lforms/fhir/R4/lformsFHIR.min.js"></script></body></html>"""
TYPES = {".js": "application/javascript", ".css": "text/css", ".png": "image/png"}


@pytest.fixture
def lforms_page(browser):
    if not (LFORMS / "webcomponent" / "lhc-forms.js").exists():
        message = "lforms is not installed: cd tests/conformance && npm ci"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    def serve(route) -> None:
        path = route.request.url.removeprefix(ORIGIN).split("?", 1)[0]
        if path == "/":
            return route.fulfill(body=PAGE, content_type="text/html")
        found = (LFORMS / path.removeprefix("/lforms/")).resolve()
        if path.startswith("/lforms/") and found.is_file() and LFORMS in found.parents:
            return route.fulfill(
                body=found.read_bytes(), content_type=TYPES.get(found.suffix, "application/octet-stream")
            )
        return route.fulfill(status=404)

    page.route(f"{ORIGIN}/**", serve)
    page.goto(f"{ORIGIN}/")
    page.wait_for_function("window.LForms && LForms.Util && LForms.FHIR")
    yield page
    context.close()
    assert errors == []


def item(page, link_id: str):
    return page.locator(f'[id="item-{link_id}/1/1"]')


def choose(page, link_id: str, label: str) -> None:
    page.locator(f'[id="{link_id}/1/1"]').click()
    page.locator("#lhc-tools-searchResults li", has_text=label).first.click()


def test_lforms_renders_our_questionnaire_and_its_skip_logic(lforms_page):
    page = lforms_page
    data = json.loads(questionnaire().model_dump_json(exclude_none=True))
    questions = sum(len(group["item"]) for group in data["item"])

    page.evaluate("q => LForms.Util.addFormToPage(q, 'form', {fhirVersion: 'R4'})", data)

    expect(item(page, "safety.thoughts")).to_be_visible()
    rendered = page.evaluate("document.querySelectorAll('lhc-item').length")
    assert rendered >= len(data["item"]) + questions - 20  # groups, and every question not hidden by enableWhen
    for follow_up in ("safety.method", "safety.intent", "safety.plan"):
        expect(item(page, follow_up)).to_have_count(0)

    choose(page, "safety.thoughts", "Yes")
    for follow_up in ("safety.method", "safety.intent", "safety.plan"):
        expect(item(page, follow_up)).to_be_visible()
    choose(page, "safety.thoughts", "No")
    for follow_up in ("safety.method", "safety.intent", "safety.plan"):
        expect(item(page, follow_up)).to_have_count(0)
    expect(item(page, "safety.behavior_recent")).to_have_count(0)
    choose(page, "safety.behavior", "Yes")
    expect(item(page, "safety.behavior_recent")).to_be_visible()


@pytest.mark.django_db
def test_lforms_merges_one_of_our_responses_back_into_the_form(lforms_page):
    page = lforms_page
    submission = send(staffed_clinic(), UserFactory(), "needs_review")
    response = questionnaire_response_data(submission)
    data = json.loads(questionnaire().model_dump_json(exclude_none=True))

    page.evaluate(
        "([q, r]) => LForms.Util.addFormToPage(q, 'form', {fhirVersion: 'R4', questionnaireResponse: r})",
        [data, response],
    )

    expect(item(page, "safety.thoughts")).to_be_visible()
    back = page.evaluate("LForms.Util.getFormFHIRData('QuestionnaireResponse', 'R4')")

    def answers(resource) -> dict[str, list]:
        found = {}

        def walk(items):
            for entry in items:
                if "answer" in entry:
                    found[entry["linkId"]] = [
                        value.get("code") if isinstance(value, dict) else value
                        for answer in entry["answer"]
                        for key, value in answer.items()
                        if key.startswith("value")
                    ]
                walk(entry.get("item", []))

        walk(resource.get("item", []))
        return found

    ours, theirs = answers(response), answers(back)
    assert len(ours) > 40
    # Every answer the patient gave is in the form LHC-Forms rebuilt (the total it computes itself).
    missing = {link: value for link, value in ours.items() if link != "phq9.total" and theirs.get(link) != value}
    assert missing == {}
