"""The load benchmark's ceiling: the cheapest useful Django view on this stack (one row from the database).

Mounted at /bench/bare only when settings.BENCHMARK_ENDPOINTS is true (the load benchmark, benchmarks/load/,
sets it); never in production. It goes through the whole middleware stack like every page, so its rate is what
gunicorn, Django and PostgreSQL can serve on this machine when a view does almost nothing.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET

from clinics.models import Clinic


@require_GET
def bare(request: HttpRequest) -> HttpResponse:
    name = Clinic.objects.order_by("pk").values_list("name", flat=True).first() or ""
    return HttpResponse(name, content_type="text/plain; charset=utf-8")


urlpatterns = [path("bare", bare, name="bare")]
