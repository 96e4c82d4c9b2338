"""A prospective patient looks for a clinic that serves their state, in a real browser."""

import pytest
from playwright.sync_api import expect

from tests.factories import make_clinic


@pytest.mark.django_db(transaction=True)
def test_a_visitor_filters_by_state_and_opens_a_clinic_page(live_server, page, screenshot):
    clinic = make_clinic(
        name="Cascade Ketamine Care",
        states=("OR", "WA"),
        address_line="12 River Road",
        phone="503-555-0142",
        description="A small clinic with calm, private rooms and evening appointments for people who work days.",
    )
    make_clinic(name="Golden State Ketamine", states=("CA",), city="Sacramento", state="CA", postal_code="95814")
    make_clinic(name="Closed Door Clinic", states=("WA",), accepting_patients=False)

    page.goto(live_server.url + "/clinics/")
    expect(page.get_by_role("heading", name="Find a clinic in your state")).to_be_visible()
    expect(page.get_by_text("Golden State Ketamine")).to_be_visible()
    expect(page.get_by_text("Closed Door Clinic")).to_have_count(0)
    screenshot(page, "clinics-directory")

    page.get_by_label("Which state do you live in?").select_option(label="Washington")
    page.get_by_role("button", name="Show clinics").click()
    expect(page.get_by_role("heading", name="Clinics serving Washington")).to_be_visible()
    expect(page.get_by_role("link", name="Cascade Ketamine Care")).to_be_visible()
    expect(page.get_by_text("Golden State Ketamine")).to_have_count(0)
    assert page.get_by_label("Which state do you live in?").input_value() == "WA"
    screenshot(page, "clinics-directory-filtered")

    page.get_by_role("link", name="Cascade Ketamine Care").click()
    expect(page.get_by_role("heading", name="Cascade Ketamine Care", level=1)).to_be_visible()
    expect(page.get_by_text("Oregon, Washington")).to_be_visible()
    expect(page.get_by_text("503-555-0142")).to_be_visible()
    start = page.get_by_role("link", name="Start your intake")
    expect(start).to_be_visible()
    assert start.get_attribute("href").endswith(f"?clinic={clinic.slug}")
    expect(page.get_by_role("link", name="Need help now?")).to_be_visible()
    screenshot(page, "clinics-detail")


@pytest.mark.django_db(transaction=True)
def test_no_clinic_in_the_state_is_said_kindly_with_the_crisis_line(live_server, page, screenshot):
    make_clinic(name="Cascade Ketamine Care", states=("OR",))

    page.goto(live_server.url + "/clinics/?state=TX")

    expect(page.get_by_text("No clinic on this site serves Texas yet.")).to_be_visible()
    expect(page.get_by_role("link", name="988").first).to_be_visible()
    screenshot(page, "clinics-directory-empty")

    page.goto(live_server.url + "/clinics/?state=ZZ")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # focus moved to the summary
    screenshot(page, "clinics-directory-unknown-state")
