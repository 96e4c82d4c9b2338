"""Phone numbers: what a patient types, checked and stored as E.164; shown in the national format."""

from __future__ import annotations

import phonenumbers

DEFAULT_REGION = "US"  # a number typed without a country code is a US number


class InvalidPhone(ValueError):
    pass


def phone_normalise(value: str, region: str = DEFAULT_REGION) -> str:
    """ "(503) 555-0123", "503.555.0123" or "+1 503 555 0123" -> "+15035550123"; InvalidPhone otherwise."""
    text = (value or "").strip()
    if not text:
        raise InvalidPhone("empty")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone("unparsable") from exc
    # 555-01xx numbers are valid US numbers kept for fiction and examples, so the demo data can use them.
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone("invalid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_display(e164: str, region: str = DEFAULT_REGION) -> str:
    """ "+15035550123" -> "(503) 555-0123" (international format for a number of another country)."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, region)
    except phonenumbers.NumberParseException:
        return e164  # stored before numbers were checked: show it as it is
    if phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
