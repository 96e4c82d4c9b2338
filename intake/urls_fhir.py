"""The read-only FHIR R4 endpoint, mounted at /fhir/R4/ (intake/views_fhir.py)."""

from django.urls import path

from . import views_fhir

app_name = "fhir"

urlpatterns = [
    path("metadata", views_fhir.metadata, name="metadata"),
    path(".well-known/smart-configuration", views_fhir.smart_configuration, name="smart_configuration"),
    path("auth/token", views_fhir.smart_token, name="smart_token"),
    path("Questionnaire", views_fhir.questionnaire_search, name="questionnaire_search"),
    path("Questionnaire/<str:resource_id>", views_fhir.questionnaire_read, name="questionnaire"),
    path("Patient", views_fhir.patient_search, name="patient_search"),
    path("Patient/<str:resource_id>", views_fhir.patient_read, name="patient"),
    path("QuestionnaireResponse", views_fhir.response_search, name="response_search"),
    path("QuestionnaireResponse/<str:resource_id>", views_fhir.response_read, name="response"),
    path("Provenance/<str:resource_id>", views_fhir.provenance_read, name="provenance"),
    path("DocumentReference", views_fhir.document_reference_search, name="document_reference_search"),
    path("DocumentReference/<str:resource_id>", views_fhir.document_reference_read, name="document_reference"),
    path("Binary/<str:resource_id>", views_fhir.binary_read, name="binary"),
    # Anything else under the base answers as FHIR does (an OperationOutcome), not with the site's 404 page.
    path("<path:path>", views_fhir.unknown, name="unknown"),
]
