"""Production settings pass Django's deploy checks; headers and templates keep the CSP strict."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import path, reverse

ROOT = Path(__file__).resolve().parent.parent.parent


def test_check_deploy_is_clean_with_production_settings():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="clinic.example.org",
        SITE_URL="https://clinic.example.org",
        DOCUMENTS_S3_BUCKET="clinic-documents",
    )
    env.update(AUDIT_KEY=secrets.token_urlsafe(48), AUDIT_SIGNING_KEY="A" * 43 + "=", AUDIT_CHECKPOINT_FILE="/tmp/cp")

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_pages_carry_security_headers(client):
    response = client.get("/")

    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_session_and_csrf_cookies_are_httponly_and_samesite(client, settings):
    from tests.factories import PASSWORD, UserFactory

    user = UserFactory()
    client.post(reverse("account:login"), {"username": user.email, "password": PASSWORD})

    session_cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert session_cookie["httponly"]
    assert session_cookie["samesite"] == "Lax"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE)


@pytest.mark.parametrize("template", sorted(p.relative_to(ROOT) for p in (ROOT / "templates").rglob("*.html")), ids=str)
def test_templates_have_no_inline_script_style_or_handlers(template):
    text = (ROOT / template).read_text()

    assert not INLINE_SCRIPT.search(text), "inline <script> is blocked by the CSP: move it to static/js"
    assert not INLINE_STYLE.search(text), "style= attributes are blocked by the CSP: use a CSS class"
    assert not INLINE_HANDLER.search(text), "on...= handlers are blocked by the CSP: bind in static/js"


@pytest.mark.django_db
def test_django_admin_asks_for_the_second_factor(client):
    from tests.factories import login_staff, make_superuser

    operator = make_superuser()
    client.force_login(operator)

    assert client.get("/admin/").status_code == 302  # password alone is not enough

    login_staff(client, operator)
    assert client.get("/admin/").status_code == 200


def _boom(request):
    raise RuntimeError("boom")


urlpatterns = [path("boom/", _boom)]


@pytest.mark.django_db
def test_an_unexpected_error_shows_a_calm_page_without_a_traceback(client, settings):
    settings.ROOT_URLCONF = __name__
    client.raise_request_exception = False

    response = client.get("/boom/")

    assert response.status_code == 500
    html = response.content.decode()
    assert "Everything you saved before this page is still saved" in html
    assert "Traceback" not in html and "boom" not in html


@pytest.mark.django_db
def test_a_missing_page_says_so_plainly(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()
