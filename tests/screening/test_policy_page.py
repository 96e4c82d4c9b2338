"""The clinic's screening policy: admins publish versions, the engine validates, history shows who changed what."""

import re

import pytest
from django.urls import reverse

from clinics.models import Role, ScreeningPolicy
from clinics.services import policy_publish
from core.models import AuditEvent
from tests.factories import login_staff, make_clinic, make_staff

pytestmark = pytest.mark.django_db

DEFAULTS = {
    "min_age": "18",
    "min_failed_trials": "2",
    "min_trial_weeks": "6",
    "require_distinct_classes": "true",
    "phq9_min_total": "10",
    "bp_flag_above_systolic": "140",
    "bp_flag_above_diastolic": "90",
    "bp_exclude_above_systolic": "180",
    "bp_exclude_above_diastolic": "100",
    "alcohol_max_drinks_per_week": "14",
    "note": "",
}


@pytest.fixture
def clinic():
    return make_clinic(name="Cascade Ketamine Care")


@pytest.fixture
def admin_user(clinic, client):
    user = make_staff(clinic, Role.CLINIC_ADMIN, full_name="Ada Admin")
    login_staff(client, user)
    return user


def _url(clinic) -> str:
    return reverse("screening:policy", kwargs={"clinic_slug": clinic.slug})


def _version_url(clinic, version: int) -> str:
    return reverse("screening:policy_version", kwargs={"clinic_slug": clinic.slug, "version": version})


def _field_error(html: str, field: str) -> str:
    """The error text rendered next to one input (crispy's invalid-feedback block for that field)."""
    match = re.search(rf'<div id="id_{field}_error" class="invalid-feedback">(.*?)</div>', html, re.S)
    assert match, f"no error next to {field}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def test_the_form_shows_every_setting_with_the_current_values(client, clinic, admin_user):
    html = client.get(_url(clinic)).content.decode()

    for name, value in DEFAULTS.items():
        if name == "require_distinct_classes":
            assert re.search(r'value="true"[^>]*checked', html)
        elif value:
            assert re.search(rf'name="{name}"[^>]*value="{value}"', html), name
    assert 'for="id_bp_flag_above_systolic"' in html  # each blood-pressure number is labelled
    assert 'for="id_bp_flag_above_diastolic"' in html
    assert "<legend" in html  # the yes/no question is a fieldset with a legend
    assert "Changes apply to new screenings; earlier results keep the policy version they were screened with." in html


def test_saving_publishes_a_new_version_and_is_audited(client, clinic, admin_user):
    data = {**DEFAULTS, "min_age": "21", "bp_flag_above_systolic": "150", "note": "Board decision, March"}

    response = client.post(_url(clinic), data)

    assert response.status_code == 302
    latest = ScreeningPolicy.objects.filter(clinic=clinic).order_by("-version").first()
    assert latest.version == 2
    assert latest.values["min_age"] == 21
    assert latest.values["bp_flag_above"] == {"systolic": 150, "diastolic": 90}
    assert latest.values["require_distinct_classes"] is True
    assert latest.created_by == admin_user
    assert latest.note == "Board decision, March"
    event = AuditEvent.objects.get(action="policy.change", clinic=clinic)
    assert event.actor == admin_user
    assert event.detail == {"version": 2, "changed": ["bp_flag_above", "min_age"]}
    assert ScreeningPolicy.objects.get(clinic=clinic, version=1).values["min_age"] == 18  # never edited


def test_the_yes_no_setting_can_be_turned_off(client, clinic, admin_user):
    client.post(_url(clinic), {**DEFAULTS, "require_distinct_classes": "false", "note": "Any two trials"})

    assert ScreeningPolicy.objects.get(clinic=clinic, version=2).values["require_distinct_classes"] is False


def test_an_age_out_of_range_shows_the_engines_message_at_the_field_and_keeps_the_typing(client, clinic, admin_user):
    data = {**DEFAULTS, "min_age": "200", "min_trial_weeks": "8", "note": "Typo test"}

    response = client.post(_url(clinic), data)

    assert response.status_code == 200
    html = response.content.decode()
    assert _field_error(html, "min_age") == "Must be a whole number between 0 and 120."
    assert 'href="#id_min_age"' in html  # linked from the error summary
    assert re.search(r'name="min_age"[^>]*value="200"', html)
    assert re.search(r'name="min_trial_weeks"[^>]*value="8"', html)
    assert "Typo test" in html
    assert ScreeningPolicy.objects.filter(clinic=clinic).count() == 1
    assert not AuditEvent.objects.filter(action="policy.change").exists()


