"""Pages that belong to no one app: home and the health check."""

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


@require_GET
def crisis(request: HttpRequest) -> HttpResponse:
    return render(request, "crisis.html")


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any failure means "down" for a health check
        return "down"
    return "ok"


def _broker_status() -> str:
    if not settings.REDIS_URL:
        return "eager"
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
    except Exception:  # noqa: BLE001
        return "down"
    return "ok"


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and broker status; 200 while the database answers (the broker may recover later)."""
    database = _database_status()
    body = {"database": database, "broker": _broker_status(), "vendor": connection.vendor}
    return JsonResponse(body, status=200 if database == "ok" else 503)
