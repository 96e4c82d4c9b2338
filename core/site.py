"""The site's public address for links: from SITE_URL, or in development from the request being served.

E-mails are rendered by Celery tasks with no request, so they always use SITE_URL (required in production;
`make run` sets it to the port it serves). A page in development shows the address it was reached on, so
`runserver 8001` never prints links to port 8000.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def public_url(path: str, request: HttpRequest | None = None) -> str:
    """`path` (starting with /) as an absolute URL."""
    if request is not None and not settings.PRODUCTION:
        return request.build_absolute_uri(path)
    return settings.SITE_URL.rstrip("/") + path
