"""Matrix entries for core: the public pages and the account (sign-in, sign-up, second factor, reset)."""

from tests.authz.helpers import Expect, anonymous_only, public, signed_in

EXPECTED = {
    # core
    "home": public(),
    "crisis": public(),
    "healthz": public(),
    "language_set": public(302, "post"),
    "javascript_catalog": public(),
    # account: sign-in, sign-up and token links are public; the rest needs a session
    "account:login": anonymous_only(),
    "account:signup": anonymous_only(),
    "account:logout": public(302, "post"),
    "account:sign_out_everywhere": public(302, "post"),
    "account:two_factor": public(302),  # staff here are verified already, patients never need it
    "account:verify_email": public(),
    "account:verify_email_sent": public(),
    # Only a current e-mailed link unlocks; any other token is refused the same way for everyone.
    "account:unlock": (public(400), public(400, "post")),
    "account:verify_email_resend": public(302, "post"),
    "account:password_reset": public(),
    "account:password_reset_done": public(),
    # A valid link redirects to hide its token; the owner signing in (last_login) makes it stale.
    "account:password_reset_confirm": Expect(statuses={"patient": 200}, default=302),
    "account:password_reset_complete": public(),
    "account:keepalive": Expect(statuses={"anonymous": 401}, default=200, method="post"),
    "account:security": signed_in(),
    "account:contact": (signed_in(), signed_in(method="post")),
    # A patient's details (the record); staff have none and are sent to their account page. An empty post is
    # answered with the form and its errors (200).
    "account:details": (
        signed_in(**dict.fromkeys(("admin_a", "psychiatrist_a", "coordinator_a", "staff_b"), 302)),
        signed_in(method="post", **dict.fromkeys(("admin_a", "psychiatrist_a", "coordinator_a", "staff_b"), 302)),
    ),
}
