"""Read-only admin views for support: ids, dates and versions; never the answers themselves."""

from django.contrib import admin

from .models import IntakeDraft, IntakeSubmission


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(IntakeDraft)
class IntakeDraftAdmin(ReadOnlyAdmin):
    list_display = ("id", "clinic", "created_at", "updated_at", "submitted_at")
    list_filter = ("clinic",)
    fields = ("id", "patient", "clinic", "created_at", "updated_at", "submitted_at")


@admin.register(IntakeSubmission)
class IntakeSubmissionAdmin(ReadOnlyAdmin):
    list_display = ("id", "clinic", "version", "consent_version", "consent_language", "submitted_at")
    list_filter = ("clinic", "consent_version", "consent_language")
    fields = ("id", "patient", "clinic", "draft", "version", "consent_version", "consent_language", "submitted_at")
