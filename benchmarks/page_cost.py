"""CPU, SQL queries and a profile of one request to each page of the load mix, in one process.

    DATABASE_URL=postgres://... .venv/bin/pytest benchmarks/page_cost.py -q -s -p no:cacheprovider [--profile-top 15]

Runs as a pytest session (the test database and the authorization matrix's world: two clinics, staff in every
role, a patient with a submission, a case, a worklist entry, an appointment). Each page: 5 warm-up requests, then
30 timed ones; prints the median CPU (`time.process_time`, this process only: other work on the machine does not
count), the SQL queries of one request, and with PROFILE_TOP=n the n functions cProfile saw take the most
cumulative CPU time in PROFILE_REQUESTS (10) more requests. Not a test of the suite (benchmarks/ is not
collected by `make test`).
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import statistics
import time

import pytest
from django.db import connection
from django.urls import reverse

from intake.scenarios import post_data, scenario
from tests.authz_world import build_world

PROFILE_REQUESTS = int(os.environ.get("PROFILE_REQUESTS", "10"))

# (label, role, url name, the world's kwargs for it)
PAGES = [
    ("GET directory", "anonymous", "clinics:directory", []),
    ("GET clinic page", "anonymous", "clinics:detail", ["slug"]),
    ("GET sign-in", "anonymous", "account:login", []),
    ("GET intake start", "other_clinic_patient", "intake:start", ["slug"]),
    ("GET intake step", "patient", "intake:step", ["draft_id", "step"]),
    ("POST intake step", "patient", "intake:step", ["draft_id", "step"]),
    ("GET patient dashboard", "patient", "patients:dashboard", []),
    ("GET patient's submission", "patient", "patients:submission", ["submission_id"]),
    ("GET staff home", "psychiatrist_a", "clinics:staff_home", []),
    ("GET queue", "psychiatrist_a", "screening:queue", ["clinic_slug"]),
    ("GET screening case", "psychiatrist_a", "screening:case", ["clinic_slug", "case_id"]),
    ("GET inbox", "psychiatrist_a", "notifications:inbox", []),
    ("GET policy", "psychiatrist_a", "screening:policy", ["clinic_slug"]),
    ("GET worklist", "coordinator_a", "scheduling:worklist", ["clinic_slug"]),
    ("GET worklist entry", "coordinator_a", "scheduling:worklist_entry", ["clinic_slug", "entry_id"]),
    ("GET calendar", "coordinator_a", "scheduling:calendar", ["clinic_slug"]),
    ("GET dashboard", "admin_a", "dashboard:dashboard", ["clinic_slug"]),
    ("GET audit log", "admin_a", "clinics:audit_log", ["clinic_slug"]),
    ("GET members", "admin_a", "clinics:members", ["clinic_slug"]),
]


@pytest.fixture
def world(db):
    return build_world()


def _counter(queries: list[str]):
    def wrapper(execute, sql, *args):
        queries.append(sql)
        return execute(sql, *args)

    return wrapper


def _print_profile(profile: cProfile.Profile, label: str, top: int) -> None:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).sort_stats(os.environ.get("PROFILE_SORT", "cumulative"))
    stats.print_stats(top)
    if os.environ.get("PROFILE_CALLEES"):  # e.g. PROFILE_CALLEES="layout.py:577": what that function calls
        stats.print_callees(os.environ["PROFILE_CALLEES"])
    if os.environ.get("PROFILE_CALLERS"):  # e.g. PROFILE_CALLERS="inspect.py:3076": who calls it
        stats.print_callers(os.environ["PROFILE_CALLERS"])
    print(f"\n=== {label}\n" + "\n".join(out.getvalue().splitlines()[6:]))


def test_page_cost(client, world):
    top = int(os.environ.get("PROFILE_TOP", "0"))
    only = os.environ.get("PAGES", "")  # e.g. PAGES="intake step,queue": those pages only
    rows = []
    for label, role, name, kwarg_names in PAGES:
        if only and not any(part.strip() in label for part in only.split(",")):
            continue
        client.logout()
        world.sign_in(client, role)
        kwargs = world.kwargs_for(name, kwarg_names)
        url = reverse(name, kwargs=kwargs)
        if label.startswith("POST"):
            # The step's answers, saved again each time (the wizard redirects to the next step).
            data = post_data(kwargs["step"], scenario("eligible")[kwargs["step"]])
            request, expected = (lambda url=url, data=data: client.post(url, data)), 302
        else:
            request, expected = (lambda url=url: client.get(url)), 200
        for _ in range(5):
            response = request()
        assert response.status_code == expected, (label, url, response.status_code)
        queries: list[str] = []
        with connection.execute_wrapper(_counter(queries)):
            request()
        times = []
        for _ in range(30):
            started = time.process_time()
            request()
            times.append(1000 * (time.process_time() - started))
        rows.append((label, statistics.median(times), len(queries)))
        if top:
            # CPU time, not wall time (other work on the machine would show up as waits), over several requests.
            profile = cProfile.Profile(time.process_time)
            profile.enable()
            for _ in range(PROFILE_REQUESTS):
                request()
            profile.disable()
            _print_profile(profile, f"{label} ({PROFILE_REQUESTS} requests)", top)
    print(f"\n{'page':<28} {'CPU ms':>7} {'queries':>8}")
    for label, cpu, n in rows:
        print(f"{label:<28} {cpu:>7.1f} {n:>8}")
    print(f"{'average':<28} {statistics.mean(r[1] for r in rows):>7.1f}")


def test_submit_cost(db):
    """The wizard's final POST (SUBMITS=20 drafts, each a patient's own, every step answered), in this process:
    the request's CPU only (the e-mails it queues are sent after the commit, by the worker)."""
    from django.test import Client

    from clinics.models import Role
    from intake import steps
    from intake.models import IntakeDraft
    from tests.factories import UserFactory, make_clinic, make_staff

    clinic = make_clinic(name="Harbor Ketamine Clinic", states=("OR", "WA"))
    for role in (Role.PSYCHIATRIST, Role.PSYCHIATRIST, Role.COORDINATOR, Role.CLINIC_ADMIN):
        make_staff(clinic, role)
    answers = scenario("eligible")
    prepared = []
    for _ in range(int(os.environ.get("SUBMITS", "20"))):
        client, patient = Client(), UserFactory()
        client.force_login(patient)
        client.post(reverse("intake:start", args=[clinic.slug]))
        draft = IntakeDraft.objects.get(patient=patient, clinic=clinic)
        for name in steps.ANSWER_STEPS:
            url = reverse("intake:step", kwargs={"draft_id": draft.pk, "step": name})
            assert client.post(url, post_data(name, answers[name])).status_code == 302, name
        prepared.append((client, reverse("intake:step", kwargs={"draft_id": draft.pk, "step": "review"})))
    times, queries = [], []
    top = int(os.environ.get("PROFILE_TOP", "0"))
    profile = cProfile.Profile(time.process_time) if top else None
    for n, (client, url) in enumerate(prepared):
        counted: list[str] = []
        with connection.execute_wrapper(_counter(counted)):
            if profile and n >= len(prepared) // 2:
                profile.enable()
            started = time.process_time()
            response = client.post(url, {"action": "next"})
            times.append(1000 * (time.process_time() - started))
            if profile:
                profile.disable()
        assert response.status_code == 302, response.status_code
        queries.append(len(counted))
    if profile:
        _print_profile(profile, f"POST submit ({len(prepared) - len(prepared) // 2} requests)", top)
    # The first ones load templates and the engine's rules; the profiled ones are slower.
    warm = times[len(times) // 4 : len(times) // 2 if profile else None]
    print(f"\nPOST submit: {statistics.median(warm):.1f} ms CPU (median of {len(warm)}), {queries[-1]} queries")
