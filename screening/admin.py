"""Read-only admin views for support: outcome, priority, versions and due times; not the findings."""

from django.contrib import admin

from .models import RescreenRun, ReviewCase, ReviewDecision, ScreeningResult


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
    list_display = ("id", "clinic", "status", "priority", "due_at", "claimed_by", "created_at")
    list_filter = ("clinic", "status", "priority")
    fields = ("id", "clinic", "submission", "status", "priority", "due_at", "created_at")


@admin.register(ReviewDecision)
class ReviewDecisionAdmin(ReadOnlyAdmin):
    """Who did what to which case and when; the notes and messages stay on the case page."""

    list_display = ("id", "case", "kind", "by", "at")
    list_filter = ("kind",)
    fields = ("id", "case", "kind", "by", "assignee", "at", "result")


@admin.register(RescreenRun)
class RescreenRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "clinic", "reason", "status", "ruleset", "policy", "done", "total", "created_at")
    list_filter = ("status", "reason")
    fields = (
        "clinic",
        "policy",
        "ruleset",
        "reason",
        "status",
        "triggered_by",
        "created_at",
        "started_at",
        "finished_at",
        "total",
        "done",
        "rescreened",
        "skipped",
        "cases_opened",
        "cases_closed",
        "priority_changed",
        "moves",
    )
