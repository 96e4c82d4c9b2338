"""Playwright driving Debian's Chromium against the live test server."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page

from clinics.models import Role
from tests.factories import make_clinic, make_staff

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SHOTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}

# Playwright's sync API runs an event loop in this thread; the ORM calls in tests are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if Path(str(item.fspath)).resolve().parent == here:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (.ci/run installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport=DESKTOP)
    yield context
    context.close()


# Only Bootstrap's stylesheet defines this custom property on :root; empty means the page is unstyled.
BOOTSTRAP_PROBE = "getComputedStyle(document.documentElement).getPropertyValue('--bs-body-font-family').trim()"


def assert_styled(page) -> None:
    """The page's stylesheet loaded: a computed style that only Bootstrap gives."""
    assert page.evaluate(BOOTSTRAP_PROBE), f"{page.url} is unstyled: Bootstrap's stylesheet did not load"


@pytest.fixture
def page(context):
    """A page that fails the test when any stylesheet or script it loads is not served, or it ends unstyled."""
    page = context.new_page()
    page.set_default_timeout(10_000)
    broken: list[str] = []

    def check(response) -> None:
        if response.request.resource_type in ("stylesheet", "script") and response.status >= 400:
            broken.append(f"{response.status} {response.url}")

    def failed(request) -> None:
        # A load the browser cancels because the test moved to the next page is not a failure to serve.
        if request.resource_type in ("stylesheet", "script") and "ERR_ABORTED" not in (request.failure or ""):
            broken.append(f"failed {request.url}")

    page.on("response", check)
    page.on("requestfailed", failed)
    yield page
    assert not broken, "assets not served: " + ", ".join(broken)
    if not page.is_closed() and page.url.startswith("http"):
        assert_styled(page)


@pytest.fixture
def screenshot():
    """Save a full-page screenshot at desktop and phone width, for a person to look at."""

    def take(page, name: str) -> None:
        assert_styled(page)
        SHOTS.mkdir(parents=True, exist_ok=True)
        size = page.viewport_size
        page.set_viewport_size(DESKTOP)
        page.screenshot(path=str(SHOTS / f"{name}-desktop.png"), full_page=True)
        page.set_viewport_size(PHONE)
        page.screenshot(path=str(SHOTS / f"{name}-phone.png"), full_page=True)
        page.set_viewport_size(size or DESKTOP)

    return take


@pytest.fixture
def clinic():
    """Harbor Ketamine Clinic (OR and WA) with a psychiatrist and a coordinator."""
    clinic = make_clinic(name="Harbor Ketamine Clinic", states=("OR", "WA"))
    make_staff(clinic, Role.PSYCHIATRIST)
    make_staff(clinic, Role.COORDINATOR)
    return clinic


@pytest.fixture
def csp_errors(page: Page) -> list[str]:
    """Messages of any Content-Security-Policy violation on the pages (there must be none)."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    return errors
