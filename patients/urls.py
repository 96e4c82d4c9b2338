"""The patient's home and their sent intakes, mounted at /patient/ beside intake's wizard."""

from django.urls import path

from . import views, views_documents

app_name = "patients"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("sent/<uuid:submission_id>/", views.submission_detail, name="submission"),
    path("sent/<uuid:submission_id>/help-now/", views.submission_help, name="submission_help"),
    path("sent/<uuid:submission_id>/update/", views.amend, name="amend"),
    path("documents/", views_documents.documents, name="documents"),
    path("documents/<uuid:document_id>/", views_documents.document_download, name="document"),
    path("sent/<uuid:submission_id>/reply/", views.reply, name="reply"),
]
