"""The skeleton: health check, settings from the environment, e-mail logins, a real worker."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.db import IntegrityError

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client, settings):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"] == ("ok" if settings.REDIS_URL else "eager")


@pytest.mark.django_db
def test_healthz_says_broker_down_when_redis_is_unreachable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    body = client.get("/healthz").json()

    assert body == {"database": "ok", "broker": "down", "vendor": body["vendor"]}


@pytest.mark.django_db
def test_home_page_is_served_with_crisis_link(client):
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Need help now?" in html
    assert 'href="tel:988"' in html
    assert "cdn" not in html.lower()


def _run_check(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DJANGO_ENV"}}
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True
    )


def test_production_refuses_to_start_without_secret_key():
    result = _run_check(DJANGO_ENV="production", ALLOWED_HOSTS="example.org")

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_with_debug_on():
    result = _run_check(DJANGO_ENV="production", SECRET_KEY="x" * 60, DEBUG="true", ALLOWED_HOSTS="example.org")

    assert result.returncode != 0
    assert "DEBUG must be off" in result.stderr


def test_production_refuses_to_start_without_the_audit_keys():
    result = _run_check(DJANGO_ENV="production", SECRET_KEY="x" * 60, ALLOWED_HOSTS="example.org")

    assert result.returncode != 0
    assert "AUDIT_KEY" in result.stderr


def test_production_refuses_secret_key_as_the_audit_key():
    env = {"AUDIT_SIGNING_KEY": "A" * 43 + "=", "AUDIT_CHECKPOINT_FILE": "/tmp/cp"}
    result = _run_check(DJANGO_ENV="production", SECRET_KEY="x" * 60, AUDIT_KEY="x" * 60, ALLOWED_HOSTS="o.org", **env)

    assert result.returncode != 0
    assert "not SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_users_sign_in_with_email_in_any_case(rf):
    User = get_user_model()
    User.objects.create_user(email="Pat@Example.org", password="a long passphrase 1")

    assert authenticate(rf.post("/"), username="PAT@example.org", password="a long passphrase 1") is not None
    with pytest.raises(IntegrityError):
        User.objects.create_user(email="pat@example.ORG", password="x")


@pytest.mark.redis
def test_a_real_celery_worker_answers_through_redis(celery_worker):
    from core.tasks import ping

    assert ping.delay().get(timeout=30) == "pong"


def test_production_refuses_to_start_without_site_url():
    result = _run_check(
        DJANGO_ENV="production",
        SECRET_KEY="x" * 60,
        ALLOWED_HOSTS="example.org",
        AUDIT_KEY="k" * 48,
        AUDIT_SIGNING_KEY="A" * 43 + "=",
        AUDIT_CHECKPOINT_FILE="/tmp/cp",
    )

    assert result.returncode != 0
    assert "SITE_URL" in result.stderr
