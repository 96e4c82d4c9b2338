"""Demo data shown by `make run`. Development only: the password is public."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - public demo password, refused in production


@transaction.atomic
def load_demo() -> list[str]:
    if settings.PRODUCTION:
        raise ImproperlyConfigured("Demo data is for development only.")
    User = get_user_model()
    admin, created = User.objects.get_or_create(
        email="admin@demo.example", defaults={"full_name": "Demo Site Admin", "is_staff": True, "is_superuser": True}
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save()
    return [
        "Demo data ready. Sign in at http://127.0.0.1:8000/ with:",
        f"  admin@demo.example / {DEMO_PASSWORD}  (Django admin at /admin/)",
    ]
