from django.apps import AppConfig

# What this app writes to the audit log, with the label the audit-log filter shows (core.audit).
AUDIT_ACTIONS = {
    "api_token.create": "EHR API key created",
    "api_token.revoke": "EHR API key revoked",
    "smart_client.create": "SMART backend client registered",
    "smart_client.revoke": "SMART backend client revoked",
    "smart_client.token": "SMART backend client given an access token",
    "invitation.accept": "Invitation accepted",
    "invitation.create": "Invitation sent",
    "invitation.revoke": "Invitation revoked",
    "membership.create": "Staff member added",
    "membership.deactivate": "Staff member deactivated",
    "membership.reactivate": "Staff member reactivated",
    "membership.role_change": "Staff role changed",
    "policy.change": "Screening policy changed",
}


class ClinicsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "clinics"

    def ready(self) -> None:
        from core import audit, hooks

        from . import access, selectors

        hooks.provide("is_clinic_staff", access.is_clinic_staff)
        hooks.provide("is_staff_at", access.is_staff_at)
        hooks.provide("clinic_public", selectors.clinic_public)
        hooks.provide("clinic_admins_of_staff", access.clinic_admins_of_staff)
        audit.register_actions(AUDIT_ACTIONS)
        # is_clinic_staff as an expression: core counts the unread badge in the same query.
        hooks.provide("clinic_staff_exists", access.clinic_staff_exists)
