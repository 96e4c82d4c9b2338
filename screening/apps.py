from django.apps import AppConfig

# What this app writes to the audit log, with the label the audit-log filter shows (core.audit).
AUDIT_ACTIONS = {
    "case.acknowledge": "Urgent case acknowledged",
    "case.amended": "Patient updated their answers",
    "case.claim": "Case claimed",
    "case.decide": "Case decided",
    "case.fhir_export": "Case exported for the EHR (FHIR)",
    "case.reassign": "Case reassigned",
    "case.release": "Case released",
    "case.reopen": "Case reopened",
    "case.replied": "Patient replied to a question",
    "case.view": "Case viewed",
    "clinic.fhir_export": "Cases exported for the EHR (FHIR NDJSON)",
    "intake_alert.acknowledge": "Urgent intake alert acknowledged",
    "intake_alert.view": "Urgent intake alert viewed",
    "clinic.fhir_bulk_export": "Bulk Data $export started by an EHR (FHIR NDJSON)",
    "clinic.fhir_bulk_export_cancel": "Bulk Data $export cancelled by the EHR (files removed)",
    "policy.preview": "Policy change previewed",
    "queue.view": "Review queue viewed",
    "rescreen.start": "Re-screening started",
}


class ScreeningConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "screening"

    def ready(self) -> None:
        from core import audit, hooks

        from . import cases, selectors, services

        audit.register_actions(AUDIT_ACTIONS)
        # Intake sits below screening and asks it (core.hooks): screen a submission as it is saved, and two
        # questions about the review that the patient's update depends on.
        hooks.provide("screen_submission", services.submission_screen)
        hooks.provide("submission_awaits_patient", selectors.submission_awaits_patient)
        hooks.provide("amendment_question", selectors.amendment_question)
        # A patient's upload may answer a psychiatrist's request for a document: the case holder is told.
        hooks.provide("document_received", services.case_document_received)
        # High-risk safety answers before the intake is sent: an urgent item in the queue at once.
        hooks.provide("intake_risk_reported", cases.intake_alert_open)
        # The staff inbox names the patient each notification is about.
        hooks.provide("notification_patient_names", selectors.notification_patient_names)
        # The clinic's audit log names patients and filters by one (clinics sits below the apps holding records).
        hooks.provide("audit_patient_names", selectors.audit_patient_names)
        hooks.provide("audit_patient_records", selectors.audit_patient_records)
        hooks.provide("clinic_patients_matching", selectors.clinic_patients_matching)
        hooks.provide("submission_may_apply_again", selectors.submission_may_apply_again)
