from django.apps import AppConfig


class PatientsConfig(AppConfig):
    """The patient's home and the pages after submitting: reads intake, screening and scheduling."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "patients"

    def ready(self) -> None:
        from core import hooks

        from . import views

        hooks.provide("after_submit_url", views.after_submit_url)
