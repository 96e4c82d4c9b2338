"""The Django admin: audit events and policy versions are read-only; writes go through the services."""

import pytest
from django.core import mail
from django.urls import reverse

import core.admin_audit  # noqa: F401 - registers AuditEventAdmin (core/admin.py imports it too)
from clinics.models import Clinic, Invitation, Membership, Role, ScreeningPolicy
from core.audit import audit_record
from core.models import AuditEvent
from tests.factories import UserFactory, login_staff, make_clinic, make_staff, make_superuser

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    user = make_superuser()
    login_staff(client, user)
    return user


def _admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_audit_events_can_be_read_but_never_added_changed_or_deleted(client, operator):
    clinic = make_clinic()
    event = audit_record(action="policy.change", clinic=clinic, actor=operator, detail={"version": 2})

    assert client.get(_admin_url(AuditEvent, "changelist")).status_code == 200
    assert client.get(_admin_url(AuditEvent, "change", event.pk)).status_code == 200  # a read-only view
    assert client.post(_admin_url(AuditEvent, "change", event.pk), {"action": "edited"}).status_code == 403
    assert client.get(_admin_url(AuditEvent, "delete", event.pk)).status_code == 403
    assert client.post(_admin_url(AuditEvent, "delete", event.pk), {"post": "yes"}).status_code == 403
    assert client.get(_admin_url(AuditEvent, "add")).status_code == 403
    bulk = client.post(
        _admin_url(AuditEvent, "changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    event.refresh_from_db()
    assert event.action == "policy.change"
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_policy_versions_can_be_read_but_never_added_changed_or_deleted(client, operator):
    clinic = make_clinic()
    policy = ScreeningPolicy.objects.get(clinic=clinic, version=1)

    assert client.get(_admin_url(ScreeningPolicy, "change", policy.pk)).status_code == 200
    assert client.post(_admin_url(ScreeningPolicy, "change", policy.pk), {"note": "edited"}).status_code == 403
    assert client.get(_admin_url(ScreeningPolicy, "delete", policy.pk)).status_code == 403
    assert client.post(_admin_url(ScreeningPolicy, "delete", policy.pk), {"post": "yes"}).status_code == 403
    assert client.get(_admin_url(ScreeningPolicy, "add")).status_code == 403
    policy.refresh_from_db()
    assert policy.note == "Defaults"


def test_adding_a_clinic_in_the_admin_creates_policy_version_one_and_its_states(client, operator):
    data = {
        "name": "Admin Made Clinic",
        "slug": "admin-made",
        "accepting_patients": "on",
        "description": "",
        "address_line": "1 Test Way",
        "city": "Salem",
        "state": "OR",
        "postal_code": "97301",
        "phone": "503-555-0199",
        "time_zone": "America/Los_Angeles",
        "dea_number": "AB1234563",
        "patient_change_cutoff_hours": "24",
        "served_states-TOTAL_FORMS": "2",
        "served_states-INITIAL_FORMS": "0",
        "served_states-MIN_NUM_FORMS": "0",
        "served_states-MAX_NUM_FORMS": "1000",
        "served_states-0-state": "OR",
        "served_states-1-state": "WA",
    }

    response = client.post(_admin_url(Clinic, "add"), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    clinic = Clinic.objects.get(slug="admin-made")
    assert sorted(clinic.served_states.values_list("state", flat=True)) == ["OR", "WA"]
    policy = ScreeningPolicy.objects.get(clinic=clinic)
    assert policy.version == 1
    assert policy.values["min_age"] == 18
    assert policy.created_by == operator


def test_membership_changes_in_the_admin_keep_the_last_admin_and_are_audited(client, operator):
    clinic = make_clinic()
    admin = make_staff(clinic, Role.CLINIC_ADMIN)
    membership = Membership.objects.get(user=admin)

    response = client.post(
        _admin_url(Membership, "change", membership.pk), {"role": Role.COORDINATOR, "is_active": "on"}
    )

    assert response.status_code == 200
    assert "A clinic needs at least one active clinic admin." in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.CLINIC_ADMIN

    newcomer = UserFactory()
    response = client.post(
        _admin_url(Membership, "add"), {"user": str(newcomer.pk), "clinic": str(clinic.pk), "role": Role.CLINIC_ADMIN}
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="membership.create", actor=operator, clinic=clinic).exists()

    client.post(_admin_url(Membership, "change", membership.pk), {"role": Role.COORDINATOR})  # is_active unticked
    membership.refresh_from_db()
    assert membership.role == Role.COORDINATOR
    assert not membership.is_active
    assert AuditEvent.objects.filter(action="membership.role_change", actor=operator).exists()
    assert AuditEvent.objects.filter(action="membership.deactivate", actor=operator).exists()


def test_invitations_sent_from_the_admin_go_through_the_service(client, operator, django_capture_on_commit_callbacks):
    clinic = make_clinic()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _admin_url(Invitation, "add"),
            {"clinic": str(clinic.pk), "email": "First.Admin@Example.org", "role": "clinic_admin"},
        )

    assert response.status_code == 302
    invitation = Invitation.objects.get(clinic=clinic)
    assert invitation.email == "first.admin@example.org"
    assert invitation.invited_by == operator
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action="invitation.create", object_id=str(invitation.pk)).exists()
    page = client.get(_admin_url(Invitation, "change", invitation.pk))
    assert page.status_code == 200
    assert "/account/invitation/" not in page.content.decode()  # the signed link is never shown
    assert client.post(_admin_url(Invitation, "delete", invitation.pk), {"post": "yes"}).status_code == 403