def test_a_flag_pressure_above_the_exclusion_is_refused_at_that_number(client, clinic, admin_user):
    data = {**DEFAULTS, "bp_flag_above_systolic": "190", "note": "x"}

    html = client.post(_url(clinic), data).content.decode()

    message = _field_error(html, "bp_flag_above_systolic")
    assert message.startswith("Must not be above")
    assert "180" in message
    assert "bp_exclude_above" not in message  # the engine's key is put into words
    assert re.search(r'name="bp_flag_above_systolic"[^>]*value="190"', html)
    assert ScreeningPolicy.objects.filter(clinic=clinic).count() == 1


def test_a_diastolic_not_below_the_systolic_is_refused_at_the_diastolic(client, clinic, admin_user):
    data = {**DEFAULTS, "bp_exclude_above_systolic": "120", "bp_exclude_above_diastolic": "130", "note": "x"}

    html = client.post(_url(clinic), data).content.decode()

    assert _field_error(html, "bp_exclude_above_diastolic") == "Diastolic 130 must be below systolic 120."
    assert 'href="#id_bp_exclude_above_diastolic"' in html
    assert ScreeningPolicy.objects.filter(clinic=clinic).count() == 1


def test_not_a_number_and_missing_reason_are_explained(client, clinic, admin_user):
    html = client.post(_url(clinic), {**DEFAULTS, "phq9_min_total": "ten"}).content.decode()

    assert _field_error(html, "phq9_min_total") == "Enter a whole number."
    assert "Say briefly why you are changing the policy." in html
    assert re.search(r'name="phq9_min_total"[^>]*value="ten"', html)


def test_engine_errors_show_even_when_the_reason_is_missing(client, clinic, admin_user):
    html = client.post(_url(clinic), {**DEFAULTS, "min_failed_trials": "0", "note": ""}).content.decode()

    assert _field_error(html, "min_failed_trials") == "Must be a whole number between 1 and 10."
    assert _field_error(html, "note") == "Say briefly why you are changing the policy."


def test_saving_the_same_values_says_nothing_changed(client, clinic, admin_user):
    html = client.post(_url(clinic), {**DEFAULTS, "note": "No change"}).content.decode()

    assert "Nothing changed: the new values are the same as the current policy." in html
    assert "data-error-summary" in html
    assert ScreeningPolicy.objects.filter(clinic=clinic).count() == 1


def test_history_shows_who_when_and_what_and_old_versions_stay_readable(client, clinic, admin_user):
    client.post(_url(clinic), {**DEFAULTS, "min_age": "21", "note": "Board decision"})

    html = client.get(_url(clinic)).content.decode()
    assert "Version 2" in html
    assert "Version 1" in html
    assert "Ada Admin" in html
    assert "Board decision" in html
    assert "Minimum age (years): 18 → <strong>21</strong>" in html
    when = ScreeningPolicy.objects.get(clinic=clinic, version=2).created_at
    assert str(when.year) in html

    old = client.get(_version_url(clinic, 1))
    assert old.status_code == 200
    old_html = old.content.decode()
    assert "Screening policy, version 1" in old_html
    assert re.search(r"Minimum age \(years\)</th><td>\s*18", old_html)

    new_html = client.get(_version_url(clinic, 2)).content.decode()
    assert "What changed from version 1" in new_html
    assert "Ada Admin" in new_html


def test_unknown_or_other_clinics_versions_are_404(client, clinic, admin_user):
    other = make_clinic(name="Other Clinic")
    policy_publish(clinic=other, values={"min_age": 30}, actor=None, note="other")

    assert client.get(_version_url(clinic, 2)).status_code == 404
    assert client.get(_version_url(other, 1)).status_code == 404


def test_a_coordinator_cannot_see_or_edit_the_policy(client, clinic):
    coordinator = make_staff(clinic, Role.COORDINATOR)
    login_staff(client, coordinator)

    assert client.get(_url(clinic)).status_code == 404
    assert client.post(_url(clinic), {**DEFAULTS, "min_age": "30", "note": "x"}).status_code == 404
    assert client.get(_version_url(clinic, 1)).status_code == 404
    assert ScreeningPolicy.objects.filter(clinic=clinic).count() == 1


def test_a_psychiatrist_reads_the_policy_but_cannot_change_it(client, clinic):
    psychiatrist = make_staff(clinic, Role.PSYCHIATRIST)
    login_staff(client, psychiatrist)

    response = client.get(_url(clinic))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Current values (version 1)" in html
    assert 'name="min_age"' not in html
    assert client.get(_version_url(clinic, 1)).status_code == 200

    assert client.post(_url(clinic), {**DEFAULTS, "min_age": "30", "note": "x"}).status_code == 403
    assert ScreeningPolicy.objects.filter(clinic=clinic).count() == 1


def test_policy_page_query_count_does_not_grow_with_versions(client, clinic, admin_user, django_assert_max_num_queries):
    for age in range(19, 40):
        policy_publish(clinic=clinic, values={"min_age": age}, actor=admin_user, note=f"age {age}")

    with django_assert_max_num_queries(11):
        response = client.get(_url(clinic))

    assert "Version 22" in response.content.decode()
