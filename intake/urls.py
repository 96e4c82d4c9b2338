"""The patient's pages, mounted at /patient/."""

from django.urls import path

from . import views

app_name = "intake"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("start/<slug:slug>/", views.start, name="start"),
    # The draft's first step that is not complete yet (the resume link).
    path("intake/<uuid:draft_id>/", views.intake_wizard, name="resume"),
    path("intake/<uuid:draft_id>/reach-out/", views.reach_out, name="reach_out"),
    path("intake/<uuid:draft_id>/<slug:step>/", views.intake_wizard, name="step"),
    path("sent/<uuid:submission_id>/", views.submission_detail, name="submission"),
    path("sent/<uuid:submission_id>/help-now/", views.submission_help, name="submission_help"),
    # A psychiatrist asked for more information: start updating the answers (POST).
    path("sent/<uuid:submission_id>/update/", views.amend, name="amend"),
]
