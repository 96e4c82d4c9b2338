"""The review queue, case pages, screening policy and EHR pages (included at the site root)."""

from django.urls import path

from . import views, views_documents, views_ehr, views_policy, views_urgent

app_name = "screening"

_case = "staff/<slug:clinic_slug>/cases/<uuid:case_id>/"

urlpatterns = [
    path("staff/<slug:clinic_slug>/queue/", views.queue, name="queue"),
    path(_case, views.case_detail, name="case"),
    path(f"{_case}fhir/", views.case_fhir, name="case_fhir"),
    path(f"{_case}claim/", views.case_claim, name="case_claim"),
    path(f"{_case}release/", views.case_release, name="case_release"),
    path(f"{_case}acknowledge/", views.case_acknowledge, name="case_acknowledge"),
    path(f"{_case}clear/", views.case_clear, name="case_clear"),
    path(f"{_case}decline/", views.case_decline, name="case_decline"),
    path(f"{_case}ask/", views.case_request_info, name="case_request_info"),
    path(f"{_case}reassign/", views.case_reassign, name="case_reassign"),
    path(f"{_case}reopen/", views.case_reopen, name="case_reopen"),
    path(f"{_case}documents/", views_documents.case_document_attach, name="case_document_attach"),
    path("staff/<slug:clinic_slug>/documents/<uuid:document_id>/", views_documents.document_download, name="document"),
    path(
        "staff/<slug:clinic_slug>/worklist/<uuid:entry_id>/documents/",
        views_documents.worklist_document_attach,
        name="worklist_document_attach",
    ),
    path(f"{_case}call/", views_urgent.case_call, name="case_call"),
    path("staff/<slug:clinic_slug>/alerts/<uuid:alert_id>/", views_urgent.intake_alert, name="intake_alert"),
    path(
        "staff/<slug:clinic_slug>/alerts/<uuid:alert_id>/acknowledge/",
        views_urgent.intake_alert_acknowledge_view,
        name="intake_alert_acknowledge",
    ),
    path(
        "staff/<slug:clinic_slug>/alerts/<uuid:alert_id>/call/",
        views_urgent.intake_alert_call,
        name="intake_alert_call",
    ),
    path("staff/<slug:clinic_slug>/policy/", views_policy.policy, name="policy"),
    path("staff/<slug:clinic_slug>/policy/v<int:version>/", views_policy.policy_version, name="policy_version"),
    path("staff/<slug:clinic_slug>/ehr/", views_ehr.ehr, name="ehr"),
    path("staff/<slug:clinic_slug>/ehr/export.zip", views_ehr.ehr_export, name="ehr_export"),
    path("staff/<slug:clinic_slug>/ehr/clients/", views_ehr.smart_client_add, name="smart_client_add"),
    path(
        "staff/<slug:clinic_slug>/ehr/clients/<uuid:client_id>/revoke/",
        views_ehr.smart_client_revoke_view,
        name="smart_client_revoke",
    ),
    path(
        "staff/<slug:clinic_slug>/ehr/keys/<uuid:token_id>/revoke/",
        views_ehr.api_token_revoke_view,
        name="api_token_revoke",
    ),
    path("staff/<slug:clinic_slug>/rescreen/<int:run_id>/", views.rescreen_progress, name="rescreen_progress"),
]
