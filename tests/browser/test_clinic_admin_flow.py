"""A clinic admin signs in with a second factor, changes the screening policy and sees version 2."""

import pytest
from playwright.sync_api import expect

from clinics.models import Role, ScreeningPolicy
from clinics.services import invitation_create
from core.audit import audit_record
from tests.factories import make_clinic, make_staff

from .pages import staff_sign_in


@pytest.mark.django_db(transaction=True)
def test_clinic_admin_edits_the_policy_and_sees_version_two(live_server, page, screenshot):
    clinic = make_clinic(name="Cascade Ketamine Care")
    admin = make_staff(clinic, Role.CLINIC_ADMIN, full_name="Ada Admin", email="ada@example.org")
    policy_url = f"/staff/{clinic.slug}/policy/"

    staff_sign_in(page, live_server, admin, policy_url)

    expect(page.get_by_role("heading", name="Screening policy", level=1)).to_be_visible()
    expect(page.get_by_text("Changes apply to new screenings")).to_be_visible()
    screenshot(page, "clinics-policy")

    # A bad value first: the engine's message appears at the field and the typing is kept.
    page.get_by_label("Minimum age (years)").fill("200")
    page.get_by_label("Flag above: systolic (mmHg)").fill("190")
    page.get_by_label("Reason for the change").fill("Board decision, March")
    page.get_by_role("button", name="Save as version 2").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    assert page.locator("#id_min_age_error").inner_text().strip() == "Must be a whole number between 0 and 120."
    assert page.get_by_label("Reason for the change").input_value() == "Board decision, March"
    screenshot(page, "clinics-policy-errors")
    summary.get_by_role("link", name="Minimum age (years): Must be a whole number between 0 and 120.").click()
    assert page.evaluate("document.activeElement.id") == "id_min_age"

    page.get_by_label("Minimum age (years)").fill("21")
    page.get_by_label("Flag above: systolic (mmHg)").fill("150")
    page.get_by_label("No, any two trials can count").check()
    page.get_by_role("button", name="Save as version 2").click()

    expect(page.get_by_text("Saved as version 2.")).to_be_visible()
    history = page.locator(".policy-history")
    expect(history.get_by_role("link", name="Version 2")).to_be_visible()
    assert "Ada Admin" in history.inner_text()
    assert "Minimum age (years): 18 → 21" in history.inner_text()
    assert ScreeningPolicy.objects.filter(clinic=clinic).count() == 2
    screenshot(page, "clinics-policy-saved")

    history.get_by_role("link", name="Version 2").click()
    expect(page.get_by_role("heading", name="Screening policy, version 2")).to_be_visible()
    expect(page.get_by_role("heading", name="What changed from version 1")).to_be_visible()
    screenshot(page, "clinics-policy-version")


@pytest.mark.django_db(transaction=True)
def test_clinic_admin_staff_and_audit_pages(live_server, page, screenshot):
    clinic = make_clinic(name="Cascade Ketamine Care")
    admin = make_staff(clinic, Role.CLINIC_ADMIN, full_name="Ada Admin", email="ada@example.org")
    make_staff(clinic, Role.PSYCHIATRIST, full_name="Dr. Priya Raman", email="priya.raman@example.org")
    make_staff(clinic, Role.COORDINATOR, full_name="Cole Martinez", email="cole.martinez@example.org")
    invitation_create(clinic=clinic, email="new.nurse@example.org", role=Role.COORDINATOR, invited_by=admin)
    audit_record(action="policy.change", clinic=clinic, actor=admin, detail={"version": 2, "changed": ["min_age"]})

    staff_sign_in(page, live_server, admin, "/staff/")
    expect(page.get_by_role("heading", name="Staff home")).to_be_visible()
    screenshot(page, "clinics-staff-home")

    page.get_by_role("link", name="Staff and invitations").click()
    expect(page.get_by_role("heading", name="Staff and invitations")).to_be_visible()
    screenshot(page, "clinics-members")

    # The only admin tries to step down: the reason is shown, nothing changes.
    page.get_by_label("Role for Ada Admin").select_option(label="Coordinator")
    page.get_by_role("button", name="Change role for Ada Admin").click()
    expect(page.get_by_text("A clinic needs at least one active clinic admin.").first).to_be_visible()
    screenshot(page, "clinics-members-last-admin")

    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    expect(page.locator("table.audit-table").get_by_text("policy.change")).to_be_visible()
    screenshot(page, "clinics-audit-log")
