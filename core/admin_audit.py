"""The audit log in the Django admin: readable and searchable, never added to, changed or deleted.

Registered when core/admin.py imports this module.
"""

from django.contrib import admin
from django.http import HttpRequest

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "action", "actor_email", "clinic", "object_type", "object_id", "ip_address")
    list_filter = ("action", "clinic", "created_at")
    search_fields = ("actor_email", "action", "object_type", "object_id")
    list_select_related = ("clinic",)
    date_hierarchy = "created_at"
    show_full_result_count = False  # no COUNT(*) over a long log on every page
    fields = (
        "created_at",
        "action",
        "actor",
        "actor_email",
        "clinic",
        "object_type",
        "object_id",
        "ip_address",
        "detail",
        "prev_hash",
        "hash",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
