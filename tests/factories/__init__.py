"""factory_boy factories and sign-in helpers shared by the tests."""

from datetime import UTC

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinics.models import Clinic, Membership, Role
from clinics.services import clinic_create
from core.services import SESSION_LAST_ACTIVITY_KEY, SESSION_STARTED_KEY

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name")
    email_verified = True
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class PatientProfileFactory(factory.django.DjangoModelFactory):
    """Who a patient is (legal name, address, emergency contact); the user's full_name mirrors the legal name."""

    class Meta:
        model = "core.PatientProfile"
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    street = "12 Alder Street"
    city = "Portland"
    state = "OR"
    zip_code = "97201"
    emergency_name = "Jordan Rivera"
    emergency_relationship = "Sister"
    emergency_phone = "+15035550177"

    @factory.post_generation
    def _mirror_name(obj, create, extracted, **kwargs):
        obj.user.full_name = obj.legal_name
        if create:
            obj.user.save(update_fields=["full_name"])


_clinic_seq = iter(range(1, 1_000_000))


def make_clinic(*, name: str | None = None, states: tuple[str, ...] = ("OR",), **fields) -> Clinic:
    n = next(_clinic_seq)
    defaults = {
        "name": name or f"Clinic {n}",
        "slug": f"clinic-{n}",
        "address_line": f"{n} Main Street",
        "city": "Portland",
        "state": states[0],
        "postal_code": "97201",
        "phone": "503-555-0100",
        "time_zone": "America/Los_Angeles",
        "dea_number": "AB1234563",
        "accepting_patients": True,
        "description": "A test clinic.",
    }
    defaults.update(fields)
    return clinic_create(states=list(states), **defaults)


def make_staff(clinic: Clinic, role: str = Role.PSYCHIATRIST, *, with_device: bool = True, **user_fields):
    user = UserFactory(**user_fields)
    Membership.objects.create(user=user, clinic=clinic, role=role)
    if with_device:
        TOTPDevice.objects.create(user=user, name="Authenticator", confirmed=True)
    return user


def current_code(user) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def login_staff(client, user) -> None:
    """Sign a staff member in with password and a verified second factor, as the real flow would."""
    client.force_login(user)
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    # The session's clocks, as core.services.user_sign_in starts them.
    now = timezone.now().timestamp()
    session[SESSION_STARTED_KEY] = now
    session[SESSION_LAST_ACTIVITY_KEY] = now
    session.save()


# --- added for the clinic staff pages ---------------------------------------------------------


def make_superuser(**user_fields):
    """A site operator for the Django admin (no clinic membership), with a second factor."""
    user = UserFactory(is_staff=True, is_superuser=True, **user_fields)
    TOTPDevice.objects.create(user=user, name="Authenticator", confirmed=True)
    return user


def audit_event_at(*, created_at, action: str, clinic=None, actor=None, detail: dict | None = None, **fields):
    """An audit event with a chosen time, chained like core.audit.audit_record (so audit_verify still holds)."""
    from core.audit import GENESIS
    from core.models import AuditEvent

    last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    event = AuditEvent(
        created_at=created_at.astimezone(UTC),  # as read back from the database, so the hash verifies
        actor=actor,
        actor_email=actor.email if actor else "",
        clinic=clinic,
        action=action,
        detail=detail or {},
        prev_hash=last or GENESIS,
        **fields,
    )
    event.hash = event.compute_hash()
    event.save(force_insert=True)
    return event
