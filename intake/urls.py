"""The patient's intake wizard, mounted at /patient/ (the pages after submitting: patients.urls)."""

from django.urls import path

from . import views, views_readback

app_name = "intake"

urlpatterns = [
    path("start/<slug:slug>/", views.start, name="start"),
    # The draft's first step that is not complete yet (the resume link).
    path("intake/<uuid:draft_id>/", views.intake_wizard, name="resume"),
    path("intake/<uuid:draft_id>/reach-out/", views.reach_out, name="reach_out"),
    # Before the step pattern: "read-back" is not a step.
    path("intake/<uuid:draft_id>/read-back/", views_readback.read_back, name="read_back"),
    path("intake/<uuid:draft_id>/<slug:step>/", views.intake_wizard, name="step"),
]
