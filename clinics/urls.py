"""Public directory at /clinics/, staff pages at /staff/ (included at the site root)."""

from django.urls import path

from .views import audit, directory, invitations, members, staff

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
]
