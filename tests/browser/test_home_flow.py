"""A visitor opens the home page in a real browser."""

from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect


@pytest.mark.django_db(transaction=True)
def test_home_page_explains_the_product_and_calls_no_third_party(live_server, page, screenshot):
    hosts = set()
    page.on("request", lambda request: hosts.add(urlparse(request.url).hostname))

    response = page.goto(live_server.url + "/")

    assert response.status == 200
    assert "ketamine" in page.locator("h1").inner_text().lower()
    crisis = page.get_by_role("link", name="Need help now?")
    expect(crisis).to_be_visible()
    # Bootstrap came from our own static files and applied its styles.
    assert page.locator("nav.navbar").evaluate("el => getComputedStyle(el).display") == "flex"
    assert hosts == {urlparse(live_server.url).hostname}, f"requests left the site: {hosts}"
    screenshot(page, "home")

    crisis.click()
    expect(page.get_by_role("heading", name="Get help now")).to_be_visible()
    assert page.get_by_role("link", name="Call 988").get_attribute("href") == "tel:988"
