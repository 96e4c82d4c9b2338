"""The SQL queries of each page of the load benchmark's mix (benchmarks/README.md), signed in as its users.

A page's query count is part of its cost on every request: a change that adds one shows here first. The
numbers are the counts measured when the limits were set (issue 24: the session is no longer written back on
every request); each includes the signed-in request's own reads: session, user, second-factor device,
and on a GET the membership check and the unread badge in one query (one fewer on every signed-in page since).
"""

import pytest
from django.urls import reverse

# (role, url name, the world's kwargs, most queries)
PAGES = [
    ("anonymous", "clinics:directory", [], 2),
    ("anonymous", "clinics:detail", ["slug"], 2),
    ("anonymous", "account:login", [], 0),
    ("other_clinic_patient", "intake:start", ["slug"], 7),  # measured again after the patient-record merge
    ("patient", "intake:step", ["draft_id", "step"], 6),  # measured again after the patient-record merge
    ("patient", "patients:dashboard", [], 13),
    ("patient", "patients:submission", ["submission_id"], 10),  # measured after the record, documents, handoffs merges
    ("psychiatrist_a", "clinics:staff_home", [], 6),
    ("psychiatrist_a", "screening:queue", ["clinic_slug"], 13),
    (
        "psychiatrist_a",
        "screening:case",
        ["clinic_slug", "case_id"],
        17,
    ),  # measured after the record, documents, handoffs merges
    ("psychiatrist_a", "notifications:inbox", [], 6),
    ("psychiatrist_a", "screening:policy", ["clinic_slug"], 7),
    ("coordinator_a", "scheduling:worklist", ["clinic_slug"], 15),
    ("coordinator_a", "scheduling:worklist_entry", ["clinic_slug", "entry_id"], 15),
    ("coordinator_a", "scheduling:calendar", ["clinic_slug"], 12),
    ("admin_a", "dashboard:dashboard", ["clinic_slug"], 6),
    ("admin_a", "clinics:audit_log", ["clinic_slug"], 10),
    ("admin_a", "clinics:members", ["clinic_slug"], 7),
]


@pytest.mark.parametrize(("role", "url_name", "kwarg_names", "most"), PAGES, ids=[p[1] for p in PAGES])
def test_each_page_of_the_mix_runs_at_most_its_queries(
    client, authz_world, role, url_name, kwarg_names, most, django_assert_max_num_queries
):
    authz_world.sign_in(client, role)
    url = reverse(url_name, kwargs=authz_world.kwargs_for(url_name, kwarg_names))
    assert client.get(url).status_code == 200  # the first request after signing in starts the session's clocks

    with django_assert_max_num_queries(most):
        response = client.get(url)

    assert response.status_code == 200


def test_a_signed_in_page_does_not_write_the_session_back(client, authz_world):
    """The activity time is written at most every 30 seconds (core.middleware.activity_resolution)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    authz_world.sign_in(client, "patient")
    url = reverse("patients:dashboard")
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200

    assert not [q for q in queries.captured_queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
