"""Demo data shown by `make run`. Development only: the passwords and the TOTP secret are public."""

import base64

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinics import access
from clinics.models import ApiToken, Clinic, Membership, Role
from clinics.services import api_token_digest, clinic_create

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - public demo password, refused in production
# The first clinic's EHR key, so the README's FHIR example runs as is (demo data is refused in production).
DEMO_API_KEY = "kci_demo-ehr-key-2026"
# Every demo staff account shares this authenticator secret (RFC 6238 style, 20 bytes).
DEMO_TOTP_KEY_HEX = "6b6574616d696e652d64656d6f2d746f74702d31"
DEMO_TOTP_BASE32 = base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY_HEX)).decode()

CLINICS = [
    {
        "slug": "cedar-ketamine-portland",
        "name": "Cedar Ketamine Clinic",
        "address_line": "1200 SW Morrison Street, Suite 400",
        "city": "Portland",
        "state": "OR",
        "postal_code": "97205",
        "phone": "503-555-0142",
        "time_zone": "America/Los_Angeles",
        "dea_number": "AC1234563",
        "description": "Ketamine infusion therapy for treatment-resistant depression, with psychiatric evaluation "
        "and follow-up in a quiet clinic near downtown Portland.",
        "description_es": "Terapia de infusión de ketamina para la depresión resistente al tratamiento, con evaluación "
        "psiquiátrica y seguimiento en una clínica tranquila cerca del centro de Portland.",
        "states": ["OR", "WA"],
        "staff": {"admin": "Morgan Lee", "psychiatrist": "Dr. Priya Raman", "coordinator": "Sam Ortiz"},
    },
    {
        "slug": "lakeside-ketamine-chicago",
        "name": "Lakeside Ketamine Center",
        "address_line": "233 N Michigan Avenue, Floor 12",
        "city": "Chicago",
        "state": "IL",
        "postal_code": "60601",
        "phone": "312-555-0178",
        "time_zone": "America/Chicago",
        "dea_number": "BL7654329",
        "description": "Psychiatrist-led ketamine treatment for depression that has not responded to other "
        "medicines. Evening appointments available.",
        "description_es": "Tratamiento con ketamina dirigido por psiquiatras para la depresión que no ha mejorado con "
        "otros medicamentos. Hay citas por la tarde.",
        "states": ["IL", "WI", "IN"],
        "staff": {"admin": "Jordan Kim", "psychiatrist": "Dr. Elena Fischer", "coordinator": "Chris Patel"},
    },
]
ROLES = {"admin": Role.CLINIC_ADMIN, "psychiatrist": Role.PSYCHIATRIST, "coordinator": Role.COORDINATOR}


def _user(email: str, full_name: str, **extra: object):
    User = get_user_model()
    user, created = User.objects.get_or_create(email=email, defaults={"full_name": full_name, **extra})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.email_verified = True
        user.save()
    return user


def _demo_device(user) -> None:
    TOTPDevice.objects.update_or_create(
        user=user, name="Demo authenticator", defaults={"key": DEMO_TOTP_KEY_HEX, "confirmed": True}
    )


def _demo_api_key(clinic) -> None:
    admin = access.members(clinic, [Role.CLINIC_ADMIN])[0]
    ApiToken.objects.get_or_create(
        digest=api_token_digest(DEMO_API_KEY),
        defaults={"clinic": clinic, "name": "Demo EHR", "prefix": DEMO_API_KEY[:10], "created_by": admin.user},
    )


@transaction.atomic
def load_demo() -> list[str]:
    if settings.PRODUCTION or not settings.DEMO_TOTP_ENABLED:
        raise ImproperlyConfigured("Demo data is for development only.")
    lines = ["Demo data ready. Open http://127.0.0.1:8000/ and sign in with (password for all: " + DEMO_PASSWORD + "):"]
    _demo_device(_user("admin@demo.example", "Demo Site Admin", is_staff=True, is_superuser=True))
    lines.append("  admin@demo.example                   site admin (Django admin at /admin/)")
    for spec in CLINICS:
        fields = {k: v for k, v in spec.items() if k not in {"states", "staff"}}
        clinic = Clinic.objects.filter(slug=spec["slug"]).first() or clinic_create(states=spec["states"], **fields)
        for key, full_name in spec["staff"].items():
            email = f"{key}@{spec['slug'].split('-')[0]}.demo.example"
            user = _user(email, full_name)
            Membership.objects.get_or_create(user=user, clinic=clinic, defaults={"role": ROLES[key]})
            _demo_device(user)
            lines.append(f"  {email:<36} {ROLES[key].label} at {clinic.name}")
    lines.append("Demo patients (same password), one per state of the flow:")
    from .documents import demo_documents
    from .patients import demo_patients
    from .scheduling import demo_schedule

    for spec in CLINICS:
        clinic = Clinic.objects.get(slug=spec["slug"])
        lines += demo_patients(clinic, DEMO_PASSWORD)
        lines += demo_schedule(clinic)
        lines += demo_documents(clinic)
    _demo_api_key(Clinic.objects.get(slug=CLINICS[0]["slug"]))
    lines.append(f"FHIR endpoint key of {CLINICS[0]['name']}: {DEMO_API_KEY} (README, FHIR).")
    lines.append(
        f"Staff second factor: authenticator secret {DEMO_TOTP_BASE32}, or run "
        "`.venv/bin/python manage.py demo_totp EMAIL` for the current code."
    )
    return lines
