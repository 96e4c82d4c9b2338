"""Print the current sign-in code of a demo staff account, so `make run` can be tried without a phone."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Print the current 6-digit TOTP code of a demo user's authenticator (development only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="the demo staff member's e-mail address")

    def handle(self, *args: object, **options: object) -> None:
        if settings.PRODUCTION or not settings.DEMO_TOTP_ENABLED:
            raise CommandError("demo_totp is for development only; it is switched off in production.")
        email = str(options["email"]).strip()
        user = get_user_model().objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No account uses {email}. Run `manage.py load_demo` first.")
        device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
        if device is None:
            raise CommandError(f"{email} has no authenticator set up.")
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
        self.stdout.write(f"{code:0{device.digits}d}")
