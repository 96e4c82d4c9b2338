"""The signed-in person's notifications, mounted at /notifications/."""

from django.urls import path

from . import views_notifications as views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read-all/", views.read_all, name="read_all"),
    path("<uuid:notification_id>/read/", views.read, name="read"),
]
