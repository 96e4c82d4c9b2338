from django.apps import AppConfig

# What this app writes to the audit log, with the label the audit-log filter shows (core.audit).
AUDIT_ACTIONS = {
    "export.csv": "Data exported (CSV)",
}


class DashboardConfig(AppConfig):
    """The clinic dashboard: the funnel of a period and its CSV export."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard"

    def ready(self) -> None:
        from core import audit

        audit.register_actions(AUDIT_ACTIONS)
