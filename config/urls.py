from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite

from core import views as core_views

# The Django admin sees patient records too: it asks for the second factor like every staff page.
admin.site.__class__ = OTPAdminSite

urlpatterns = [
    path("", core_views.home, name="home"),
    path("help-now/", core_views.crisis, name="crisis"),
    path("healthz", core_views.healthz, name="healthz"),
    path("account/", include("core.urls")),
    path("", include("clinics.urls")),
    path("patient/", include("intake.urls")),
    path("admin/", admin.site.urls),
]
