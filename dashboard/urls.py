"""The clinic dashboard: the funnel and its CSV export (included at the site root)."""

from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("staff/<slug:clinic_slug>/dashboard/", views.dashboard, name="dashboard"),
    path("staff/<slug:clinic_slug>/dashboard/export.csv", views.export_csv, name="export_csv"),
]
