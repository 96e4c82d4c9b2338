"""Passwords are stored with Argon2id at OWASP's parameters; an old PBKDF2 hash is upgraded at sign-in."""

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

PRODUCTION_HASHERS = [
    "core.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]


def test_the_production_settings_put_argon2id_first():
    from django.conf import global_settings

    import config.settings as project

    assert project.PASSWORD_HASHERS == PRODUCTION_HASHERS
    assert project.PASSWORD_HASHERS != global_settings.PASSWORD_HASHERS


def test_a_new_password_is_an_argon2id_hash_with_owasps_parameters(settings):
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS

    encoded = make_password("correct horse battery staple")

    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert check_password("correct horse battery staple", encoded)
    assert not check_password("Correct horse battery staple", encoded)


@pytest.mark.django_db
def test_an_old_pbkdf2_hash_becomes_argon2id_at_the_next_sign_in(client, settings):
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    user = UserFactory()
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    assert identify_hasher(user.password).algorithm == "pbkdf2_sha256"

    response = client.post(reverse("account:login"), {"username": user.email, "password": PASSWORD})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    client.logout()
    again = client.post(reverse("account:login"), {"username": user.email, "password": PASSWORD})
    assert again.status_code == 302 and client.session.get("_auth_user_id") == str(user.pk)
