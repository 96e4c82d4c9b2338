"""The dashboard's period."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms

from core.forms import optional_date_field

MAX_PERIOD_DAYS = 366


class PeriodForm(forms.Form):
    """The dashboard's period, as local dates in the clinic's time zone (both days included)."""

    start = optional_date_field("From", "2026-11-01")
    end = optional_date_field("To", "2026-11-30")

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"start": today - timedelta(days=29), "end": today})
        super().__init__(*args, **kwargs)
        self.today = today
        self.default_start = today - timedelta(days=29)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        start = cleaned.get("start") or self.default_start
        end = cleaned.get("end") or self.today
        if end < start:
            self.add_error("end", "The end date must be on or after the start date.")
        elif (end - start).days + 1 > MAX_PERIOD_DAYS:
            self.add_error("start", f"Choose a period of at most {MAX_PERIOD_DAYS} days.")
        cleaned["start"], cleaned["end"] = start, end
        return cleaned

    def period(self) -> tuple[date, date]:
        """The valid period, or the default (the last 30 days) when the form has errors."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data["start"], self.cleaned_data["end"]
        return self.default_start, self.today
