"""Matrix entries for clinics: the directory, the invitation link and the staff pages by role."""

from tests.authz.helpers import ALL_STAFF_A, public, signed_in, staff

EXPECTED = {
    # clinics: the public directory, then staff pages by role
    "clinics:invitation_accept": public(),
    "clinics:directory": public(),
    "clinics:detail": public(),
    "clinics:staff_home": signed_in(404, **dict.fromkeys((*ALL_STAFF_A, "staff_b"), 200)),
    "clinics:members": (staff("admin_a"), staff("admin_a", method="post")),
    "clinics:member_role": staff("admin_a", method="post"),
    "clinics:member_deactivate": staff("admin_a", status=302, method="post"),
    "clinics:member_reactivate": staff("admin_a", status=302, method="post"),
    "clinics:invitation_revoke": staff("admin_a", status=302, method="post"),
    "clinics:audit_log": staff("admin_a"),
}
