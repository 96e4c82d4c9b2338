"""Public directory at /clinics/, staff pages at /staff/ (included at the site root)."""

from django.urls import path

from .views import audit, dashboard, directory, invitations, members, scheduling, staff, worklist

app_name = "clinics"

urlpatterns = [
    path("clinics/", directory.directory, name="directory"),
    path("clinics/<slug:slug>/", directory.clinic_detail, name="detail"),
    # Under /account/ with the other sign-in pages: the link in invitations already sent.
    path("account/invitation/<str:token>/", invitations.invitation_accept, name="invitation_accept"),
    path("staff/", staff.staff_home, name="staff_home"),
    path("staff/<slug:clinic_slug>/members/", members.members, name="members"),
    path("staff/<slug:clinic_slug>/members/<int:membership_id>/role/", members.member_role, name="member_role"),
    path(
        "staff/<slug:clinic_slug>/members/<int:membership_id>/deactivate/",
        members.member_deactivate,
        name="member_deactivate",
    ),
    path(
        "staff/<slug:clinic_slug>/members/<int:membership_id>/reactivate/",
        members.member_reactivate,
        name="member_reactivate",
    ),
    path(
        "staff/<slug:clinic_slug>/invitations/<uuid:invitation_id>/revoke/",
        members.invitation_revoke_view,
        name="invitation_revoke",
    ),
    path("staff/<slug:clinic_slug>/audit/", audit.audit_log, name="audit_log"),
    # --- the coordinators' worklist ---
    path("staff/<slug:clinic_slug>/worklist/", worklist.worklist, name="worklist"),
    path("staff/<slug:clinic_slug>/worklist/<uuid:entry_id>/", worklist.worklist_entry, name="worklist_entry"),
    path(
        "staff/<slug:clinic_slug>/worklist/<uuid:entry_id>/unreachable/",
        worklist.worklist_unreachable,
        name="worklist_unreachable",
    ),
    # --- scheduling ---
    path("staff/<slug:clinic_slug>/availability/", scheduling.availability, name="availability"),
    path(
        "staff/<slug:clinic_slug>/availability/hours/<int:window_id>/remove/",
        scheduling.availability_window_remove_view,
        name="availability_window_remove",
    ),
    path(
        "staff/<slug:clinic_slug>/availability/dates/<int:exception_id>/remove/",
        scheduling.availability_exception_remove_view,
        name="availability_exception_remove",
    ),
    path("staff/<slug:clinic_slug>/calendar/", scheduling.calendar, name="calendar"),
    path("staff/<slug:clinic_slug>/worklist/<uuid:entry_id>/book/", scheduling.book, name="book"),
    path(
        "staff/<slug:clinic_slug>/worklist/<uuid:entry_id>/checklist/",
        scheduling.checklist_tick_view,
        name="checklist_tick",
    ),
    path(
        "staff/<slug:clinic_slug>/appointments/<uuid:appointment_id>/",
        scheduling.appointment_detail,
        name="appointment",
    ),
    path(
        "staff/<slug:clinic_slug>/appointments/<uuid:appointment_id>/reschedule/",
        scheduling.appointment_reschedule_view,
        name="appointment_reschedule",
    ),
    path(
        "staff/<slug:clinic_slug>/appointments/<uuid:appointment_id>/cancel/",
        scheduling.appointment_cancel_view,
        name="appointment_cancel",
    ),
    path(
        "staff/<slug:clinic_slug>/appointments/<uuid:appointment_id>/mark/",
        scheduling.appointment_mark_view,
        name="appointment_mark",
    ),
    path("staff/<slug:clinic_slug>/dashboard/", dashboard.dashboard, name="dashboard"),
    path("staff/<slug:clinic_slug>/dashboard/export.csv", dashboard.export_csv, name="export_csv"),
    # The patient's own appointments (mounted at the site root, beside intake's /patient/ pages).
    path("patient/appointments/book/<slug:clinic_slug>/", scheduling.patient_book, name="patient_book"),
    path("patient/appointments/<uuid:appointment_id>/", scheduling.patient_appointment, name="patient_appointment"),
    path(
        "patient/appointments/<uuid:appointment_id>/move/",
        scheduling.patient_appointment_move,
        name="patient_appointment_move",
    ),
    path(
        "patient/appointments/<uuid:appointment_id>/cancel/",
        scheduling.patient_appointment_cancel,
        name="patient_appointment_cancel",
    ),
    path(
        "patient/appointments/<uuid:appointment_id>/appointment.ics",
        scheduling.patient_appointment_ics,
        name="patient_appointment_ics",
    ),
]
