"""Field checks that give a clear message."""

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError

_DEA = re.compile(r"^[A-Z][A-Z9][0-9]{7}$")


def dea_check_digit_ok(number: str) -> bool:
    digits = [int(c) for c in number[2:]]
    total = digits[0] + digits[2] + digits[4] + 2 * (digits[1] + digits[3] + digits[5])
    return total % 10 == digits[6]


def validate_dea_number(value: str) -> None:
    number = (value or "").strip().upper()
    if not _DEA.match(number):
        raise ValidationError(
            "A DEA registration number is two letters followed by seven digits, for example AB1234563.",
            code="dea_format",
        )
    if not dea_check_digit_ok(number):
        raise ValidationError(
            "This DEA registration number's check digit does not match; please check it for a typo.",
            code="dea_check_digit",
        )


def validate_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"“{value}” is not a known time zone.", code="time_zone") from exc
