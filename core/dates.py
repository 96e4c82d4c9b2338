"""Dates typed into a form or a query string: far-future and far-past dates are refused with a message.

Python's dates end at year 9999; a date near either end overflows as soon as a day or a time zone is added
(an OverflowError, a 500). Nothing in a clinic's records is before 1900 or after 2999.
"""

from datetime import date

from django.core.exceptions import ValidationError

EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)
OUT_OF_RANGE = "Enter a date between 1900 and 2999."


def validate_reasonable_date(value: date) -> None:
    if not EARLIEST <= value <= LATEST:
        raise ValidationError(OUT_OF_RANGE, code="out_of_range")


def parse_reasonable_date(raw: str | None) -> date | None:
    """An ISO date (2026-03-31) within 1900-2999, else None."""
    try:
        value = date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    return value if value is not None and EARLIEST <= value <= LATEST else None
