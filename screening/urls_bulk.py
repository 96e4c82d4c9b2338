"""Bulk Data $export under the FHIR base (/fhir/R4/), in the `fhir` namespace's neighbour `bulk`."""

from django.urls import path

from . import views_bulk

app_name = "bulk"

urlpatterns = [
    path("Group/<str:group_id>/$export", views_bulk.group_export, name="group_export"),
    path("Patient/$export", views_bulk.patient_export, name="patient_export"),
    path("bulkstatus/<uuid:job_id>", views_bulk.export_status, name="status"),
    path("bulkfiles/<uuid:job_id>/<str:name>", views_bulk.export_file, name="file"),
]
