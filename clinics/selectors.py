"""Reads about clinics, staff and policy."""

from django.db.models import Prefetch, QuerySet

from .models import Clinic, Membership, Role, ScreeningPolicy, ServedState


def clinic_directory(*, state: str | None = None) -> QuerySet[Clinic]:
    """Clinics accepting new patients, optionally only those serving `state`."""
    clinics = Clinic.objects.filter(accepting_patients=True)
    if state:
        clinics = clinics.filter(served_states__state=state)
    return clinics.prefetch_related(Prefetch("served_states", queryset=ServedState.objects.order_by("state"))).order_by(
        "name"
    )


def clinics_for_staff(user) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user, is_active=True).select_related("clinic").order_by("clinic__name")


def clinic_members(clinic: Clinic) -> QuerySet[Membership]:
    return clinic.memberships.select_related("user").order_by("-is_active", "role", "user__email")


def clinic_admin_count(clinic: Clinic) -> int:
    return clinic.memberships.filter(role=Role.CLINIC_ADMIN, is_active=True).count()


def policy_current(clinic: Clinic) -> ScreeningPolicy | None:
    return clinic.policies.order_by("-version").first()


def policy_history(clinic: Clinic) -> QuerySet[ScreeningPolicy]:
    return clinic.policies.select_related("created_by").order_by("-version")


def engine_policy(policy: ScreeningPolicy | None):
    """The engine's Policy value for a stored version (defaults when the clinic has none yet)."""
    from screening.rules import Policy

    return Policy.from_dict(policy.values) if policy is not None else Policy()
