"""Deploy checks for the documents' storage (run by `manage.py check --deploy`)."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def documents_storage_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Production keeps documents in object storage (or a volume named on purpose), not in the container."""
    if settings.PRODUCTION and not settings.DOCUMENTS_S3_BUCKET and not settings.DOCUMENTS_ROOT_GIVEN:
        return [
            Error(
                "Patients' documents would be written inside the container.",
                hint="Set DOCUMENTS_S3_BUCKET (S3-compatible object storage), or DOCUMENTS_ROOT for a private volume.",
                id="intake.E001",
            )
        ]
    return []
