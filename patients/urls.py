"""The patient's home, their sent intakes and their appointments, mounted at /patient/ beside intake's wizard."""

from django.urls import path

from . import views, views_appointments, views_documents

app_name = "patients"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("sent/<uuid:submission_id>/", views.submission_detail, name="submission"),
    path("sent/<uuid:submission_id>/help-now/", views.submission_help, name="submission_help"),
    path("sent/<uuid:submission_id>/update/", views.amend, name="amend"),
    path("documents/", views_documents.documents, name="documents"),
    path("documents/<uuid:document_id>/", views_documents.document_download, name="document"),
    path("sent/<uuid:submission_id>/reply/", views.reply, name="reply"),
    path("appointments/book/<slug:clinic_slug>/", views_appointments.patient_book, name="patient_book"),
    path("appointments/<uuid:appointment_id>/", views_appointments.patient_appointment, name="patient_appointment"),
    path(
        "appointments/<uuid:appointment_id>/move/",
        views_appointments.patient_appointment_move,
        name="patient_appointment_move",
    ),
    path(
        "appointments/<uuid:appointment_id>/cancel/",
        views_appointments.patient_appointment_cancel,
        name="patient_appointment_cancel",
    ),
    path(
        "appointments/<uuid:appointment_id>/appointment.ics",
        views_appointments.patient_appointment_ics,
        name="patient_appointment_ics",
    ),
]
