"""The coordinators' worklist, availability and closures, the calendar and appointments (staff pages).
The patient's own appointments are patients' pages (patients/urls.py)."""

from django.urls import path

from . import views_appointments, views_availability, views_worklist

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
    # --- availability and closures ---
    path("staff/<slug:clinic_slug>/availability/", views_availability.availability, name="availability"),
    path(
        "staff/<slug:clinic_slug>/availability/hours/<int:window_id>/remove/",
        views_availability.availability_window_remove_view,
        name="availability_window_remove",
    ),
    path(
        "staff/<slug:clinic_slug>/availability/dates/<int:exception_id>/remove/",
        views_availability.availability_exception_remove_view,
        name="availability_exception_remove",
    ),
    path("staff/<slug:clinic_slug>/closures/", views_availability.closures, name="closures"),
    path(
        "staff/<slug:clinic_slug>/closures/<uuid:closure_id>/remove/",
        views_availability.closure_remove_view,
        name="closure_remove",
    ),
    # --- appointments ---
    path("staff/<slug:clinic_slug>/calendar/", views_appointments.calendar, name="calendar"),
    path("staff/<slug:clinic_slug>/worklist/<uuid:entry_id>/book/", views_appointments.book, name="book"),
    path(
        "staff/<slug:clinic_slug>/worklist/<uuid:entry_id>/checklist/",
        views_appointments.checklist_tick_view,
        name="checklist_tick",
    ),
    path(
        "staff/<slug:clinic_slug>/appointments/<uuid:appointment_id>/",
        views_appointments.appointment_detail,
        name="appointment",
    ),
    path(
        "staff/<slug:clinic_slug>/appointments/<uuid:appointment_id>/reschedule/",
        views_appointments.appointment_reschedule_view,
        name="appointment_reschedule",
    ),
    path(
        "staff/<slug:clinic_slug>/appointments/<uuid:appointment_id>/cancel/",
        views_appointments.appointment_cancel_view,
        name="appointment_cancel",
    ),
    path(
        "staff/<slug:clinic_slug>/appointments/<uuid:appointment_id>/mark/",
        views_appointments.appointment_mark_view,
        name="appointment_mark",
    ),
]
