"""`manage.py demo_totp EMAIL` prints a demo account's current code, and never runs in production."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import UserFactory, current_code, make_clinic, make_staff


@pytest.mark.django_db
def test_it_prints_the_current_code(capsys):
    staff = make_staff(make_clinic())

    call_command("demo_totp", staff.email.upper())

    assert capsys.readouterr().out.strip() == current_code(staff)


@pytest.mark.django_db
def test_it_refuses_in_production(settings):
    settings.PRODUCTION = True
    staff = make_staff(make_clinic())

    with pytest.raises(CommandError, match="development only"):
        call_command("demo_totp", staff.email)


@pytest.mark.django_db
def test_it_refuses_when_the_demo_secret_is_switched_off(settings):
    settings.DEMO_TOTP_ENABLED = False
    staff = make_staff(make_clinic())

    with pytest.raises(CommandError, match="development only"):
        call_command("demo_totp", staff.email)


@pytest.mark.django_db
def test_it_explains_a_missing_account_or_authenticator():
    patient = UserFactory()

    with pytest.raises(CommandError, match="No account uses"):
        call_command("demo_totp", "nobody@example.org")
    with pytest.raises(CommandError, match="no authenticator"):
        call_command("demo_totp", patient.email)
