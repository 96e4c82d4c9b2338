"""Matrix entries for the screening policy page (screening.views_policy)."""

from tests.authz.helpers import Expect, staff

EXPECTED = {
    "screening:policy": (
        staff("admin_a", "psychiatrist_a"),
        Expect(statuses={"anonymous": 302, "admin_a": 200, "psychiatrist_a": 403}, method="post"),
    ),
    "screening:policy_version": staff("admin_a", "psychiatrist_a"),
}
