"""Django admin for site operators. Writes go through clinics.services so rules and the audit log hold."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from .models import Clinic, Invitation, Membership, Role, ScreeningPolicy, ServedState
from .selectors import clinic_admin_count
from .services import (
    clinic_create,
    invitation_create,
    invitation_revoke,
    membership_add,
    membership_change_role,
    membership_deactivate,
    membership_reactivate,
)


class ServedStateInline(admin.TabularInline):
    model = ServedState
    extra = 1
    verbose_name = "state served"
    verbose_name_plural = "states served (patients must live in one of these)"


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "city", "state", "accepting_patients", "created_at")
    list_filter = ("accepting_patients", "state")
    search_fields = ("name", "slug", "city")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at",)
    inlines = [ServedStateInline]
    fieldsets = (
        (None, {"fields": ("name", "slug", "accepting_patients", "description", "description_es")}),
        ("Appointments", {"fields": ("patient_change_cutoff_hours",)}),
        ("E-mail", {"fields": ("email_sender_name",)}),
        ("Address", {"fields": ("address_line", "city", "state", "postal_code", "phone", "time_zone")}),
        ("Registration", {"fields": ("dea_number", "created_at")}),
    )

    def save_model(self, request: HttpRequest, obj: Clinic, form: forms.ModelForm, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        # A new clinic goes through clinic_create so it starts with policy version 1 (the defaults);
        # the inline's states are saved right after, against the primary key copied onto `obj`.
        skip = {"id", "created_at"}  # the inline formset blanks an unsaved parent's id; clinic_create sets it
        fields = {f.attname: getattr(obj, f.attname) for f in Clinic._meta.concrete_fields if f.name not in skip}
        created = clinic_create(states=[], actor=request.user, **fields)
        obj.pk = created.pk
        obj.refresh_from_db()
        obj._state.adding = False

    def has_delete_permission(self, request: HttpRequest, obj: Clinic | None = None) -> bool:
        return False  # clinics hold audit history and policy versions; stop accepting patients instead


class MembershipAdminForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ("user", "clinic", "role", "is_active")

    def clean(self) -> dict[str, Any]:
        """The friendly form of the services' last-admin rule (the instance still holds the stored row here)."""
        cleaned = super().clean()
        stored = self.instance
        if stored.pk and stored.role == Role.CLINIC_ADMIN and stored.is_active:
            leaves = cleaned.get("role") != Role.CLINIC_ADMIN or not cleaned.get("is_active")
            if leaves and clinic_admin_count(stored.clinic) < 2:
                raise ValidationError(
                    "A clinic needs at least one active clinic admin. Make someone else an admin first."
                )
        return cleaned


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    form = MembershipAdminForm
    list_display = ("user", "clinic", "role", "is_active", "updated_at")
    list_filter = ("role", "is_active", "clinic")
    search_fields = ("user__email", "user__full_name", "clinic__name")
    list_select_related = ("user", "clinic")
    autocomplete_fields = ("user", "clinic")

    def get_readonly_fields(self, request: HttpRequest, obj: Membership | None = None) -> tuple[str, ...]:
        return ("user", "clinic", "created_at", "updated_at") if obj else ()

    def get_fields(self, request: HttpRequest, obj: Membership | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("user", "clinic", "role")
        return ("user", "clinic", "role", "is_active", "created_at", "updated_at")

    def save_model(self, request: HttpRequest, obj: Membership, form: forms.ModelForm, change: bool) -> None:
        """Every write through the services: they keep a clinic admin, end sessions, and audit."""
        if not change:
            created = membership_add(
                clinic=obj.clinic, user=obj.user, role=obj.role, actor=request.user, request=request
            )
            obj.pk = created.pk
            obj.refresh_from_db()
            obj._state.adding = False
            return
        stored = Membership.objects.get(pk=obj.pk)
        if obj.role != stored.role:
            membership_change_role(membership=stored, role=obj.role, actor=request.user, request=request)
        if obj.is_active != stored.is_active:
            if obj.is_active:
                membership_reactivate(membership=stored, actor=request.user, request=request)
            else:
                membership_deactivate(membership=stored, actor=request.user, request=request)
        obj.refresh_from_db()

    def has_delete_permission(self, request: HttpRequest, obj: Membership | None = None) -> bool:
        return False  # deactivate instead: the audit log refers to memberships


class InvitationAdminForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ("clinic", "email", "role")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        clinic, email = cleaned.get("clinic"), cleaned.get("email")
        if clinic and email and Membership.objects.filter(clinic=clinic, user__email__iexact=email.strip()).exists():
            self.add_error("email", "This person is already a member of the clinic.")
        return cleaned

    def validate_unique(self) -> None:
        """invitation_create replaces an open invitation for the same address, so no uniqueness error here."""


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are sent through invitation_create; the signed link is never shown here."""

    form = InvitationAdminForm
    list_display = ("email", "clinic", "role", "invited_by", "created_at", "expires_at", "status")
    list_filter = ("role", "clinic")
    search_fields = ("email", "clinic__name")
    list_select_related = ("clinic", "invited_by")
    actions = ["revoke_selected"]

    @admin.display(description="status")
    def status(self, obj: Invitation) -> str:
        if obj.accepted_at:
            return "accepted"
        if obj.revoked_at:
            return "revoked"
        return "open"

    def get_fields(self, request: HttpRequest, obj: Invitation | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("clinic", "email", "role")
        return ("clinic", "email", "role", "invited_by", "created_at", "expires_at", "accepted_at", "revoked_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Invitation | None = None) -> tuple[str, ...]:
        return self.get_fields(request, obj) if obj else ()

    def save_model(self, request: HttpRequest, obj: Invitation, form: forms.ModelForm, change: bool) -> None:
        created = invitation_create(
            clinic=obj.clinic, email=obj.email, role=obj.role, invited_by=request.user, request=request
        )
        obj.pk = created.pk
        obj.refresh_from_db()
        obj._state.adding = False

    def has_change_permission(self, request: HttpRequest, obj: Invitation | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Invitation | None = None) -> bool:
        return False

    @admin.action(description="Revoke the selected invitations", permissions=["view"])
    def revoke_selected(self, request: HttpRequest, queryset: Any) -> None:
        revoked = 0
        for invitation in queryset.filter(accepted_at__isnull=True, revoked_at__isnull=True):
            invitation_revoke(invitation=invitation, actor=request.user, request=request)
            revoked += 1
        self.message_user(request, f"Revoked {revoked} invitation(s).", messages.SUCCESS)


@admin.register(ScreeningPolicy)
class ScreeningPolicyAdmin(admin.ModelAdmin):
    """Versions are never edited or deleted; a new one is published from the clinic's policy page."""

    list_display = ("clinic", "version", "created_by", "created_at", "note")
    list_filter = ("clinic",)
    search_fields = ("clinic__name", "note")
    list_select_related = ("clinic", "created_by")
    fields = ("clinic", "version", "values", "created_by", "created_at", "note")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ScreeningPolicy | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ScreeningPolicy | None = None) -> bool:
        return False
