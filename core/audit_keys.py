"""The audit log's MAC keys by id, from the settings (never the database): the current and the previous ones."""

from django.conf import settings


def audit_keys() -> dict[str, bytes]:
    """Every MAC key by id: the current one (AUDIT_KEY_ID) and the previous ones still verified."""
    keys = {str(key_id): str(value).encode() for key_id, value in settings.AUDIT_PREVIOUS_KEYS.items()}
    keys[settings.AUDIT_KEY_ID] = settings.AUDIT_KEY.encode()
    return keys
