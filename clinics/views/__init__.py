"""Clinic pages: the public directory, the invitation link, and the staff area (members, audit log)."""

import uuid
from typing import Any

from django.urls import reverse

_PLACEHOLDER = uuid.UUID(int=0)


def link_around(name: str, id_kwarg: str, **kwargs: Any) -> tuple[str, str]:
    """The URL `name` split around its record id: a list of many records links each one as before + id + after,
    reversed once per page instead of once per row (a full list cost a millisecond per ten rows that way)."""
    url = reverse(name, kwargs={**kwargs, id_kwarg: _PLACEHOLDER})
    before, after = url.split(str(_PLACEHOLDER))
    return before, after
