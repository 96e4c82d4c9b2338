"""What every part of the load benchmark shares: where things are, the budgets, the two flow exceptions."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ketamine_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/3"
RATIO_BUDGET = 0.25
P95_BUDGET_MS = 150.0
HOST = "127.0.0.1"
PASSWORD = "bench-password-2026"  # accounts in the benchmark's own database only
CLINIC_SLUG = "bench-load-clinic"
ARTIFACTS = ROOT / "test-artifacts" / "bench"
# Password checks cost CPU by design (Argon2id: ~30 ms; before it PBKDF2: ~0.25 s): shown, but not a "page".
NOT_PAGES = {"POST account:login", "POST account:two_factor"}
SCENARIO_WEIGHTS = {"eligible": 40, "needs_review": 35, "ineligible": 15, "urgent": 10}
CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


class Stop(Exception):
    """The phase's time or the run's request cap is used up."""


class FlowError(Exception):
    """A page answered something a real user would not get (a 5xx, a wrong redirect, sign-in lost)."""
