from django.apps import AppConfig

# What this app writes to the audit log, with the label the audit-log filter shows (core.audit).
AUDIT_ACTIONS = {
    "fhir.read": "EHR read records (FHIR API)",
}


class IntakeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "intake"

    def ready(self) -> None:
        from core import audit

        audit.register_actions(AUDIT_ACTIONS)
