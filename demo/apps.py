from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data (`load_demo`, `demo_totp`), `seed_scale` and the benchmark endpoint: tooling that sits on top
    of every app and may import any of them; nothing imports it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "demo"
    verbose_name = "Demo data and benchmarks"
