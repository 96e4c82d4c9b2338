from django.apps import AppConfig


class ClinicsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "clinics"

    def ready(self) -> None:
        from core import hooks

        from . import permissions, selectors

        hooks.provide("is_clinic_staff", permissions.is_clinic_staff)
        hooks.provide("is_staff_at", permissions.is_staff_at)
        hooks.provide("clinic_public", selectors.clinic_public)
