"""Read-only admin views for support: outcome, priority, versions and due times; not the findings."""

from django.contrib import admin

from .models import ReviewCase, ScreeningResult


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ScreeningResult)
class ScreeningResultAdmin(ReadOnlyAdmin):
    list_display = ("id", "submission", "version", "ruleset", "policy", "outcome", "priority", "created_at")
    list_filter = ("outcome", "priority", "ruleset")
    fields = ("id", "submission", "version", "ruleset", "policy", "outcome", "priority", "created_at")


@admin.register(ReviewCase)
class ReviewCaseAdmin(ReadOnlyAdmin):
    list_display = ("id", "clinic", "status", "priority", "due_at", "created_at")
    list_filter = ("clinic", "status", "priority")
    fields = ("id", "clinic", "submission", "status", "priority", "due_at", "created_at")
