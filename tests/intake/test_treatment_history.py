"""The intake reads each medicine name back, asks about a drug listed twice, and asks other treatments."""

from __future__ import annotations

import html
import re

from intake.models import IntakeSubmission
from tests.intake.answers import post_data, scenario
from tests.intake.conftest import fill, step_url


def _row(drug: str, dose: str = "100") -> dict:
    return {
        "drug": drug,
        "dose_mg": dose,
        "weeks": "10",
        "as_prescribed": "yes",
        "improvement": "none",
        "current_episode": "yes",
    }


def _text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_each_typed_name_is_read_back_beside_its_row(patient_client, draft):
    fill(patient_client, draft, scenario("eligible"), until="antidepressants")
    rows = {"rows": [_row("Zolof"), _row("Foobarex"), _row("Spravato", "56")]}
    patient_client.post(step_url(draft, "antidepressants"), post_data("antidepressants", rows, action="add_row"))
    page = _text(patient_client.get(step_url(draft, "antidepressants")))
    assert "“Zolof” → sertraline (Zoloft), an antidepressant" in page
    assert "“Foobarex”: not recognised: check the spelling; we will ask you if needed" in page
    assert "“Spravato” → esketamine (Spravato), ketamine treatment: we count it as ketamine treatment before" in page


def test_a_medicine_is_read_back_with_its_kind(patient_client, draft):
    fill(patient_client, draft, scenario("eligible"), until="medications")
    rows = {"rows": [{"name": "Thorazine", "daily_dose": ""}, {"name": "Flomax 0.4 mg", "daily_dose": ""}]}
    patient_client.post(step_url(draft, "medications"), post_data("medications", rows, action="add_row"))
    page = _text(patient_client.get(step_url(draft, "medications")))
    assert "“Thorazine” → chlorpromazine (Thorazine), an antipsychotic" in page
    assert "“Flomax 0.4 mg” → tamsulosin, a medicine we know" in page


def test_the_same_drug_in_two_rows_is_asked_about_on_the_same_page(patient_client, draft):
    fill(patient_client, draft, scenario("eligible"), until="antidepressants")
    rows = {"rows": [_row("sertralin"), _row("Zolof")]}
    response = patient_client.post(step_url(draft, "antidepressants"), post_data("antidepressants", rows))
    assert response["Location"] == step_url(draft, "antidepressants") + "?check=1"  # not moved on: asked on this page
    page = _text(patient_client.get(response["Location"]))
    assert "Please tell us whether these were separate courses (rows 1 & 2 are the same medicine, sertraline)." in page
    assert "Were these separate courses of the same antidepressant?" in page

    one_course = post_data("antidepressants", {**rows, "separate_courses": "same"})
    moved = patient_client.post(step_url(draft, "antidepressants"), one_course)
    assert moved["Location"] == step_url(draft, "treatment")
    answers = scenario("eligible")
    for name in list(answers)[list(answers).index("treatment") :]:
        if name == "review":
            break
        patient_client.post(step_url(draft, name), post_data(name, answers[name]))
    patient_client.post(step_url(draft, "review"), {"action": "next"})
    document = IntakeSubmission.objects.get(patient=draft.patient).document
    assert [t["drug"] for t in document["antidepressant_trials"]] == ["sertralin"]  # one course kept once


def test_separate_courses_keep_both_rows(patient_client, draft):
    fill(patient_client, draft, scenario("eligible"), until="antidepressants")
    rows = {"rows": [_row("sertralin"), _row("Zolof")], "separate_courses": "separate"}
    assert (
        patient_client.post(step_url(draft, "antidepressants"), post_data("antidepressants", rows)).status_code == 302
    )


def test_the_other_treatments_step_asks_each_follow_up_without_javascript(patient_client, draft):
    fill(patient_client, draft, scenario("eligible"), until="other-treatments")
    page = _text(patient_client.get(step_url(draft, "other-treatments")))
    for question in (
        "Other treatments tried",
        "Which talking therapies (psychotherapy) have you had for depression?",
        "Have you had electroconvulsive therapy (ECT)?",
        "If you had ECT: about how many sessions?",
        "Have you had transcranial magnetic stimulation (TMS)?",
        "about how many treatments?",
        "Has a doctor ever added another medicine to an antidepressant",
    ):
        assert question in page
    answers = {**scenario("eligible")["other-treatments"], "ect": "yes", "ect_sessions": "abc"}
    response = patient_client.post(
        step_url(draft, "other-treatments"), post_data("other-treatments", answers), follow=True
    )
    page = _text(response)
    assert "Please enter a whole number, or leave it empty if you are not sure." in page
    assert "Please tell us whether ECT helped." in page
    assert 'value="14"' in response.content.decode()  # the rest of what was typed is kept


def test_the_read_back_endpoint_answers_the_owner_only_by_post(patient_client, draft, client):
    from django.urls import reverse

    from tests.factories import UserFactory

    url = reverse("intake:read_back", kwargs={"draft_id": draft.pk})
    read = patient_client.post(url, {"name": "Zolof", "kind": "trial"})
    assert read.json() == {"text": "“Zolof” → sertraline (Zoloft), an antidepressant", "recognised": True}
    assert "no-store" in read["Cache-Control"] or "no-cache" in read["Cache-Control"]
    assert patient_client.post(url, {"name": "Foobarex"}).json()["recognised"] is False
    assert patient_client.get(url).status_code == 405
    client.force_login(UserFactory())
    assert client.post(url, {"name": "Zolof"}).status_code == 404
