"""Where documents are kept in each environment: S3-compatible object storage (private) when configured, and a
production without it (or a volume named on purpose) fails `check --deploy`."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

PRINT_STORAGE = (
    "import django, json; django.setup(); from django.conf import settings; "
    "from django.core.files.storage import storages; s = storages['documents']; "
    "print(json.dumps({'backend': settings.STORAGES['documents']['BACKEND'], 'bucket': s.bucket_name, "
    "'acl': s.default_acl, 'signed': s.querystring_auth, 'overwrite': s.file_overwrite, "
    "'endpoint': s.endpoint_url, 'prefix': s.location}))"
)


def _env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCUMENTS_") and k != "DEBUG"}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", **values)
    return env


def test_object_storage_is_configured_from_the_environment_and_private():
    result = subprocess.run(
        [sys.executable, "-c", PRINT_STORAGE],
        cwd=ROOT,
        env=_env(
            DOCUMENTS_S3_BUCKET="clinic-documents",
            DOCUMENTS_S3_ENDPOINT_URL="https://objects.example.org",
            DOCUMENTS_S3_ACCESS_KEY_ID="key",
            DOCUMENTS_S3_SECRET_ACCESS_KEY="secret",
        ),
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "backend": "storages.backends.s3.S3Storage",
        "bucket": "clinic-documents",
        "acl": "private",
        "signed": True,
        "overwrite": False,
        "endpoint": "https://objects.example.org",
        "prefix": "documents",
    }


def test_production_without_object_storage_fails_the_deploy_check():
    env = _env(
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="clinic.example.org",
        SITE_URL="https://clinic.example.org",
        AUDIT_KEY=secrets.token_urlsafe(48),
        AUDIT_SIGNING_KEY="A" * 43 + "=",
        AUDIT_CHECKPOINT_FILE="/tmp/cp",
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, env=env, capture_output=True, text=True
    )

    assert result.returncode != 0
    assert "intake.E001" in result.stderr + result.stdout
    assert "DOCUMENTS_S3_BUCKET" in result.stderr + result.stdout
