from django.contrib import admin
from django.urls import path

from core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("help-now/", core_views.crisis, name="crisis"),
    path("healthz", core_views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
