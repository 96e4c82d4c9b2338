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


# Words a lock screen must not show next to an e-mail (DESIGN.md, privacy): the care, the drug, the condition.
REVEALING_WORDS = ("ketamine", "psychiatr", "mental", "depress", "suicid", "therap", "esketamine", "spravato", "psych")


def validate_discreet_sender_name(value: str) -> None:
    """An e-mail sender name that says nothing about mental health or ketamine."""
    from django.core.exceptions import ValidationError

    lowered = value.lower()
    found = [word for word in REVEALING_WORDS if word in lowered]
    if found:
        raise ValidationError(
            "Choose a name that says nothing about the care: a patient's phone shows it on the lock screen "
            f"(leave out “{found[0]}”). For example: “Cedar Health” or “Patient Portal”.",
            code="revealing",
        )
