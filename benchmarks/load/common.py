"""What every part of the load benchmark shares: where things are, the budgets, the two flow exceptions."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ketamine_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/3"
RATIO_BUDGET = 0.25  # printed; no longer a budget (benchmarks/README.md: out of reach by arithmetic)
P95_BUDGET_MS = 100.0  # every page of the mix, sign-in and second factor included (issue 24)
# CPU milliseconds per request: (phase, process or "all" across the machine) -> budget. `make bench` exits 1
# when one is over; the submit's counts the e-mails the worker sends after it.
CPU_BUDGETS_MS = {
    ("bare", "gunicorn"): 2.5,
    ("submit", "all"): 50.0,
    ("mixed", "gunicorn"): 10.0,
}
HOST = "127.0.0.1"
PASSWORD = "bench-password-2026"  # accounts in the benchmark's own database only
CLINIC_SLUG = "bench-load-clinic"
ARTIFACTS = ROOT / "test-artifacts" / "bench"
# Every request of the mix counts as a page, the password checks included (Argon2id: ~20 ms of CPU each).
NOT_PAGES: set[str] = set()
SCENARIO_WEIGHTS = {"eligible": 40, "needs_review": 35, "ineligible": 15, "urgent": 10}
CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


class Stop(Exception):
    """The phase's time or the run's request cap is used up."""


class FlowError(Exception):
    """A page answered something a real user would not get (a 5xx, a wrong redirect, sign-in lost)."""
