"""The coordinators' worklist, availability, the calendar and appointments (staff), and the patient's own
appointments (mounted at the site root, beside intake's /patient/ pages)."""

from django.urls import path

from . import views, views_worklist

app_name = "scheduling"

urlpatterns = [
    # --- the coordinators' worklist ---
    path("staff/<slug:clinic_slug>/worklist/", views_worklist.worklist, name="worklist"),
    path("staff/<slug:clinic_slug>/worklist/<uuid:entry_id>/", views_worklist.worklist_entry, name="worklist_entry"),
    path(
        "staff/<slug:clinic_slug>/worklist/<uuid:entry_id>/unreachable/",
        views_worklist.worklist_unreachable,
        name="worklist_unreachable",
    ),
    # --- scheduling ---
    path("staff/<slug:clinic_slug>/availability/", views.availability, name="availability"),
    path(
        "staff/<slug:clinic_slug>/availability/hours/<int:window_id>/remove/",
        views.availability_window_remove_view,
        name="availability_window_remove",
    ),
    path(
        "staff/<slug:clinic_slug>/availability/dates/<int:exception_id>/remove/",
        views.availability_exception_remove_view,
        name="availability_exception_remove",
    ),
    path("staff/<slug:clinic_slug>/closures/", views.closures, name="closures"),
    path(
        "staff/<slug:clinic_slug>/closures/<uuid:closure_id>/remove/",
        views.closure_remove_view,
        name="closure_remove",
    ),
    path("staff/<slug:clinic_slug>/calendar/", views.calendar, name="calendar"),
    path("staff/<slug:clinic_slug>/worklist/<uuid:entry_id>/book/", views.book, name="book"),
    path(
        "staff/<slug:clinic_slug>/worklist/<uuid:entry_id>/checklist/",
        views.checklist_tick_view,
        name="checklist_tick",
    ),
    path(
        "staff/<slug:clinic_slug>/appointments/<uuid:appointment_id>/",
        views.appointment_detail,
        name="appointment",
    ),
    path(
        "staff/<slug:clinic_slug>/appointments/<uuid:appointment_id>/reschedule/",
        views.appointment_reschedule_view,
        name="appointment_reschedule",
    ),
    path(
        "staff/<slug:clinic_slug>/appointments/<uuid:appointment_id>/cancel/",
        views.appointment_cancel_view,
        name="appointment_cancel",
    ),
    path(
        "staff/<slug:clinic_slug>/appointments/<uuid:appointment_id>/mark/",
        views.appointment_mark_view,
        name="appointment_mark",
    ),
    # The patient's own appointments (mounted at the site root, beside intake's /patient/ pages).
    path("patient/appointments/book/<slug:clinic_slug>/", views.patient_book, name="patient_book"),
    path("patient/appointments/<uuid:appointment_id>/", views.patient_appointment, name="patient_appointment"),
    path(
        "patient/appointments/<uuid:appointment_id>/move/",
        views.patient_appointment_move,
        name="patient_appointment_move",
    ),
    path(
        "patient/appointments/<uuid:appointment_id>/cancel/",
        views.patient_appointment_cancel,
        name="patient_appointment_cancel",
    ),
    path(
        "patient/appointments/<uuid:appointment_id>/appointment.ics",
        views.patient_appointment_ics,
        name="patient_appointment_ics",
    ),
]
