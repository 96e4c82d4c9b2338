"""Reads for screening results and review cases (the staff queue comes in a later issue)."""

from __future__ import annotations

from typing import Any

from .models import ReviewCase, ScreeningResult


def result_latest(*, submission: Any) -> ScreeningResult | None:
    """The newest screening result of a submission (re-screening adds versions)."""
    results = getattr(submission, "results", None)
    if results is not None:  # prefetched, newest first
        return results[0] if results else None
    return ScreeningResult.objects.filter(submission=submission).order_by("-version").first()


def case_latest(*, submission: Any) -> ReviewCase | None:
    cases = getattr(submission, "cases", None)
    if cases is not None:
        return cases[0] if cases else None
    return ReviewCase.objects.filter(submission=submission).order_by("-created_at").first()
