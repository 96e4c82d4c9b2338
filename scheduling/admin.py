"""Scheduling in the Django admin: read only; bookings and hours change through the staff pages (audited)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    Appointment,
    AppointmentEvent,
    AvailabilityException,
    AvailabilityWindow,
    PreEvaluationChecklist,
)


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by scheduling's services (audited, overlap-checked); the admin only looks."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AppointmentEventInline(admin.TabularInline):
    model = AppointmentEvent
    fields = ("at", "action", "by", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Appointment)
class AppointmentAdmin(_ReadOnlyAdmin):
    list_display = ("starts_at", "kind", "status", "clinic", "clinician", "created_at")
    list_filter = ("status", "kind", "clinic")
    list_select_related = ("clinic", "clinician")
    date_hierarchy = "starts_at"
    readonly_fields = [f.name for f in Appointment._meta.fields]
    inlines = [AppointmentEventInline]


@admin.register(AvailabilityWindow)
class AvailabilityWindowAdmin(_ReadOnlyAdmin):
    list_display = ("clinician", "clinic", "weekday", "start_time", "end_time")
    list_filter = ("clinic", "weekday")
    list_select_related = ("clinic", "clinician")


@admin.register(AvailabilityException)
class AvailabilityExceptionAdmin(_ReadOnlyAdmin):
    list_display = ("clinician", "clinic", "date", "kind", "start_time", "end_time")
    list_filter = ("clinic", "kind")
    list_select_related = ("clinic", "clinician")


@admin.register(PreEvaluationChecklist)
class PreEvaluationChecklistAdmin(_ReadOnlyAdmin):
    list_display = ("id", "clinic", "labs_received_at", "consent_signed_at", "ride_arranged_at", "evaluation_done_at")
    list_filter = ("clinic",)
    list_select_related = ("clinic",)
