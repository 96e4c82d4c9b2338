from django.conf import settings
from django.contrib import admin
from django.urls import include, path, reverse_lazy
from django.views.generic import RedirectView
from django_otp.admin import OTPAdminSite

from core import views as core_views
from core import views_language

# The Django admin sees patient records too: it asks for the second factor like every staff page.
admin.site.__class__ = OTPAdminSite

urlpatterns = [
    path("", core_views.home, name="home"),
    path("help-now/", core_views.crisis, name="crisis"),
    path("healthz", core_views.healthz, name="healthz"),
    path("language/", views_language.language_set, name="language_set"),
    # The JavaScript catalogue is a script file like any other: CSP-safe, no inline script.
    path("jsi18n/<str:language>.js", views_language.LanguageCatalog.as_view(), name="javascript_catalog"),
    path("account/", include("core.urls")),
    path("notifications/", include("core.urls_notifications")),
    path("", include("clinics.urls")),
    path("", include("screening.urls")),
    path("", include("scheduling.urls")),
    path("", include("dashboard.urls")),
    path("patient/", include("intake.urls")),
    path("patient/", include("patients.urls")),
    # Bulk Data $export needs the export (screening) and sits under the FHIR base, before its catch-all.
    path("fhir/R4/", include("screening.urls_bulk")),
    path("fhir/R4/", include("intake.urls_fhir")),
    # One sign-in page for everyone (lockout, second factor, audit), the admin's included.
    path("admin/login/", RedirectView.as_view(url=reverse_lazy("account:login"), query_string=True)),
    path("admin/", admin.site.urls),
]

if settings.BENCHMARK_ENDPOINTS:  # benchmarks/load/ only: the bare view it compares pages with
    urlpatterns.append(path("bench/", include(("demo.views_bench", "bench"))))
