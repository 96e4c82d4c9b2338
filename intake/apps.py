from django.apps import AppConfig

# What this app writes to the audit log, with the label the audit-log filter shows (core.audit).
AUDIT_ACTIONS = {
    "document.attach": "Document attached by staff",
    "document.download": "Document downloaded",
    "document.upload": "Document uploaded by the patient",
    "fhir.read": "EHR read records (FHIR API)",
}


class IntakeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "intake"

    def ready(self) -> None:
        from core import audit

        from . import checks  # noqa: F401  (registers the deploy check)

        audit.register_actions(AUDIT_ACTIONS)
